package sluice.mailauth;

/** A DKIM signature that verified, by its signing domain (the d= tag); DMARC only needs the domain. */
public record DkimPass(String domain) {}

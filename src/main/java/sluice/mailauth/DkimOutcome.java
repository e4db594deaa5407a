package sluice.mailauth;

/**
 * One DKIM signature's verification outcome for Authentication-Results: {@code result} is pass, fail, neutral,
 * temperror, permerror or none; {@code domain} and {@code selector} are its d= and s= tags (null if unknown).
 */
public record DkimOutcome(String result, String domain, String selector) {}

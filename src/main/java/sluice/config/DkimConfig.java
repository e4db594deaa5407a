package sluice.config;

import java.nio.file.Path;

/** One DKIM signing key (used from issue 5 on; parsed and validated now). */
public record DkimConfig(String domain, String selector, Path keyFile) {}

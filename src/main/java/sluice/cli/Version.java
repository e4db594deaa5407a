package sluice.cli;

import picocli.CommandLine;

/**
 * The version `sluice --version` prints: the jar manifest's Implementation-Version, which Maven writes from the pom
 * (the one version source; bin/package names the release after the same value).
 */
final class Version implements CommandLine.IVersionProvider {
    /** The pom's version, or null when not running from the built jar (tests run from target/classes). */
    static String current() {
        return Version.class.getPackage().getImplementationVersion();
    }

    @Override
    public String[] getVersion() {
        String v = current();
        return new String[] {"sluice " + (v != null ? v : "(development build, not from the jar)")};
    }
}

package sluice.config;

import java.nio.file.Path;

/**
 * Transit security of outbound delivery ({@code [delivery]} keys; RFC 8461, 7672, 8689, 8460). Never applied to
 * smarthost routes, which have their own {@code tls} and certificate settings.
 *
 * @param mtaSts            honour published MTA-STS policies ("enforce", the default) or ignore them ("off")
 * @param dane              use DANE where TLSA records validate ("opportunistic", the default) or never ("off")
 * @param dnssecTrustAnchor a file of DS or DNSKEY records to trust instead of the IANA root's; null for the root's
 * @param tlsReports        send RFC 8460 reports to the domains that publish {@code _smtp._tls}
 * @param mtaStsPort        the HTTPS port policies are fetched from (443; tests set another)
 * @param caFile            PEM certificates trusted besides the JDK's store, for MX hosts and policy hosts; or null
 */
public record TransitConfig(String mtaSts, String dane, Path dnssecTrustAnchor, boolean tlsReports, int mtaStsPort,
                            Path caFile) {
    public static final String ENFORCE = "enforce";
    public static final String OFF = "off";
    public static final String OPPORTUNISTIC = "opportunistic";

    public static TransitConfig defaults() {
        return new TransitConfig(ENFORCE, OPPORTUNISTIC, null, true, 443, null);
    }

    public boolean mtaStsOn() {
        return ENFORCE.equals(mtaSts);
    }

    public boolean daneOn() {
        return OPPORTUNISTIC.equals(dane);
    }
}

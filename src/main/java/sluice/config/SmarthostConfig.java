package sluice.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * An upstream relay provider that some or all domains are routed through.
 *
 * @param retryPreferredAfter how long a fallback port is kept before the first (preferred) port is tried again
 * @param caFile              PEM certificates to trust for this host instead of the JDK's default trust store
 * @param verifyCertificate   check the certificate chain and host name (default true)
 */
public record SmarthostConfig(
        List<String> domains,
        String host,
        List<Integer> ports,
        String username,
        Path passwordFile,
        String tls,
        List<Integer> implicitTlsPorts,
        String provider,
        String region,
        Duration retryPreferredAfter,
        Path caFile,
        boolean verifyCertificate) {

    public SmarthostConfig {
        domains = List.copyOf(domains);
        ports = List.copyOf(ports);
        implicitTlsPorts = List.copyOf(implicitTlsPorts);
    }
}

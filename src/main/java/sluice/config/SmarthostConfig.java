package sluice.config;

import java.nio.file.Path;
import java.util.List;

/** An upstream relay provider that some or all domains are routed through. */
public record SmarthostConfig(
        List<String> domains,
        String host,
        List<Integer> ports,
        String username,
        Path passwordFile,
        String tls,
        List<Integer> implicitTlsPorts,
        String provider,
        String region) {

    public SmarthostConfig {
        domains = List.copyOf(domains);
        ports = List.copyOf(ports);
        implicitTlsPorts = List.copyOf(implicitTlsPorts);
    }
}

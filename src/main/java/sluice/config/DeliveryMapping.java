package sluice.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads {@code [delivery]} and its {@code [[delivery.smarthosts]]}. */
final class DeliveryMapping {
    private static final Set<String> PROVIDERS = Set.of("ses", "sendgrid", "mailgun", "powermta");

    private DeliveryMapping() {}

    static DeliveryConfig delivery(Section s, Path dataDir) {
        int mxPort = (int) s.integer("mx_port", 1, 65535, Defaults.MX_PORT);
        List<String> dns = s.list("dns_servers", List.of(), false, DeliveryMapping::dnsServer);
        List<Duration> schedule = s.list("retry_schedule", Defaults.RETRY_SCHEDULE, false, e -> e.duration(false));
        if (s.isEmptyArray("retry_schedule")) {
            s.error("retry_schedule", "must list at least one interval (the last one repeats)");
            schedule = Defaults.RETRY_SCHEDULE;
        }
        Duration lifetime = s.duration("max_queue_lifetime", Defaults.MAX_QUEUE_LIFETIME, false);
        Duration warning = s.duration("delay_warning", Defaults.DELAY_WARNING, true);
        List<SmarthostConfig> smarthosts = s.tables("smarthosts").stream()
                .map(h -> smarthost(h, dataDir))
                .toList();
        boolean paused = s.bool("paused", false);
        int perDestination = (int) s.integer("connections_per_destination", 1, 10_000, Defaults.CONNECTIONS_PER_DESTINATION);
        Duration connect = s.duration("connect_timeout", Defaults.CONNECT_TIMEOUT, false);
        Duration dnsTimeout = s.duration("dns_timeout", Defaults.DNS_TIMEOUT, false);
        Duration replyTimeout = s.duration("reply_timeout", null, false);
        String tls = tlsMode(s, "tls", s.string("tls", Defaults.OUTBOUND_TLS));
        Map<String, String> policy = new LinkedHashMap<>();
        Section table = s.table("tls_policy");
        for (String domain : table.keys()) {
            if (!Names.isHostname(domain)) {
                table.error(domain, "must be a domain name (got \"" + domain + "\")");
                continue;
            }
            policy.put(Names.lower(domain), tlsMode(table, domain, table.string(domain, Defaults.OUTBOUND_TLS)));
        }
        Path bounceRules = s.path("bounce_rules", dataDir, null);
        TransitConfig transit = transit(s, dataDir);
        s.finish();
        return new DeliveryConfig(mxPort, dns, schedule, lifetime, warning, smarthosts, paused, perDestination, connect,
                dnsTimeout, replyTimeout, tls, policy, bounceRules, transit);
    }

    private static TransitConfig transit(Section s, Path dataDir) {
        TransitConfig d = TransitConfig.defaults();
        String mtaSts = s.string("mta_sts", d.mtaSts());
        if (!mtaSts.equals(TransitConfig.ENFORCE) && !mtaSts.equals(TransitConfig.OFF)) {
            s.error("mta_sts", "must be one of enforce, off (got \"" + mtaSts + "\")");
            mtaSts = d.mtaSts();
        }
        String dane = s.string("dane", d.dane());
        if (!dane.equals(TransitConfig.OPPORTUNISTIC) && !dane.equals(TransitConfig.OFF)) {
            s.error("dane", "must be one of opportunistic, off (got \"" + dane + "\")");
            dane = d.dane();
        }
        Path anchor = emptyIsNone(s, "dnssec_trust_anchor", dataDir);
        boolean reports = s.bool("tls_reports", d.tlsReports());
        int port = (int) s.integer("mta_sts_port", 1, 65535, d.mtaStsPort());
        Path ca = emptyIsNone(s, "ca_file", dataDir);
        return new TransitConfig(mtaSts, dane, anchor, reports, port, ca);
    }

    /** A path key whose documented default is "" (none). */
    private static Path emptyIsNone(Section s, String key, Path dataDir) {
        String raw = s.string(key, "");
        return raw.isBlank() ? null : s.path(key, dataDir, null);
    }

    private static String tlsMode(Section s, String key, String value) {
        if (!value.equals("required") && !value.equals("opportunistic")) {
            s.error(key, "must be one of required, opportunistic (got \"" + value + "\")");
            return Defaults.OUTBOUND_TLS;
        }
        return value;
    }

    private static String dnsServer(Section.Element e) {
        String text = e.string();
        if (text == null) return null;
        try {
            HostPort.parse(text, false);
            return text;
        } catch (IllegalArgumentException ex) {
            e.error("must be \"ip\", \"ip:port\" or \"[ipv6]:port\": " + ex.getMessage());
            return null;
        }
    }

    private static SmarthostConfig smarthost(Section s, Path dataDir) {
        List<String> domains = s.list("domains", Defaults.SMARTHOST_DOMAINS, false, e -> {
            String d = e.string();
            if (d == null) return null;
            if (!d.equals("*") && !Names.isHostname(d)) {
                e.error("must be \"*\" or a domain name (got \"" + d + "\")");
                return null;
            }
            return Names.lower(d);
        });
        String provider = s.string("provider", null);
        if (provider != null && !PROVIDERS.contains(provider)) {
            s.error("provider", "must be one of ses, sendgrid, mailgun, powermta (got \"" + provider + "\")");
            provider = null;
        }
        String region = s.string("region", null);
        String host;
        if (s.has("host") || provider == null || provider.equals("powermta")) {
            host = s.requiredString("host");
        } else if (provider.equals("ses")) {
            if (region == null) s.missing("region");
            host = region == null ? null : "email-smtp." + region + ".amazonaws.com";
        } else if (provider.equals("mailgun")) {
            host = "eu".equals(region) ? "smtp.eu.mailgun.org" : "smtp.mailgun.org";
        } else {
            host = "smtp.sendgrid.net";
        }
        if (host != null && !Names.isHostname(host) && IpLiterals.parse(host) == null) {
            s.error(s.has("host") ? "host" : "region", "must give a host name or IP address (got \"" + host + "\")");
        }
        List<Integer> presetPorts = provider == null ? Defaults.SMARTHOST_PORTS : switch (provider) {
            case "ses" -> List.of(587, 2587, 465, 2465, 25);
            case "powermta" -> List.of(25, 587, 2525);
            default -> List.of(587, 2525, 465, 25);
        };
        List<Integer> ports = s.list("ports", presetPorts, false, Section.Element::port);
        if (s.isEmptyArray("ports")) s.error("ports", "must list at least one port");
        String username = s.string("username", null);
        Path passwordFile = s.path("password_file", dataDir, null);
        if (username != null && !s.has("password_file")) {
            s.error("password_file", "required when username is set");
        } else if (username == null && s.has("password_file")) {
            s.error("username", "required when password_file is set");
        }
        String tls = s.string("tls", Defaults.SMARTHOST_TLS);
        if (!tls.equals("required") && !tls.equals("opportunistic")) {
            s.error("tls", "must be one of required, opportunistic (got \"" + tls + "\")");
        }
        List<Integer> implicit = s.list("implicit_tls_ports", Defaults.IMPLICIT_TLS_PORTS, false, Section.Element::port);
        Duration retryPreferred = s.duration("retry_preferred_after", Defaults.SMARTHOST_RETRY_PREFERRED, false);
        Path caFile = s.path("ca_file", dataDir, null);
        boolean verify = s.bool("verify_certificate", true);
        s.finish();
        return new SmarthostConfig(domains, host, ports, username, passwordFile, tls, implicit, provider, region,
                retryPreferred, caFile, verify);
    }
}

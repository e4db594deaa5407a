package sluice.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The [delivery] table and its [[delivery.smarthosts]]. */
final class Delivery {
    private static final Set<String> PROVIDERS = Set.of("ses", "sendgrid", "mailgun", "powermta");

    private Delivery() {}

    static DeliveryConfig read(JsonNode root, Fields f, Path dataDir) {
        JsonNode t = f.table(root, "", "delivery");
        f.checkKeys(t, "delivery", Set.of("mx_port", "dns_servers", "retry_schedule", "max_queue_lifetime",
                "delay_warning", "smarthosts"));
        List<String> dns = f.strings(t, "delivery", "dns_servers", List.of(), false);
        for (int i = 0; i < dns.size(); i++) {
            if (!validServer(dns.get(i))) {
                f.error("delivery.dns_servers[" + i + "]", "must be IP, IP:PORT or [IPv6]:PORT (got " + dns.get(i) + ")");
            }
        }
        List<Duration> retry = new ArrayList<>();
        List<String> raw = f.strings(t, "delivery", "retry_schedule", ConfigLoader.RETRY_DEFAULT, false);
        if (raw.isEmpty()) f.error("delivery.retry_schedule", "must not be empty");
        for (int i = 0; i < raw.size(); i++) {
            Duration d = Fields.parseDuration(com.fasterxml.jackson.databind.node.TextNode.valueOf(raw.get(i)));
            if (d == null || d.isZero()) {
                f.error("delivery.retry_schedule[" + i + "]", "must be a positive duration (got " + raw.get(i) + ")");
            } else {
                retry.add(d);
            }
        }
        return new DeliveryConfig((int) f.integer(t, "delivery", "mx_port", 25, 1, 65535), dns, retry,
                f.duration(t, "delivery", "max_queue_lifetime", Duration.ofDays(5), false),
                f.duration(t, "delivery", "delay_warning", Duration.ofHours(4), true),
                smarthosts(t, f, dataDir));
    }

    private static boolean validServer(String s) {
        if (IpLiterals.parse(s) != null) return true;
        int colon = s.lastIndexOf(':');
        if (colon <= 0) return false;
        String host = s.substring(0, colon);
        if (host.indexOf(':') >= 0 && !(host.startsWith("[") && host.endsWith("]"))) return false;
        try {
            int port = Integer.parseInt(s.substring(colon + 1));
            return port >= 1 && port <= 65535 && IpLiterals.parse(host) != null;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static List<SmarthostConfig> smarthosts(JsonNode delivery, Fields f, Path dataDir) {
        JsonNode arr = delivery == null ? null : delivery.get("smarthosts");
        if (arr == null) return List.of();
        if (!arr.isArray()) {
            f.error("delivery.smarthosts", "must be an array of tables ([[delivery.smarthosts]])");
            return List.of();
        }
        List<SmarthostConfig> out = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            String p = "delivery.smarthosts[" + i + "]";
            JsonNode t = arr.get(i);
            f.checkKeys(t, p, Set.of("domains", "host", "ports", "username", "password_file", "tls", "implicit_tls_ports",
                    "provider", "region"));
            String host = f.string(t, p, "host", null);
            String provider = f.string(t, p, "provider", null);
            if (host == null && provider == null) f.error(p + ".host", "is required");
            if (provider != null && !PROVIDERS.contains(provider)) {
                f.error(p + ".provider", "must be one of ses, sendgrid, mailgun, powermta (got " + provider + ")");
            }
            String tls = f.string(t, p, "tls", "required");
            if (!tls.equals("required") && !tls.equals("opportunistic")) {
                f.error(p + ".tls", "must be required or opportunistic (got " + tls + ")");
            }
            String user = f.string(t, p, "username", null);
            String pwFile = f.string(t, p, "password_file", null);
            if (user != null && pwFile == null) f.error(p + ".password_file", "is required when username is set");
            out.add(new SmarthostConfig(f.strings(t, p, "domains", List.of("*"), false), host,
                    f.ports(t, p, "ports", List.of(587, 2525, 465)), user, ConfigLoader.resolve(dataDir, pwFile), tls,
                    f.ports(t, p, "implicit_tls_ports", List.of(465, 2465)), provider, f.string(t, p, "region", null)));
        }
        return out;
    }
}

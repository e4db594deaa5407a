package sluice.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code [[webhooks]]}:
 * <pre>
 * name                  required; letters, digits, "-", "_" (1-64), unique
 * url                   required; http:// or https:// with a host
 * events                all of delivered, deferred, bounced, expired, suppressed, rejected, received
 * secret_file           "webhooks/NAME.secret" ("whsec_" + base64; generated 0600 when absent)
 * previous_secret_file  none; while rotating, requests carry a signature with each secret
 * ca_file               none; extra PEM trust for an https url
 * timeout               "10s" per request
 * max_in_flight         8 (1-256) requests at once to this endpoint
 * retry_schedule        ["5s","5m","30m","2h","5h","10h","10h"] after the first attempt; the last repeats
 * give_up_after         "28h" (at least the schedule's sum when that is under 1d; at least 1s)
 * breaker_failures      5 consecutive failures open the circuit breaker
 * probe_interval        "30s" between single probe requests while it is open
 * </pre>
 */
final class WebhookMapping {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    static final Duration DEFAULT_GIVE_UP = Duration.ofHours(28);

    private WebhookMapping() {}

    static List<WebhookConfig> webhooks(List<Section> tables, Path dataDir) {
        List<WebhookConfig> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Section t : tables) {
            WebhookConfig w = webhook(t, dataDir);
            if (w == null) continue;
            if (!names.add(w.name())) {
                t.error("name", "another [[webhooks]] is already named \"" + w.name() + "\"");
                continue;
            }
            out.add(w);
        }
        return out;
    }

    private static WebhookConfig webhook(Section t, Path dataDir) {
        boolean ok = true;
        String name = t.requiredString("name");
        if (name != null && !NAME.matcher(name).matches()) {
            t.error("name", "must be 1 to 64 letters, digits, \"-\" or \"_\" (got \"" + name + "\")");
            ok = false;
        }
        URI url = url(t);
        Set<String> events = new LinkedHashSet<>();
        List<String> listed = t.list("events", WebhookConfig.EVENTS, false, e -> {
            String s = e.string();
            if (s == null) return null;
            String v = s.toLowerCase(Locale.ROOT);
            if (!WebhookConfig.EVENTS.contains(v)) {
                e.error("must be one of " + String.join(", ", WebhookConfig.EVENTS) + " (got \"" + s + "\")");
                return null;
            }
            return v;
        });
        events.addAll(listed);
        if (t.isEmptyArray("events")) t.error("events", "must list at least one event (leave it out for all)");
        String file = name == null || !NAME.matcher(name).matches() ? "webhook" : name;
        Path secret = t.path("secret_file", dataDir, dataDir.resolve("webhooks").resolve(file + ".secret").normalize());
        Path previous = t.path("previous_secret_file", dataDir, null);
        if (previous != null && previous.equals(secret)) {
            t.error("previous_secret_file", "must differ from secret_file");
        }
        String ca = t.string("ca_file", "");
        Path caFile = ca.isEmpty() ? null : t.path("ca_file", dataDir, null);
        if (caFile != null && url != null && !"https".equals(url.getScheme())) {
            t.error("ca_file", "is for an https url (got " + url.getScheme() + ")");
        }
        Duration timeout = t.duration("timeout", Duration.ofSeconds(10), false);
        int inFlight = (int) t.integer("max_in_flight", 1, 256, 8);
        List<Duration> schedule = t.list("retry_schedule", WebhookConfig.STANDARD_SCHEDULE, false, e -> e.duration(true));
        if (t.isEmptyArray("retry_schedule")) t.error("retry_schedule", "must list at least one wait");
        Duration giveUp = t.duration("give_up_after", DEFAULT_GIVE_UP, false);
        if (giveUp.compareTo(Duration.ofSeconds(1)) < 0) t.error("give_up_after", "must be at least 1s");
        int breaker = (int) t.integer("breaker_failures", 1, 1_000_000, 5);
        Duration probe = t.duration("probe_interval", Duration.ofSeconds(30), false);
        t.finish();
        if (!ok || name == null || url == null || schedule.isEmpty()) return null;
        return new WebhookConfig(name, url, events, secret, previous, caFile, timeout, inFlight, schedule, giveUp,
                breaker, probe);
    }

    private static URI url(Section t) {
        String s = t.requiredString("url");
        if (s == null) return null;
        try {
            URI u = new URI(s);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                t.error("url", "must be an http:// or https:// URL (got \"" + s + "\")");
                return null;
            }
            if (u.getHost() == null || u.getHost().isEmpty()) {
                t.error("url", "must name a host (got \"" + s + "\")");
                return null;
            }
            return u;
        } catch (URISyntaxException e) {
            t.error("url", "not a valid URL (" + e.getReason() + ")");
            return null;
        }
    }
}

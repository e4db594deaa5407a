package sluice.observe;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import sluice.config.Config;
import sluice.config.IpLiterals;
import sluice.config.ListenerConfig;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * The health of one node as a monitoring system sees it (what {@code sluice check} reports): queue size, the
 * oldest deferred message, the last hour's bounce rate, the certificate's expiry and whether every listener
 * answers. Works beside a running server: the spool is opened read-only and the delivery log only read.
 */
public final class HealthCheck {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    private HealthCheck() {}

    /** Monitoring Plugins states, in order of severity (the ordinal is the plugin's exit code). */
    public enum State { OK, WARNING, CRITICAL, UNKNOWN }

    /** One finding: its state, the words for the summary, its perfdata. */
    public record Finding(State state, String text, String perfdata) {}

    /** Where each measure turns WARNING and CRITICAL. */
    public record Thresholds(long queueWarning, long queueCritical, Duration oldestWarning, Duration oldestCritical,
                             double bounceWarning, double bounceCritical, long certWarning, long certCritical) {}

    /** Measures everything; an exception means the check could not be made (UNKNOWN). */
    public static List<Finding> run(Config config, Thresholds t, Instant now) throws IOException, SpoolException, InterruptedException {
        List<Finding> findings = new ArrayList<>(queue(config, t, now));
        findings.add(bounces(config, t, now));
        findings.add(certificate(config, t, now));
        findings.add(listeners(config));
        return findings;
    }

    /** {@code SLUICE STATE - summary | perfdata}: the worst finding wins and is named first. */
    public static String statusLine(List<Finding> findings) {
        List<Finding> ordered = findings.stream().sorted(Comparator.comparing(Finding::state).reversed()).toList();
        String summary = String.join(", ", ordered.stream().map(Finding::text).toList());
        String perf = String.join(" ", findings.stream().map(Finding::perfdata).filter(p -> !p.isEmpty()).toList());
        return "SLUICE " + worst(findings) + " - " + summary + " | " + perf;
    }

    public static State worst(List<Finding> findings) {
        return findings.stream().map(Finding::state).max(Comparator.naturalOrder()).orElse(State.OK);
    }

    private static List<Finding> queue(Config config, Thresholds t, Instant now) throws SpoolException {
        Duration oldWarn = t.oldestWarning();
        Duration oldCrit = t.oldestCritical();
        long[] count = {0};
        Instant[] oldest = {null};
        Path dir = config.dataDir().resolve("spool");
        if (Files.isDirectory(dir)) {
            try (Spool spool = Spool.openReadOnly(dir)) {
                spool.scan(m -> {
                    count[0]++;
                    // held messages wait for the operator, not for the destination
                    if (m.state().attempts() > 0 && !m.state().held()) {
                        Instant r = m.envelope().received();
                        if (oldest[0] == null || r.isBefore(oldest[0])) oldest[0] = r;
                    }
                });
            }
        }
        long q = count[0];
        State qs = q > t.queueCritical() ? State.CRITICAL : q > t.queueWarning() ? State.WARNING : State.OK;
        String qText = "queue " + q + (qs == State.OK ? "" : " (> " + (qs == State.CRITICAL ? t.queueCritical() : t.queueWarning()) + ")");
        long age = oldest[0] == null ? 0 : Math.max(0, Duration.between(oldest[0], now).toSeconds());
        State as = age > oldCrit.toSeconds() ? State.CRITICAL : age > oldWarn.toSeconds() ? State.WARNING : State.OK;
        String aText = "oldest deferred " + human(age) + (as == State.OK ? ""
                : " (> " + human((as == State.CRITICAL ? oldCrit : oldWarn).toSeconds()) + ")");
        return List.of(
                new Finding(qs, qText, perf("queue_size", q + "", t.queueWarning() + "", t.queueCritical() + "", "0", "")),
                new Finding(as, aText, perf("oldest_deferred", age + "s", oldWarn.toSeconds() + "",
                        oldCrit.toSeconds() + "", "0", "")));
    }

    private static Finding bounces(Config config, Thresholds t, Instant now) throws IOException {
        long[] n = {0, 0}; // delivered, failed (bounced or expired): remote outcomes only, as the alert counts them
        DeliveryLogReader.read(config.log().deliveryLog(), now.minus(Duration.ofHours(1)), e -> {
            String event = e.path("event").asText();
            JsonNode remote = e.get("remote_host");
            if (!Stats.countsTowardBounceRate(event, remote == null || remote.isNull() ? null : remote.asText())) return;
            if (event.equals("delivered")) n[0]++;
            else n[1]++;
        });
        double rate = n[0] + n[1] == 0 ? 0 : 100.0 * n[1] / (n[0] + n[1]);
        State s = rate > t.bounceCritical() ? State.CRITICAL : rate > t.bounceWarning() ? State.WARNING : State.OK;
        String text = String.format(Locale.ROOT, "bounce rate %.1f%% (%d of %d in 1h)", rate, n[1], n[0] + n[1])
                + (s == State.OK ? "" : String.format(Locale.ROOT, " (> %s%%)", num(s == State.CRITICAL ? t.bounceCritical() : t.bounceWarning())));
        return new Finding(s, text, perf("bounce_rate_1h", String.format(Locale.ROOT, "%.2f%%", rate),
                num(t.bounceWarning()), num(t.bounceCritical()), "0", "100"));
    }

    /** Days until the served certificate expires; "d" is no perfdata unit, so the value is a plain number of days. */
    private static Finding certificate(Config config, Thresholds t, Instant now) {
        // The self-signed certificate's place is SelfSignedCertificate's (server package): DATA/tls/selfsigned.crt.
        Path file = config.tls().selfSigned() ? config.dataDir().resolve("tls/selfsigned.crt") : config.tls().certFile();
        if (config.tls().selfSigned() && !Files.exists(file)) {
            return new Finding(State.OK, "no self-signed certificate yet", "");
        }
        X509Certificate cert;
        try (InputStream in = Files.newInputStream(file)) {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificates(in).iterator().next();
        } catch (Exception e) {
            return new Finding(State.CRITICAL, "certificate " + file + " unreadable (" + e.getMessage() + ")", "");
        }
        long days = Math.floorDiv(Duration.between(now, cert.getNotAfter().toInstant()).toSeconds(), 86400);
        State s = days < t.certCritical() ? State.CRITICAL : days < t.certWarning() ? State.WARNING : State.OK;
        String text = days < 0 ? "certificate expired " + (-days) + " d ago" : "certificate expires in " + days + " d";
        if (s != State.OK && days >= 0) text += " (< " + (s == State.CRITICAL ? t.certCritical() : t.certWarning()) + " d)";
        return new Finding(s, text, perf("cert_expiry", days + "", t.certWarning() + ":", t.certCritical() + ":", "", ""));
    }

    private static Finding listeners(Config config) throws InterruptedException {
        List<ListenerConfig> all = config.listeners();
        List<String> down = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Boolean>> up = all.stream().map(l -> pool.submit(() -> reachable(l))).toList();
            for (int i = 0; i < all.size(); i++) {
                boolean ok;
                try {
                    ok = up.get(i).get();
                } catch (java.util.concurrent.ExecutionException e) {
                    ok = false;
                }
                if (!ok) down.add(String.valueOf(all.get(i).port()));
            }
        }
        State s = down.isEmpty() ? State.OK : State.CRITICAL;
        String text = down.isEmpty() ? all.size() + "/" + all.size() + " listeners up"
                : down.size() + " listener(s) down (port " + String.join(", ", down) + ")";
        return new Finding(s, text, perf("listeners_down", down.size() + "", "", "0", "0", all.size() + ""));
    }

    /** A listener on all addresses is tried on the loopback; the embedded default's low ports also at port + 10000. */
    private static boolean reachable(ListenerConfig l) {
        String a = l.address();
        List<String> hosts = a == null ? List.of("127.0.0.1", "::1")
                : a.equals("0.0.0.0") ? List.of("127.0.0.1") : a.equals("::") || a.equals("[::]") ? List.of("::1") : List.of(a);
        List<Integer> ports = l.highPortFallback() && l.port() < 1024 ? List.of(l.port(), l.port() + 10000) : List.of(l.port());
        for (String h : hosts) {
            for (int p : ports) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(IpLiterals.toAddress(h), p), (int) CONNECT_TIMEOUT.toMillis());
                    return true;
                } catch (IOException e) {
                    // try the next address
                }
            }
        }
        return false;
    }

    /** {@code 'label'=value[UOM];warn;crit;min;max}, trailing empty fields dropped. */
    private static String perf(String label, String value, String warn, String crit, String min, String max) {
        String s = "'" + label + "'=" + value + ";" + warn + ";" + crit + ";" + min + ";" + max;
        return s.replaceAll(";+$", "");
    }

    private static String human(long seconds) {
        if (seconds < 120) return seconds + "s";
        if (seconds < 7200) return seconds / 60 + "m";
        if (seconds < 172800) return seconds / 3600 + "h";
        return seconds / 86400 + "d";
    }

    private static String num(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}

package sluice.cli;

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
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sluice.config.Config;
import sluice.config.ConfigException;
import sluice.config.ListenerConfig;
import sluice.observe.DeliveryLogReader;
import sluice.spool.Spool;

/**
 * {@code sluice check}: a Monitoring Plugins (Nagios/Icinga) check. One line, {@code SLUICE STATE - summary | perfdata},
 * exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; the worst finding wins and is named first. Works beside a running
 * server: the spool is opened read-only and the delivery log only read.
 */
@Command(name = "check", description = "Monitoring Plugins (Nagios/Icinga) check: one status line with perfdata; "
        + "exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.")
final class CheckCommand implements Callable<Integer> {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final Pattern DURATION = Pattern.compile("(\\d+)(s|m|h|d)?");

    @Mixin Options options;

    @Option(names = "--queue-warning", paramLabel = "N", defaultValue = "1000", description = "queued messages (default 1000)")
    long queueWarning;
    @Option(names = "--queue-critical", paramLabel = "N", defaultValue = "10000", description = "(default 10000)")
    long queueCritical;
    @Option(names = "--oldest-warning", paramLabel = "DUR", defaultValue = "1h",
            description = "age of the oldest attempted, still pending message (default 1h)")
    String oldestWarning;
    @Option(names = "--oldest-critical", paramLabel = "DUR", defaultValue = "4h", description = "(default 4h)")
    String oldestCritical;
    @Option(names = "--bounce-warning", paramLabel = "PCT", defaultValue = "3",
            description = "bounced / (delivered + bounced) over the last hour, in percent (default 3)")
    double bounceWarning;
    @Option(names = "--bounce-critical", paramLabel = "PCT", defaultValue = "10", description = "(default 10)")
    double bounceCritical;
    @Option(names = "--cert-warning", paramLabel = "DAYS", defaultValue = "14",
            description = "days until the TLS certificate expires (default 14)")
    long certWarning;
    @Option(names = "--cert-critical", paramLabel = "DAYS", defaultValue = "3", description = "(default 3)")
    long certCritical;
    @Option(names = "--warning", paramLabel = "KEY=VALUE", split = ",",
            description = "warning thresholds in one option, e.g. queue=500,oldest=30m,bounce=2,cert=21 (CONTRACT.md form)")
    List<String> warning = new ArrayList<>();
    @Option(names = "--critical", paramLabel = "KEY=VALUE", split = ",",
            description = "critical thresholds in one option, e.g. queue=5000,oldest=2h,bounce=8,cert=5")
    List<String> critical = new ArrayList<>();

    /** Applies --warning/--critical KEY=VALUE lists over the per-metric options. */
    private void applyThresholds(List<String> list, boolean warn) {
        for (String item : list) {
            int eq = item.indexOf('=');
            String key = eq < 0 ? item : item.substring(0, eq).strip();
            String value = eq < 0 ? "" : item.substring(eq + 1).strip();
            try {
                switch (key) {
                    case "queue" -> { if (warn) queueWarning = Long.parseLong(value); else queueCritical = Long.parseLong(value); }
                    case "oldest" -> { if (warn) oldestWarning = value; else oldestCritical = value; }
                    case "bounce" -> { if (warn) bounceWarning = Double.parseDouble(value); else bounceCritical = Double.parseDouble(value); }
                    case "cert" -> { if (warn) certWarning = Long.parseLong(value); else certCritical = Long.parseLong(value); }
                    default -> throw new IllegalArgumentException("unknown threshold \"" + key
                            + "\" (queue, oldest, bounce, cert)");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + (warn ? "warning" : "critical") + " " + key + ": not a number: " + value);
            }
        }
    }

    enum State { OK, WARNING, CRITICAL, UNKNOWN }

    /** One finding: its state, the words for the summary, its perfdata. */
    record Finding(State state, String text, String perfdata) {}

    @Override
    public Integer call() {
        List<Finding> findings = new ArrayList<>();
        try {
            applyThresholds(warning, true);
            applyThresholds(critical, false);
            Config config = options.load();
            Instant now = Instant.now();
            findings.addAll(queue(config, now));
            findings.add(bounces(config, now));
            findings.add(certificate(config, now));
            findings.add(listeners(config));
        } catch (ConfigException e) {
            return unknown(e.errors().isEmpty() ? "configuration error" : e.errors().get(0).toString());
        } catch (Exception e) {
            if (options.debug) e.printStackTrace();
            return unknown(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
        State worst = findings.stream().map(Finding::state).max(Comparator.naturalOrder()).orElse(State.OK);
        List<Finding> ordered = findings.stream().sorted(Comparator.comparing(Finding::state).reversed()).toList();
        String summary = String.join(", ", ordered.stream().map(Finding::text).toList());
        String perf = String.join(" ", findings.stream().map(Finding::perfdata).filter(p -> !p.isEmpty()).toList());
        System.out.println("SLUICE " + worst + " - " + summary + " | " + perf);
        return worst.ordinal();
    }

    static int unknown(String reason) {
        System.out.println("SLUICE UNKNOWN - " + reason.replace('\n', ' ').replace('|', '/'));
        return State.UNKNOWN.ordinal();
    }

    private List<Finding> queue(Config config, Instant now) throws Exception {
        Duration oldWarn = duration("--oldest-warning", oldestWarning);
        Duration oldCrit = duration("--oldest-critical", oldestCritical);
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
        State qs = q > queueCritical ? State.CRITICAL : q > queueWarning ? State.WARNING : State.OK;
        String qText = "queue " + q + (qs == State.OK ? "" : " (> " + (qs == State.CRITICAL ? queueCritical : queueWarning) + ")");
        long age = oldest[0] == null ? 0 : Math.max(0, Duration.between(oldest[0], now).toSeconds());
        State as = age > oldCrit.toSeconds() ? State.CRITICAL : age > oldWarn.toSeconds() ? State.WARNING : State.OK;
        String aText = "oldest deferred " + human(age) + (as == State.OK ? ""
                : " (> " + human((as == State.CRITICAL ? oldCrit : oldWarn).toSeconds()) + ")");
        return List.of(
                new Finding(qs, qText, perf("queue_size", q + "", queueWarning + "", queueCritical + "", "0", "")),
                new Finding(as, aText, perf("oldest_deferred", age + "s", oldWarn.toSeconds() + "",
                        oldCrit.toSeconds() + "", "0", "")));
    }

    private Finding bounces(Config config, Instant now) throws IOException {
        long[] n = {0, 0}; // delivered, bounced
        DeliveryLogReader.read(config.log().deliveryLog(), now.minus(Duration.ofHours(1)), e -> {
            switch (e.path("event").asText()) {
                case "delivered" -> n[0]++;
                case "bounced" -> n[1]++;
                default -> { }
            }
        });
        double rate = n[0] + n[1] == 0 ? 0 : 100.0 * n[1] / (n[0] + n[1]);
        State s = rate > bounceCritical ? State.CRITICAL : rate > bounceWarning ? State.WARNING : State.OK;
        String text = String.format(Locale.ROOT, "bounce rate %.1f%% (%d of %d in 1h)", rate, n[1], n[0] + n[1])
                + (s == State.OK ? "" : String.format(Locale.ROOT, " (> %s%%)", num(s == State.CRITICAL ? bounceCritical : bounceWarning)));
        return new Finding(s, text, perf("bounce_rate_1h", String.format(Locale.ROOT, "%.2f%%", rate),
                num(bounceWarning), num(bounceCritical), "0", "100"));
    }

    /** Days until the served certificate expires; "d" is no perfdata unit, so the value is a plain number of days. */
    private Finding certificate(Config config, Instant now) {
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
        State s = days < certCritical ? State.CRITICAL : days < certWarning ? State.WARNING : State.OK;
        String text = days < 0 ? "certificate expired " + (-days) + " d ago" : "certificate expires in " + days + " d";
        if (s != State.OK && days >= 0) text += " (< " + (s == State.CRITICAL ? certCritical : certWarning) + " d)";
        return new Finding(s, text, perf("cert_expiry", days + "", certWarning + ":", certCritical + ":", "", ""));
    }

    private Finding listeners(Config config) throws InterruptedException {
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
                    s.connect(new InetSocketAddress(sluice.config.IpLiterals.toAddress(h), p), (int) CONNECT_TIMEOUT.toMillis());
                    return true;
                } catch (IOException e) {
                    // try the next address
                }
            }
        }
        return false;
    }

    /** {@code 'label'=value[UOM];warn;crit;min;max}, trailing empty fields dropped. */
    static String perf(String label, String value, String warn, String crit, String min, String max) {
        String s = "'" + label + "'=" + value + ";" + warn + ";" + crit + ";" + min + ";" + max;
        return s.replaceAll(";+$", "");
    }

    static Duration duration(String option, String text) {
        Matcher m = DURATION.matcher(text.strip());
        if (!m.matches()) throw new Failures.UserError(3, option + ": not a duration like 30m, 1h, 2d (got \"" + text + "\")");
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "s" : m.group(2)) {
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofSeconds(n);
        };
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

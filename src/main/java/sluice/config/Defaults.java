package sluice.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Every default value, in one place, so the file loader and the embedded default cannot drift apart. */
final class Defaults {
    static final String DATA_DIR = "./sluice-data";
    static final List<Cidr> TRUSTED_NETWORKS = List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128"));
    static final Duration TLS_RELOAD = Duration.ofSeconds(60);
    static final LimitsConfig LIMITS = new LimitsConfig(26_214_400L, 100, 10_000, 50, 10, 0, 0, 0);
    static final TimeoutsConfig TIMEOUTS = new TimeoutsConfig(
            Duration.ofMinutes(5), Duration.ofMinutes(3), Duration.ofSeconds(30), Duration.ofSeconds(30));
    static final AuthConfig AUTH =
            new AuthConfig(5, Duration.ofMinutes(10), Duration.ofMinutes(10), Duration.ofSeconds(1));
    static final SpoolConfig SPOOL = new SpoolConfig(256L << 20, true);
    static final int MX_PORT = 25;
    static final List<Duration> RETRY_SCHEDULE = List.of(
            Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
            Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(4));
    static final Duration MAX_QUEUE_LIFETIME = Duration.ofDays(5);
    static final Duration DELAY_WARNING = Duration.ofHours(4);
    static final List<String> SMARTHOST_DOMAINS = List.of("*");
    static final List<Integer> SMARTHOST_PORTS = List.of(587, 2525, 465);
    static final List<Integer> IMPLICIT_TLS_PORTS = List.of(465, 2465);
    static final String SMARTHOST_TLS = "required";
    static final Duration SMARTHOST_RETRY_PREFERRED = Duration.ofMinutes(30);
    static final int CONNECTIONS_PER_DESTINATION = 20;
    static final double ALERT_BOUNCE_RATE = 0.03;
    static final int ALERT_MIN_DELIVERIES = 20;
    static final Duration ALERT_QUEUE_GROWTH = Duration.ofMinutes(30);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    static final Duration DNS_TIMEOUT = Duration.ofSeconds(5);
    static final String OUTBOUND_TLS = "opportunistic";
    static final String MAILDIR_ROOT = "mail";
    static final String ADMIN_ADDRESS = "127.0.0.1:8025";
    static final String ADMIN_TOKEN_FILE = "admin.token";
    static final String DELIVERY_LOG = "log/delivery.jsonl";
    static final long LOG_MAX_SIZE = 100L << 20;
    static final boolean LOG_ROTATE_DAILY = true;
    static final Duration LOG_RETENTION = Duration.ofDays(30);
    static final int LOG_MAX_FILES = 0;
    static final boolean LOG_COMPRESS = true;

    private Defaults() {}

    /** 25 mx, 587 submission, 465 submissions, 2525 submission, on every address. */
    static List<ListenerConfig> listeners(boolean highPortFallback) {
        return List.of(
                listener(25, ListenerMode.MX, highPortFallback),
                listener(587, ListenerMode.SUBMISSION, highPortFallback),
                listener(465, ListenerMode.SUBMISSIONS, highPortFallback),
                listener(2525, ListenerMode.SUBMISSION, highPortFallback));
    }

    private static ListenerConfig listener(int port, ListenerMode mode, boolean highPortFallback) {
        return new ListenerConfig(null, port, mode, mode.isSubmission(), false, List.of(), List.of(), highPortFallback);
    }

    /** "localhost" and the host name, lower-cased, without repeating "localhost". */
    static List<String> localDomains(String hostname) {
        List<String> out = new ArrayList<>(List.of("localhost"));
        String h = hostname.toLowerCase(Locale.ROOT);
        if (!out.contains(h)) out.add(h);
        return out;
    }

    /** A data dir as given on the command line or in the file: relative to the working directory. */
    static Path dataDir(Path dir) {
        return dir.toAbsolutePath().normalize();
    }

    static TlsConfig tls() {
        return new TlsConfig(null, null, TLS_RELOAD);
    }

    static DeliveryConfig delivery() {
        return new DeliveryConfig(MX_PORT, List.of(), RETRY_SCHEDULE, MAX_QUEUE_LIFETIME, DELAY_WARNING, List.of(),
                false, CONNECTIONS_PER_DESTINATION, CONNECT_TIMEOUT, DNS_TIMEOUT, null, OUTBOUND_TLS, java.util.Map.of(), null);
    }

    static LocalConfig local(Path dataDir) {
        return new LocalConfig(dataDir.resolve(MAILDIR_ROOT).toString(), Map.of(), Map.of());
    }

    static AdminConfig admin(Path dataDir) {
        return new AdminConfig(ADMIN_ADDRESS, dataDir.resolve(ADMIN_TOKEN_FILE), ALERT_BOUNCE_RATE, ALERT_MIN_DELIVERIES,
                ALERT_QUEUE_GROWTH);
    }

    static LogConfig log(Path dataDir) {
        return new LogConfig(dataDir.resolve(DELIVERY_LOG).normalize());
    }

    /** The configuration of CONTRACT.md's "Embedded default": no file, low ports may move up by 10000. */
    static Config embedded(Path dataDirOverride) {
        Path dataDir = dataDir(dataDirOverride != null ? dataDirOverride : Path.of(DATA_DIR));
        String hostname = SystemHostname.read();
        return new Config(hostname, dataDir, localDomains(hostname), TRUSTED_NETWORKS, listeners(true),
                tls(), LIMITS, TIMEOUTS, AUTH, SPOOL, delivery(), local(dataDir), admin(dataDir), log(dataDir),
                List.of(), ClusterConfig.single(), new MailauthConfig(true, "reject", "refuse", List.of()),
                EgressConfig.NONE, new ShapingConfig(ShapingMapping.shipped(), java.util.Map.of()), null);
    }
}

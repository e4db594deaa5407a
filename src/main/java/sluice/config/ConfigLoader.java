package sluice.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads TOML into {@link Config}, reporting every error at once with file:line and key. Every key and
 * its default is documented once, in README.md ("Configuration"); the defaults live here.
 */
public final class ConfigLoader {
    static final List<String> TRUSTED_DEFAULT = List.of("127.0.0.0/8", "::1/128");
    static final List<String> RETRY_DEFAULT = List.of("5m", "10m", "30m", "1h", "2h", "4h");
    private static final Set<String> TOP = Set.of("hostname", "data_dir", "local_domains", "trusted_networks", "listeners",
            "tls", "limits", "timeouts", "auth", "spool", "delivery", "local", "admin", "log", "dkim", "cluster");

    private ConfigLoader() {}

    /**
     * Loads and validates a config file.
     *
     * @param dataDirOverride the --data-dir option, or null
     * @throws ConfigException with every error found (file, line, key, message)
     */
    public static Config load(Path file, Path dataDirOverride) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigError(file, 0, "(file)", "cannot read: " + e.getMessage())));
        }
        JsonNode root;
        try {
            root = new TomlMapper().readTree(text);
        } catch (JacksonException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            String msg = e.getOriginalMessage().lines().findFirst().orElse("syntax error");
            throw new ConfigException(List.of(new ConfigError(file, line, "(syntax)", "invalid TOML: " + msg)));
        }
        Fields f = new Fields(file, new KeyLines(text));
        Config c = build(root == null ? new TomlMapper().createObjectNode() : root, f, file, dataDirOverride, false);
        if (!f.errors.isEmpty()) throw new ConfigException(f.errors);
        return c;
    }

    /** The embedded default of CONTRACT.md (no config file). */
    public static Config embeddedDefault(Path dataDirOverride) {
        Fields f = new Fields(null, new KeyLines(""));
        Config c = build(new TomlMapper().createObjectNode(), f, null, dataDirOverride, true);
        if (!f.errors.isEmpty()) throw new IllegalStateException("embedded default is invalid: " + f.errors);
        return c;
    }

    /** The host name from the kernel, never from DNS. */
    static String systemHostname() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!h.isEmpty()) return h.toLowerCase(Locale.ROOT);
        } catch (IOException | RuntimeException ignored) {
            // not Linux: fall through
        }
        String env = System.getenv("HOSTNAME");
        return env == null || env.isBlank() ? "localhost" : env.strip().toLowerCase(Locale.ROOT);
    }

    private static Config build(JsonNode root, Fields f, Path source, Path dataDirOverride, boolean embedded) {
        f.checkKeys(root, "", TOP);
        String hostname = f.string(root, "", "hostname", systemHostname()).toLowerCase(Locale.ROOT);
        Path dataDir = (dataDirOverride != null ? dataDirOverride
                : Path.of(f.string(root, "", "data_dir", "./sluice-data"))).toAbsolutePath().normalize();
        List<String> localDomains = new ArrayList<>();
        for (String d : f.strings(root, "", "local_domains", List.of("localhost", hostname), false)) {
            localDomains.add(d.toLowerCase(Locale.ROOT));
        }
        List<Cidr> trusted = f.cidrs(root, "", "trusted_networks", TRUSTED_DEFAULT.stream().map(Cidr::parse).toList());
        List<ListenerConfig> listeners = Listeners.read(root, f, embedded);
        return new Config(hostname, dataDir, localDomains.stream().distinct().toList(), trusted, listeners,
                tls(root, f, dataDir), limits(root, f), timeouts(root, f), auth(root, f), spool(root, f),
                Delivery.read(root, f, dataDir), local(root, f), admin(root, f, dataDir), log(root, f, dataDir),
                dkim(root, f, dataDir), cluster(root, f), source == null ? null : source.toAbsolutePath().normalize());
    }

    static Path resolve(Path dataDir, String p) {
        return p == null ? null : dataDir.resolve(p).toAbsolutePath().normalize();
    }

    private static TlsConfig tls(JsonNode root, Fields f, Path dataDir) {
        JsonNode t = f.table(root, "", "tls");
        f.checkKeys(t, "tls", Set.of("cert_file", "key_file", "reload_interval"));
        String cert = f.string(t, "tls", "cert_file", null);
        String key = f.string(t, "tls", "key_file", null);
        if ((cert == null) != (key == null)) f.error(cert == null ? "tls.key_file" : "tls.cert_file",
                "cert_file and key_file must be given together (neither: a self-signed certificate is generated)");
        return new TlsConfig(resolve(dataDir, cert), resolve(dataDir, key),
                f.duration(t, "tls", "reload_interval", Duration.ofSeconds(60), true));
    }

    private static LimitsConfig limits(JsonNode root, Fields f) {
        JsonNode t = f.table(root, "", "limits");
        f.checkKeys(t, "limits", Set.of("max_message_size", "max_recipients", "max_connections", "max_connections_per_ip",
                "max_errors"));
        long size = f.size(t, "limits", "max_message_size", 26_214_400L);
        if (size < 1024 || size > Integer.MAX_VALUE - 1024L * 1024) {
            f.error("limits.max_message_size", "must be between 1KiB and 2GiB");
            size = 26_214_400L;
        }
        return new LimitsConfig(size,
                (int) f.integer(t, "limits", "max_recipients", 100, 1, 100_000),
                (int) f.integer(t, "limits", "max_connections", 10_000, 1, 1_000_000),
                (int) f.integer(t, "limits", "max_connections_per_ip", 50, 1, 1_000_000),
                (int) f.integer(t, "limits", "max_errors", 10, 1, 1000));
    }

    private static TimeoutsConfig timeouts(JsonNode root, Fields f) {
        JsonNode t = f.table(root, "", "timeouts");
        f.checkKeys(t, "timeouts", Set.of("command", "data", "handshake", "shutdown"));
        return new TimeoutsConfig(
                f.duration(t, "timeouts", "command", Duration.ofMinutes(5), false),
                f.duration(t, "timeouts", "data", Duration.ofMinutes(3), false),
                f.duration(t, "timeouts", "handshake", Duration.ofSeconds(30), false),
                f.duration(t, "timeouts", "shutdown", Duration.ofSeconds(30), true));
    }

    private static AuthConfig auth(JsonNode root, Fields f) {
        JsonNode t = f.table(root, "", "auth");
        f.checkKeys(t, "auth", Set.of("max_failures", "window", "lockout", "failure_delay"));
        return new AuthConfig((int) f.integer(t, "auth", "max_failures", 5, 1, 1000),
                f.duration(t, "auth", "window", Duration.ofMinutes(10), false),
                f.duration(t, "auth", "lockout", Duration.ofMinutes(10), false),
                f.duration(t, "auth", "failure_delay", Duration.ofSeconds(1), true));
    }

    private static SpoolConfig spool(JsonNode root, Fields f) {
        JsonNode t = f.table(root, "", "spool");
        f.checkKeys(t, "spool", Set.of("disk_reserve"));
        return new SpoolConfig(f.size(t, "spool", "disk_reserve", 256L << 20));
    }

    private static LocalConfig local(JsonNode root, Fields f) {
        JsonNode t = f.table(root, "", "local");
        f.checkKeys(t, "local", Set.of("maildir_root", "aliases", "catch_all"));
        Map<String, List<String>> aliases = new LinkedHashMap<>();
        JsonNode a = f.table(t, "local", "aliases");
        if (a != null) {
            a.fieldNames().forEachRemaining(k -> aliases.put(k.toLowerCase(Locale.ROOT),
                    f.strings(a, "local.aliases", k, List.of(), true)));
        }
        Map<String, String> catchAll = new LinkedHashMap<>();
        JsonNode c = f.table(t, "local", "catch_all");
        if (c != null) {
            c.fieldNames().forEachRemaining(k -> {
                String v = f.string(c, "local.catch_all", k, null);
                if (v != null) catchAll.put(k.toLowerCase(Locale.ROOT), v);
            });
        }
        return new LocalConfig(f.string(t, "local", "maildir_root", "mail"), aliases, catchAll);
    }

    private static AdminConfig admin(JsonNode root, Fields f, Path dataDir) {
        JsonNode t = f.table(root, "", "admin");
        f.checkKeys(t, "admin", Set.of("address", "token_file"));
        String address = f.string(t, "admin", "address", "127.0.0.1:8025");
        int colon = address.lastIndexOf(':');
        boolean ok = colon > 0 && IpLiterals.parse(address.substring(0, colon)) != null;
        if (ok) {
            try {
                int port = Integer.parseInt(address.substring(colon + 1));
                ok = port >= 1 && port <= 65535;
            } catch (NumberFormatException e) {
                ok = false;
            }
        }
        if (!ok) f.error("admin.address", "must be IP:PORT with a literal IP, e.g. \"127.0.0.1:8025\" (got " + address + ")");
        return new AdminConfig(address, resolve(dataDir, f.string(t, "admin", "token_file", "admin.token")));
    }

    private static LogConfig log(JsonNode root, Fields f, Path dataDir) {
        JsonNode t = f.table(root, "", "log");
        f.checkKeys(t, "log", Set.of("delivery_log"));
        return new LogConfig(resolve(dataDir, f.string(t, "log", "delivery_log", "log/delivery.jsonl")));
    }

    private static List<DkimConfig> dkim(JsonNode root, Fields f, Path dataDir) {
        JsonNode arr = root.get("dkim");
        if (arr == null) return List.of();
        if (!arr.isArray()) {
            f.error("dkim", "must be an array of tables ([[dkim]])");
            return List.of();
        }
        List<DkimConfig> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < arr.size(); i++) {
            String p = "dkim[" + i + "]";
            JsonNode t = arr.get(i);
            f.checkKeys(t, p, Set.of("domain", "selector", "key_file"));
            String domain = f.string(t, p, "domain", null);
            String selector = f.string(t, p, "selector", null);
            String key = f.string(t, p, "key_file", null);
            if (domain == null) f.error(p + ".domain", "is required");
            if (selector == null) f.error(p + ".selector", "is required");
            if (key == null) f.error(p + ".key_file", "is required");
            if (domain != null && selector != null && !seen.add(domain + "/" + selector)) {
                f.error(p + ".selector", "duplicate domain and selector");
            }
            out.add(new DkimConfig(domain, selector, resolve(dataDir, key)));
        }
        return out;
    }

    private static ClusterConfig cluster(JsonNode root, Fields f) {
        JsonNode t = f.table(root, "", "cluster");
        f.checkKeys(t, "cluster", Set.of("redis"));
        String redis = f.string(t, "cluster", "redis", "");
        if (!redis.isEmpty() && !redis.startsWith("redis://") && !redis.startsWith("rediss://")) {
            f.error("cluster.redis", "must start with redis:// or rediss:// (or be empty for a single node)");
        }
        return new ClusterConfig(redis);
    }
}

package sluice.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Maps a parsed document onto the {@link Config} records: top-level keys and the small tables. */
final class ConfigMapping {
    private ConfigMapping() {}

    static Config map(TomlDocument doc, Path dataDirOverride) throws ConfigException {
        return map(doc, dataDirOverride, false);
    }

    /** @param filesMustExist also refuse named files that are missing or unreadable (check-config, serve) */
    static Config map(TomlDocument doc, Path dataDirOverride, boolean filesMustExist) throws ConfigException {
        return map(doc, dataDirOverride, filesMustExist, new Diagnostics(doc.file(), doc.lines()));
    }

    /** As above, into the caller's diagnostics, which afterwards also know every key asked (DocumentedKeysTest). */
    static Config map(TomlDocument doc, Path dataDirOverride, boolean filesMustExist, Diagnostics diagnostics)
            throws ConfigException {
        Section top = new Section(doc.root(), KeyPath.ROOT, diagnostics);

        String hostname = hostname(top);
        Path dataDir = dataDir(top, dataDirOverride);
        List<String> localDomains = localDomains(top, hostname);
        List<Cidr> trusted = top.list("trusted_networks", Defaults.TRUSTED_NETWORKS, false, Section.Element::cidr);
        List<ListenerConfig> listeners = ListenerMapping.read(top, diagnostics);
        TlsConfig tls = tls(top.table("tls"), dataDir, filesMustExist);
        LimitsConfig limits = limits(top.table("limits"));
        TimeoutsConfig timeouts = timeouts(top.table("timeouts"));
        AuthConfig auth = auth(top.table("auth"));
        SpoolConfig spool = spool(top.table("spool"));
        DeliveryConfig delivery = DeliveryMapping.delivery(top.table("delivery"), dataDir);
        LocalConfig local = LocalMapping.local(top.table("local"), dataDir);
        AdminConfig admin = admin(top.table("admin"), dataDir);
        LogConfig log = log(top.table("log"), dataDir);
        List<DkimConfig> dkim = LocalMapping.dkim(top, dataDir);
        ClusterConfig cluster = cluster(top.table("cluster"), dataDir, filesMustExist);
        MailauthConfig mailauth = mailauth(top.table("mailauth"));
        var warmups = ShapingMapping.warmups(top.table("warmup"));
        Section egressTable = top.table("egress");
        boolean shippedShaping = egressTable.bool("shaping_defaults", true);
        Duration shapingWindow = ShapingMapping.window(egressTable);
        EgressConfig egress = EgressMapping.egress(egressTable, warmups.keySet());
        ShapingConfig shaping = ShapingMapping.shaping(top.tables("shaping"), shippedShaping, warmups, shapingWindow);
        List<WebhookConfig> webhooks = WebhookMapping.webhooks(top.tables("webhooks"), dataDir);
        top.finish();
        diagnostics.throwIfAny();
        Path source = doc.file().toAbsolutePath().normalize();
        return new Config(hostname, dataDir, localDomains, trusted, listeners, tls, limits, timeouts, auth, spool,
                delivery, local, admin, log, dkim, cluster, mailauth, egress, shaping, webhooks, source);
    }

    private static String hostname(Section top) {
        String h = top.string("hostname", null);
        if (h == null) return SystemHostname.read();
        if (!Names.isHostname(h)) {
            top.error("hostname", "must be a host name such as \"mx1.example.com\" (got \"" + h + "\")");
            return SystemHostname.read();
        }
        return h;
    }

    /** --data-dir wins over the file; either, if relative, is taken from the working directory. */
    private static Path dataDir(Section top, Path override) {
        String text = top.string("data_dir", Defaults.DATA_DIR);
        Path fromFile = Path.of(Defaults.DATA_DIR);
        if (text.isBlank()) {
            top.error("data_dir", "must not be empty");
        } else {
            try {
                fromFile = Path.of(text);
            } catch (InvalidPathException e) {
                top.error("data_dir", "not a valid path (" + e.getReason() + ")");
            }
        }
        return Defaults.dataDir(override != null ? override : fromFile);
    }

    private static List<String> localDomains(Section top, String hostname) {
        List<String> given = top.list("local_domains", null, false, e -> {
            String d = e.string();
            if (d == null) return null;
            if (!Names.isHostname(d)) {
                e.error("must be a domain name such as \"example.com\" (got \"" + d + "\")");
                return null;
            }
            return Names.lower(d);
        });
        if (given == null) return Defaults.localDomains(hostname);
        return new ArrayList<>(given.stream().distinct().toList());
    }

    private static TlsConfig tls(Section s, Path dataDir, boolean filesMustExist) {
        Path cert = s.path("cert_file", dataDir, null);
        Path key = s.path("key_file", dataDir, null);
        if (s.has("cert_file") != s.has("key_file")) {
            String absent = s.has("cert_file") ? "key_file" : "cert_file";
            String present = s.has("cert_file") ? "cert_file" : "key_file";
            s.error(absent, "required when " + present + " is set (give both, or neither for a self-signed certificate)");
            cert = null;
            key = null;
        }
        // Found here, not at the first TLS handshake: check-config must refuse what serve would.
        if (filesMustExist && cert != null && !java.nio.file.Files.isReadable(cert)) s.error("cert_file", unreadable(cert));
        if (filesMustExist && key != null && !java.nio.file.Files.isReadable(key)) s.error("key_file", unreadable(key));
        var reload = s.duration("reload_interval", Defaults.TLS_RELOAD, true);
        s.finish();
        return new TlsConfig(cert, key, reload);
    }

    private static String unreadable(Path file) {
        return (java.nio.file.Files.exists(file) ? "cannot read " : "file not found: ") + file;
    }

    private static LimitsConfig limits(Section s) {
        LimitsConfig d = Defaults.LIMITS;
        long size = s.size("max_message_size", 1, d.maxMessageSize());
        int recipients = (int) s.integer("max_recipients", 1, Integer.MAX_VALUE, d.maxRecipients());
        int connections = (int) s.integer("max_connections", 1, Integer.MAX_VALUE, d.maxConnections());
        int perIp = (int) s.integer("max_connections_per_ip", 1, Integer.MAX_VALUE, d.maxConnectionsPerIp());
        int errors = (int) s.integer("max_errors", 1, Integer.MAX_VALUE, d.maxErrors());
        int connRate = (int) s.integer("connections_per_ip_per_minute", 0, Integer.MAX_VALUE, d.connectionsPerIpPerMinute());
        int msgRate = (int) s.integer("messages_per_ip_per_minute", 0, Integer.MAX_VALUE, d.messagesPerIpPerMinute());
        int userRate = (int) s.integer("messages_per_user_per_hour", 0, Integer.MAX_VALUE, d.messagesPerUserPerHour());
        int ipv6Prefix = (int) s.integer("ipv6_prefix", ClientNetwork.MIN_IPV6_PREFIX, ClientNetwork.MAX_IPV6_PREFIX,
                d.ipv6Prefix());
        s.finish();
        return new LimitsConfig(size, recipients, connections, perIp, errors, connRate, msgRate, userRate, ipv6Prefix);
    }

    private static TimeoutsConfig timeouts(Section s) {
        TimeoutsConfig d = Defaults.TIMEOUTS;
        TimeoutsConfig t = new TimeoutsConfig(
                s.duration("command", d.command(), false),
                s.duration("data", d.data(), false),
                s.duration("handshake", d.handshake(), false),
                s.duration("shutdown", d.shutdown(), false));
        s.finish();
        return t;
    }

    private static AuthConfig auth(Section s) {
        AuthConfig d = Defaults.AUTH;
        AuthConfig a = new AuthConfig(
                (int) s.integer("max_failures", 1, Integer.MAX_VALUE, d.maxFailures()),
                s.duration("window", d.window(), false),
                s.duration("lockout", d.lockout(), false),
                s.duration("failure_delay", d.failureDelay(), true));
        s.finish();
        return a;
    }

    private static SpoolConfig spool(Section s) {
        SpoolConfig sp = new SpoolConfig(s.size("disk_reserve", 0, Defaults.SPOOL.diskReserve()),
                s.bool("direct_io", Defaults.SPOOL.directIo()));
        s.finish();
        return sp;
    }

    private static AdminConfig admin(Section s, Path dataDir) {
        String address = s.string("address", Defaults.ADMIN_ADDRESS);
        try {
            HostPort.parse(address, true);
        } catch (IllegalArgumentException e) {
            s.error("address", e.getMessage());
            address = Defaults.ADMIN_ADDRESS;
        }
        Path token = s.path("token_file", dataDir, dataDir.resolve(Defaults.ADMIN_TOKEN_FILE));
        double bounce = s.decimal("alert_bounce_rate", 0, 1, Defaults.ALERT_BOUNCE_RATE);
        int minDeliveries = (int) s.integer("alert_min_deliveries", 0, 1_000_000_000, Defaults.ALERT_MIN_DELIVERIES);
        Duration growth = s.duration("alert_queue_growth", Defaults.ALERT_QUEUE_GROWTH, false);
        long inFlight = s.size("send_bytes_in_flight", 0, 0);
        s.finish();
        return new AdminConfig(address, token, bounce, minDeliveries, growth, inFlight);
    }

    private static LogConfig log(Section s, Path dataDir) {
        Path log = s.path("delivery_log", dataDir, Defaults.log(dataDir).deliveryLog());
        long maxSize = s.size("max_size", 1024, Defaults.LOG_MAX_SIZE);
        boolean daily = s.bool("rotate_daily", Defaults.LOG_ROTATE_DAILY);
        var retention = s.duration("retention", Defaults.LOG_RETENTION, false);
        int maxFiles = (int) s.integer("max_files", 0, Integer.MAX_VALUE, Defaults.LOG_MAX_FILES);
        boolean compress = s.bool("compress", Defaults.LOG_COMPRESS);
        s.finish();
        return new LogConfig(log, maxSize, daily, retention, maxFiles, compress);
    }

    private static MailauthConfig mailauth(Section s) {
        boolean verify = s.bool("verify", true);
        String dmarc = s.string("dmarc_reject", "reject");
        if (!dmarc.equals("reject") && !dmarc.equals("header")) {
            s.error("dmarc_reject", "must be one of reject, header (got \"" + dmarc + "\")");
            dmarc = "reject";
        }
        String suppression = s.string("suppression", "refuse");
        if (!suppression.equals("refuse") && !suppression.equals("drop")) {
            s.error("suppression", "must be one of refuse, drop (got \"" + suppression + "\")");
            suppression = "refuse";
        }
        List<String> dnsbl = s.list("dnsbl", List.of(), false, e -> {
            String zone = e.string();
            if (zone == null) return null;
            if (!Names.isHostname(zone)) {
                e.error("must be a DNS blocklist zone such as \"zen.spamhaus.org\" (got \"" + zone + "\")");
                return null;
            }
            return Names.lower(zone);
        });
        s.finish();
        return new MailauthConfig(verify, dmarc, suppression, dnsbl);
    }

    private static ClusterConfig cluster(Section s, Path dataDir, boolean filesMustExist) {
        String redis = s.string("redis", "");
        if (!redis.isEmpty()) {
            String problem = RedisUrl.problem(redis);
            if (problem != null) {
                s.error("redis", problem);
                redis = "";
            }
        }
        List<HostPort> seeds = s.list("redis_cluster", List.of(), false, e -> {
            String text = e.string();
            if (text == null) return null;
            try {
                return HostPort.parse(text, true);
            } catch (IllegalArgumentException bad) {
                e.error("must be a Redis Cluster node as IP:PORT: " + bad.getMessage());
                return null;
            }
        });
        if (!redis.isEmpty() && !seeds.isEmpty()) {
            s.error("redis_cluster", "set either redis (one server) or redis_cluster (Redis Cluster seed nodes), not both");
        }
        String nodeName = s.string("node_name", "");
        if (!nodeName.isEmpty() && !nodeName.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
            s.error("node_name", "must be 1-63 letters, digits, '.', '_' or '-' (got \"" + nodeName + "\")");
            nodeName = "";
        }
        Double share = null;
        if (s.isString("degraded_share")) {
            String word = s.string("degraded_share", "auto");
            if (!word.equals("auto")) s.error("degraded_share", "must be \"auto\" or a number above 0 and at most 1 (got \"" + word + "\")");
        } else if (s.has("degraded_share")) {
            double d = s.decimal("degraded_share", 0.000001, 1, Double.NaN);
            if (!Double.isNaN(d)) share = d;
        }
        Path passwordFile = s.path("password_file", dataDir, null);
        Path caFile = s.path("ca_file", dataDir, null);
        if (filesMustExist) {
            for (var f : new Object[][]{{"password_file", passwordFile}, {"ca_file", caFile}}) {
                Path path = (Path) f[1];
                if (path != null && !java.nio.file.Files.isReadable(path)) {
                    s.error((String) f[0], "cannot read " + path);
                }
            }
        }
        boolean tls = s.bool("tls", false);
        Duration timeout = s.duration("timeout", ClusterConfig.DEFAULT_TIMEOUT, false);
        if (timeout.compareTo(Duration.ofSeconds(10)) > 0) {
            s.error("timeout", "must be at most 10s: a Redis call must never hold up mail (got " + timeout + ")");
            timeout = ClusterConfig.DEFAULT_TIMEOUT;
        }
        s.finish();
        return new ClusterConfig(redis, seeds, nodeName, share, passwordFile, caFile, tls, timeout);
    }
}

package sluice.config;

import java.nio.file.Path;

/**
 * Reads TOML into {@link Config}, reporting every error at once with file:line and key.
 *
 * <p>Every key, with its default (keys in CONTRACT.md are mandatory, the others are Sluice's own).
 * Durations are "250ms", "30s", "5m", "1h30m", "5d" or an integer of seconds. Sizes are an integer
 * of bytes or "512KiB", "25MiB", "1GiB" (binary) or "10MB" (decimal). Relative paths are resolved
 * against {@code data_dir}; {@code data_dir} and {@code --data-dir} against the working directory.
 * In error messages, array elements are counted from 0: {@code listeners[0]} is the first.
 *
 * <pre>
 * key                                 default
 * hostname                            /proc/sys/kernel/hostname, else $HOSTNAME, else "localhost" (no DNS)
 * data_dir                            "./sluice-data" (--data-dir wins)
 * local_domains                       ["localhost", hostname], lower-cased
 * trusted_networks                    ["127.0.0.0/8", "::1/128"] when absent; [] means none
 * [[listeners]]                       absent: 25 mx, 587 submission, 465 submissions, 2525 submission
 *   address                           all addresses; a literal IP only
 *   port                              required, 1-65535; one socket per address+port
 *   mode                              required: mx | submission | submissions
 *   require_tls                       true for submission and submissions, false for mx
 *   proxy_protocol                    false
 *   proxy_from                        [] (CIDR list; required when proxy_protocol is on)
 *   allow, deny                       [] (CIDR lists)
 * [tls] cert_file, key_file           both absent: self-signed in data_dir; one alone is an error
 * [tls] reload_interval               "60s" ("0" never reloads)
 * [limits] max_message_size           26214400 (25MiB)
 * [limits] max_recipients             100
 * [limits] max_connections            10000
 * [limits] max_connections_per_ip     50
 * [limits] max_errors                 10
 * [limits] ipv6_prefix                64 (32-128): IPv6 clients counted per network by per-IP limits, lockout
 * [timeouts] command                  "5m"
 * [timeouts] data                     "3m"
 * [timeouts] handshake                "30s"
 * [timeouts] shutdown                 "30s"
 * [auth] max_failures                 5
 * [auth] window                       "10m"
 * [auth] lockout                      "10m"
 * [auth] failure_delay                "1s" (0 allowed)
 * [spool] disk_reserve                "256MiB" (0 disables)
 * [spool] direct_io                   true: flushes and compactions bypass the page cache where the file system allows
 * [delivery] mx_port                  25
 * [delivery] dns_servers              [] = system resolvers; "ip", "ip:port", "[v6]:port"
 * [delivery] retry_schedule           ["5m","10m","30m","1h","2h","4h"]; last repeats; not empty
 * [delivery] max_queue_lifetime       "5d"
 * [delivery] delay_warning            "4h" ("0" disables)
 * [delivery] mta_sts                  "enforce" | "off"; dane "opportunistic" | "off"; tls_reports true
 * [delivery] dnssec_trust_anchor      "" (the IANA root's); ca_file "" (JDK store only); mta_sts_port 443
 * [[delivery.smarthosts]]             none
 *   domains                           ["*"]
 *   host                              required
 *   ports                             [587, 2525, 465]
 *   username, password_file           none; each requires the other
 *   tls                               "required" | "opportunistic"
 *   implicit_tls_ports                [465, 2465]
 *   provider                          none; ses | sendgrid | mailgun | powermta
 *   region                            none
 * [local] maildir_root                "mail"
 * [local] aliases                     {} ; "addr" = ["addr", ...] or "addr"
 * [local] catch_all                   {} ; "domain" = "addr"
 * [admin] address                     "127.0.0.1:8025" (literal IP and port)
 * [admin] token_file                  "admin.token"
 * [admin] send_bytes_in_flight        0 (two largest requests, at most 1/8 of the heap, at least one request)
 * [log] delivery_log                  "log/delivery.jsonl"
 * [[dkim]] domain, selector, key_file none; all three required
 * [cluster] redis                     "" (single node); else redis:// or rediss:// with a literal IP
 * [cluster] redis_cluster             [] ; Redis Cluster seeds "IP:PORT" (instead of redis)
 * [cluster] node_name                 "" (the hostname); degraded_share "auto" (1/nodes alive) or 0-1
 * [cluster] password_file, ca_file    none; tls false (redis_cluster seeds); timeout "250ms" (at most 10s)
 * [[webhooks]]                        none; keys in {@link WebhookMapping}
 * </pre>
 */
public final class ConfigLoader {
    private ConfigLoader() {}

    /**
     * Loads and validates a config file.
     *
     * @param dataDirOverride the --data-dir option, or null
     * @throws ConfigException with every error found (file, line, key, message)
     */
    public static Config load(Path file, Path dataDirOverride) throws ConfigException {
        return ConfigMapping.map(TomlDocument.read(file), dataDirOverride);
    }

    /**
     * Problems that other rooms found in a loaded config (alias targets checked against the users, say), as a
     * {@link ConfigException} whose errors name the file, line and key like those of {@link #load}; null when there
     * are none.
     */
    public static ConfigException located(Config config, java.util.List<ConfigProblem> problems) {
        if (problems.isEmpty()) return null;
        KeyLines lines = KeyLines.scan("");
        if (config.source() != null) {
            try {
                lines = KeyLines.scan(java.nio.file.Files.readString(config.source()));
            } catch (java.io.IOException | RuntimeException e) {
                // the lines are a help: without them the errors still name the file and key
            }
        }
        Diagnostics d = new Diagnostics(config.source(), lines);
        for (ConfigProblem p : problems) {
            KeyPath key = KeyPath.ROOT;
            for (String segment : p.key()) key = key.child(segment);
            d.error(key, p.message());
        }
        try {
            d.throwIfAny();
            return null;
        } catch (ConfigException e) {
            return e;
        }
    }

    /**
     * As {@link #load}, and the files the config names for serving ([tls] cert_file and key_file) must exist and be
     * readable: what check-config and serve use, so check-config refuses what serve would. Other commands (and
     * tests) load without touching those files.
     */
    public static Config loadForServing(Path file, Path dataDirOverride) throws ConfigException {
        return ConfigMapping.map(TomlDocument.read(file), dataDirOverride, true);
    }

    /** The embedded default of CONTRACT.md (no config file). */
    public static Config embeddedDefault(Path dataDirOverride) {
        return Defaults.embedded(dataDirOverride);
    }
}

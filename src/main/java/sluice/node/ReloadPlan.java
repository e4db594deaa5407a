package sluice.node;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import sluice.config.Config;
import sluice.config.LimitsConfig;
import sluice.config.LocalConfig;
import sluice.config.ShapingConfig;

/**
 * What a reload (SIGHUP) may change in a running node, decided from the old and the new config alone.
 *
 * <p>Live: {@code [tls]} (certificates), {@code [limits]} (except {@code ipv6_prefix}), {@code [auth]},
 * {@code trusted_networks}, {@code [local] aliases} and {@code catch_all}, {@code [[dkim]]} (keys re-read),
 * {@code [shaping]} rules, {@code [[webhooks]]} (when the node started with some: the senders run). Users are re-read
 * on every reload. Everything else was built into a part that only a restart
 * makes again (listeners are bound, the spool and log are open, delivery's routes, resolvers and pools are built, the
 * cluster is joined): a change there is named, and the node keeps running on the old value. Per-IP and per-user
 * rates and the AUTH thresholds are counted for the whole fleet in a cluster, under the limits it started with:
 * a change there needs a restart of every node.
 *
 * @param live         what will be applied now, by name as in the config file
 * @param needsRestart what changed but is kept as it was until a restart, by name as in the config file
 */
record ReloadPlan(List<String> live, List<String> needsRestart) {
    ReloadPlan {
        live = List.copyOf(live);
        needsRestart = List.copyOf(needsRestart);
    }

    static ReloadPlan of(Config old, Config next) {
        return of(old, next, !old.webhooks().isEmpty());
    }

    /** @param webhooksRunning whether the node started its webhook senders (it did when it started with endpoints) */
    static ReloadPlan of(Config old, Config next, boolean webhooksRunning) {
        List<String> live = new ArrayList<>();
        List<String> restart = new ArrayList<>();
        boolean cluster = old.cluster().enabled();
        for (RecordComponent c : Config.class.getRecordComponents()) {
            String name = c.getName();
            Object was = value(c, old), now = value(c, next);
            if (Objects.equals(was, now)) continue;
            switch (name) {
                case "source" -> { } // the same file, or a --config given again: not a setting
                case "tls" -> live.add("[tls]");
                case "trustedNetworks" -> live.add("trusted_networks");
                case "dkim" -> live.add("[[dkim]]");
                case "webhooks" -> (webhooksRunning ? live : restart).add("[[webhooks]]");
                case "auth" -> (cluster ? restart : live).add("[auth]");
                case "limits" -> limits(old.limits(), next.limits(), cluster, live, restart);
                case "local" -> local(old.local(), next.local(), live, restart);
                case "shaping" -> shaping(old.shaping(), next.shaping(), live, restart);
                default -> restart.add(key(name));
            }
        }
        return new ReloadPlan(live, restart);
    }

    private static void limits(LimitsConfig was, LimitsConfig now, boolean cluster, List<String> live,
                               List<String> restart) {
        if (was.ipv6Prefix() != now.ipv6Prefix()) restart.add("[limits] ipv6_prefix");
        boolean rates = was.connectionsPerIpPerMinute() != now.connectionsPerIpPerMinute()
                || was.messagesPerIpPerMinute() != now.messagesPerIpPerMinute()
                || was.messagesPerUserPerHour() != now.messagesPerUserPerHour();
        if (rates && cluster) restart.add("[limits] per-IP and per-user rates (shared by the cluster)");
        LimitsConfig rest = new LimitsConfig(now.maxMessageSize(), now.maxRecipients(), now.maxConnections(),
                now.maxConnectionsPerIp(), now.maxErrors(), was.connectionsPerIpPerMinute(),
                was.messagesPerIpPerMinute(), was.messagesPerUserPerHour(), was.ipv6Prefix());
        if ((rates && !cluster) || !rest.equals(was)) live.add("[limits]");
    }

    private static void local(LocalConfig was, LocalConfig now, List<String> live, List<String> restart) {
        if (!Objects.equals(was.maildirRoot(), now.maildirRoot())) restart.add("[local] maildir_root");
        if (!was.aliases().equals(now.aliases())) live.add("[local] aliases");
        if (!was.catchAll().equals(now.catchAll())) live.add("[local] catch_all");
    }

    private static void shaping(ShapingConfig was, ShapingConfig now, List<String> live, List<String> restart) {
        if (!rulesOf(was).equals(rulesOf(now))) live.add("[[shaping]]");
        if (!was.warmups().equals(now.warmups())) restart.add("[warmup]");
        if (!Objects.equals(was.window(), now.window())) restart.add("[egress] shaping_window");
    }

    /** The rules without where they were written: moving a rule down the file is no change. */
    static List<ShapingConfig.Rule> rulesOf(ShapingConfig s) {
        return s.rules().stream().map(r -> new ShapingConfig.Rule(r.match(), r.group(), r.maxConnections(),
                r.maxMessagesPerConnection(), r.messageRate(), r.connectionRate(), r.tls(), r.backoff(), r.suspendFor(),
                "")).toList();
    }

    private static Object value(RecordComponent c, Config config) {
        try {
            return c.getAccessor().invoke(config);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + c.getName() + " of the config", e);
        }
    }

    /** The config file's name of a {@link Config} component: a table, or a top-level key. */
    private static String key(String component) {
        return switch (component) {
            case "hostname" -> "hostname";
            case "dataDir" -> "data_dir";
            case "localDomains" -> "local_domains";
            case "listeners" -> "[[listeners]]";
            case "webhooks" -> "[[webhooks]]";
            
            default -> "[" + component + "]";
        };
    }

    /**
     * The config the node runs on after the reload: {@code next} where a change is live, {@code old} where only a
     * restart can change it (so a new hostname, say, is not half in force). A later reload still names those.
     */
    static Config effective(Config old, Config next, boolean webhooksRunning) {
        boolean cluster = old.cluster().enabled();
        LimitsConfig l = next.limits(), o = old.limits();
        LimitsConfig limits = new LimitsConfig(l.maxMessageSize(), l.maxRecipients(), l.maxConnections(),
                l.maxConnectionsPerIp(), l.maxErrors(),
                cluster ? o.connectionsPerIpPerMinute() : l.connectionsPerIpPerMinute(),
                cluster ? o.messagesPerIpPerMinute() : l.messagesPerIpPerMinute(),
                cluster ? o.messagesPerUserPerHour() : l.messagesPerUserPerHour(), o.ipv6Prefix());
        LocalConfig local = new LocalConfig(old.local().maildirRoot(), next.local().aliases(), next.local().catchAll());
        ShapingConfig shaping = new ShapingConfig(next.shaping().rules(), old.shaping().warmups(), old.shaping().window());
        return new Config(old.hostname(), old.dataDir(), old.localDomains(), next.trustedNetworks(), old.listeners(),
                next.tls(), limits, old.timeouts(), cluster ? old.auth() : next.auth(), old.spool(), old.delivery(),
                local, old.admin(), old.log(), next.dkim(), old.cluster(), old.mailauth(), old.egress(), shaping,
                webhooksRunning ? next.webhooks() : old.webhooks(), next.source());
    }

    boolean changedNothing() {
        return live.isEmpty() && needsRestart.isEmpty();
    }
}

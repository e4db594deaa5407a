package sluice.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The whole configuration tree, immutable. Built by {@link ConfigLoader} from a TOML file or from the
 * embedded default. Relative paths in the file are already resolved against {@code dataDir}.
 *
 * @param webhooks the {@code [[webhooks]]} endpoints ({@link WebhookMapping})
 * @param source the file it came from, or null for the embedded default
 */
public record Config(
        String hostname,
        Path dataDir,
        List<String> localDomains,
        List<Cidr> trustedNetworks,
        List<ListenerConfig> listeners,
        TlsConfig tls,
        LimitsConfig limits,
        TimeoutsConfig timeouts,
        AuthConfig auth,
        SpoolConfig spool,
        DeliveryConfig delivery,
        LocalConfig local,
        AdminConfig admin,
        LogConfig log,
        List<DkimConfig> dkim,
        ClusterConfig cluster,
        MailauthConfig mailauth,
        EgressConfig egress,
        ShapingConfig shaping,
        List<WebhookConfig> webhooks,
        Path source) {

    public Config {
        localDomains = List.copyOf(localDomains);
        trustedNetworks = List.copyOf(trustedNetworks);
        listeners = List.copyOf(listeners);
        dkim = List.copyOf(dkim);
        webhooks = List.copyOf(webhooks);
    }

    /** A configuration without webhooks. */
    public Config(String hostname, Path dataDir, List<String> localDomains, List<Cidr> trustedNetworks,
                  List<ListenerConfig> listeners, TlsConfig tls, LimitsConfig limits, TimeoutsConfig timeouts,
                  AuthConfig auth, SpoolConfig spool, DeliveryConfig delivery, LocalConfig local, AdminConfig admin,
                  LogConfig log, List<DkimConfig> dkim, ClusterConfig cluster, MailauthConfig mailauth,
                  EgressConfig egress, ShapingConfig shaping, Path source) {
        this(hostname, dataDir, localDomains, trustedNetworks, listeners, tls, limits, timeouts, auth, spool, delivery,
                local, admin, log, dkim, cluster, mailauth, egress, shaping, List.of(), source);
    }

    public boolean isEmbeddedDefault() {
        return source == null;
    }
}

package sluice.node;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.auth.UserStore;
import sluice.config.Config;
import sluice.config.ConfigException;
import sluice.config.ConfigLoader;
import sluice.mailauth.DkimSigner;
import sluice.mailauth.RsaEngine;
import sluice.mailauth.MailAuthenticator;
import sluice.observe.Webhooks;
import sluice.policy.LocalRecipients;
import sluice.send.Injector;
import sluice.server.Server;
import sluice.server.TlsContexts;
import sluice.server.TlsSetupException;
import sluice.shaping.Shaper;

/**
 * Applies a new config to a running node (SIGHUP, {@code systemctl reload}): everything that can change live changes
 * at once, or nothing does. Every new part (certificates, DKIM keys, aliases checked against the users) is built
 * first; one that fails refuses the whole reload with the same one-line reason a start would give, and the node goes
 * on with the old config. Sessions already open keep what they started with; the next session, message and delivery
 * attempt see the new values. What only a restart can change is named ({@link ReloadPlan}).
 */
final class Reloader {
    private static final Logger log = LoggerFactory.getLogger(Reloader.class);

    private final Server server;
    private final UserStore users;
    private final LocalRecipients recipients;
    private final MailAuthenticator auth;
    private final Injector injector;
    private final Shaper shaper; // null: delivery paused
    private final Webhooks webhooks; // null: started without endpoints
    private final Clock clock;
    private volatile Config config;

    Reloader(Config config, Server server, UserStore users, LocalRecipients recipients, MailAuthenticator auth,
             Injector injector, Shaper shaper, Webhooks webhooks, Clock clock) {
        this.webhooks = webhooks;
        this.config = config;
        this.server = server;
        this.users = users;
        this.recipients = recipients;
        this.auth = auth;
        this.injector = injector;
        this.shaper = shaper;
        this.clock = clock;
    }

    Config config() {
        return config;
    }

    /** One reload at a time: a second SIGHUP while one runs waits for it, then reads the file again. */
    synchronized ReloadOutcome reload(Config file) {
        Config old = config;
        ReloadPlan plan = ReloadPlan.of(old, file, webhooks != null);
        Config next = ReloadPlan.effective(old, file, webhooks != null);
        int userCount;
        try {
            userCount = users.refresh();
        } catch (IllegalStateException e) {
            return refused("users: " + e.getMessage());
        }
        // Built before anything changes: a broken part refuses the whole reload.
        TlsContexts tls;
        try {
            tls = TlsContexts.load(next.tls(), old.dataDir(), old.hostname());
        } catch (TlsSetupException e) {
            return refused("tls: " + e.getMessage());
        }
        DkimSigner signer;
        try {
            signer = next.dkim().isEmpty() ? null : DkimSigner.fromConfig(next.dkim(), clock, RsaEngine.NATIVE);
        } catch (IOException e) {
            return refused("dkim: " + e.getMessage());
        }
        LocalRecipients table = recipients.with(next.local().aliases(), next.local().catchAll());
        ConfigException aliasProblems = ConfigLoader.located(next, table.problems());
        if (aliasProblems != null) return refused(describe(aliasProblems));
        // the last that may fail, and the first to change: the endpoints are built, then swapped in
        List<String> endpoints = List.of();
        if (webhooks != null && plan.live().contains("[[webhooks]]")) {
            try {
                endpoints = webhooks.reconfigure(next.webhooks());
            } catch (IOException e) {
                return refused(e.getMessage());
            }
        }

        server.reconfigure(next, tls, !old.cluster().enabled());
        injector.limits(next.limits().maxMessageSize(), next.limits().maxRecipients());
        auth.signWith(signer);
        recipients.adopt(table);
        if (shaper != null && plan.live().contains("[[shaping]]")) shaper.rules(next.shaping().rules());
        config = next;

        List<String> notes = new ArrayList<>();
        notes.add("certificate " + tls.certificateSummary());
        notes.add(userCount + " user(s)");
        notes.add(next.dkim().size() + " DKIM key(s) read");
        if (!endpoints.isEmpty()) notes.add("webhooks " + String.join(", ", endpoints));
        if (shaper == null && plan.live().contains("[[shaping]]")) notes.add("delivery is paused: shaping rules take effect when it runs");
        ReloadOutcome.Applied applied = new ReloadOutcome.Applied(plan.live(), plan.needsRestart(), notes);
        log.info("reload: {}", applied.summary());
        return applied;
    }

    /** Every error of a config that cannot be loaded, each naming file, line and key, on one line. */
    static String describe(ConfigException e) {
        return e.errors().stream().map(Object::toString).collect(java.util.stream.Collectors.joining("; "));
    }

    /** A config file that could not be read again: refused, the node running on as it was. */
    ReloadOutcome refuse(ConfigException e) {
        return refused(describe(e));
    }

    private static ReloadOutcome refused(String why) {
        log.error("reload refused, still running on the previous config: {}", why);
        return new ReloadOutcome.Refused(why);
    }
}

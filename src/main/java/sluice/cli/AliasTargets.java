package sluice.cli;

import sluice.auth.UserStore;
import sluice.config.Config;
import sluice.config.ConfigException;
import sluice.config.ConfigLoader;
import sluice.policy.LocalRecipients;

/** The config's aliases and catch-alls checked against the users now: the check `serve` makes at start-up. */
final class AliasTargets {
    private AliasTargets() {}

    /** The problems as config errors (file, line, key), or null when every alias and catch-all reaches someone. */
    static ConfigException check(Config config, UserStore users) {
        LocalRecipients recipients = new LocalRecipients(config.localDomains(), config.local().aliases(),
                config.local().catchAll(), name -> users.find(name).isPresent());
        return ConfigLoader.located(config, recipients.problems());
    }
}

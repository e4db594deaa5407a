package sluice.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import sluice.config.Config;
import sluice.config.ConfigException;
import sluice.config.ConfigLoader;
import sluice.auth.UserStore;

@Command(name = "check-config", description = "Validate a config file; every error is reported with file:line and key.")
final class CheckConfigCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", arity = "0..1",
            description = "default: ./sluice.toml if present, else /etc/sluice/sluice.toml when installed from the package")
    Path file;

    @Override
    public Integer call() throws Exception {
        if (file == null) file = new Options().file();
        if (file == null) throw new Failures.UserError(2, "check-config: give the config file to check (no ./sluice.toml here)");
        if (!Files.notExists(file) && !Files.isReadable(file)) {
            throw new Failures.UserError(2, "cannot read the config file " + file + " as user "
                    + System.getProperty("user.name", "?") + ": run the command as root or as the sluice user");
        }
        if (!Files.isRegularFile(file)) throw new Failures.UserError(2, "config file not found: " + file);
        Config c = ConfigLoader.loadForServing(file, null);
        // Alias targets are checked against the users of the config's data dir, as `serve` checks them.
        UserStore users;
        try {
            users = UserStore.open(c.dataDir());
        } catch (IllegalStateException e) {
            throw new Failures.UserError(2, e.getMessage());
        }
        ConfigException aliases = AliasTargets.check(c, users);
        if (aliases != null) throw aliases;
        long shipped = c.shaping().rules().stream().filter(r -> r.origin().startsWith("shipped")).count();
        System.out.println(file + ": OK (" + c.listeners().size() + " listeners, hostname " + c.hostname() + ", "
                + c.egress().sources().size() + " egress sources in " + c.egress().pools().size() + " pools, "
                + (c.shaping().rules().size() - shipped) + " shaping rules of yours + " + shipped + " shipped, "
                + c.shaping().warmups().size() + " warm-up schedules)");
        return 0;
    }
}

package sluice.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import sluice.config.Config;
import sluice.config.ConfigLoader;

@Command(name = "check-config", description = "Validate a config file; every error is reported with file:line and key.")
final class CheckConfigCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(file)) throw new Failures.UserError(2, "config file not found: " + file);
        Config c = ConfigLoader.loadForServing(file, null);
        System.out.println(file + ": OK (" + c.listeners().size() + " listeners, hostname " + c.hostname() + ")");
        return 0;
    }
}

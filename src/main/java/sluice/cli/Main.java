package sluice.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: `sluice COMMAND …` (CONTRACT.md). Exit 0 success, 1 runtime failure, 2 usage or config error. */
@Command(name = "sluice", mixinStandardHelpOptions = true, version = "sluice 0.1.0",
        description = "Sluice mail transfer agent",
        subcommands = {ServeCommand.class, CheckConfigCommand.class, UserCommand.class, QueueCommand.class,
                TraceCommand.class, CheckCommand.class, SuppressionCommand.class, ProbeCommand.class,
                DkimCommand.class, DoctorCommand.class, SendmailCommand.class, SpoolCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (see --help)");
    }

    public static void main(String[] args) {
        sluice.server.Renegotiation.refuseClientInitiated(); // before any TLS class initialises
        System.exit(run(args));
    }

    static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, line, parsed) -> Failures.report(e, Failures.debug(args)));
        cl.setParameterExceptionHandler((e, a) -> {
            // A monitoring plugin reports every failure, usage included, as UNKNOWN on stdout.
            if (e.getCommandLine().getCommandName().equals("check")) return CheckCommand.unknown(e.getMessage());
            System.err.println("sluice: " + e.getMessage());
            return 2;
        });
        return cl.execute(args);
    }
}

package sluice.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: `sluice COMMAND …` (CONTRACT.md). Exit 0 success, 1 runtime failure, 2 usage or config error. */
@Command(name = "sluice", mixinStandardHelpOptions = true, versionProvider = Version.class,
        // INHERIT: every command and subcommand answers --help/-h (and --version), present and future ones alike.
        scope = CommandLine.ScopeType.INHERIT,
        description = "Sluice mail transfer agent",
        subcommands = {CommandLine.HelpCommand.class, ServeCommand.class, CheckConfigCommand.class, UserCommand.class,
                QueueCommand.class, TraceCommand.class, CheckCommand.class, SuppressionCommand.class,
                ProbeCommand.class, DkimCommand.class, DoctorCommand.class, SendmailCommand.class, SpoolCommand.class,
                ShapingCommand.class, SendCommand.class, WebhooksCommand.class, DrainCommand.class,
                ClusterCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (see sluice help)");
    }

    public static void main(String[] args) {
        sluice.server.Renegotiation.refuseClientInitiated(); // before any TLS class initialises
        System.exit(run(args));
    }

    static int run(String... args) {
        return configured(args).execute(args);
    }

    /** The command tree with the contract's error handling: one line on stderr, exit 1 or 2. */
    static CommandLine configured(String... args) {
        Failures.debug(args);
        CommandLine cl = commandLine();
        cl.setExecutionExceptionHandler((e, line, parsed) -> Failures.report(e, Failures.debug(args)));
        cl.setParameterExceptionHandler((e, a) -> {
            // A monitoring plugin reports every failure, usage included, as UNKNOWN on stdout.
            if (e.getCommandLine().getCommandName().equals("check")) return CheckCommand.unknown(usageProblem(e));
            // sendmail's usage errors name the command, as sendmail's own do.
            boolean sendmail = e.getCommandLine().getCommandName().equals("sendmail");
            System.err.println("sluice: " + (sendmail ? "sendmail: " : "") + usageProblem(e));
            return 2;
        });
        return cl;
    }

    /** The whole command tree, as the launcher runs it (tests enumerate it to cover every command). */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        SendmailCommand.useSendmailNames(cl.getSubcommands().get("sendmail"));
        return cl;
    }

    /** One line: for a mistyped command or subcommand, the nearest real one. */
    static String usageProblem(CommandLine.ParameterException e) {
        CommandLine cl = e.getCommandLine();
        if (e instanceof CommandLine.UnmatchedArgumentException u && !cl.getSubcommands().isEmpty()
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
            String typed = u.getUnmatched().get(0);
            String where = cl.getCommandSpec().qualifiedName();
            String prefix = cl.getParent() == null ? "" : where.substring(where.indexOf(' ') + 1) + ": ";
            List<String> near = u.getSuggestions().stream()
                    .filter(s -> cl.getSubcommands().containsKey(s) && !s.equals("help")).toList();
            return prefix + "unknown command '" + typed + "'"
                    + (near.isEmpty() ? "; see '" + where + " --help'" : "; did you mean '" + near.get(0) + "'?");
        }
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                && u.getUnmatched().get(0).startsWith("--")) {
            String typed = u.getUnmatched().get(0).split("=", 2)[0];
            List<String> near = u.getSuggestions().stream().filter(s -> s.startsWith("--")).toList();
            return "unknown option '" + typed + "'" + (near.isEmpty() ? "" : "; did you mean '" + near.get(0) + "'?");
        }
        if (e.getMessage() != null && e.getMessage().startsWith("Missing required subcommand")) {
            String where = cl.getCommandSpec().qualifiedName();
            List<String> names = cl.getSubcommands().keySet().stream().filter(s -> !s.equals("help")).toList();
            return where.substring(where.indexOf(' ') + 1) + ": a subcommand is required: " + String.join(", ", names)
                    + " (see '" + where + " --help')";
        }
        return e.getMessage();
    }
}

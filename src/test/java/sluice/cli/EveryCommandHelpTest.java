package sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** Every command and subcommand answers --help with exit 0; the list comes from the tree, so new commands are covered. */
class EveryCommandHelpTest {

    static Stream<List<String>> commands() {
        List<List<String>> paths = new ArrayList<>();
        collect(Main.commandLine(), new ArrayList<>(), paths);
        assertThat(paths).hasSizeGreaterThan(25); // the tree was walked, not just the root
        return paths.stream();
    }

    private static void collect(CommandLine cl, List<String> path, List<List<String>> out) {
        out.add(List.copyOf(path));
        cl.getSubcommands().forEach((name, sub) -> {
            if (!sub.getCommandName().equals(name)) return; // an alias of a command already listed
            List<String> next = new ArrayList<>(path);
            next.add(name);
            collect(sub, next, out);
        });
    }

    @ParameterizedTest(name = "sluice {0} --help")
    @MethodSource("commands")
    void answersHelp(List<String> path) {
        for (String flag : List.of("--help", "-h")) {
            List<String> args = new ArrayList<>(path);
            args.add(flag);
            StringWriter out = new StringWriter();
            CommandLine cl = Main.configured(args.toArray(String[]::new));
            cl.setOut(new PrintWriter(out, true));
            int exit = cl.execute(args.toArray(String[]::new));
            assertThat(exit).as("sluice %s", String.join(" ", args)).isZero();
            String usage = path.contains("help") ? "Usage: sluice help" : "Usage: sluice" + (path.isEmpty() ? "" : " ")
                    + String.join(" ", path);
            assertThat(out.toString()).as("sluice %s", String.join(" ", args)).contains(usage);
        }
    }

    @ParameterizedTest(name = "sluice help {0}")
    @MethodSource("commands")
    void helpCommandShowsTheSameUsage(List<String> path) {
        if (path.isEmpty() || path.contains("help")) return;
        List<String> args = new ArrayList<>(List.of("help"));
        args.addAll(path);
        StringWriter out = new StringWriter();
        CommandLine cl = Main.configured(args.toArray(String[]::new));
        cl.setOut(new PrintWriter(out, true));
        int exit = cl.execute(args.toArray(String[]::new));
        if (path.size() > 1) return; // picocli's help command names direct subcommands only
        assertThat(exit).isZero();
        assertThat(out.toString()).contains("Usage: sluice " + path.get(0));
    }
}

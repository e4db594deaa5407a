package sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * docs/commands.md names every command, subcommand and option of the tree that --help is printed from (the help text
 * and the page come from one list: a new option without a word on the page fails here).
 */
class DocumentedCommandsTest {
    // Options every command has, described once on the page.
    private static final Set<String> COMMON = Set.of("--help", "-h", "--version", "-V");

    private static void collect(CommandLine cl, String path, List<String> missing, String doc) {
        CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
        if (!path.isEmpty() && !named(doc, path)) missing.add(path + " (the command)");
        for (CommandLine.Model.OptionSpec o : spec.options()) {
            if (COMMON.contains(o.longestName())) continue;
            if (!doc.contains(o.longestName())) missing.add(path + " " + o.longestName());
        }
        cl.getSubcommands().forEach((name, sub) -> {
            if (!sub.getCommandName().equals(name) || name.equals("help")) return;
            collect(sub, path.isEmpty() ? "sluice " + name : path + " " + name, missing, doc);
        });
    }

    /**
     * "sluice queue" is named as such; a subcommand may also share its parent's row: "sluice queue hold|release ID",
     * "sluice user list / sluice user remove NAME", "sluice suppression list / add ADDR": a line naming the parent
     * and, after it, the subcommand's word.
     */
    static boolean named(String doc, String path) {
        if (doc.contains(path)) return true;
        int last = path.lastIndexOf(' ');
        String parent = path.substring(0, last);
        java.util.regex.Pattern word = java.util.regex.Pattern.compile("(?<![\\w-])" + path.substring(last + 1) + "(?![\\w-])");
        return doc.lines().anyMatch(l -> l.contains(parent) && word.matcher(l.substring(l.indexOf(parent))).find());
    }

    static List<String> undocumented(String doc) {
        List<String> missing = new ArrayList<>();
        collect(Main.commandLine(), "", missing, doc);
        return missing;
    }

    @Test
    void everyCommandAndOptionIsOnThePage() throws IOException {
        String doc = Files.readString(Path.of("docs/commands.md"));
        assertThat(undocumented(doc)).isEmpty();
    }

    @Test
    void aCommandOrOptionMissingFromThePageIsSeen() {
        assertThat(named("| `sluice queue hold\\|release ID` |", "sluice queue release")).isTrue();
        assertThat(named("| `sluice queue hold ID` | releases nothing |", "sluice queue release")).isFalse();
        assertThat(undocumented("sluice serve")).contains("sluice serve --config", "sluice queue (the command)");
    }
}

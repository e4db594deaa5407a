package sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The "Fields" table of docs/delivery-log.md names exactly the fields {@link DeliveryLog} writes (every
 * {@code field(g, "…")} and {@code write…Field("…")} of its encoder).
 */
class DocumentedLogFieldsTest {
    private static final Pattern WRITTEN = Pattern.compile("(?:field\\(g, |write\\w*Field(?:Start)?\\()\"([a-z_]+)\"");
    private static final Pattern NAME = Pattern.compile("`([a-z_]+)`");

    static Set<String> written(String source) {
        Set<String> out = new TreeSet<>();
        Matcher m = WRITTEN.matcher(source);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    /** The names in the first cell of each row of the table under "## Fields". */
    static Set<String> documented(List<String> lines) {
        Set<String> out = new TreeSet<>();
        boolean in = false;
        for (String line : lines) {
            if (line.startsWith("## ")) in = line.equals("## Fields");
            if (!in || !line.startsWith("| `")) continue;
            Matcher m = NAME.matcher(line.substring(0, line.indexOf(" |", 2)));
            while (m.find()) out.add(m.group(1));
        }
        return out;
    }

    @Test
    void everyFieldTheLogWritesIsDocumentedAndNoOther() throws IOException {
        Set<String> written = written(Files.readString(Path.of("src/main/java/sluice/observe/DeliveryLog.java")));
        Set<String> documented = documented(Files.readAllLines(Path.of("docs/delivery-log.md")));
        assertThat(written).hasSizeGreaterThan(20).contains("ts", "event", "recipients", "dsn_for");
        assertThat(new TreeSet<>(written)).as("fields DeliveryLog writes that docs/delivery-log.md does not list")
                .isSubsetOf(documented);
        assertThat(documented).as("fields docs/delivery-log.md lists that DeliveryLog does not write")
                .isSubsetOf(written);
    }

    @Test
    void readsBothSides() {
        assertThat(written("field(g, \"route\", a.route()); g.writeNumberField(\"size\", 1);"
                + " g.writeArrayFieldStart(\"recipients\");")).containsExactly("recipients", "route", "size");
        assertThat(documented(List.of("## Events", "| `held` | x | y |", "## Fields", "| field | type | meaning |",
                "| `code`, `enhanced_code` | integer | reply, `250` |"))).containsExactly("code", "enhanced_code");
    }
}

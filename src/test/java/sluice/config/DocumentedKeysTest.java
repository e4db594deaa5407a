package sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/configuration.md against the loader, both ways: every key the loader accepts has a row, and every row names a
 * key the loader accepts. The loader's side is what it asks for while loading {@code every-table.toml}, which holds
 * one of every array-of-tables element and free-form table so that keys asked only inside them are asked too: a new
 * kind of element must be added there as well.
 */
class DocumentedKeysTest {
    static final Path DOC = Path.of("docs/configuration.md");
    private static final Path EVERY_TABLE = Path.of("src/test/resources/config/every-table.toml");
    // "## [section]", "## [[array.of.tables]]", "## [warmup.NAME]" (a capitalised word: an entry of a free-form
    // table, any name; not "<name>", which GitHub would take for an HTML tag and drop), "## Top-level keys"
    private static final Pattern SECTION = Pattern.compile("^## (\\[\\[?)([A-Za-z0-9_.-]+)\\]\\]?\\s*$");
    private static final Pattern ENTRY = Pattern.compile("(?<=^|\\.)[A-Z]+(?=\\.|$)");
    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\|.*");

    @TempDir
    Path dataDir;

    /** A documented key: its dotted name ("listeners.port", "warmup.*.daily") and the TOML that holds it. */
    record Documented(String key, String header, String name, int line) {}

    static Map<String, Documented> documented(List<String> lines) {
        Map<String, Documented> out = new LinkedHashMap<>();
        String prefix = null; // null: not a section of keys
        String header = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("## ")) {
                Matcher m = SECTION.matcher(line);
                if (line.equals("## Top-level keys")) {
                    prefix = "";
                    header = "";
                } else if (m.matches()) {
                    String name = m.group(2);
                    prefix = ENTRY.matcher(name).replaceAll("*") + ".";
                    String concrete = ENTRY.matcher(name).replaceAll("x");
                    header = m.group(1).equals("[[") ? "[[" + concrete + "]]" : "[" + concrete + "]";
                } else {
                    prefix = null;
                }
                continue;
            }
            Matcher row = ROW.matcher(line);
            if (prefix == null || !row.matches()) continue;
            long cells = line.chars().filter(c -> c == '|').count() - 1;
            assertThat(cells).as("%s:%d: a key row has five cells: key, type, default, example, meaning", DOC, i + 1)
                    .isEqualTo(5);
            String key = prefix + row.group(1);
            assertThat(out).as("%s:%d: %s is documented twice", DOC, i + 1, key).doesNotContainKey(key);
            out.put(key, new Documented(key, header, row.group(1), i + 1));
        }
        return out;
    }

    /** What the loader asks for, less the tables that only hold other keys (they are sections, not keys). */
    static Set<String> accepted(Path config, Path dataDir) throws Exception {
        TomlDocument doc = TomlDocument.read(config);
        Diagnostics d = new Diagnostics(doc.file(), doc.lines());
        ConfigMapping.map(doc, dataDir, false, d); // throws if every-table.toml itself is wrong: it must load
        Set<String> asked = d.acceptedKeys();
        Set<String> keys = new TreeSet<>();
        for (String k : asked) {
            boolean section = asked.stream().anyMatch(other -> other.startsWith(k + "."));
            if (!section) keys.add(k);
        }
        return keys;
    }

    @Test
    void everyAcceptedKeyIsDocumentedAndEveryDocumentedKeyIsAccepted() throws Exception {
        Set<String> accepted = accepted(EVERY_TABLE, dataDir);
        Map<String, Documented> documented = documented(Files.readAllLines(DOC));
        assertThat(accepted).as("the loader asks for keys (is every-table.toml read?)").hasSizeGreaterThan(100);

        Set<String> undocumented = new TreeSet<>(accepted);
        undocumented.removeAll(documented.keySet());
        assertThat(undocumented).as("keys the loader accepts that %s does not document (add a row under their"
                + " section)", DOC).isEmpty();

        Set<String> unknown = new TreeSet<>(documented.keySet());
        unknown.removeAll(accepted);
        assertThat(unknown).as("keys %s documents that the loader does not accept", DOC).isEmpty();
    }

    /** Each documented key, alone in a config, is not an unknown key (it may well be a wrong value: "x"). */
    @Test
    void aConfigHoldingADocumentedKeyHasNoUnknownKey() throws Exception {
        Map<String, Documented> documented = documented(Files.readAllLines(DOC));
        assertThat(documented).hasSizeGreaterThan(100);
        List<String> failures = new ArrayList<>();
        for (Documented k : documented.values()) {
            String toml = (k.header().isEmpty() ? "" : k.header() + "\n") + k.name() + " = \"x\"\n";
            List<ConfigError> errors = errors(toml);
            for (ConfigError e : errors) {
                if (e.message().startsWith("unknown key")) failures.add(DOC + ":" + k.line() + ": " + k.key() + ": " + e);
            }
        }
        assertThat(failures).isEmpty();
    }

    /** The check itself: a key the docs do not name, and a name the loader does not know, are both caught. */
    @Test
    void theCheckSeesAnUndocumentedKeyAndAnUnknownOne() throws Exception {
        Map<String, Documented> documented = documented(List.of(
                "## [limits]", "| key | type | default | example | meaning |", "|---|---|---|---|---|",
                "| `max_recipients` | integer | `100` | `500` | per message |",
                "| `max_recipient` | integer | `100` | `500` | a typo |"));
        assertThat(documented).containsOnlyKeys("limits.max_recipients", "limits.max_recipient");
        Set<String> accepted = accepted(EVERY_TABLE, dataDir);
        assertThat(accepted).contains("limits.max_recipients").doesNotContain("limits.max_recipient");
        assertThat(errors("[limits]\nmax_recipient = 5\n")).extracting(ConfigError::message)
                .anyMatch(m -> m.startsWith("unknown key"));
        assertThat(documented(List.of("## [warmup.NAME]", "| `daily` | a | b | c | d |")))
                .containsOnlyKeys("warmup.*.daily");
    }

    private List<ConfigError> errors(String toml) throws Exception {
        try {
            ConfigMapping.map(TomlDocument.parse(Path.of("doc-key.toml"), toml), dataDir, false);
            return List.of();
        } catch (ConfigException e) {
            return e.errors();
        }
    }
}

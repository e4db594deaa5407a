package sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/metrics.md against the metric names this package registers, both ways. The code side is every
 * {@code "sluice_…"} string in src/main/java/sluice/observe (where every metric is registered, and nothing else has
 * such a name); a counter registered without {@code _total} is exposed with it, so either spelling matches.
 */
class DocumentedMetricsTest {
    private static final Pattern NAME = Pattern.compile("\"(sluice_[a-z0-9_]+)\"");
    private static final Pattern ROW = Pattern.compile("^\\| `(sluice_[a-z0-9_]+)` \\| (counter|gauge|histogram) \\|.*");

    static Set<String> registered() throws IOException {
        Set<String> out = new TreeSet<>();
        try (Stream<Path> files = Files.list(Path.of("src/main/java/sluice/observe"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = NAME.matcher(Files.readString(f));
                while (m.find()) out.add(m.group(1));
            }
        }
        return out;
    }

    static Map<String, String> documented(Path doc) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(doc)) {
            Matcher m = ROW.matcher(line);
            if (m.matches()) out.put(m.group(1), m.group(2));
        }
        return out;
    }

    private static String exposed(String name, Map<String, String> documented) {
        return documented.containsKey(name) ? name : name + "_total";
    }

    @Test
    void everyRegisteredMetricIsDocumentedAndEveryDocumentedOneExists() throws IOException {
        Set<String> registered = registered();
        Map<String, String> documented = documented(Path.of("docs/metrics.md"));
        assertThat(registered).hasSizeGreaterThan(40);

        Set<String> undocumented = new TreeSet<>();
        for (String name : registered) {
            if (!documented.containsKey(exposed(name, documented))) undocumented.add(name);
        }
        assertThat(undocumented).as("metrics registered in sluice.observe that docs/metrics.md has no row for").isEmpty();

        Set<String> unknown = new TreeSet<>();
        for (String name : documented.keySet()) {
            boolean exists = registered.contains(name)
                    || (name.endsWith("_total") && registered.contains(name.substring(0, name.length() - 6)));
            if (!exists) unknown.add(name);
        }
        assertThat(unknown).as("metrics docs/metrics.md names that nothing registers").isEmpty();

        documented.forEach((name, type) -> assertThat(type.equals("counter") == name.endsWith("_total"))
                .as("%s is a %s: counters, and only counters, end in _total", name, type).isTrue());
    }
}

package sluice;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in README.md and docs/*.md points at a file that exists and, with a {@code #fragment}, at a
 * heading of that file, named the way GitHub names heading anchors. Links inside code blocks are not links.
 */
class DocsLinksTest {
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6} (.+?)\\s*#*\\s*$");

    static List<Path> documents() throws IOException {
        List<Path> out = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(out::add);
        }
        return out;
    }

    /** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2… */
    static Set<String> anchors(List<String> lines) {
        Set<String> out = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean code = false;
        for (String line : lines) {
            if (line.startsWith("```")) code = !code;
            if (code) continue;
            Matcher m = HEADING.matcher(line);
            if (!m.matches()) continue;
            String text = m.group(1).replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1"); // a link's text counts
            String a = text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}_\\- ]", "").replace(' ', '-');
            int n = seen.merge(a, 1, Integer::sum);
            out.add(n == 1 ? a : a + "-" + (n - 1));
        }
        return out;
    }

    static List<String> brokenLinks(Path doc) throws IOException {
        List<String> lines = Files.readAllLines(doc);
        List<String> broken = new ArrayList<>();
        boolean code = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("```")) code = !code;
            if (code) continue;
            Matcher m = LINK.matcher(line.replaceAll("`[^`]*`", "``"));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("^[a-z][a-z0-9+.-]*:.*")) continue; // https:, mailto:
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                Path resolved = file.isEmpty() ? doc : doc.toAbsolutePath().getParent().resolve(file).normalize();
                String where = doc + ":" + (i + 1) + ": " + target;
                if (!Files.exists(resolved)) {
                    broken.add(where + " (no such file)");
                } else if (hash >= 0 && !anchors(Files.readAllLines(resolved)).contains(target.substring(hash + 1))) {
                    broken.add(where + " (no such heading)");
                }
            }
        }
        return broken;
    }

    @Test
    void everyRelativeLinkPointsAtAnExistingFileAndHeading() throws IOException {
        List<String> broken = new ArrayList<>();
        int docs = 0;
        for (Path doc : documents()) {
            broken.addAll(brokenLinks(doc));
            docs++;
        }
        assertThat(docs).isGreaterThan(10);
        assertThat(broken).isEmpty();
    }

    @Test
    void anchorsAreNamedAsGitHubNamesThem() {
        assertThat(anchors(List.of("## DANE (RFC 7672)", "## [[delivery.smarthosts]]", "## `sluice check` (Nagios)",
                "## Commands", "## Commands", "```", "## not a heading", "```")))
                .containsExactlyInAnyOrder("dane-rfc-7672", "deliverysmarthosts", "sluice-check-nagios", "commands",
                        "commands-1");
    }

    @Test
    void aBrokenLinkIsFound(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path doc = dir.resolve("a.md");
        Files.writeString(doc, "# A\n\n## Here\n\n[ok](#here) [gone](#there) [file](b.md) [web](https://x.test/)\n"
                + "```\n[in code](#nowhere)\n```\n");
        assertThat(brokenLinks(doc)).containsExactly(doc + ":5: #there (no such heading)", doc + ":5: b.md (no such file)");
    }
}

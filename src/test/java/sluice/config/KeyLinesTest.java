package sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The second pass that gives each key its line, on the TOML shapes that could mislead it. */
class KeyLinesTest {
    private static final String DOC = """
            # [not.a.table] = "comment with # and [brackets]"
            hostname = "a#b[c]"                 # 2
            banner = \"\"\"
            line one [x]
            y = "not a key"
            \"\"\"
            after_multiline = 1                 # 7
            literal = '''
            z = 2'''
            after_literal = 'c:\\path'          # 10
            list = [
              "first",                          # 12
              # a comment inside
              [1, 2], "third",                  # 14
            ]
            inline = { a = 1, "b.c" = [1,
              2] }                              # 17
            dotted.key = 5                      # 18
            "quoted key" = 6                    # 19

            [[listeners]]                       # 21
            port = 25
            [listeners.extra]                   # 23
            x = 1
            [[listeners]]                       # 25
            port = 26                           # 26
            [[listeners.sub]]                   # 27
            k = 1                               # 28

            [ local . aliases ]                 # 30
            "info@example.test" = "a@b.test"    # 31
            """;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "hostname | 2", "banner | 3", "after_multiline | 7", "literal | 8", "after_literal | 10",
        "list | 11", "list[0] | 12", "list[1] | 14", "list[1][1] | 14", "list[2] | 14",
        "inline | 16", "inline.a | 16", "inline.\"b.c\" | 16", "inline.\"b.c\"[1] | 17",
        "dotted | 18", "dotted.key | 18", "\"quoted key\" | 19",
        "listeners | 21", "listeners[0] | 21", "listeners[0].port | 22", "listeners[0].extra | 23",
        "listeners[0].extra.x | 24", "listeners[1] | 25", "listeners[1].port | 26",
        "listeners[1].sub[0] | 27", "listeners[1].sub[0].k | 28", "listeners[1].mode | 25",
        "local.aliases | 30", "local.aliases.\"info@example.test\" | 31", "local | 30", "nowhere | 0",
    })
    void linesOfKeys(String path, int line) {
        assertThat(KeyLines.scan(DOC).lineOf(parse(path))).isEqualTo(line);
    }

    @Test
    void findsTheFirstDuplicate() {
        KeyLines k = KeyLines.scan("a = 1\n[t]\nb = 1\n\nb = 2\n");
        assertThat(k.duplicate()).hasToString("t.b");
        assertThat(k.duplicateLine()).isEqualTo(5);
    }

    @Test
    void survivesBrokenInput() {
        for (String broken : new String[] {"[", "[[", "a = [", "a = {", "a = \"", "a = '''", "= 1", "a.", "]]]", "{}"}) {
            assertThat(KeyLines.scan(broken).lineOf(KeyPath.ROOT.child("a"))).isBetween(0, 1);
        }
    }

    /** Test-only reading of the printed form back into a path. */
    private static KeyPath parse(String text) {
        KeyPath p = KeyPath.ROOT;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '.') {
                i++;
            } else if (c == '[') {
                int end = text.indexOf(']', i);
                p = p.index(Integer.parseInt(text.substring(i + 1, end)));
                i = end + 1;
            } else if (c == '"') {
                int end = text.indexOf('"', i + 1);
                p = p.child(text.substring(i + 1, end));
                i = end + 1;
            } else {
                int end = i;
                while (end < text.length() && ".[".indexOf(text.charAt(end)) < 0) end++;
                p = p.child(text.substring(i, end));
                i = end;
            }
        }
        assertThat(p).hasToString(text);
        return p;
    }
}

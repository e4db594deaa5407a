package sluice.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Collects every error of one file, so the user fixes them in one round instead of one per run. */
final class Diagnostics {
    private final Path file;
    private final KeyLines lines;
    private final List<ConfigError> errors = new ArrayList<>();
    // Every key a getter asked for and every free-form table (aliases, tls_policy...), array indexes dropped:
    // what the loader accepts, listed by acceptedKeys() so a test can hold docs/configuration.md against it.
    private final Set<List<String>> asked = new LinkedHashSet<>();
    private final Set<List<String>> freeForm = new LinkedHashSet<>();

    Diagnostics(Path file, KeyLines lines) {
        this.file = file;
        this.lines = lines;
    }

    void error(KeyPath key, String message) {
        errors.add(new ConfigError(file, lines.lineOf(key), key.toString(), message));
    }

    void asked(KeyPath key) {
        asked.add(key.names());
    }

    /** A table whose keys are names the user chooses (addresses, domains, pools): none of them is a config key. */
    void freeForm(KeyPath table) {
        freeForm.add(table.names());
    }

    /**
     * The keys asked so far, dotted and without array indexes ({@code listeners.port}); a key inside a free-form
     * table shows that table's entries as {@code *} ({@code warmup.*.daily}), and the entries themselves are left out.
     */
    Set<String> acceptedKeys() {
        Set<String> out = new TreeSet<>();
        for (List<String> key : asked) {
            List<String> k = new ArrayList<>(key);
            boolean entry = false;
            for (List<String> table : freeForm) {
                int n = table.size();
                if (k.size() > n && k.subList(0, n).equals(table)) {
                    if (k.size() == n + 1) entry = true;
                    k.set(n, "*");
                }
            }
            if (!entry) out.add(String.join(".", k));
        }
        return out;
    }

    /** "file:line" of a key, for values that say where they came from. */
    String where(KeyPath key) {
        return (file == null ? "?" : file.getFileName().toString()) + ":" + lines.lineOf(key);
    }

    boolean isEmpty() {
        return errors.isEmpty();
    }

    /** Throws with all errors in file order; errors without a line (0) come first. */
    void throwIfAny() throws ConfigException {
        if (errors.isEmpty()) return;
        List<ConfigError> sorted = new ArrayList<>(errors);
        sorted.sort(Comparator.comparingInt(ConfigError::line)); // stable: same line keeps walk order
        throw new ConfigException(sorted);
    }
}

package sluice.config;

import java.nio.file.Path;

/**
 * One problem in a config file. {@code line} is 0 when unknown; {@code key} is "" when none applies. The message and
 * key may quote what the file said: control characters in them (a line break in a TOML string) are shown escaped,
 * so an error is always one line.
 */
public record ConfigError(Path file, int line, String key, String message) {
    public ConfigError {
        key = oneLine(key);
        message = oneLine(message);
    }

    /** "sluice.toml:12: limits.max_recipients: must be a positive integer". */
    @Override
    public String toString() {
        String where = file == null ? "(embedded default)" : file.toString();
        // A file-wide error (unreadable, syntax) has no key; one that is not on a line has no line.
        String at = line > 0 ? where + ":" + line : where;
        return key.isEmpty() ? at + ": " + message : at + ": " + key + ": " + message;
    }

    private static String oneLine(String s) {
        if (s == null || s.chars().noneMatch(Character::isISOControl)) return s;
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        return out.toString();
    }
}

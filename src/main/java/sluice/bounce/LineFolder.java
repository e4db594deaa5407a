package sluice.bounce;

import java.util.ArrayList;
import java.util.List;

/**
 * Folds text that came from elsewhere (remote replies, addresses) into lines a message may carry:
 * soft breaks at spaces near {@link #WIDTH} characters, and hard breaks inside words longer than
 * {@link #LONGEST_WORD} so no line can pass RFC 5322's 998 octets even with 4-octet UTF-8.
 */
final class LineFolder {
    static final int WIDTH = 78;
    static final int LONGEST_WORD = 200;

    private LineFolder() {}

    /** A header field folded per RFC 5322 2.2.3, each line but the last ending where the next begins with a space. */
    static String header(String name, String value) {
        return String.join("\r\n", fold(name + ": ", value, " ")) + "\r\n";
    }

    /**
     * Splits {@code value} into lines: the first starts with {@code first}, the rest with {@code indent}.
     * Control characters (CR and LF included) become spaces, so a value can never start a new field.
     */
    static List<String> fold(String first, String value, String indent) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder(first);
        boolean lineHasWord = false;
        for (String word : words(value)) {
            if (lineHasWord && line.length() + 1 + word.length() > WIDTH) {
                lines.add(line.toString());
                line = new StringBuilder(indent);
                lineHasWord = false;
            }
            if (lineHasWord) line.append(' ');
            line.append(word);
            lineHasWord = true;
        }
        lines.add(line.toString());
        return lines;
    }

    /** One line of text with control characters replaced by spaces and runs of spaces collapsed. */
    static String singleLine(String value) {
        return String.join(" ", words(value));
    }

    private static List<String> words(String value) {
        StringBuilder clean = new StringBuilder(value.length());
        value.codePoints().forEach(c -> clean.appendCodePoint(c < 0x20 || c == 0x7f ? ' ' : c));
        List<String> words = new ArrayList<>();
        for (String word : clean.toString().trim().split(" +")) {
            if (word.isEmpty()) continue;
            splitLong(word, words);
        }
        return words;
    }

    private static void splitLong(String word, List<String> into) {
        int start = 0;
        while (word.length() - start > LONGEST_WORD) {
            int end = start + LONGEST_WORD;
            if (Character.isHighSurrogate(word.charAt(end - 1))) end--; // keep surrogate pairs whole
            into.add(word.substring(start, end));
            start = end;
        }
        into.add(word.substring(start));
    }
}

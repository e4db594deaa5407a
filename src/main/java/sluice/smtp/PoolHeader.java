package sluice.smtp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code X-Sluice-Pool} header: a message naming the egress pool it leaves from. It is always taken out of
 * the message (it must never reach a remote host); only a trusted or authenticated sender's choice counts.
 */
public final class PoolHeader {
    public static final String NAME = "X-Sluice-Pool";

    private PoolHeader() {}

    /** What the header says for one message. */
    public sealed interface Verdict {
        /** The message leaves from this pool ({@code null}: the header was absent, the usual rules decide). */
        record Use(String pool) implements Verdict {}

        /** From an untrusted, unauthenticated client: removed and not followed. */
        record Ignored(String value) implements Verdict {}

        /** A pool that does not exist, or several headers that disagree: a typo must not send from the default IP. */
        record Refused(Reply reply) implements Verdict {}
    }

    /** The message without any X-Sluice-Pool field, and the values the removed fields held. */
    public record Stripped(byte[] message, List<String> values) {}

    /** Removes every X-Sluice-Pool field (with its folded lines) from the header section; the body is untouched. */
    public static Stripped strip(byte[] message) {
        List<String> values = new ArrayList<>();
        ByteArrayOutputStream out = null;
        int i = 0;
        boolean dropping = false;
        while (i < message.length) {
            int end = i;
            while (end < message.length && message[end] != '\n') end++;
            int next = Math.min(end + 1, message.length);
            int contentEnd = end > i && message[end - 1] == '\r' ? end - 1 : end;
            if (contentEnd == i) break; // the blank line: end of the header section
            boolean continuation = message[i] == ' ' || message[i] == '\t';
            if (!continuation) dropping = isPoolField(message, i, end);
            if (dropping) {
                if (out == null) {
                    out = new ByteArrayOutputStream(message.length);
                    out.write(message, 0, i);
                }
                String text = new String(message, i, contentEnd - i, StandardCharsets.UTF_8).strip();
                if (continuation) values.set(values.size() - 1, (values.getLast() + " " + text).strip());
                else values.add(text.substring(NAME.length() + 1).strip());
            } else if (out != null) {
                out.write(message, i, next - i);
            }
            i = next;
        }
        if (out == null) return new Stripped(message, List.of());
        out.write(message, i, message.length - i);
        return new Stripped(out.toByteArray(), List.copyOf(values));
    }

    /** What the removed values mean for a sender that is (or is not) trusted or authenticated. */
    public static Verdict judge(List<String> values, boolean trustedOrAuthenticated, Set<String> pools) {
        if (values.isEmpty()) return new Verdict.Use(null);
        if (!trustedOrAuthenticated) return new Verdict.Ignored(String.join(", ", values));
        if (values.stream().distinct().count() > 1) {
            return new Verdict.Refused(Reply.of(550, "5.7.1", "Conflicting " + NAME + " headers: "
                    + shown(String.join(", ", values))));
        }
        String pool = values.getFirst();
        if (!pools.contains(pool)) {
            return new Verdict.Refused(Reply.of(550, "5.7.1", "Unknown egress pool \"" + shown(pool)
                    + "\" in " + NAME));
        }
        return new Verdict.Use(pool);
    }

    /** A header value as it may appear in a reply: no control characters, bounded. */
    private static String shown(String value) {
        return ReplyText.fit(ReplyText.clean(value), 100);
    }

    private static boolean isPoolField(byte[] m, int start, int end) {
        int n = NAME.length();
        if (end - start <= n || m[start + n] != ':') return false;
        return new String(m, start, n, StandardCharsets.US_ASCII).equalsIgnoreCase(NAME);
    }
}

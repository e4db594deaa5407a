package sluice.smtp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Who a message says it is from: every address of its From, Sender, Resent-From and Resent-Sender fields, read once
 * from the header section with {@link AddressList}. The may-send-as check, the DKIM signer (through the verdict's
 * signing domain) and DMARC all read this one value (STYLE rule 17), never the raw field again.
 *
 * @param addresses each address with the field it came from, in header order
 * @param problem   null, or why a field could not be read ("the From field: …"); the addresses are then incomplete
 */
public record Originators(List<Originator> addresses, String problem) {
    /** The fields read, lower case, and how they are named in replies. */
    private static final List<String> FIELDS = List.of("from", "sender", "resent-from", "resent-sender");
    private static final List<String> NAMES = List.of("From", "Sender", "Resent-From", "Resent-Sender");

    /** One address and the field ("From", "Sender", "Resent-From", "Resent-Sender") it came from. */
    public record Originator(String field, Mailbox mailbox) {}

    public Originators {
        addresses = List.copyOf(addresses);
    }

    /** The addresses of the From field(s). */
    public List<Mailbox> from() {
        return addresses.stream().filter(o -> o.field().equals("From")).map(Originator::mailbox).toList();
    }

    /**
     * The author domain: the domain of the first From address, lower case; null without one. DKIM signs for it and
     * DMARC evaluates it.
     */
    public String authorDomain() {
        List<Mailbox> from = from();
        return from.isEmpty() ? null : from.get(0).domainLower();
    }

    /** The distinct domains of the From addresses, lower case, in order (DMARC evaluates each, RFC 7489 6.6.1). */
    public List<String> authorDomains() {
        return from().stream().map(Mailbox::domainLower).distinct().toList();
    }

    /** These originators with {@code m} as the From address (a From field added to a message that had none). */
    public Originators withFrom(Mailbox m) {
        List<Originator> all = new ArrayList<>();
        all.add(new Originator("From", m));
        all.addAll(addresses);
        return new Originators(all, problem);
    }

    /** Reads the header section of {@code data} (a message, CRLF or LF line ends), up to the empty line. */
    public static Originators parse(byte[] data) {
        return parse(data, data.length);
    }

    public static Originators parse(byte[] data, int length) {
        List<Originator> out = new ArrayList<>();
        String problem = null;
        // The whole header section, however long (the message size limit bounds it): a cap would let a From field
        // placed after it go unchecked by may-send-as and unseen by DMARC.
        int limit = length;
        int i = 0;
        while (i < limit) {
            int end = lineEnd(data, i, limit);
            if (end == i) break; // the empty line
            int next = afterLineEnd(data, end, limit);
            int field = fieldIndex(data, i, end);
            if (field < 0) {
                i = next;
                continue;
            }
            StringBuilder value = new StringBuilder(new String(data, i, end - i, StandardCharsets.UTF_8));
            while (next < limit && (data[next] == ' ' || data[next] == '\t')) { // unfold (RFC 5322 2.2.3)
                int e = lineEnd(data, next, limit);
                value.append(new String(data, next, e - next, StandardCharsets.UTF_8));
                next = afterLineEnd(data, e, limit);
            }
            String text = value.substring(value.indexOf(":") + 1);
            try {
                for (NamedMailbox m : AddressList.parse(text)) out.add(new Originator(NAMES.get(field), m.mailbox()));
            } catch (IllegalArgumentException e) {
                if (problem == null) problem = "the " + NAMES.get(field) + " field: " + e.getMessage();
            }
            i = next;
        }
        return new Originators(out, problem);
    }

    /** Which of FIELDS the line starting at {@code from} is (obsolete white space before the colon allowed), or -1. */
    private static int fieldIndex(byte[] d, int from, int end) {
        int colon = -1;
        for (int i = from; i < end; i++) {
            if (d[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon <= from || d[from] == ' ' || d[from] == '\t') return -1;
        int nameEnd = colon;
        while (nameEnd > from && (d[nameEnd - 1] == ' ' || d[nameEnd - 1] == '\t')) nameEnd--;
        if (nameEnd - from > 13) return -1;
        return FIELDS.indexOf(new String(d, from, nameEnd - from, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT));
    }

    /** The index of the CR of CRLF, or of a bare LF, ending the line at {@code from}; {@code limit} when none. */
    private static int lineEnd(byte[] d, int from, int limit) {
        for (int i = from; i < limit; i++) {
            if (d[i] == '\n') return i > from && d[i - 1] == '\r' ? i - 1 : i;
        }
        return limit;
    }

    private static int afterLineEnd(byte[] d, int end, int limit) {
        if (end >= limit) return limit;
        return d[end] == '\r' && end + 1 < limit && d[end + 1] == '\n' ? end + 2 : end + 1;
    }
}

package sluice.send;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import sluice.smtp.AddressList;
import sluice.smtp.Mailbox;
import sluice.smtp.NamedMailbox;
import sluice.smtp.Originators;

/**
 * A raw RFC 5322 message given to the send API ({@code message/rfc822}): line endings made CRLF; the envelope sender
 * from {@code from} or else the From field; recipients from {@code to} or else To, Cc and Bcc; the Bcc field removed;
 * Message-ID and Date added when missing (and From, from the envelope sender). The bytes are kept as they are
 * otherwise (8-bit content included).
 */
final class RawMessage {
    private static final DateTimeFormatter RFC5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);
    private static final int MAX_LINE = 998;

    private RawMessage() {}

    /** One header field: its lower-case name, its unfolded value, and its lines as they were (CRLF included). */
    private record Field(String name, String value, byte[] raw) {}

    static Outgoing parse(byte[] input, String fromParam, List<String> toParams, Stamp stamp) throws Invalid {
        byte[] data = crlf(input);
        List<Field> fields = new ArrayList<>();
        int bodyStart = headerSection(data, fields);
        Map<String, List<String>> values = new LinkedHashMap<>();
        for (Field f : fields) values.computeIfAbsent(f.name(), k -> new ArrayList<>()).add(f.value());

        Originators originators = Originators.parse(data);
        if (originators.problem() != null) throw new Invalid(400, "message: " + originators.problem());
        List<Mailbox> authors = originators.from();
        if (authors.isEmpty() && values.containsKey("from")) {
            // Adding our own From would leave two From fields, which recipients and DMARC read differently.
            throw new Invalid(400, "message: the From field has no address (an empty group); give one or leave the field out");
        }
        Mailbox sender;
        if (fromParam != null) {
            sender = mailbox(fromParam, "from");
        } else if (!authors.isEmpty()) {
            sender = authors.get(0);
        } else {
            throw Invalid.field("from", "give the sender as ?from=ADDRESS or in a From header field");
        }
        List<Mailbox> recipients = new ArrayList<>();
        if (!toParams.isEmpty()) {
            for (String t : toParams) recipients.add(mailbox(t, "to"));
        } else {
            for (String name : List.of("to", "cc", "bcc")) {
                for (String v : values.getOrDefault(name, List.of())) recipients.addAll(addresses(v, name.equals("to") ? "To" : name.equals("cc") ? "Cc" : "Bcc"));
            }
        }
        recipients = dedupe(recipients);
        if (recipients.isEmpty()) throw Invalid.field("to", "no recipients: give ?to=ADDRESS (repeatable) or To, Cc or Bcc header fields");

        String messageId = values.containsKey("message-id") ? values.get("message-id").get(0).strip() : stamp.messageId();
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 256);
        StringBuilder added = new StringBuilder();
        if (authors.isEmpty()) {
            added.append("From: <").append(sender.address()).append(">\r\n");
            originators = originators.withFrom(sender);
        }
        if (!values.containsKey("date")) added.append("Date: ").append(RFC5322.format(stamp.date())).append("\r\n");
        if (!values.containsKey("message-id")) added.append("Message-ID: ").append(messageId).append("\r\n");
        out.writeBytes(added.toString().getBytes(StandardCharsets.UTF_8));
        for (Field f : fields) {
            if (!f.name().equals("bcc")) out.writeBytes(f.raw()); // Bcc never travels
        }
        out.write(data, bodyStart, data.length - bodyStart);
        return new Outgoing(sender, recipients, originators, out.toByteArray(), messageId);
    }

    /** Reads the header fields into {@code fields}; returns where the empty line before the body starts. */
    private static int headerSection(byte[] d, List<Field> fields) throws Invalid {
        int i = 0;
        int lineNo = 0;
        int fieldStart = -1;
        while (i < d.length) {
            int eol = indexOfCrlf(d, i);
            int end = eol < 0 ? d.length : eol;
            int next = eol < 0 ? d.length : eol + 2;
            lineNo++;
            if (end - i > MAX_LINE) throw new Invalid(400, "message: line " + lineNo + " is longer than 998 octets");
            if (end == i) break; // the empty line
            boolean continuation = d[i] == ' ' || d[i] == '\t';
            if (continuation && fieldStart < 0) throw new Invalid(400, "message: line 1 starts with white space");
            if (!continuation) {
                if (fieldStart >= 0) fields.add(field(d, fieldStart, i));
                int colon = indexOf(d, (byte) ':', i, end);
                if (colon <= i) {
                    throw new Invalid(400, "message: line " + lineNo + " is not a header field (a message is header fields,"
                            + " an empty line, then the body)");
                }
                fieldStart = i;
            }
            i = next;
        }
        if (fieldStart >= 0) fields.add(field(d, fieldStart, i));
        for (int j = i, n = lineNo; j < d.length; ) { // the body's lines are bounded too
            int eol = indexOfCrlf(d, j);
            int end = eol < 0 ? d.length : eol;
            if (end - j > MAX_LINE) throw new Invalid(400, "message: line " + n + " is longer than 998 octets");
            n++;
            j = eol < 0 ? d.length : eol + 2;
        }
        return i;
    }

    private static Field field(byte[] d, int from, int to) {
        String text = new String(d, from, to - from, StandardCharsets.UTF_8);
        int colon = text.indexOf(':');
        String value = text.substring(colon + 1).replace("\r\n", "").strip();
        return new Field(text.substring(0, colon).strip().toLowerCase(Locale.ROOT), value,
                java.util.Arrays.copyOfRange(d, from, to));
    }

    private static List<Mailbox> addresses(String value, String field) throws Invalid {
        try {
            return AddressList.parse(value).stream().map(NamedMailbox::mailbox).toList();
        } catch (IllegalArgumentException e) {
            throw new Invalid(400, "message: the " + field + " field: " + e.getMessage());
        }
    }

    private static Mailbox mailbox(String text, String param) throws Invalid {
        String t = text.strip();
        if (t.startsWith("<") && t.endsWith(">")) t = t.substring(1, t.length() - 1);
        try {
            return Mailbox.parse(t);
        } catch (IllegalArgumentException e) {
            throw Invalid.field(param, "bad address \"" + text + "\": " + e.getMessage());
        }
    }

    static List<Mailbox> dedupe(List<Mailbox> all) {
        Map<String, Mailbox> seen = new LinkedHashMap<>();
        for (Mailbox m : all) seen.putIfAbsent(m.address().toLowerCase(Locale.ROOT), m);
        return List.copyOf(seen.values());
    }

    /** Bare LF and bare CR become CRLF. */
    static byte[] crlf(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + in.length / 32 + 2);
        for (int i = 0; i < in.length; i++) {
            byte b = in[i];
            if (b == '\r') {
                out.write('\r');
                out.write('\n');
                if (i + 1 < in.length && in[i + 1] == '\n') i++;
            } else if (b == '\n') {
                out.write('\r');
                out.write('\n');
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    private static int indexOfCrlf(byte[] d, int from) {
        for (int i = from; i + 1 < d.length; i++) if (d[i] == '\r' && d[i + 1] == '\n') return i;
        return -1;
    }

    private static int indexOf(byte[] d, byte b, int from, int to) {
        for (int i = from; i < to; i++) if (d[i] == b) return i;
        return -1;
    }
}

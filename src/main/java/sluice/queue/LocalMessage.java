package sluice.queue;

import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import sluice.smtp.AddressList;

/**
 * A message handed to {@code sluice sendmail} on standard input, made ready to queue: line endings made CRLF, the
 * input ended at a lone "." line unless {@code -i}, recipients taken from To/Cc/Bcc with {@code -t} (Bcc removed),
 * and From, Date and Message-ID added when missing. An added From carries the sender's full name ({@code -F}) as
 * Postfix's sendmail does: the only place a caller such as cron can name itself.
 */
public record LocalMessage(byte[] data, List<String> recipients) {
    private static final DateTimeFormatter RFC5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    public static LocalMessage prepare(byte[] input, boolean ignoreDots, boolean recipientsFromHeaders, List<String> args,
                                       String sender, String fullName, String hostname, String queueId,
                                       ZonedDateTime now) {
        List<String> lines = lines(input, ignoreDots);
        int end = lines.indexOf("");
        List<String> header = new ArrayList<>(end < 0 ? lines : lines.subList(0, end));
        List<String> body = end < 0 ? List.of() : lines.subList(end + 1, lines.size());
        Set<String> rcpts = new LinkedHashSet<>(args);
        boolean hasFrom = false, hasDate = false, hasId = false;
        List<String> kept = new ArrayList<>();
        List<String[]> recipientFields = new ArrayList<>(); // {name, unfolded value}
        String field = ""; // a first line that is a continuation belongs to no field
        for (String line : header) {
            boolean continuation = !line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t');
            if (!continuation) {
                int colon = line.indexOf(':');
                field = colon < 0 ? "" : line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                hasFrom |= field.equals("from");
                hasDate |= field.equals("date");
                hasId |= field.equals("message-id");
                if (field.equals("to") || field.equals("cc") || field.equals("bcc")) {
                    recipientFields.add(new String[] {field, line.substring(colon + 1)});
                }
            } else if (field.equals("to") || field.equals("cc") || field.equals("bcc")) {
                String[] last = recipientFields.get(recipientFields.size() - 1);
                last[1] = last[1] + line;
            }
            if (!field.equals("bcc")) kept.add(line); // Bcc never travels
        }
        if (recipientsFromHeaders) {
            for (String[] f : recipientFields) rcpts.addAll(addresses(f[0], f[1]));
        }
        StringBuilder out = new StringBuilder();
        if (!hasFrom) out.append("From: ").append(displayName(fullName)).append('<').append(sender).append(">\r\n");
        if (!hasDate) out.append("Date: ").append(RFC5322.format(now)).append("\r\n");
        if (!hasId) out.append("Message-ID: <").append(queueId).append('@').append(hostname).append(">\r\n");
        for (String h : kept) out.append(h).append("\r\n");
        out.append("\r\n");
        for (String b : body) out.append(b).append("\r\n");
        List<String> qualified = rcpts.stream().map(r -> r.contains("@") ? r : r + "@" + hostname).toList();
        return new LocalMessage(out.toString().getBytes(StandardCharsets.UTF_8), qualified);
    }

    /**
     * The full name as an RFC 5322 phrase followed by a space: atoms as they are, other ASCII quoted, non-ASCII as an
     * RFC 2047 encoded word (a header must stay ASCII for a peer without SMTPUTF8). Line breaks are dropped: a name
     * must not start a new header field.
     */
    static String displayName(String fullName) {
        if (fullName == null) return "";
        String name = fullName.replaceAll("[\\r\\n\\x00]+", " ").strip();
        if (name.isEmpty()) return "";
        if (!StandardCharsets.US_ASCII.newEncoder().canEncode(name)) {
            return "=?UTF-8?B?" + java.util.Base64.getEncoder().encodeToString(name.getBytes(StandardCharsets.UTF_8)) + "?= ";
        }
        if (name.matches("[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+")) return name + " ";
        return "\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\" ";
    }

    private static List<String> lines(byte[] input, boolean ignoreDots) {
        String text = new String(input, StandardCharsets.UTF_8).replace("\r\n", "\n").replace('\r', '\n');
        List<String> out = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) out.remove(out.size() - 1);
        if (!ignoreDots) {
            int dot = out.indexOf(".");
            if (dot >= 0) out = new ArrayList<>(out.subList(0, dot));
        }
        return out;
    }

    /**
     * The addresses of a To, Cc or Bcc field, read by the parser the send API and the may-send-as check use (a
     * quoted "<x@y>" or a group name is never taken for a recipient).
     *
     * @throws IllegalArgumentException naming the field and the address that cannot be read (nothing is dropped)
     */
    static List<String> addresses(String field, String value) {
        try {
            return AddressList.parse(value).stream().map(m -> m.mailbox().address()).toList();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the " + field.substring(0, 1).toUpperCase(Locale.ROOT) + field.substring(1)
                    + " field: " + e.getMessage());
        }
    }
}

package sluice.queue;

import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A message handed to {@code sluice sendmail} on standard input, made ready to queue: line endings made CRLF, the
 * input ended at a lone "." line unless {@code -i}, recipients taken from To/Cc/Bcc with {@code -t} (Bcc removed),
 * and From, Date and Message-ID added when missing.
 */
public record LocalMessage(byte[] data, List<String> recipients) {
    private static final DateTimeFormatter RFC5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);
    private static final Pattern ANGLE = Pattern.compile("<([^<>\\s]+@[^<>\\s]+)>");
    private static final Pattern BARE = Pattern.compile("([^\\s,;<>\"()]+@[^\\s,;<>\"()]+)");

    public static LocalMessage prepare(byte[] input, boolean ignoreDots, boolean recipientsFromHeaders, List<String> args,
                                       String sender, String hostname, String queueId, ZonedDateTime now) {
        List<String> lines = lines(input, ignoreDots);
        int end = lines.indexOf("");
        List<String> header = new ArrayList<>(end < 0 ? lines : lines.subList(0, end));
        List<String> body = end < 0 ? List.of() : lines.subList(end + 1, lines.size());
        Set<String> rcpts = new LinkedHashSet<>(args);
        boolean hasFrom = false, hasDate = false, hasId = false;
        List<String> kept = new ArrayList<>();
        String field = null;
        for (String line : header) {
            boolean continuation = !line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t');
            if (!continuation) {
                int colon = line.indexOf(':');
                field = colon < 0 ? "" : line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                hasFrom |= field.equals("from");
                hasDate |= field.equals("date");
                hasId |= field.equals("message-id");
            }
            if (recipientsFromHeaders && (field.equals("to") || field.equals("cc") || field.equals("bcc"))) {
                rcpts.addAll(addresses(continuation ? line : line.substring(line.indexOf(':') + 1)));
            }
            if (!field.equals("bcc")) kept.add(line); // Bcc never travels
        }
        StringBuilder out = new StringBuilder();
        if (!hasFrom) out.append("From: <").append(sender).append(">\r\n");
        if (!hasDate) out.append("Date: ").append(RFC5322.format(now)).append("\r\n");
        if (!hasId) out.append("Message-ID: <").append(queueId).append('@').append(hostname).append(">\r\n");
        for (String h : kept) out.append(h).append("\r\n");
        out.append("\r\n");
        for (String b : body) out.append(b).append("\r\n");
        List<String> qualified = rcpts.stream().map(r -> r.contains("@") ? r : r + "@" + hostname).toList();
        return new LocalMessage(out.toString().getBytes(StandardCharsets.UTF_8), qualified);
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

    static List<String> addresses(String value) {
        List<String> out = new ArrayList<>();
        Matcher m = ANGLE.matcher(value);
        while (m.find()) out.add(m.group(1));
        if (out.isEmpty()) {
            Matcher b = BARE.matcher(value);
            while (b.find()) out.add(b.group(1));
        }
        return out;
    }
}

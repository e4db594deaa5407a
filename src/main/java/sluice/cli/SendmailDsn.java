package sluice.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The envelope parameters a sendmail caller may ask for: {@code -B} (BODY), {@code -N} (NOTIFY), {@code -R} (RET)
 * and {@code -V} (ENVID), in their SMTP spelling, so a message handed over SMTP and one put straight into the spool
 * carry the same request. Each is null when not asked for.
 */
record SendmailDsn(String body, String notifyOn, String ret, String envid) {
    private static final List<String> NOTIFY = List.of("SUCCESS", "DELAY", "FAILURE");

    /** Checked as Postfix checks them; a value it would refuse is a usage error, nothing is queued. */
    static SendmailDsn of(String body, String notify, String ret, String envid) {
        String b = body == null ? null : body.toUpperCase(Locale.ROOT);
        if (b != null && !b.equals("7BIT") && !b.equals("8BITMIME")) {
            throw usage("-B takes 7BIT or 8BITMIME, not '" + body + "'");
        }
        String n = notify == null ? null : notify(notify);
        String r = ret == null ? null : ret.toUpperCase(Locale.ROOT);
        if (r != null && !r.equals("HDRS") && !r.equals("FULL")) throw usage("-R takes hdrs or full, not '" + ret + "'");
        if (envid != null && (envid.isEmpty() || envid.length() > 100 || !envid.chars().allMatch(c -> c > 32 && c < 127))) {
            throw usage("-V takes an envelope id of 1 to 100 printable ASCII characters");
        }
        return new SendmailDsn(b, n, r, envid);
    }

    private static String notify(String value) {
        List<String> words = Arrays.stream(value.split(",")).map(w -> w.strip().toUpperCase(Locale.ROOT)).toList();
        if (words.equals(List.of("NEVER"))) return "NEVER";
        if (words.isEmpty() || !NOTIFY.containsAll(words)) {
            throw usage("-N takes never, or a comma list of success, delay and failure, not '" + value + "'");
        }
        return words.stream().distinct().collect(Collectors.joining(","));
    }

    private static Failures.UserError usage(String problem) {
        return new Failures.UserError(SendmailCommand.USAGE, "sendmail: " + problem + "; nothing was queued");
    }

    boolean eightBit() {
        return "8BITMIME".equals(body);
    }

    /** The spool's names for them (as the server records BODY, RET and ENVID received over SMTP). */
    void putInto(Map<String, String> attributes) {
        if (body != null) attributes.put("body", body);
        if (ret != null) attributes.put("ret", ret);
        if (envid != null) attributes.put("envid", envid);
    }
}

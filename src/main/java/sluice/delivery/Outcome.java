package sluice.delivery;

/**
 * What one delivery attempt did for one recipient. The queue decides what follows from it.
 *
 * @param code         the deciding reply code (ours when no remote host answered, e.g. 451 for a DNS failure)
 * @param enhancedCode RFC 3463 status, e.g. "5.1.1"
 * @param remoteHost   the host name that answered (MX or smarthost), null for local or no connection
 * @param remoteIp     its address, null when no connection was made
 * @param remotePort   its port, 0 when no connection was made
 */
public record Outcome(String recipient, Result result, int code, String enhancedCode, String text, String remoteHost,
                      String remoteIp, int remotePort, String tls, long durationMillis) {

    /** SUPPRESSED: not attempted, the recipient is on the suppression list (final, no DSN). */
    public enum Result { DELIVERED, DEFERRED, BOUNCED, SUPPRESSED }

    /** "550 5.1.1 text", as the recipient's last error and a DSN's Diagnostic-Code. */
    public String summary() {
        return code + (enhancedCode == null ? "" : " " + enhancedCode) + (text == null ? "" : " " + text);
    }

    public static Result resultOf(int code) {
        return code < 400 ? Result.DELIVERED : code < 500 ? Result.DEFERRED : Result.BOUNCED;
    }
}

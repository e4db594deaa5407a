package sluice.delivery;

/**
 * What one delivery attempt did for one recipient. The queue decides what follows from it.
 *
 * @param code         the deciding reply code (ours when no remote host answered, e.g. 451 for a DNS failure)
 * @param enhancedCode RFC 3463 status, e.g. "5.1.1"
 * @param remoteHost   the host name that answered (MX or smarthost), null for local or no connection
 * @param remoteIp     its address, null when no connection was made
 * @param remotePort   its port, 0 when no connection was made
 * @param dsnPassedOn  the remote host advertised DSN and got the recipient's NOTIFY/ORCPT: a success is its to
 *                     report, not ours (RFC 3461 5.2.1; no "relayed" DSN)
 * @param egress       the source the connection was bound to, or null (no pool applied)
 */
public record Outcome(String recipient, Result result, int code, String enhancedCode, String text, String remoteHost,
                      String remoteIp, int remotePort, String tls, long durationMillis, boolean dsnPassedOn,
                      EgressSource egress) {

    /** An attempt from no particular source (no pool applied, or no connection). */
    public Outcome(String recipient, Result result, int code, String enhancedCode, String text, String remoteHost,
                   String remoteIp, int remotePort, String tls, long durationMillis, boolean dsnPassedOn) {
        this(recipient, result, code, enhancedCode, text, remoteHost, remoteIp, remotePort, tls, durationMillis,
                dsnPassedOn, null);
    }

    /** An outcome no DSN-capable next hop took over (local, refused before sending, or no connection). */
    public Outcome(String recipient, Result result, int code, String enhancedCode, String text, String remoteHost,
                   String remoteIp, int remotePort, String tls, long durationMillis) {
        this(recipient, result, code, enhancedCode, text, remoteHost, remoteIp, remotePort, tls, durationMillis, false);
    }

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

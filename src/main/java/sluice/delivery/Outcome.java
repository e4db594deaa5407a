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
 * @param throttledUntil for {@link Result#THROTTLED}: when it may be tried (epoch millis); else 0
 * @param tlsPolicy    the transit policy the attempt ran under ("dane", "mta-sts", "required", "opportunistic",
 *                     "none"), or null when no remote attempt was made
 */
public record Outcome(String recipient, Result result, int code, String enhancedCode, String text, String remoteHost,
                      String remoteIp, int remotePort, String tls, long durationMillis, boolean dsnPassedOn,
                      EgressSource egress, long throttledUntil, String tlsPolicy) {

    /** Without a transit policy (local, throttled, smarthost hand-over). */
    public Outcome(String recipient, Result result, int code, String enhancedCode, String text, String remoteHost,
                   String remoteIp, int remotePort, String tls, long durationMillis, boolean dsnPassedOn,
                   EgressSource egress, long throttledUntil) {
        this(recipient, result, code, enhancedCode, text, remoteHost, remoteIp, remotePort, tls, durationMillis,
                dsnPassedOn, egress, throttledUntil, null);
    }

    /** The same outcome, run under {@code policy}. */
    public Outcome withTlsPolicy(String policy) {
        return new Outcome(recipient, result, code, enhancedCode, text, remoteHost, remoteIp, remotePort, tls,
                durationMillis, dsnPassedOn, egress, throttledUntil, policy);
    }

    /** An attempt's outcome (not a throttle). */
    public Outcome(String recipient, Result result, int code, String enhancedCode, String text, String remoteHost,
                   String remoteIp, int remotePort, String tls, long durationMillis, boolean dsnPassedOn,
                   EgressSource egress) {
        this(recipient, result, code, enhancedCode, text, remoteHost, remoteIp, remotePort, tls, durationMillis,
                dsnPassedOn, egress, 0);
    }

    /** Not attempted: shaping holds the recipient back until {@code untilMillis} (no attempt counted). */
    public static Outcome throttled(String recipient, long untilMillis, String why) {
        return new Outcome(recipient, Result.THROTTLED, 0, null, why, null, null, 0, null, 0, false, null, untilMillis);
    }

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

    /**
     * SUPPRESSED: not attempted, the recipient is on the suppression list (final, no DSN). THROTTLED: not attempted,
     * shaping holds it back until {@link #throttledUntil()}; not an attempt, never logged as one.
     */
    public enum Result { DELIVERED, DEFERRED, BOUNCED, SUPPRESSED, THROTTLED }

    /** "550 5.1.1 text", as the recipient's last error and a DSN's Diagnostic-Code. */
    public String summary() {
        return code + (enhancedCode == null ? "" : " " + enhancedCode) + (text == null ? "" : " " + text);
    }

    public static Result resultOf(int code) {
        return code < 400 ? Result.DELIVERED : code < 500 ? Result.DEFERRED : Result.BOUNCED;
    }
}

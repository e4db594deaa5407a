package sluice.smtp;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Command lines the outbound client sends (without CRLF); the caller decides which parameters apply. */
public final class ClientCommands {
    private ClientCommands() {}

    /**
     * MAIL FROM with its parameters.
     *
     * @param size  SIZE value, or -1 to omit
     * @param ret   RET value, or null
     * @param envid ENVID value (xtext), or null
     */
    public static String mailFrom(String sender, long size, boolean body8BitMime, boolean smtpUtf8, String ret,
            String envid) {
        return mailFrom(sender, size, body8BitMime, smtpUtf8, ret, envid, false);
    }

    /** As above, with RFC 8689's REQUIRETLS keyword when {@code requireTls}. */
    public static String mailFrom(String sender, long size, boolean body8BitMime, boolean smtpUtf8, String ret,
            String envid, boolean requireTls) {
        StringBuilder sb = new StringBuilder(64).append("MAIL FROM:<").append(sender).append('>');
        if (size >= 0) sb.append(" SIZE=").append(size);
        if (body8BitMime) sb.append(" BODY=8BITMIME");
        if (smtpUtf8) sb.append(" SMTPUTF8");
        if (ret != null) sb.append(" RET=").append(ret);
        if (envid != null) sb.append(" ENVID=").append(envid);
        if (requireTls) sb.append(" REQUIRETLS");
        return sb.toString();
    }

    /** RCPT TO with DSN parameters (null to omit). */
    public static String rcptTo(String address, String notify, String orcpt) {
        StringBuilder sb = new StringBuilder(64).append("RCPT TO:<").append(address).append('>');
        if (notify != null) sb.append(" NOTIFY=").append(notify);
        if (orcpt != null) sb.append(" ORCPT=").append(orcpt);
        return sb.toString();
    }

    /** RFC 4616 PLAIN initial response: base64("" NUL user NUL password). */
    public static String authPlain(String user, String password) {
        return "AUTH PLAIN " + base64("\0" + user + "\0" + password);
    }

    public static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}

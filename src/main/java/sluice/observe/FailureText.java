package sluice.observe;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Says an I/O failure in words for people ("no route to the DNS server 10.0.0.53:53") instead of a Java exception's
 * text ("java.net.SocketException: Network is unreachable"). Used wherever a failure reaches a user: the CLI, the
 * delivery log (and so queue list, trace, the dashboard), doctor and probe. With {@code --debug} (the system property
 * {@code sluice.debug}) the original exception follows in brackets, for a bug report.
 */
public final class FailureText {
    private static final Pattern CLASS_PREFIX = Pattern.compile("^(?:[a-z][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error):\\s*");

    private FailureText() {}

    /**
     * One sentence for a failure talking to {@code peer} (e.g. "the DNS server 10.0.0.53:53", "mx.example.com:25").
     */
    public static String of(Throwable e, String peer) {
        String words = words(e, peer);
        return Boolean.getBoolean("sluice.debug") ? words + " [" + e + "]" : words;
    }

    /** One sentence for a failure with no particular peer. */
    public static String of(Throwable e) {
        return of(e, null);
    }

    private static String words(Throwable e, String peer) {
        String at = peer == null ? "" : " " + peer;
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (t instanceof SocketTimeoutException || m.startsWith("timed out") || m.contains("timed out")) {
                return (peer == null ? "no answer in time" : peer + " did not answer in time");
            }
            if (t instanceof NoRouteToHostException || m.contains("network is unreachable") || m.contains("no route to host")
                    || m.contains("host is unreachable")) {
                return "no route to" + (peer == null ? " the host" : at) + " (network unreachable)";
            }
            if (t instanceof ConnectException || m.contains("connection refused")) {
                return "connection refused" + (peer == null ? "" : " by" + at);
            }
            if (t instanceof PortUnreachableException || m.contains("port unreachable")) {
                return (peer == null ? "the port" : peer) + " is not listening (port unreachable)";
            }
            if (t instanceof UnknownHostException) return "unknown host" + (peer == null ? " " + t.getMessage() : at);
            if (m.contains("connection reset")) return "connection reset" + (peer == null ? "" : " by" + at);
            if (t instanceof EOFException || t instanceof ClosedChannelException || m.contains("broken pipe")
                    || m.contains("remote host terminated") || m.contains("connection closed")) {
                return (peer == null ? "the other side" : peer) + " closed the connection";
            }
            if (t instanceof SSLException) return "TLS handshake" + (peer == null ? "" : " with" + at) + " failed: " + tls(t);
            if (t instanceof java.nio.file.NoSuchFileException f) return "file not found: " + f.getFile();
            if (t instanceof java.nio.file.AccessDeniedException f) return "permission denied: " + f.getFile();
            if (m.contains("permission denied")) return "permission denied" + (peer == null ? "" : " for" + at);
        }
        String m = plain(e);
        return peer == null ? m : m + " (" + peer + ")";
    }

    /** The TLS failures people meet, said the way an operator would. */
    private static String tls(Throwable t) {
        String m = t.getMessage() == null ? "" : t.getMessage();
        String lower = m.toLowerCase(Locale.ROOT);
        if (lower.contains("pkix") || lower.contains("unable to find valid certification path")) {
            return "the certificate is not trusted";
        }
        if (lower.contains("no subject alternative") || lower.contains("doesn't match")) {
            return "the certificate does not name this host";
        }
        if (lower.contains("certificate expired") || lower.contains("notafter")) return "the certificate has expired";
        if (lower.contains("protocol") && (lower.contains("no appropriate") || lower.contains("not supported"))) {
            return "no TLS version in common";
        }
        if (lower.contains("received fatal alert")) return "the other side refused (" + m.replaceAll(".*alert: ", "") + ")";
        if (lower.contains("unrecognized ssl message") || lower.contains("plaintext")) return "the other side does not speak TLS";
        return plain(t);
    }

    /** An exception's own message without the Java class names some libraries put in it. */
    static String plain(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return e.getCause() != null && e.getCause() != e ? plain(e.getCause()) : "an unexpected input/output error";
        }
        String out = m;
        for (String before = ""; !before.equals(out); ) {
            before = out;
            out = CLASS_PREFIX.matcher(out).replaceFirst("");
        }
        return out.isBlank() ? "an unexpected input/output error" : out;
    }
}

package sluice.cli;

import java.io.PrintStream;
import java.net.InetAddress;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import sluice.delivery.PortReport;
import sluice.delivery.SubmissionAdvice;

/** The human form of a probe: a table of ports, one block of details per reachable port, the recommendation. */
final class ProbeReportText {
    private ProbeReportText() {}

    static void print(PrintStream out, String host, InetAddress address, Duration timeout, List<PortReport> reports,
            SubmissionAdvice.Recommendation advice) {
        out.println("probe " + host + (host.equals(address.getHostAddress()) ? "" : " (" + address.getHostAddress() + ")")
                + ", timeout " + timeout.toMillis() + " ms");
        out.println();
        String row = "%-6s %-12s %-9s %-9s %-28s %-18s %s%n";
        out.printf(row, "PORT", "STATUS", "CONNECT", "BANNER", "TLS", "AUTH BEFORE TLS", "AUTH AFTER TLS");
        for (PortReport r : reports) {
            out.printf(row, r.port(), r.status().label(), ms(r.connectMs()), ms(r.bannerMs()), tlsCell(r),
                    list(r.authBeforeTls()), list(r.authAfterTls()));
        }
        for (PortReport r : reports) {
            if (r.status() != PortReport.Status.REACHABLE) continue;
            out.println();
            out.println("port " + r.port());
            if (r.error() != null) out.println("  error       " + r.error());
            if (r.banner() != null) out.println("  banner      " + r.banner() + " (" + r.bannerMs() + " ms)");
            if (!r.extensions().isEmpty()) out.println("  extensions  " + String.join(", ", r.extensions()));
            if (!r.extensionsAfterTls().isEmpty() && !r.extensionsAfterTls().equals(r.extensions())) {
                out.println("  after TLS   " + String.join(", ", r.extensionsAfterTls()));
            }
            PortReport.Tls t = r.tls();
            if (t != null && t.ok()) {
                out.println("  tls         " + t.mode() + " " + t.version() + " " + t.cipher() + ", handshake " + t.handshakeMs() + " ms");
                out.println("  certificate " + t.subject() + ", issued by " + t.issuer());
                out.println("              expires " + LocalDate.ofInstant(t.notAfter(), ZoneOffset.UTC) + " ("
                        + t.daysLeft() + " days), names " + host + ": " + yes(t.hostnameMatch())
                        + ", trusted: " + yes(t.trusted()));
            } else if (t != null) {
                out.println("  tls         " + t.mode() + " failed: " + t.error());
            }
            for (String p : r.problems()) out.println("  PROBLEM     " + p);
        }
        out.println();
        if (advice.port() == null) {
            out.println("recommendation: none - " + advice.reason());
        } else {
            out.println("recommendation: port " + advice.port() + " - " + advice.reason());
        }
        out.println("(" + SubmissionAdvice.PREFERENCE + ")");
    }

    private static String tlsCell(PortReport r) {
        PortReport.Tls t = r.tls();
        if (t == null) return r.status() == PortReport.Status.REACHABLE ? "none" : "-";
        if (!t.ok()) return t.mode() + " failed";
        return t.mode() + " " + t.version() + (t.trusted() && t.hostnameMatch() ? "" : " (untrusted)");
    }

    private static String ms(long v) {
        return v < 0 ? "-" : v + " ms";
    }

    private static String list(List<String> l) {
        return l.isEmpty() ? "-" : String.join(" ", l);
    }

    private static String yes(boolean b) {
        return b ? "yes" : "no";
    }
}

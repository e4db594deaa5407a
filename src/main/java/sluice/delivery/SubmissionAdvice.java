package sluice.delivery;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which probed port a mail client should submit on: 587 with STARTTLS, else 465 (implicit TLS), else 2525 with
 * STARTTLS, else another port that works, in the order probed. Port 25 is for server-to-server mail only and is
 * never recommended. A port qualifies when {@link PortReport#usableForSubmission()}.
 */
public final class SubmissionAdvice {
    /** The recommended port and why; {@code port} is null when no probed port is usable. */
    public record Recommendation(Integer port, String reason) {}

    /** The order {@link #recommend} follows, for the closing line of a probe report. */
    public static final String PREFERENCE = "preference: 587 with STARTTLS, then 465 with implicit TLS, then 2525 with"
            + " STARTTLS, then any other working port; 25 is for server-to-server mail only";

    private SubmissionAdvice() {}

    public static Recommendation recommend(List<PortReport> reports) {
        List<PortReport> usable = new ArrayList<>();
        for (PortReport r : reports) if (r.port() != 25 && r.usableForSubmission()) usable.add(r);
        List<String> skipped = new ArrayList<>();
        if (usable.isEmpty()) {
            for (PortReport r : reports) skipped.add(r.port() + " " + whyNot(r));
            return new Recommendation(null, "no usable submission port (reachable, TLS, AUTH after TLS): "
                    + String.join("; ", skipped));
        }
        PortReport best = usable.stream().min(Comparator.comparingInt(r -> rank(r, reports))).orElseThrow();
        for (PortReport r : reports) {
            if (r != best && rank(r, reports) < rank(best, reports) && r.port() != 25) skipped.add(r.port() + " " + whyNot(r));
        }
        String reason = why(best) + (skipped.isEmpty() ? "" : " (" + String.join("; ", skipped) + ")");
        return new Recommendation(best.port(), reason);
    }

    private static String why(PortReport r) {
        boolean implicit = r.tls().mode().equals("implicit");
        String how = implicit ? "implicit TLS" : "STARTTLS";
        String auth = ", AUTH " + String.join(" ", r.authAfterTls()) + " after TLS";
        return switch (r.port()) {
            case 587 -> "submit on 587 with STARTTLS" + auth + ": the standard submission port (RFC 6409)";
            case 465 -> "submit on 465 with implicit TLS" + auth + ": TLS from the first byte (RFC 8314), as good as 587";
            case 2525 -> "submit on 2525 with STARTTLS" + auth + ": the usual alternative where 587 and 465 are blocked";
            default -> "submit on " + r.port() + " with " + how + auth + ": the first working port probed";
        };
    }

    private static String whyNot(PortReport r) {
        if (r.port() == 25) return "is for server-to-server mail only";
        if (r.status() != PortReport.Status.REACHABLE) return "is " + r.status().label();
        if (r.error() != null) return "failed: " + r.error();
        if (r.tls() == null) return "offers no TLS";
        if (!r.tls().ok()) return "TLS failed";
        if (r.authAfterTls().isEmpty()) return "offers no AUTH after TLS";
        return "works but ranks lower";
    }

    private static int rank(PortReport r, List<PortReport> order) {
        // A port without TLS ranks as its standard role, so that a blocked 465 is named before 2525.
        boolean implicit = r.tls() == null ? r.port() == 465 : "implicit".equals(r.tls().mode());
        return rank(r.port(), implicit, order.indexOf(r));
    }

    /**
     * 587 STARTTLS < 465 implicit < 2525 STARTTLS < others in the order given ({@code index}). Also how `serve` picks
     * the port its next steps name, so that it and a probe of it name the same port.
     */
    public static int rank(int port, boolean implicitTls, int index) {
        if (port == 587 && !implicitTls) return 0;
        if (port == 465 && implicitTls) return 1;
        if (port == 2525 && !implicitTls) return 2;
        if (port == 587 || port == 465 || port == 2525) return 3; // a standard port in the other mode
        return 10 + index;
    }
}

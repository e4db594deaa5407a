package sluice.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import sluice.delivery.PortReport.Status;

/** The recommendation rules: 587 STARTTLS > 465 implicit > 2525 STARTTLS > others in probe order; never 25. */
class ProbeAdviceTest {
    private static PortReport usable(int port, String mode) {
        var tls = new PortReport.Tls(mode, "TLSv1.3", "TLS_AES_128_GCM_SHA256", "CN=mx", "CN=ca", Instant.EPOCH, 90, true,
                true, null, 3, null);
        return new PortReport(port, Status.REACHABLE, null, "220 mx ESMTP", 1, 1, tls, List.of(), List.of(), List.of(),
                List.of("PLAIN", "LOGIN"), List.of());
    }

    private static PortReport down(int port, Status status) {
        return new PortReport(port, status, "x", null, -1, -1, null, List.of(), List.of(), List.of(), List.of(), List.of());
    }

    private static PortReport noAuth(int port) {
        PortReport u = usable(port, "starttls");
        return new PortReport(port, Status.REACHABLE, null, u.banner(), 1, 1, u.tls(), List.of(), List.of(), List.of(),
                List.of(), List.of());
    }

    @Test
    void prefers587ThenImplicit465Then2525() {
        assertThat(SubmissionAdvice.recommend(List.of(usable(25, "starttls"), usable(465, "implicit"),
                usable(587, "starttls"), usable(2525, "starttls"))).port()).isEqualTo(587);

        var r = SubmissionAdvice.recommend(List.of(usable(25, "starttls"), usable(465, "implicit"),
                down(587, Status.FILTERED), usable(2525, "starttls")));
        assertThat(r.port()).isEqualTo(465);
        assertThat(r.reason()).contains("implicit TLS", "587 is filtered");

        r = SubmissionAdvice.recommend(List.of(down(465, Status.REFUSED), noAuth(587), usable(2525, "starttls")));
        assertThat(r.port()).isEqualTo(2525);
        assertThat(r.reason()).contains("587 offers no AUTH after TLS", "465 is refused");
    }

    @Test
    void otherPortsRankAfterTheStandardOnesInProbeOrder() {
        assertThat(SubmissionAdvice.recommend(List.of(usable(10587, "starttls"), usable(10465, "implicit"))).port())
                .isEqualTo(10587);
        assertThat(SubmissionAdvice.recommend(List.of(usable(10587, "starttls"), usable(2525, "starttls"))).port())
                .isEqualTo(2525);
    }

    @Test
    void port25IsNeverASubmissionPort() {
        var r = SubmissionAdvice.recommend(List.of(usable(25, "starttls"), down(587, Status.FILTERED)));

        assertThat(r.port()).isNull();
        assertThat(r.reason()).contains("25 is for server-to-server mail only", "587 is filtered");
    }
}

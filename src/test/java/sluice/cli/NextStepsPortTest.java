package sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import sluice.config.ConfigLoader;
import sluice.config.ListenerConfig;
import sluice.delivery.PortReport;
import sluice.delivery.SubmissionAdvice;
import sluice.server.BoundListener;

/** serve's next steps and a probe of the same server name the same port, in the order the probe's hint states. */
class NextStepsPortTest {
    private static PortReport usable(int port, boolean implicit) {
        var tls = new PortReport.Tls(implicit ? "implicit" : "starttls", "TLSv1.3", "TLS_AES_128_GCM_SHA256", "CN=mx", "CN=ca",
                Instant.EPOCH, 90, true, true, null, 3, null);
        return new PortReport(port, PortReport.Status.REACHABLE, null, "220 mx ESMTP", 1, 1, tls, List.of(), List.of(),
                List.of(), List.of("PLAIN"), List.of());
    }

    private static String nextStepsPort(boolean root) {
        List<BoundListener> bound = new ArrayList<>();
        for (ListenerConfig l : ConfigLoader.embeddedDefault(Path.of("unused")).listeners()) {
            // Without root, the embedded default moves the ports below 1024 up by 10000.
            bound.add(new BoundListener(l, "*", !root && l.port() < 1024 ? l.port() + 10000 : l.port(), null));
        }
        return Integer.toString(ServeCommand.submissionListener(bound).port());
    }

    private static String probed(boolean root) {
        List<PortReport> reports = new ArrayList<>();
        for (ListenerConfig l : ConfigLoader.embeddedDefault(Path.of("unused")).listeners()) {
            if (l.port() == 25) continue;
            reports.add(usable(!root && l.port() < 1024 ? l.port() + 10000 : l.port(), l.implicitTls()));
        }
        return Integer.toString(SubmissionAdvice.recommend(reports).port());
    }

    @Test
    void serveAndProbeAgreeWithAndWithoutRoot() {
        assertThat(nextStepsPort(true)).isEqualTo(probed(true)).isEqualTo("587");
        assertThat(nextStepsPort(false)).isEqualTo(probed(false)).isEqualTo("2525");
    }

    @Test
    void theHintStatesTheOrderTheRecommendationFollows() {
        List<Integer> order = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\b(587|465|2525)\\b").matcher(SubmissionAdvice.PREFERENCE);
        while (m.find()) order.add(Integer.parseInt(m.group(1)));
        assertThat(order).containsExactly(587, 465, 2525);
        for (int i = 0; i + 1 < order.size(); i++) {
            int better = order.get(i);
            int worse = order.get(i + 1);
            assertThat(SubmissionAdvice.recommend(List.of(usable(worse, worse == 465), usable(better, better == 465))).port())
                    .isEqualTo(better);
        }
    }
}

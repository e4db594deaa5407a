package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.spool.Spool;
import sluice.spool.TlsRequest;
import sluice.testkit.FreePorts;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;

/** {@code sluice sendmail --require-tls}, straight into the spool and through a running server (over STARTTLS). */
class RequireTlsSendmailTest {
    @TempDir
    Path dir;

    @Test
    void theFlagReachesTheSpoolWithAndWithoutAServer() throws Exception {
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        Path config = SluiceHarness.writeConfig(dir, ports, "[\"127.0.0.0/8\"]", "");
        String cfg = config.toString();
        assertThat(SluiceProcess.runApart("Subject: apart-required\n\nx\n", "sendmail", "--require-tls", "-f",
                "cron@example.test", "bob@example.test", "--config", cfg).exit()).isZero();
        assertThat(SluiceProcess.runApart("Subject: apart-plain\n\nx\n", "sendmail", "-f",
                "cron@example.test", "bob@example.test", "--config", cfg).exit()).isZero();
        try (SluiceProcess p = SluiceProcess.start("serve", "--config", cfg)) {
            assertThat(p.awaitReady(60)).as(p.output()).isTrue();
            SluiceProcess.Outcome r = SluiceProcess.runApart("Subject: served-required\n\nx\n", "sendmail", "--require-tls",
                    "-f", "cron@example.test", "bob@example.test", "--config", cfg);
            assertThat(r.exit()).as(r.stderr()).isZero();
            SluiceProcess.Outcome no = SluiceProcess.runApart("Subject: served-optional\nTLS-Required: No\n\nx\n", "sendmail",
                    "-f", "cron@example.test", "bob@example.test", "--config", cfg);
            assertThat(no.exit()).as(no.stderr()).isZero();
            assertThat(p.terminate(40)).isZero();
        }
        try (Spool spool = Spool.open(dir.resolve("data/spool"), 0)) {
            Map<String, TlsRequest> bySubject = spool.list().stream().collect(Collectors.toMap(m -> {
                try {
                    String data = new String(spool.readData(m.id()).orElseThrow(), java.nio.charset.StandardCharsets.UTF_8);
                    var x = java.util.regex.Pattern.compile("(?m)^Subject: (\\S+)").matcher(data);
                    return x.find() ? x.group(1) : m.id();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, m -> m.envelope().tlsRequest()));
            assertThat(bySubject).containsOnly(Map.entry("apart-required", TlsRequest.REQUIRED),
                    Map.entry("apart-plain", TlsRequest.DEFAULT), Map.entry("served-required", TlsRequest.REQUIRED),
                    Map.entry("served-optional", TlsRequest.OPTIONAL));
        }
    }
}

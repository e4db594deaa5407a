package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;

/** `sluice check` as Nagios/Icinga run it: one line, the state in the exit code. */
class CheckCliTest {
    /** {@code SLUICE STATE - text | 'label'=value[UOM];warn;crit;min;max ...} per the Monitoring Plugins guidelines. */
    private static final Pattern LINE = Pattern.compile(
            "SLUICE (OK|WARNING|CRITICAL|UNKNOWN) - [^|\\n]+ \\| "
                    + "('[a-z_0-9]+'=-?[0-9.]+(s|%|B|c)?(;[0-9.:~@-]*){0,4})( '[a-z_0-9]+'=-?[0-9.]+(s|%|B|c)?(;[0-9.:~@-]*){0,4})*\\n?");

    private static Peer.Result check(SluiceHarness s, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("check", "--config", s.dir.resolve("sluice.toml").toString()));
        all.addAll(List.of(args));
        return SluiceProcess.run(null, all.toArray(String[]::new));
    }

    @Test
    void idleServerIsOkWithEveryPerfdataLabel() throws Exception {
        try (SluiceHarness s = SluiceHarness.start()) {
            Peer.Result r = check(s);

            assertThat(r.exit()).as(r.output()).isZero();
            assertThat(r.output()).matches(LINE).startsWith("SLUICE OK - queue 0, ")
                    .contains("4/4 listeners up", "bounce rate 0.0% (0 of 0 in 1h)", "certificate expires in 36")
                    .contains("'queue_size'=0;1000;10000;0", "'oldest_deferred'=0s;3600;14400;0",
                            "'bounce_rate_1h'=0.00%;3;10;0;100", "'listeners_down'=0;;0;0;4")
                    .containsPattern("'cert_expiry'=36\\d;14:;3:");
        }
    }

    @Test
    void aQueueOverTheWarningThresholdWarns() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[\"127.0.0.0/8\"]", "")) { // delivery paused: messages stay
            s.sendMx("a@example.test", "Subject: 1\n\nx\n", "b@far.test");
            s.sendMx("a@example.test", "Subject: 2\n\nx\n", "b@far.test");

            Peer.Result r = check(s, "--queue-warning", "1", "--queue-critical", "5");

            assertThat(r.exit()).as(r.output()).isEqualTo(1);
            assertThat(r.output()).matches(LINE).startsWith("SLUICE WARNING - queue 2 (> 1), ")
                    .contains("'queue_size'=2;1;5;0");

            Peer.Result contractForm = check(s, "--warning", "queue=0,bounce=50", "--critical", "queue=1");
            assertThat(contractForm.exit()).as(contractForm.output()).isEqualTo(2);
            assertThat(contractForm.output()).startsWith("SLUICE CRITICAL - queue 2 (> 1)").contains("'queue_size'=2;0;1;0");
            Peer.Result badKey = check(s, "--warning", "speed=3");
            assertThat(badKey.exit()).isEqualTo(3);
            assertThat(badKey.output()).startsWith("SLUICE UNKNOWN - unknown threshold \"speed\"");
        }
    }

    @Test
    void bounceRateCountsTheLastHourOfTheDeliveryLog() throws Exception {
        try (SluiceHarness s = SluiceHarness.start()) {
            Instant now = Instant.now();
            StringBuilder lines = new StringBuilder();
            for (int i = 0; i < 9; i++) lines.append(event(now.minusSeconds(60), "delivered"));
            lines.append(event(now.minusSeconds(30), "bounced"));
            for (int i = 0; i < 5; i++) lines.append(event(now.minus(Duration.ofHours(2)), "bounced")); // too old
            for (int i = 0; i < 8; i++) { // `sluice queue bounce`: no remote server said anything, so no bounce rate
                lines.append("{\"ts\":\"" + now.minusSeconds(20) + "\",\"event\":\"bounced\",\"queue_id\":\"Q\","
                        + "\"recipient\":\"x@far.test\",\"code\":550,\"bounce_class\":\"other\"}\n");
            }
            Files.createDirectories(s.deliveryLog().getParent());
            Files.writeString(s.deliveryLog(), lines, StandardOpenOption.CREATE, StandardOpenOption.APPEND);

            Peer.Result r = check(s);

            assertThat(r.exit()).as(r.output()).isEqualTo(1);
            assertThat(r.output()).matches(LINE).startsWith("SLUICE WARNING - bounce rate 10.0% (1 of 10 in 1h) (> 3%)")
                    .contains("'bounce_rate_1h'=10.00%;3;10;0;100");
            assertThat(check(s, "--bounce-critical", "9.5").exit()).isEqualTo(2);
        }
    }

    private static String event(Instant ts, String event) {
        return "{\"ts\":\"" + ts + "\",\"event\":\"" + event + "\",\"queue_id\":\"Q\",\"recipient\":\"x@far.test\","
                + "\"remote_host\":\"mx.far.test\"}\n";
    }

    @Test
    void aStoppedServerIsCriticalAndFailuresAreUnknown() throws Exception {
        SluiceHarness s = SluiceHarness.start();
        s.close();

        Peer.Result r = check(s);
        assertThat(r.exit()).as(r.output()).isEqualTo(2);
        assertThat(r.output()).matches(LINE).startsWith("SLUICE CRITICAL - 4 listener(s) down (port " + s.mx + ", ")
                .contains("'listeners_down'=4;;0;0;4");

        Peer.Result missing = SluiceProcess.run(null, "check", "--config", s.dir.resolve("nope.toml").toString());
        assertThat(missing.exit()).isEqualTo(3);
        assertThat(missing.output()).startsWith("SLUICE UNKNOWN - config file not found").doesNotContain("Exception");

        Peer.Result usage = check(s, "--queue-warning", "many");
        assertThat(usage.exit()).isEqualTo(3);
        assertThat(usage.output()).startsWith("SLUICE UNKNOWN - ");

        Peer.Result badDuration = check(s, "--oldest-warning", "soon");
        assertThat(badDuration.exit()).isEqualTo(3);
        assertThat(badDuration.output()).startsWith("SLUICE UNKNOWN - --oldest-warning: not a duration");

        Path broken = Files.writeString(s.dir.resolve("broken.toml"), "hostnme = \"x\"\n");
        Peer.Result config = SluiceProcess.run(null, "check", "--config", broken.toString());
        assertThat(config.exit()).isEqualTo(3);
        assertThat(config.output()).startsWith("SLUICE UNKNOWN - ").contains("hostnme");
    }
}

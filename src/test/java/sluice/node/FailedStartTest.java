package sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.config.Config;
import sluice.config.ConfigLoader;
import sluice.testkit.FreePorts;
import sluice.testkit.SluiceHarness;

/** A part that fails to start closes what started before it: the same data dir starts cleanly right after. */
class FailedStartTest {
    @TempDir
    Path dir;

    @Test
    void aWebhookCaThatIsNoCertificateFailsTheStartAndLeavesTheSpoolFree() throws Exception {
        Files.writeString(dir.resolve("hook.secret"), "whsec_" + "A".repeat(44) + "\n");
        Files.writeString(dir.resolve("ca.pem"), "not a certificate\n");
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        String hook = """
                [[webhooks]]
                name = "h"
                url = "https://127.0.0.1:9/x"
                secret_file = "%s"
                ca_file = "%s"
                """.formatted(dir.resolve("hook.secret"), dir.resolve("ca.pem"));
        Config broken = ConfigLoader.load(SluiceHarness.writeConfig(dir, ports, "[]", hook), null);
        assertThatThrownBy(() -> Node.start(broken, Clock.systemUTC()))
                .isInstanceOf(Node.StartException.class).hasMessageContaining("ca.pem");
        // the spool (RocksDB holds a lock on it) and the delivery log were closed: a good config starts at once
        Config good = ConfigLoader.load(SluiceHarness.writeConfig(dir, ports, "[]", ""), null);
        try (Node node = Node.start(good, Clock.systemUTC())) {
            assertThat(node.listeners()).hasSize(4);
        }
    }

    /**
     * A failure no step expects (here a clock that throws, standing for any unchecked exception a part may raise)
     * still closes what started before it: it used to leave the spool locked and the delivery log open.
     */
    @Test
    void anUnexpectedFailureAfterTheSpoolOpensStillClosesWhatStarted() throws Exception {
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        Config config = ConfigLoader.load(SluiceHarness.writeConfig(dir, ports, "[]", ""), null);
        Clock broken = new Clock() {
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            public Clock withZone(ZoneId zone) {
                return this;
            }

            public Instant instant() {
                throw new IllegalStateException("the clock is broken");
            }
        };
        assertThatThrownBy(() -> Node.start(config, broken)).isInstanceOf(IllegalStateException.class)
                .hasMessage("the clock is broken");
        try (Node node = Node.start(config, Clock.systemUTC())) {
            assertThat(node.listeners()).hasSize(4);
        }
    }
}

package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import sluice.spool.Spool;
import sluice.testkit.Dialog;
import sluice.testkit.SluiceHarness;

/** Stopping finishes transactions in flight and tells idle sessions 421, then closes the spool. */
class ShutdownTest {

    @Test
    void transactionInFlightFinishesIdleSessionIsClosed() throws Exception {
        SluiceHarness sluice = SluiceHarness.start();
        Thread stopper;
        try (Dialog busy = new Dialog(sluice.mx); Dialog idle = new Dialog(sluice.mx)) {
            busy.expect();
            idle.expect();
            busy.ask("EHLO c.test");
            busy.ask("MAIL FROM:<a@far.test>");
            busy.ask("RCPT TO:<b@example.test>");
            assertThat(busy.ask("DATA")).startsWith("354");
            busy.raw("Subject: in flight\r\n\r\nfirst half\r\n");

            stopper = Thread.ofPlatform().start(sluice::close);
            assertThat(idle.expect()).startsWith("421 4.3.2");
            assertThat(idle.closedByPeer()).isTrue();

            busy.raw("second half\r\n.\r\n");
            assertThat(busy.expect()).startsWith("250 2.0.0 OK: queued as");
            assertThat(busy.expect()).startsWith("421 4.3.2");
            stopper.join(10_000);
            assertThat(stopper.isAlive()).isFalse();
        }
        // the spool was closed cleanly and holds the message
        try (var spool = Spool.open(sluice.dataDir().resolve("spool"), 0)) {
            assertThat(spool.list()).hasSize(1);
        }
    }
}

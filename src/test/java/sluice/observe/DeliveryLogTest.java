package sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeliveryLogTest {
    private static final Instant T = Instant.parse("2026-11-02T10:00:00Z");

    @Test
    void connectionEventsAreCountedNotLogged(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("delivery.log");
        try (DeliveryLog log = DeliveryLog.open(file)) {
            log.publish(new DeliveryEvent.ListenerStarted(T, 25, "mx"));
            log.publish(new DeliveryEvent.ConnectionOpened(T, 25, "mx", "192.0.2.1"));
            log.publish(new DeliveryEvent.TlsEstablished(T, 25, "mx", "TLSv1.3", "TLS_AES_128_GCM_SHA256", false));
            log.publish(new DeliveryEvent.AuthAttempt(T, 25, "failure"));
            log.publish(new DeliveryEvent.ConnectionRefused(T, 25, "mx", "192.0.2.1", "deny_rule"));
            log.publish(MetricsTest.received(25));
            log.publish(new DeliveryEvent.ConnectionClosed(T, 25, "mx", 10, 1));
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).singleElement().satisfies(l -> assertThat(l).contains("\"event\":\"received\""));
    }
}

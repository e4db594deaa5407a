package sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.NotifyReceiver;
import sluice.testkit.NotifyReceiver.Datagram;

/** The notifier in-process against python3 playing systemd: the reload protocol and the watchdog. */
class SystemdNotifierTest {
    @TempDir
    Path dir;

    private static final int JAVA = Runtime.version().feature();

    @Test
    void reloadingCarriesCLOCK_MONOTONICMicrosecondsThenReadyEndsIt() throws Exception {
        String address = dir.resolve("n.sock").toString();
        try (NotifyReceiver systemd = NotifyReceiver.start(dir, address);
             SystemdNotifier n = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", address), JAVA)) {
            n.reloading();
            n.ready("reloaded");
            await().atMost(Duration.ofSeconds(10)).until(() -> systemd.received().size() == 2);
            Datagram reloading = systemd.received().get(0);
            assertThat(reloading.has("RELOADING=1")).as(reloading.fields().toString()).isTrue();
            // python's time.monotonic() is CLOCK_MONOTONIC: ours was taken just before the receiver's, same clock.
            long ours = Long.parseLong(reloading.value("MONOTONIC_USEC"));
            assertThat(reloading.monotonicMicros() - ours).isBetween(0L, 5_000_000L);
            assertThat(systemd.received().get(1).fields()).contains("READY=1", "STATUS=reloaded");
        }
    }

    @Test
    void watchdogHeartbeatsOnlyWhileTheNodeAnswers() throws Exception {
        String address = "@sluice-watchdog-" + ProcessHandle.current().pid();
        try (NotifyReceiver systemd = NotifyReceiver.start(dir, address);
             SystemdNotifier n = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", address,
                     "WATCHDOG_USEC", "200000", "WATCHDOG_PID", String.valueOf(ProcessHandle.current().pid())), JAVA)) {
            AtomicBoolean alive = new AtomicBoolean(true);
            n.startWatchdog(() -> {
                if (!alive.get()) throw new IllegalStateException("spool closed");
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> heartbeats(systemd) >= 3);
            alive.set(false);
            Thread.sleep(300); // let a heartbeat already on its way arrive
            long before = heartbeats(systemd);
            await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(2)).until(() -> heartbeats(systemd) == before);
        }
    }

    private static long heartbeats(NotifyReceiver systemd) {
        return systemd.received().stream().filter(d -> d.has("WATCHDOG=1")).count();
    }

    @Test
    void noWatchdogForAnotherProcessOrWithoutWatchdogUsec() throws Exception {
        String address = dir.resolve("w.sock").toString();
        try (NotifyReceiver systemd = NotifyReceiver.start(dir, address)) {
            for (Map<String, String> env : List.of(Map.of("NOTIFY_SOCKET", address),
                    Map.of("NOTIFY_SOCKET", address, "WATCHDOG_USEC", "100000", "WATCHDOG_PID", "1"))) {
                try (SystemdNotifier n = SystemdNotifier.fromEnvironment(env, JAVA)) {
                    n.startWatchdog(() -> {});
                    n.status("marker");
                    Thread.sleep(400); // two heartbeat periods, had a watchdog started
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> systemd.received().size() >= 2);
            Thread.sleep(300);
            assertThat(systemd.received()).extracting(Datagram::fields)
                    .containsExactly(List.of("STATUS=marker"), List.of("STATUS=marker"));
        }
    }

    @Test
    void withoutNotifySocketOrWithoutJava22NothingIsSent() {
        Map<String, String> env = new HashMap<>();
        assertThat(SystemdNotifier.fromEnvironment(env, JAVA).active()).isFalse();
        env.put("NOTIFY_SOCKET", "");
        assertThat(SystemdNotifier.fromEnvironment(env, JAVA).active()).isFalse();
        env.put("NOTIFY_SOCKET", "vsock:2:1234");
        assertThat(SystemdNotifier.fromEnvironment(env, JAVA).active()).isFalse();
        env.put("NOTIFY_SOCKET", dir.resolve("x.sock").toString());
        assertThat(SystemdNotifier.fromEnvironment(env, 21).active()).isFalse();
        SystemdNotifier n = SystemdNotifier.fromEnvironment(env, JAVA);
        assertThat(n.active()).isTrue();
        n.ready("nobody listens"); // a failed send is logged, never thrown
        n.stopping();
    }

    @Test
    void aPathTooLongForSunPathIsRefusedNotTruncated() throws Exception {
        String tooLong = "/" + "x".repeat(107); // 108 bytes + NUL > sun_path
        var socket = new UnixDatagramSocket();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> socket.send(tooLong, "READY=1"))
                .hasMessageContaining("too long");
    }
}

package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.FreePorts;
import sluice.testkit.NotifyReceiver;
import sluice.testkit.NotifyReceiver.Datagram;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;

/** `sluice serve` under a NOTIFY_SOCKET, as systemd runs a Type=notify service; python3 plays systemd. */
class SystemdNotifyTest {
    @TempDir
    Path dir;

    private final int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};

    @Test
    void readyArrivesOnceEveryListenerAndTheAdminPortAcceptThenStoppingOnSigterm() throws Exception {
        notifiesThrough(dir.resolve("notify.sock").toString());
    }

    @Test
    void abstractNamespaceSocket() throws Exception {
        notifiesThrough("@sluice-test-" + ProcessHandle.current().pid() + "-" + ports[0]);
    }

    private void notifiesThrough(String address) throws Exception {
        Path config = SluiceHarness.writeConfig(dir, ports, "[]", "");
        try (NotifyReceiver systemd = NotifyReceiver.start(dir, address, ports);
             SluiceProcess p = SluiceProcess.start(Map.of("NOTIFY_SOCKET", address), "serve", "--config", config.toString())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> ready(systemd) != null || !p.process().isAlive());
            Datagram ready = ready(systemd);
            assertThat(ready).as(p.output() + systemd.diagnostics()).isNotNull();
            String allAccepted = Arrays.stream(ports).mapToObj(port -> port + "=ok").collect(Collectors.joining(","));
            assertThat(ready.ports()).as("ports that accepted when READY=1 arrived").isEqualTo(allAccepted);
            assertThat(ready.value("MAINPID")).isEqualTo(String.valueOf(p.process().pid()));
            assertThat(ready.value("STATUS")).contains("4 listeners").contains(String.valueOf(ports[0]))
                    .contains("0 message(s) in the queue");
            assertThat(p.output()).contains("sluice ready").doesNotContain("WARN");

            assertThat(p.terminate(40)).as(p.output()).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> systemd.received().stream().anyMatch(d -> d.has("STOPPING=1")));
            List<Datagram> all = systemd.received();
            assertThat(all.indexOf(ready)).as("READY before STOPPING: " + all)
                    .isLessThan(all.stream().filter(d -> d.has("STOPPING=1")).map(all::indexOf).findFirst().orElseThrow());
            assertThat(all.stream().filter(d -> d.has("READY=1"))).as("one READY=1").hasSize(1);
        }
    }

    @Test
    void aReloadIsAnnouncedAsSystemdExpectsAppliedOrRefused() throws Exception {
        Path config = SluiceHarness.writeConfig(dir, ports, "[]", "");
        String address = dir.resolve("notify.sock").toString();
        try (NotifyReceiver systemd = NotifyReceiver.start(dir, address, ports);
             SluiceProcess p = SluiceProcess.start(Map.of("NOTIFY_SOCKET", address), "serve", "--config", config.toString())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> ready(systemd) != null || !p.process().isAlive());
            assertThat(ready(systemd)).as(p.output() + systemd.diagnostics()).isNotNull();
            hangUp(p);
            await().atMost(Duration.ofSeconds(20)).until(() -> readies(systemd).size() == 2);
            List<Datagram> all = systemd.received();
            Datagram reloading = all.stream().filter(d -> d.has("RELOADING=1")).findFirst().orElseThrow();
            assertThat(reloading.value("MONOTONIC_USEC")).matches("[0-9]+");
            assertThat(all.indexOf(reloading)).isLessThan(all.indexOf(readies(systemd).get(1)));
            assertThat(readies(systemd).get(1).value("STATUS")).contains("config reloaded");

            java.nio.file.Files.writeString(config, "this is = = not toml\n", java.nio.file.StandardOpenOption.APPEND);
            hangUp(p);
            await().atMost(Duration.ofSeconds(20)).until(() -> readies(systemd).size() == 3);
            assertThat(readies(systemd).get(2).value("STATUS")).contains("last reload refused");
            assertThat(p.output()).contains("sluice: reload refused");
            assertThat(p.terminate(40)).as(p.output()).isZero();
        }
    }

    private static void hangUp(SluiceProcess p) throws Exception {
        assertThat(sluice.testkit.Peer.run(List.of("kill", "-HUP", Long.toString(p.process().pid())), null, 10).exit()).isZero();
    }

    private static List<Datagram> readies(NotifyReceiver systemd) {
        return systemd.received().stream().filter(d -> d.has("READY=1")).toList();
    }

    private static Datagram ready(NotifyReceiver systemd) {
        return systemd.received().stream().filter(d -> d.has("READY=1")).findFirst().orElse(null);
    }

    @Test
    void aNotifySocketWithNobodyListeningCostsOneWarningAndNothingElse() throws Exception {
        Path config = SluiceHarness.writeConfig(dir, ports, "[]", "");
        String nobody = dir.resolve("nobody.sock").toString();
        try (SluiceProcess p = SluiceProcess.start(Map.of("NOTIFY_SOCKET", nobody), "serve", "--config", config.toString())) {
            assertThat(p.awaitReady(60)).as(p.output()).isTrue();
            assertThat(p.terminate(40)).as(p.output()).isZero(); // STOPPING=1 fails too: still one line
            List<String> warnings = p.output().lines().filter(l -> l.contains("WARN")).toList();
            assertThat(warnings).as(p.output()).hasSize(1);
            assertThat(warnings.get(0)).contains("cannot notify systemd at NOTIFY_SOCKET=" + nobody)
                    .contains("No such file or directory").doesNotContain("Exception");
            assertThat(p.output()).contains("sluice: stopped");
        }
    }
}

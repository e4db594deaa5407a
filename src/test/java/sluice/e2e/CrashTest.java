package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.spool.QueuedMessage;
import sluice.spool.Spool;
import sluice.testkit.Dialog;
import sluice.testkit.FreePorts;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;

/**
 * kill -9 under load, then restart: every message that got a 250 is in the queue whole, and no
 * partial message is.
 */
class CrashTest {
    private static final Pattern QUEUED = Pattern.compile("^250 2\\.0\\.0 OK: queued as (\\S+)");

    @TempDir
    Path dir;

    @Test
    void acknowledgedMessagesSurviveKillDashNine() throws Exception {
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        Path config = SluiceHarness.writeConfig(dir, ports, "[]", "");
        Set<String> acked = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> clients;
        Process load = null;
        try (SluiceProcess server = SluiceProcess.start("serve", "--config", config.toString())) {
            assertThat(server.awaitReady(60)).as(server.output()).isTrue();
            clients = java.util.stream.IntStream.range(0, 8)
                    .mapToObj(i -> Thread.ofVirtual().start(() -> send(ports[0], i, acked, stop))).toList();
            if (Peer.available("smtp-source")) {
                load = new ProcessBuilder("smtp-source", "-s", "10", "-m", "100000", "-l", "4096", "-f", "load@far.test",
                        "-t", "bob@example.test", "127.0.0.1:" + ports[0]).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            }
            Thread.sleep(2000); // the subject: two seconds of load, then the kill lands mid-traffic
            server.kill();
            stop.set(true);
            for (Thread t : clients) t.join(15_000);
        } finally {
            if (load != null) load.destroyForcibly();
        }
        assertThat(acked).as("clients got acknowledgements before the kill").isNotEmpty();

        int storedCount;
        try (Spool spool = Spool.open(dir.resolve("data/spool"), 0)) {
            List<QueuedMessage> stored = spool.list();
            storedCount = stored.size();
            Set<String> ids = ConcurrentHashMap.newKeySet();
            for (QueuedMessage m : stored) {
                ids.add(m.id());
                byte[] data = spool.readData(m.id()).orElse(null);
                assertThat(data).as("data of %s", m.id()).isNotNull();
                assertThat((long) data.length).as("size of %s", m.id()).isEqualTo(m.envelope().size());
            }
            assertThat(ids).containsAll(acked);
        }

        try (SluiceProcess again = SluiceProcess.start("serve", "--config", config.toString())) {
            assertThat(again.awaitReady(60)).as(again.output()).isTrue();
            assertThat(again.output()).contains(storedCount + " message(s) in the queue");
            // `queue list` reads the spool of the running server
            Peer.Result list = SluiceProcess.run(null, "queue", "list", "--json", "--config", config.toString());
            assertThat(list.exit()).as(list.output()).isZero();
            assertThat(list.output().split("\"id\"", -1)).hasSize(storedCount + 1);
            for (String id : acked) assertThat(list.output()).contains(id);
            assertThat(again.terminate(40)).isZero();
        }
    }

    private static void send(int port, int client, Set<String> acked, AtomicBoolean stop) {
        String body = "Subject: crash test " + client + "\r\n\r\n" + ("x".repeat(78) + "\r\n").repeat(50);
        while (!stop.get()) {
            try (Dialog d = new Dialog(port)) {
                d.expect();
                d.ask("EHLO crash.test");
                for (int i = 0; i < 50 && !stop.get(); i++) {
                    d.ask("MAIL FROM:<c" + client + "@far.test>");
                    d.ask("RCPT TO:<bob@example.test>");
                    d.ask("DATA");
                    d.raw(body + ".\r\n");
                    Matcher m = QUEUED.matcher(d.expect());
                    if (m.find()) acked.add(m.group(1));
                }
            } catch (Exception e) {
                // the server was killed: stop trying once told to
                if (stop.get()) return;
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }
}

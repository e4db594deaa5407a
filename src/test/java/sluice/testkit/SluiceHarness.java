package sluice.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import sluice.auth.UserStore;
import sluice.config.Config;
import sluice.config.ConfigLoader;
import sluice.node.Node;
import sluice.spool.QueuedMessage;
import sluice.spool.Spool;

/**
 * A real Sluice node in the test JVM, on loopback ports: mx, submission, submissions and a second
 * submission port (the 2525 role). User alice@example.test / "secret" may send as herself and as
 * anyone @example.test. Local domains: example.test, where a catch-all sends every unknown address to postmaster, and
 * strict.test, where only alice@strict.test and postmaster exist. The loopback is not trusted unless asked.
 * Delivery is paused (messages stay queued) unless {@code extraToml} has a {@code [delivery]} section, and
 * SPF/DKIM/DMARC checks are off (they would need DNS) unless it has a {@code [mailauth]} section.
 */
public final class SluiceHarness implements AutoCloseable {
    public static final String USER = "alice@example.test";
    public static final String PASSWORD = "secret";

    public final Path dir;
    public final int mx;
    public final int submission;
    public final int submissions;
    public final int alt;
    private final Node node;

    private SluiceHarness(Path dir, int[] ports, Node node) {
        this.dir = dir;
        this.mx = ports[0];
        this.submission = ports[1];
        this.submissions = ports[2];
        this.alt = ports[3];
        this.node = node;
    }

    public static SluiceHarness start() throws Exception {
        return start("[]", "");
    }

    /**
     * Starts a node.
     *
     * @param trustedNetworks TOML array for trusted_networks, e.g. {@code ["127.0.0.0/8"]}
     * @param extraToml       appended to the config (sections only)
     */
    public static SluiceHarness start(String trustedNetworks, String extraToml) throws Exception {
        Path dir = TempDirs.dir("sluice-it"); // removed when the test JVM ends, not at close (see TempDirs)
        return startIn(dir, trustedNetworks, extraToml);
    }

    /** As {@link #start(String, String)}, with the config and data dir in {@code dir} (e.g. a small file system). */
    public static SluiceHarness startIn(Path dir, String trustedNetworks, String extraToml) throws Exception {
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        Path file = writeConfig(dir, ports, trustedNetworks, extraToml);
        Config config = ConfigLoader.load(file, null);
        Files.createDirectories(config.dataDir());
        UserStore.open(config.dataDir()).put(USER, PASSWORD.getBytes(StandardCharsets.UTF_8),
                List.of(USER, "@example.test"));
        return new SluiceHarness(dir, ports, Node.start(config, Clock.systemUTC()));
    }

    /** Writes the harness config (also used by tests that run `sluice serve` as a process). */
    public static Path writeConfig(Path dir, int[] ports, String trustedNetworks, String extraToml) throws IOException {
        String toml = """
                hostname = "mx.sluice.test"
                data_dir = "%s"
                local_domains = ["example.test", "strict.test"]
                trusted_networks = %s

                [[listeners]]
                address = "127.0.0.1"
                port = %d
                mode = "mx"

                [[listeners]]
                address = "127.0.0.1"
                port = %d
                mode = "submission"

                [[listeners]]
                address = "127.0.0.1"
                port = %d
                mode = "submissions"

                [[listeners]]
                address = "127.0.0.1"
                port = %d
                mode = "submission"

                [auth]
                failure_delay = "10ms"

                %s
                %s
                %s
                [admin]
                address = "127.0.0.1:%d"

                %s
                """.formatted(dir.resolve("data"), trustedNetworks, ports[0], ports[1], ports[2], ports[3],
                extraToml.contains("[timeouts]") ? "" : "[timeouts]\nshutdown = \"5s\"\n",
                extraToml.contains("[local]") ? "" : "[local]\ncatch_all = { \"example.test\" = \"postmaster@example.test\" }\n"
                        + "aliases = { \"alice@strict.test\" = \"alice@example.test\" }\n",
                (extraToml.contains("[delivery]") ? "" : "[delivery]\npaused = true\n")
                        + (extraToml.contains("[mailauth]") ? "" : "[mailauth]\nverify = false\n"), ports[4], extraToml);
        Path file = dir.resolve("sluice.toml");
        Files.writeString(file, toml);
        return file;
    }

    public sluice.node.Node node() {
        return node;
    }

    public Config config() {
        return node.config();
    }

    public Spool spool() {
        return node.spool();
    }

    public List<QueuedMessage> queue() throws IOException {
        return node.spool().list();
    }

    /** The node's suppression list (in its spool). */
    public sluice.policy.SuppressionList suppressions() {
        return node.suppressions();
    }

    public Path dataDir() {
        return node.config().dataDir();
    }

    /** The queue manager (null when delivery is paused, the harness default). */
    public sluice.queue.Scheduler scheduler() {
        return node.delivery() == null ? null : node.delivery().scheduler();
    }

    /** The shaping room (null when delivery is paused). */
    public sluice.shaping.Shaper shaper() {
        return node.delivery() == null ? null : node.delivery().shaper();
    }

    /** Waits until every queued message has been delivered, bounced or expired (DSNs included). */
    public void awaitEmptyQueue(java.time.Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!(scheduler().idle() && node.spool().list().isEmpty())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("queue not empty after " + limit + ": " + node.spool().list());
            }
            Thread.sleep(20);
        }
    }

    /** Sends one message over the mx listener (the loopback must be trusted to relay). */
    public String sendMx(String from, String body, String... to) throws IOException {
        try (Dialog d = new Dialog(mx)) {
            d.expect();
            d.ask("EHLO client.test");
            d.ask("MAIL FROM:<" + from + ">");
            for (String t : to) {
                String r = d.ask("RCPT TO:<" + t + ">");
                if (!r.startsWith("250")) throw new IOException("RCPT " + t + ": " + r);
            }
            d.ask("DATA");
            String r = d.ask(body.replace("\n", "\r\n") + "\r\n.");
            if (!r.startsWith("250")) throw new IOException("end of data: " + r);
            return r.substring(r.lastIndexOf(' ') + 1);
        }
    }

    /** Whether the mx listener accepts this local recipient now (RCPT answered 250). */
    public boolean recipientExists(String address) throws IOException {
        try (Dialog d = new Dialog(mx)) {
            d.expect();
            d.ask("EHLO client.test");
            d.ask("MAIL FROM:<probe@far.test> SMTPUTF8");
            return d.ask("RCPT TO:<" + address + ">").startsWith("250");
        }
    }

    /** Completes when a drain of this node has ended (the node is then still running until {@link #close}). */
    public java.util.concurrent.CompletableFuture<sluice.admin.DrainPage.Status> drained() {
        return node.drained();
    }

    /** "http://127.0.0.1:PORT" of the admin API. */
    public String adminBase() {
        return "http://" + node.config().admin().address();
    }

    public Path deliveryLog() {
        return node.config().log().deliveryLog();
    }

    @Override
    public void close() {
        node.close();
    }
}

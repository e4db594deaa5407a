package sluice.testkit;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * dnsmasq (package dnsmasq-base) as the authoritative server for the test zone on a free loopback port. Only
 * {@code --local=/test/} plus the records given: it never forwards anywhere ({@code --no-resolv}), and unknown
 * names under .test answer NXDOMAIN.
 */
public final class Dnsmasq implements AutoCloseable {
    private final Process process;
    private final int port;
    private final StringBuilder output = new StringBuilder();

    private Dnsmasq(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static boolean available() {
        return Peer.available("dnsmasq");
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private final List<String> records = new ArrayList<>();

        /** {@code --mx-host=domain,host,preference}. */
        public Builder mx(String domain, String host, int preference) {
            records.add("--mx-host=" + domain + "," + host + "," + preference);
            return this;
        }

        /** {@code --host-record=name,address}. */
        public Builder host(String name, String address) {
            records.add("--host-record=" + name + "," + address);
            return this;
        }

        /** Any other dnsmasq record option, e.g. {@code --txt-record=...}. */
        public Builder arg(String option) {
            records.add(option);
            return this;
        }

        public Dnsmasq start() throws Exception {
            IOException last = null;
            for (int attempt = 0; attempt < 3; attempt++) {
                int port = FreePorts.next(); // a free TCP port; dnsmasq binds UDP and TCP, a clash fails fast and we retry
                List<String> cmd = new ArrayList<>(List.of("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv",
                        "--no-hosts", "--bind-interfaces", "--listen-address=127.0.0.1", "--port=" + port, "--user=root",
                        "--pid-file=", "--local=/test/"));
                cmd.addAll(records);
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                Dnsmasq d = new Dnsmasq(p, port);
                Thread.ofVirtual().start(() -> {
                    try (var in = p.getInputStream()) {
                        byte[] buf = new byte[4096];
                        for (int n; (n = in.read(buf)) > 0; ) {
                            synchronized (d.output) {
                                d.output.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                            }
                        }
                    } catch (IOException ignored) {
                        // ended
                    }
                });
                if (d.awaitAnswering(Duration.ofSeconds(5))) return d;
                d.close();
                last = new IOException("dnsmasq did not answer on port " + port + ": " + d.output());
            }
            throw last;
        }
    }

    /** "127.0.0.1:PORT", the form Sluice's dns_servers takes. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    /** Polls with a real query (an SOA question for "test") until dnsmasq answers. */
    private boolean awaitAnswering(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        byte[] query = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 4, 't', 'e', 's', 't', 0, 0, 6, 0, 1};
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) return false;
            try (DatagramSocket s = new DatagramSocket()) {
                s.setSoTimeout(200);
                s.send(new DatagramPacket(query, query.length, new InetSocketAddress("127.0.0.1", port)));
                DatagramPacket answer = new DatagramPacket(new byte[512], 512);
                s.receive(answer);
                if (answer.getLength() >= 12 && answer.getData()[0] == 0x12 && answer.getData()[1] == 0x34) return true;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        return false;
    }

    @Override
    public void close() {
        if (!process.isAlive()) return;
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}

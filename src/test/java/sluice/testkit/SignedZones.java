package sluice.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A private DNS tree for DNSSEC tests: a root zone ".", and the zones added, each signed with Debian's ldns-keygen and
 * ldns-signzone (ECDSA P-256, NSEC) and delegated from its nearest added ancestor (or the root) with a DS record when
 * signed; served by one nsd on 127.0.0.1 and a free port. nsd answers a DS question for a child zone it also hosts from
 * the parent zone (RFC 4035 3.1.4.1; checked by {@link #start}), so one server serves every level.
 */
public final class SignedZones implements AutoCloseable {
    /** How a zone is published. */
    public enum Kind {
        /** Signed, DS in the parent: answers validate as secure. */
        SIGNED,
        /** Not signed, no DS in the parent (the NSEC proves it): answers are insecure. */
        UNSIGNED,
        /** Signed and DS in the parent, but every signature expired in 2020: answers are bogus. */
        EXPIRED,
        /** Delegated (no DS) and declared to nsd without a zone file: every question in it gets SERVFAIL. */
        SERVFAIL
    }

    private record Zone(String name, Kind kind, List<String> records) {}

    private final Path dir;
    private final Process nsd;
    private final int port;

    private SignedZones(Path dir, Process nsd, int port) {
        this.dir = dir;
        this.nsd = nsd;
        this.port = port;
    }

    public static boolean available() {
        return Peer.available("nsd") && Peer.available("ldns-keygen") && Peer.available("ldns-signzone");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** "127.0.0.1:port", for {@code dns_servers}. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    /** The root's DS record, for {@code dnssec_trust_anchor}. */
    public Path trustAnchor() {
        return dir.resolve("anchor.ds");
    }

    @Override
    public void close() throws IOException {
        nsd.destroy();
        try {
            if (!nsd.waitFor(5, TimeUnit.SECONDS)) nsd.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    public static final class Builder {
        private final Map<String, Zone> zones = new LinkedHashMap<>();

        /** Adds zone {@code name} with {@code records} (zone-file lines relative to it; SOA and NS are added). */
        public Builder zone(String name, Kind kind, String... records) {
            zones.put(name, new Zone(name, kind, List.of(records)));
            return this;
        }

        /** Signs the zones (deepest first, so that each parent gets its children's DS), starts nsd, waits for it. */
        public SignedZones start() throws IOException, InterruptedException {
            Path dir = TempDirs.dir("signed-zones");
            List<Zone> all = new ArrayList<>(zones.values());
            all.add(new Zone(".", Kind.SIGNED, List.of()));
            all.sort(Comparator.comparingInt((Zone z) -> depth(z.name())).reversed());
            Map<String, List<String>> delegations = new LinkedHashMap<>();
            StringBuilder conf = new StringBuilder();
            for (Zone zone : all) {
                String file = file(zone.name());
                List<String> lines = new ArrayList<>();
                lines.add("$ORIGIN " + fqdn(zone.name()));
                lines.add("$TTL 300");
                lines.add("@ SOA ns.test. hostmaster.test. 1 3600 600 86400 300");
                lines.add("@ NS ns.test.");
                lines.addAll(zone.records());
                lines.addAll(delegations.getOrDefault(zone.name(), List.of()));
                List<String> delegation = new ArrayList<>();
                delegation.add(fqdn(zone.name()) + " NS ns.test.");
                if (zone.kind() != Kind.SERVFAIL) {
                    Files.write(dir.resolve(file), lines, StandardCharsets.US_ASCII);
                }
                if (zone.kind() == Kind.SIGNED || zone.kind() == Kind.EXPIRED) {
                    String ksk = run(dir, "ldns-keygen", "-a", "ECDSAP256SHA256", "-k", fqdn(zone.name()));
                    String zsk = run(dir, "ldns-keygen", "-a", "ECDSAP256SHA256", fqdn(zone.name()));
                    List<String> sign = new ArrayList<>(List.of("ldns-signzone", "-f", file + ".signed"));
                    if (zone.kind() == Kind.EXPIRED) sign.addAll(List.of("-i", "20190101000000", "-e", "20200101000000"));
                    sign.addAll(List.of(file, ksk, zsk));
                    run(dir, sign.toArray(String[]::new));
                    String ds = Files.readString(dir.resolve(ksk + ".ds")).strip();
                    delegation.add(ds);
                    if (zone.name().equals(".")) Files.writeString(dir.resolve("anchor.ds"), ds + "\n");
                    file = file + ".signed";
                }
                if (!zone.name().equals(".")) {
                    delegations.computeIfAbsent(parent(zone.name()), p -> new ArrayList<>()).addAll(delegation);
                }
                conf.append("zone:\n  name: \"").append(fqdn(zone.name())).append("\"\n  zonefile: \"")
                        .append(zone.kind() == Kind.SERVFAIL ? "missing-" + file : file).append("\"\n");
            }
            int port = FreePorts.next();
            Files.writeString(dir.resolve("nsd.conf"), server(dir, port) + conf);
            Process nsd = new ProcessBuilder("nsd", "-d", "-c", dir.resolve("nsd.conf").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("nsd.out").toFile()).start();
            SignedZones started = new SignedZones(dir, nsd, port);
            try {
                started.awaitServing();
            } catch (IOException | RuntimeException e) {
                started.close();
                throw e;
            }
            return started;
        }

        private String parent(String name) {
            String at = name;
            while (at.contains(".")) {
                at = at.substring(at.indexOf('.') + 1);
                if (zones.containsKey(at)) return at;
            }
            return ".";
        }
    }

    /** Waits until nsd answers the root SOA, and checks it answers DS for a hosted child from the parent. */
    private void awaitServing() throws IOException, InterruptedException {
        SimpleResolver resolver = new SimpleResolver(new InetSocketAddress("127.0.0.1", port));
        resolver.setTimeout(Duration.ofMillis(200));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            if (!nsd.isAlive()) throw new IOException("nsd exited: " + Files.readString(dir.resolve("nsd.out")));
            try {
                Message reply = resolver.send(Message.newQuery(Record.newRecord(Name.root, Type.SOA, DClass.IN)));
                if (reply.getRcode() == Rcode.NOERROR) return;
            } catch (IOException notYet) {
                // nsd still starting
            }
            if (System.nanoTime() > deadline) throw new IOException("nsd did not answer within 10 s: " + Files.readString(dir.resolve("nsd.out")));
            Thread.sleep(50);
        }
    }

    private static String server(Path dir, int port) {
        return """
                server:
                  ip-address: 127.0.0.1
                  port: %d
                  username: ""
                  chroot: ""
                  zonesdir: "%s"
                  pidfile: "%s/nsd.pid"
                  database: ""
                  zonelistfile: "%s/zone.list"
                  xfrdfile: "%s/xfrd.state"
                  xfrdir: "%s"
                  logfile: "%s/nsd.log"
                  verbosity: 1
                  server-count: 1
                  hide-version: yes
                remote-control:
                  control-enable: no
                """.formatted(port, dir, dir, dir, dir, dir, dir);
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out.strip();
    }

    private static int depth(String name) {
        return name.equals(".") ? 0 : name.split("\\.").length;
    }

    private static String fqdn(String name) {
        return name.equals(".") ? "." : name + ".";
    }

    private static String file(String name) {
        return (name.equals(".") ? "root" : name) + ".zone";
    }
}

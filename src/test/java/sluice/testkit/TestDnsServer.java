package sluice.testkit;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * An in-process DNS server for tests on 127.0.0.1 (UDP and TCP, same port), answering from a zone the test builds
 * and may change while it runs. Unknown names get NXDOMAIN, known names without the type NODATA, both with an SOA
 * whose minimum is the current TTL. UDP answers over 512 bytes (or the query's EDNS size) come truncated with TC.
 */
public final class TestDnsServer implements AutoCloseable {
    private static final int UDP_PLAIN_LIMIT = 512;
    private static final int MAX_CNAME_HOPS = 8;
    private static final byte[] LOOPBACK = {127, 0, 0, 1};

    private final Map<String, List<Record>> zone = new ConcurrentHashMap<>();
    private final Set<String> servfails = ConcurrentHashMap.newKeySet();
    private final Set<String> drops = ConcurrentHashMap.newKeySet();
    private final Map<String, Duration> delays = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> queries = new ConcurrentHashMap<>();
    private final AtomicInteger tcpQueries = new AtomicInteger();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private volatile long ttl = 300;

    private TestDnsServer(DatagramSocket udp, ServerSocket tcp) {
        this.udp = udp;
        this.tcp = tcp;
    }

    /** A running server on a free port of 127.0.0.1. */
    public static TestDnsServer start() {
        for (int attempt = 0; ; attempt++) {
            DatagramSocket udp = null;
            try {
                InetAddress loopback = InetAddress.getByAddress(LOOPBACK);
                udp = new DatagramSocket(new InetSocketAddress(loopback, 0));
                ServerSocket tcp = new ServerSocket();
                try {
                    tcp.bind(new InetSocketAddress(loopback, udp.getLocalPort()));
                } catch (BindException e) {
                    tcp.close();
                    throw e;
                }
                TestDnsServer server = new TestDnsServer(udp, tcp);
                Thread.ofVirtual().name("test-dns-udp").start(server::serveUdp);
                Thread.ofVirtual().name("test-dns-tcp").start(server::serveTcp);
                return server;
            } catch (BindException e) {
                udp.close(); // the TCP port was taken: try another UDP port
                if (attempt == 20) {
                    throw new UncheckedIOException(e);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** "127.0.0.1:PORT", as Sluice's dns_servers takes it. */
    public String address() {
        return "127.0.0.1:" + udp.getLocalPort();
    }

    public int port() {
        return udp.getLocalPort();
    }

    /** TTL of records added from now on, and of the SOA (and so the negative TTL) in answers from now on. */
    public TestDnsServer ttl(long seconds) {
        this.ttl = seconds;
        return this;
    }

    public TestDnsServer mx(String domain, int preference, String host) {
        return add(new MXRecord(name(domain), DClass.IN, ttl, preference, name(host)));
    }

    /** RFC 7505: the single record "MX 0 .". */
    public TestDnsServer nullMx(String domain) {
        return add(new MXRecord(name(domain), DClass.IN, ttl, 0, Name.root));
    }

    public TestDnsServer a(String host, String ipv4) {
        return add(new ARecord(name(host), DClass.IN, ttl, literal(ipv4, Address.IPv4)));
    }

    public TestDnsServer aaaa(String host, String ipv6) {
        return add(new AAAARecord(name(host), DClass.IN, ttl, literal(ipv6, Address.IPv6)));
    }

    /** One TXT record; text longer than 255 bytes is split into 255-byte character-strings. */
    public TestDnsServer txt(String owner, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        List<String> chunks = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += 255) {
            chunks.add(new String(bytes, i, Math.min(255, bytes.length - i), StandardCharsets.US_ASCII));
        }
        return add(new TXTRecord(name(owner), DClass.IN, ttl, chunks.isEmpty() ? List.of("") : chunks));
    }

    /** A PTR record for {@code ip} (v4 or v6 literal) in the reverse zone, naming {@code host}. */
    public TestDnsServer ptr(String ip, String host) {
        InetAddress address = literal(ip, ip.contains(":") ? Address.IPv6 : Address.IPv4);
        return add(new PTRRecord(ReverseMap.fromAddress(address), DClass.IN, ttl, name(host)));
    }

    public TestDnsServer cname(String owner, String target) {
        return add(new CNAMERecord(name(owner), DClass.IN, ttl, name(target)));
    }

    /** Answer SERVFAIL to every question about {@code owner}. */
    public TestDnsServer servfail(String owner) {
        servfails.add(key(owner));
        return this;
    }

    /** Never answer questions about {@code owner}: the client times out. */
    public TestDnsServer drop(String owner) {
        drops.add(key(owner));
        return this;
    }

    /** Wait {@code delay} before answering questions about {@code owner}. */
    public TestDnsServer delay(String owner, Duration delay) {
        delays.put(key(owner), delay);
        return this;
    }

    /** Forget records and failure modes of {@code owner} (queries stay counted). */
    public TestDnsServer remove(String owner) {
        String key = key(owner);
        zone.remove(key);
        servfails.remove(key);
        drops.remove(key);
        delays.remove(key);
        return this;
    }

    /** Questions received about {@code owner} (any type, UDP and TCP). */
    public int queries(String owner) {
        AtomicInteger count = queries.get(key(owner));
        return count == null ? 0 : count.get();
    }

    /** Questions received over TCP (so tests can see the truncation fallback). */
    public int tcpQueries() {
        return tcpQueries.get();
    }

    @Override
    public void close() {
        udp.close();
        try {
            tcp.close();
            for (Socket connection : connections) {
                connection.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
    }

    private TestDnsServer add(Record record) {
        zone.computeIfAbsent(key(record.getName()), k -> new CopyOnWriteArrayList<>()).add(record);
        return this;
    }

    private void serveUdp() {
        byte[] buffer = new byte[65535];
        while (!udp.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
            } catch (IOException e) {
                return; // closed
            }
            byte[] in = Arrays.copyOfRange(packet.getData(), 0, packet.getLength());
            var client = packet.getSocketAddress();
            Thread.ofVirtual().start(() -> answer(in, false).ifPresent(out -> {
                try {
                    udp.send(new DatagramPacket(out, out.length, client));
                } catch (IOException e) {
                    // closed, or the client went away
                }
            }));
        }
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try {
                Socket connection = tcp.accept();
                connections.add(connection);
                Thread.ofVirtual().start(() -> serveConnection(connection));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** Length-prefixed messages; a client may pipeline several on one connection, each answered when ready. */
    private void serveConnection(Socket connection) {
        try (connection) {
            DataInputStream in = new DataInputStream(connection.getInputStream());
            DataOutputStream out = new DataOutputStream(connection.getOutputStream());
            while (true) {
                byte[] query = in.readNBytes(in.readUnsignedShort());
                tcpQueries.incrementAndGet();
                Thread.ofVirtual().start(() -> answer(query, true).ifPresent(reply -> {
                    synchronized (out) {
                        try {
                            out.writeShort(reply.length);
                            out.write(reply);
                            out.flush();
                        } catch (IOException e) {
                            // the client closed the connection
                        }
                    }
                }));
            }
        } catch (IOException e) {
            // end of stream or closed
        } finally {
            connections.remove(connection);
        }
    }

    /** The wire answer to a wire query, or empty when the query is unreadable or its name is dropped. */
    private Optional<byte[]> answer(byte[] wire, boolean overTcp) {
        Message query;
        try {
            query = new Message(wire);
        } catch (IOException e) {
            return Optional.empty();
        }
        Record question = query.getQuestion();
        if (question == null) {
            return Optional.empty();
        }
        String key = key(question.getName());
        queries.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        if (drops.contains(key)) {
            return Optional.empty();
        }
        Duration delay = delays.get(key);
        if (delay != null) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                return Optional.empty();
            }
        }
        Message reply = reply(query, question, key);
        if (overTcp) {
            return Optional.of(reply.toWire());
        }
        OPTRecord opt = query.getOPT();
        int limit = opt == null ? UDP_PLAIN_LIMIT : Math.max(UDP_PLAIN_LIMIT, opt.getPayloadSize());
        return Optional.of(reply.toWire(limit)); // dnsjava drops what does not fit and sets TC
    }

    private Message reply(Message query, Record question, String key) {
        Message reply = new Message(query.getHeader().getID());
        reply.getHeader().setFlag(Flags.QR);
        reply.getHeader().setFlag(Flags.AA);
        reply.getHeader().setFlag(Flags.RA);
        if (query.getHeader().getFlag(Flags.RD)) {
            reply.getHeader().setFlag(Flags.RD);
        }
        reply.addRecord(question, Section.QUESTION);
        if (query.getOPT() != null) {
            reply.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
        }
        if (servfails.contains(key)) {
            reply.getHeader().setRcode(Rcode.SERVFAIL);
            return reply;
        }
        String owner = key;
        for (int hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
            List<Record> records = zone.get(owner);
            if (records == null) {
                reply.getHeader().setRcode(Rcode.NXDOMAIN);
                reply.addRecord(soa(), Section.AUTHORITY);
                return reply;
            }
            List<Record> matching = records.stream().filter(r -> r.getType() == question.getType()).toList();
            if (!matching.isEmpty()) {
                matching.forEach(r -> reply.addRecord(r, Section.ANSWER));
                return reply;
            }
            Optional<Record> alias = records.stream().filter(r -> r.getType() == Type.CNAME).findFirst();
            if (alias.isEmpty()) {
                break;
            }
            reply.addRecord(alias.get(), Section.ANSWER);
            owner = key(((CNAMERecord) alias.get()).getTarget());
        }
        reply.addRecord(soa(), Section.AUTHORITY); // NODATA
        return reply;
    }

    private SOARecord soa() {
        return new SOARecord(name("test"), DClass.IN, ttl, name("ns.test"), name("hostmaster.test"), 1, 3600, 600, 86400, ttl);
    }

    private static String key(String owner) {
        String lower = owner.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    private static String key(Name owner) {
        return key(owner.toString(true));
    }

    private static Name name(String text) {
        try {
            return Name.fromString(text, Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static InetAddress literal(String ip, int family) {
        byte[] bytes = Address.toByteArray(ip, family);
        if (bytes == null) {
            throw new IllegalArgumentException("not an IP literal: " + ip);
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}

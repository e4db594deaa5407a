package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.Dialog;
import sluice.testkit.FreePorts;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;

/**
 * The durability promise is an order, not a state: each message's bytes reach the spool's write-ahead log,
 * an fdatasync/fsync of that log starts after them and finishes, and only then is its {@code 250} written
 * to the socket. CrashTest's kill -9 keeps the page cache and would pass with sync off; this test would not
 * (checked by a temporary local edit to write with {@code setSync(false)}: it fails on the first message).
 * The server runs under {@code strace -f}; {@code -y} names the file or socket behind every fd, so the WAL
 * is any {@code *.log} under the spool directory and a reply is matched by the queue id it carries (the
 * reply is written by whichever carrier thread runs the session, so threads cannot be used to pair them).
 */
class SyncBeforeReplyTest {
    private static final Pattern QUEUED = Pattern.compile("^250 2\\.0\\.0 OK: queued as (\\S+)");
    private static final String SYSCALLS = "write,writev,pwrite64,pwritev,sendto,sendmsg,fsync,fdatasync";
    private static final int SESSIONS = 5, MESSAGES = 10;

    @TempDir
    Path dir;

    /** One system call from the trace: thread, start and end (seconds), the fd's path or socket, its text. */
    record Call(int thread, double start, double end, String name, String fd, String text) {
        boolean isWalWrite() {
            return (name.startsWith("write") || name.startsWith("pwrite")) && isWal();
        }

        boolean isWalSync() {
            return (name.equals("fdatasync") || name.equals("fsync")) && isWal();
        }

        boolean isWal() {
            return fd.contains("/spool/") && fd.endsWith(".log");
        }

        boolean isSocket() {
            return fd.startsWith("TCP") || fd.startsWith("socket:");
        }
    }

    @Test
    void everyReplyFollowsTheSyncOfItsMessage() throws Exception {
        assumeTrue(Peer.available("strace"), "strace is installed by .ci/run");
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        Path config = SluiceHarness.writeConfig(dir, ports, "[]", "");
        Path trace = dir.resolve("strace.txt");
        Map<String, String> queueIdByMarker = new ConcurrentHashMap<>();
        try (SluiceProcess server = SluiceProcess.startTraced(trace, SYSCALLS, "serve", "--config", config.toString())) {
            assertThat(server.awaitReady(120)).as(server.output()).isTrue();
            List<Thread> clients = new ArrayList<>();
            List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
            for (int s = 0; s < SESSIONS; s++) {
                int session = s;
                clients.add(Thread.ofVirtual().start(() -> {
                    try {
                        send(ports[0], session, queueIdByMarker);
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            for (Thread t : clients) t.join(120_000);
            assertThat(failures).as("client failures").isEmpty();
            assertThat(server.terminate(60)).as(server.output()).isZero(); // strace has written the whole trace
        }
        assertThat(queueIdByMarker).hasSize(SESSIONS * MESSAGES);

        List<Call> calls = parse(Files.readAllLines(trace));
        assertThat(calls).as("the trace names the spool's write-ahead log").anyMatch(Call::isWalWrite);
        for (var e : queueIdByMarker.entrySet()) {
            String marker = e.getKey(), id = e.getValue();
            Call written = calls.stream().filter(c -> c.isWalWrite() && c.text().contains(marker)).findFirst()
                    .orElseThrow(() -> new AssertionError("no write of " + marker + " to the spool's WAL"));
            Call reply = calls.stream().filter(c -> c.isSocket() && c.text().contains("queued as " + id)).findFirst()
                    .orElseThrow(() -> new AssertionError("no 250 reply with " + id + " in the trace"));
            Optional<Call> sync = calls.stream()
                    .filter(c -> c.isWalSync() && c.fd().equals(written.fd()) && c.start() >= written.end())
                    .findFirst();
            assertThat(sync).as("a sync of %s after %s was written at %.6f", written.fd(), marker, written.end())
                    .isPresent();
            assertThat(sync.get().end())
                    .as("the sync covering %s (queue id %s) ends before its 250 is written", marker, id)
                    .isLessThanOrEqualTo(reply.start());
        }
    }

    private static void send(int port, int session, Map<String, String> queueIdByMarker) throws IOException {
        try (Dialog d = new Dialog(port)) {
            assertThat(d.expect()).startsWith("220");
            assertThat(d.ask("EHLO sync.test")).startsWith("250");
            for (int i = 0; i < MESSAGES; i++) {
                String marker = "syncproof" + session + "x" + i + "end";
                assertThat(d.ask("MAIL FROM:<s" + session + "@far.test>")).startsWith("250");
                assertThat(d.ask("RCPT TO:<bob@example.test>")).startsWith("250");
                assertThat(d.ask("DATA")).startsWith("354");
                d.raw("Subject: " + marker + "\r\n\r\n" + marker + "\r\n.\r\n");
                String reply = d.expect();
                Matcher m = QUEUED.matcher(reply);
                assertThat(m.find()).as(reply).isTrue();
                queueIdByMarker.put(marker, m.group(1));
            }
            d.ask("QUIT");
        }
    }

    // "PID SECONDS name(args) = ret <dur>", or split across "name(args <unfinished ...>" and
    // "PID SECONDS <... name resumed>rest) = ret <dur>" when another thread's call came in between.
    private static final Pattern ENTRY = Pattern.compile("^(\\d+)\\s+(\\d+\\.\\d+)\\s+(\\w+)\\((.*)$");
    private static final Pattern RESUMED = Pattern.compile("^(\\d+)\\s+\\d+\\.\\d+\\s+<\\.\\.\\. (\\w+) resumed>.*$");
    private static final Pattern DURATION = Pattern.compile("<(\\d+\\.\\d+)>\\s*$");
    private static final Pattern FD = Pattern.compile("^\\d+<(.+?)>(?:[,)]| <unfinished)");

    static List<Call> parse(List<String> lines) {
        List<Call> calls = new ArrayList<>();
        Map<Integer, Integer> unfinished = new HashMap<>(); // thread → index in calls
        for (String line : lines) {
            Matcher r = RESUMED.matcher(line);
            if (r.matches()) {
                Integer at = unfinished.remove(Integer.parseInt(r.group(1)));
                if (at != null) calls.set(at, withDuration(calls.get(at), line));
                continue;
            }
            Matcher m = ENTRY.matcher(line);
            if (!m.matches()) continue;
            Matcher fd = FD.matcher(m.group(4));
            Call c = new Call(Integer.parseInt(m.group(1)), Double.parseDouble(m.group(2)),
                    Double.POSITIVE_INFINITY, m.group(3), fd.find() ? fd.group(1) : "", m.group(4));
            if (line.endsWith("<unfinished ...>")) {
                unfinished.put(c.thread(), calls.size());
                calls.add(c);
            } else {
                calls.add(withDuration(c, line));
            }
        }
        return calls;
    }

    /** A call whose end is unknown (never resumed in the trace) ends at infinity: it proves nothing. */
    private static Call withDuration(Call c, String line) {
        Matcher d = DURATION.matcher(line);
        double end = d.find() ? c.start() + Double.parseDouble(d.group(1)) : Double.POSITIVE_INFINITY;
        return new Call(c.thread(), c.start(), end, c.name(), c.fd(), c.text());
    }
}

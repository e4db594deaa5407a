package sluice.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * systemd's side of sd_notify, played by python3: an AF_UNIX datagram socket (a path, or the abstract namespace for
 * an address starting with '@') that prints each datagram it receives; on READY=1 it first tries a TCP connect to
 * each port it was given, at that very moment, and prints which accepted. Each printed line is
 * {@code MSG <monotonic µs at receipt> <fields joined by '|'> PORTS <port>=<ok|refused>,…}.
 */
public final class NotifyReceiver implements AutoCloseable {
    private static final String SCRIPT = """
            import socket, sys, time
            addr = sys.argv[1]
            ports = [int(p) for p in sys.argv[2].split(',') if p]
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind('\\0' + addr[1:] if addr.startswith('@') else addr)
            print('LISTENING', flush=True)
            while True:
                data = s.recv(65536).decode()
                now = int(time.monotonic() * 1000000)
                seen = []
                if 'READY=1' in data.split('\\n'):
                    for p in ports:
                        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                        c.settimeout(2)
                        try:
                            c.connect(('127.0.0.1', p))
                            seen.append('%d=ok' % p)
                        except OSError:
                            seen.append('%d=refused' % p)
                        finally:
                            c.close()
                print('MSG %d %s PORTS %s' % (now, data.replace('\\n', '|'), ','.join(seen)), flush=True)
            """;

    /** One datagram as the receiver saw it. */
    public record Datagram(long monotonicMicros, List<String> fields, String ports) {
        public boolean has(String field) {
            return fields.contains(field);
        }

        public String value(String key) {
            return fields.stream().filter(f -> f.startsWith(key + "=")).map(f -> f.substring(key.length() + 1))
                    .findFirst().orElse(null);
        }
    }

    private final Process process;
    private final List<Datagram> received = new CopyOnWriteArrayList<>();
    private final List<String> other = new CopyOnWriteArrayList<>();

    private NotifyReceiver(Process process) {
        this.process = process;
    }

    /** Starts the receiver on {@code address} and waits until its socket is bound. */
    public static NotifyReceiver start(Path dir, String address, int... ports) throws IOException, InterruptedException {
        Path script = Files.writeString(dir.resolve("notify-receiver.py"), SCRIPT);
        String list = java.util.Arrays.stream(ports).mapToObj(String::valueOf).collect(Collectors.joining(","));
        Process p = new ProcessBuilder("python3", script.toString(), address, list).redirectErrorStream(true).start();
        NotifyReceiver r = new NotifyReceiver(p);
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String first = in.readLine();
        if (!"LISTENING".equals(first)) {
            p.destroyForcibly();
            throw new IOException("the notify receiver did not start: " + first + "\n" + in.lines().collect(Collectors.joining("\n")));
        }
        Thread reader = new Thread(() -> r.read(in), "notify-receiver");
        reader.setDaemon(true);
        reader.start();
        return r;
    }

    private void read(BufferedReader in) {
        try {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.startsWith("MSG ")) {
                    other.add(line);
                    continue;
                }
                int at = line.lastIndexOf(" PORTS ");
                String[] head = line.substring(4, at).split(" ", 2);
                received.add(new Datagram(Long.parseLong(head[0]), List.of(head[1].split("\\|")), line.substring(at + 7).strip()));
            }
        } catch (IOException e) {
            other.add("read failed: " + e.getMessage());
        }
    }

    public List<Datagram> received() {
        return new ArrayList<>(received);
    }

    /** What the receiver printed besides datagrams (a Python traceback, say): for assertion messages. */
    public String diagnostics() {
        return String.join("\n", other);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
    }
}

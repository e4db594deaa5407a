package sluice.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server (Debian's redis-server package) on a free loopback port, in a fresh directory, with nothing saved
 * to disk unless asked. {@link #kill()} stops it the hard way (SIGKILL) and {@link #restart()} brings it back on the
 * same port, empty, as after a crash of a Redis without persistence.
 */
public final class RedisServer implements AutoCloseable {
    private final int port;
    private final Path dir;
    private final List<String> extra;
    private Process process;
    private final StringBuilder output = new StringBuilder();

    private RedisServer(int port, Path dir, List<String> extra) {
        this.port = port;
        this.dir = dir;
        this.extra = extra;
    }

    public static boolean available() {
        return Peer.available("redis-server") && Peer.available("redis-cli");
    }

    /** Starts a server; {@code extra} are further redis-server options, e.g. "--requirepass", "secret". */
    public static RedisServer start(String... extra) throws IOException, InterruptedException {
        return start(FreePorts.next(), List.of(extra));
    }

    /** Starts a server on {@code port} (Redis Cluster nodes need their port + 10000 free as well). */
    public static RedisServer start(int port, List<String> extra) throws IOException, InterruptedException {
        RedisServer r = new RedisServer(port, TempDirs.dir("sluice-redis-"), List.copyOf(extra));
        r.launch();
        return r;
    }

    private void launch() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir.toString(),
                "--protected-mode", "no"));
        cmd.addAll(extra);
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Process p = process;
        Thread.ofVirtual().start(() -> {
            try (InputStream in = p.getInputStream()) {
                byte[] buf = new byte[4096];
                for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (output) {
                        if (output.length() < 200_000) output.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    }
                }
            } catch (IOException ignored) {
                // ended
            }
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IOException("redis-server on port " + port + " exited: " + output());
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        throw new IOException("redis-server did not listen on port " + port + ": " + output());
    }

    public int port() {
        return port;
    }

    /** "redis://127.0.0.1:PORT". */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public Path dir() {
        return dir;
    }

    public String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL, and waits until the process is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Starts it again on the same port (after {@link #kill}); what it held is gone (nothing was saved). */
    public void restart() throws IOException, InterruptedException {
        if (process.isAlive()) kill();
        launch();
    }

    /** Runs redis-cli against this server and returns its output (one command, e.g. "DBSIZE"). */
    public String cli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
        return out.trim();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir
        }
    }
}

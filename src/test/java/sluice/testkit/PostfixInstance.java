package sluice.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private Postfix instance (the Debian package's binaries, never /etc/postfix): its own config directory, queue,
 * data directory and log file under a temp dir, smtpd on a loopback port, no DNS, no chroot. The master runs in the
 * foreground ({@code postfix -c DIR start-fg}) as a child of this JVM, so stopping it is bounded and nothing outlives
 * the test.
 *
 * <p>Recipe (the pitfalls found on the way): the temp dir must be traversable by the postfix user (mode 0755);
 * {@code data_directory} must be owned by postfix; {@code maillog_file} must match {@code maillog_file_prefixes};
 * the {@code postfix} command reports errors only to syslog or a terminal, so failures are diagnosed from the log file
 * and the start-fg output.
 */
public final class PostfixInstance implements AutoCloseable {
    public final Path dir;
    public final Path conf;
    public final int smtpdPort;
    private final Process master;
    private final StringBuilder output = new StringBuilder();

    private PostfixInstance(Path dir, int smtpdPort, Process master) {
        this.dir = dir;
        this.conf = dir.resolve("conf");
        this.smtpdPort = smtpdPort;
        this.master = master;
    }

    /**
     * A fresh directory for an instance (and the files its settings name), directly under the system temp dir with
     * mode 0755: the postfix user must be able to traverse every directory above the queue, which a JUnit
     * {@code @TempDir} (mode 0700) does not allow. {@link #close()} deletes it.
     */
    public static Path newDir() throws IOException {
        return TempDirs.dir("sluice-postfix", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    }

    public static boolean available() {
        return Peer.available("postfix") && Peer.available("postconf") && Files.isRegularFile(Path.of("/etc/postfix/master.cf"));
    }

    /**
     * Starts an instance in {@code dir} (from {@link #newDir()}) with smtpd on 127.0.0.1:{@code smtpdPort}. {@code settings} are main.cf parameters laid over
     * safe defaults (no DNS, loopback only, empty mydestination, no aliases); use {@link #dir} in values for files.
     */
    public static PostfixInstance start(Path dir, Map<String, String> settings, int smtpdPort) throws Exception {
        try {
            return launch(dir, settings, smtpdPort);
        } catch (Exception | Error e) {
            deleteDir(dir);
            throw e;
        }
    }

    private static PostfixInstance launch(Path dir, Map<String, String> settings, int smtpdPort) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Path queue = Files.createDirectories(dir.resolve("queue"));
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.copy(Path.of("/etc/postfix/master.cf"), conf.resolve("master.cf"));
        Map<String, String> main = new LinkedHashMap<>();
        main.put("compatibility_level", "3.6");
        main.put("queue_directory", queue.toString());
        main.put("data_directory", data.toString());
        main.put("mail_owner", "postfix");
        main.put("setgid_group", "postdrop");
        main.put("inet_interfaces", "127.0.0.1");
        main.put("inet_protocols", "ipv4");
        main.put("myhostname", "postfix.test");
        main.put("mydomain", "postfix.test");
        main.put("myorigin", "postfix.test");
        main.put("mydestination", "");
        main.put("mynetworks", "127.0.0.0/8");
        main.put("alias_maps", "");
        main.put("alias_database", "");
        main.put("maillog_file", dir.resolve("postfix.log").toString());
        main.put("maillog_file_prefixes", dir.toString());
        main.put("smtp_dns_support_level", "disabled");
        main.put("smtpd_peername_lookup", "no");
        main.put("biff", "no");
        main.put("smtpd_tls_loglevel", "1"); // "... TLS connection established ..." lines
        main.put("smtp_tls_loglevel", "1");
        main.put("queue_run_delay", "1s");
        main.put("minimal_backoff_time", "1s");
        main.put("maximal_backoff_time", "2s");
        main.putAll(settings);
        StringBuilder text = new StringBuilder();
        main.forEach((k, v) -> text.append(k).append(" = ").append(v).append('\n'));
        Files.writeString(conf.resolve("main.cf"), text);
        postconf(conf, "-M", "smtp/inet=127.0.0.1:" + smtpdPort + " inet n - n - - smtpd");
        postconf(conf, "-F", "*/*/chroot = n");
        Peer.Result owner = Peer.run(List.of("chown", "postfix", data.toString()), null, 10);
        if (!owner.ok()) throw new IOException("chown postfix " + data + ": " + owner.output());

        Process p = new ProcessBuilder("postfix", "-c", conf.toString(), "start-fg").redirectErrorStream(true).start();
        PostfixInstance pf = new PostfixInstance(dir, smtpdPort, p);
        Thread.ofVirtual().start(() -> {
            try (var in = p.getInputStream()) {
                byte[] buf = new byte[4096];
                for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (pf.output) {
                        pf.output.append(new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8));
                    }
                }
            } catch (IOException ignored) {
                // ended
            }
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            if (!p.isAlive()) {
                p.waitFor(1, TimeUnit.SECONDS);
                String why = pf.output() + "\n" + pf.logText();
                pf.close();
                throw new IOException("postfix start-fg exited " + p.exitValue() + ": " + why);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", smtpdPort), 500);
                break;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    String why = pf.output() + "\n" + pf.logText();
                    pf.close();
                    throw new IOException("postfix smtpd not listening on " + smtpdPort + ": " + why);
                }
                Thread.sleep(50);
            }
        }
        return pf;
    }

    private static void postconf(Path conf, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("postconf", "-c", conf.toString()));
        cmd.addAll(List.of(args));
        Peer.Result r = Peer.run(cmd, null, 20);
        if (!r.ok()) throw new IOException(cmd + ": " + r.output());
    }

    /** What start-fg printed (postfix-script messages). */
    public String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    /** The instance's maillog_file ("" before anything was logged). */
    public String logText() {
        try {
            Path log = dir.resolve("postfix.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(unreadable log: " + e + ")";
        }
    }

    /** Waits until the log contains {@code text}; returns the log. */
    public String awaitLog(String text, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            String log = logText();
            if (log.contains(text)) return log;
            if (System.nanoTime() > deadline) throw new AssertionError("no \"" + text + "\" in the Postfix log after " + limit + ":\n" + log);
            Thread.sleep(50);
        }
    }

    /** The queue as {@code postqueue -j} prints it: one JSON object per line. */
    public List<String> queueList() throws Exception {
        Peer.Result r = Peer.run(List.of("postqueue", "-c", conf.toString(), "-j"), null, 20);
        if (!r.ok()) throw new IOException("postqueue -j: " + r.output());
        return r.output().lines().filter(l -> l.startsWith("{")).toList();
    }

    /** Changes main.cf parameters ({@code postconf -e}) and reloads the running instance. */
    public void set(Map<String, String> settings) throws Exception {
        List<String> args = new ArrayList<>(List.of("-e"));
        settings.forEach((k, v) -> args.add(k + "=" + v));
        postconf(conf, args.toArray(String[]::new));
        Peer.Result r = Peer.run(List.of("postfix", "-c", conf.toString(), "reload"), null, 20);
        if (!r.ok()) throw new IOException("postfix reload: " + r.output() + "\n" + logText());
    }

    /** Asks the queue manager to retry deferred mail now. */
    public void flush() throws Exception {
        Peer.Result r = Peer.run(List.of("postqueue", "-c", conf.toString(), "-f"), null, 20);
        if (!r.ok()) throw new IOException("postqueue -f: " + r.output());
    }

    /** Stops the master (and with it every Postfix daemon); bounded, idempotent. */
    public void stop() {
        if (!master.isAlive()) return;
        try {
            Peer.run(List.of("postfix", "-c", conf.toString(), "stop"), null, 15);
            if (!master.waitFor(10, TimeUnit.SECONDS)) {
                master.descendants().forEach(ProcessHandle::destroyForcibly);
                master.destroyForcibly();
                master.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            master.descendants().forEach(ProcessHandle::destroyForcibly);
            master.destroyForcibly();
        }
    }

    /** Stops the instance and deletes its directory. */
    @Override
    public void close() {
        stop();
        deleteDir(dir);
    }

    /** Deletes an instance directory (queue files included); quiet when it is already gone. */
    public static void deleteDir(Path dir) {
        if (!Files.exists(dir)) return;
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }
}

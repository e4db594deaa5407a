package sluice.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private Dovecot IMAP server (Debian's dovecot-imapd, 2.3 config syntax) on a free loopback port, reading
 * the Maildirs Sluice writes: {@code mailRoot/<domain>/<localpart>} ({@code mail_location = maildir:ROOT/%d/%n}).
 *
 * <p>Everything lives in a fresh temp directory (config, users file, base_dir, state_dir, log); /etc/dovecot is
 * never read. Users authenticate with {@code LOGIN address password} (passwd-file, scheme PLAIN). Dovecot refuses
 * uid 0 as a mail user, so every user runs as {@value #MAIL_UID} (nobody): {@link #start} and
 * {@link #fixOwnership()} chown the mail tree to it, and directories above the mail root inside the system temp
 * directory get o+x so that uid can reach it. Stop with {@link #close()} ({@code doveadm stop}, then kill).
 */
public final class DovecotInstance implements AutoCloseable {
    public static final int MAIL_UID = 65534;
    private static final String DOVECOT = "/usr/sbin/dovecot";
    private static final String DOVEADM = "/usr/bin/doveadm";

    private final Path dir;
    private final Path config;
    private final Path log;
    private final Path mailRoot;
    private final int port;
    private final Process process;

    private DovecotInstance(Path dir, Path config, Path log, Path mailRoot, int port, Process process) {
        this.dir = dir;
        this.config = config;
        this.log = log;
        this.mailRoot = mailRoot;
        this.port = port;
        this.process = process;
    }

    public static boolean available() {
        return Files.isExecutable(Path.of(DOVECOT)) && Files.isExecutable(Path.of(DOVEADM));
    }

    /** The installed version, e.g. "2.3.19.1 (9b53102964)". */
    public static String version() throws IOException, InterruptedException {
        Peer.Result r = Peer.run(List.of(DOVECOT, "--version"), null, 10);
        if (!r.ok()) throw new IOException("dovecot --version: " + r.output());
        return r.output().strip();
    }

    /**
     * Starts Dovecot and waits (at most 15 s) until its IMAP port answers.
     *
     * @param users    address → password; each address's Maildir is {@code mailRoot/<domain>/<localpart>}
     * @param mailRoot the Maildir root (Sluice's {@code dataDir/mail})
     */
    public static DovecotInstance start(Map<String, String> users, Path mailRoot) throws IOException, InterruptedException {
        String version = version();
        if (!version.startsWith("2.3.")) {
            throw new IllegalStateException("DovecotInstance writes Dovecot 2.3 configuration; installed: " + version);
        }
        mailRoot = mailRoot.toAbsolutePath().normalize();
        Files.createDirectories(mailRoot);
        Path dir = TempDirs.dir("dovecot-it");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x")); // auth runs as user dovecot
        Path users0 = dir.resolve("users");
        StringBuilder passwd = new StringBuilder();
        for (Map.Entry<String, String> u : users.entrySet()) {
            String address = u.getKey();
            int at = address.lastIndexOf('@');
            if (at < 1 || address.contains(":") || u.getValue().contains(":") || u.getValue().contains("\n")) {
                throw new IllegalArgumentException("unsupported user for passwd-file: " + address);
            }
            Path home = mailRoot.resolve(address.substring(at + 1)).resolve(address.substring(0, at));
            passwd.append(address).append(":{PLAIN}").append(u.getValue()).append(':').append(MAIL_UID).append(':')
                    .append(MAIL_UID).append("::").append(home).append("::\n");
        }
        Files.writeString(users0, passwd);
        Files.setPosixFilePermissions(users0, PosixFilePermissions.fromString("rw-r--r--"));
        Files.createDirectories(dir.resolve("run"));
        Files.createDirectories(dir.resolve("state"));
        Path log = dir.resolve("dovecot.log");
        int port = FreePorts.next();
        Path config = dir.resolve("dovecot.conf");
        Files.writeString(config, """
                # Private test instance (Dovecot 2.3 syntax); nothing from /etc/dovecot is included.
                base_dir = %1$s/run
                state_dir = %1$s/state
                instance_name = sluice-it-%2$d
                log_path = %3$s
                info_log_path = %3$s
                debug_log_path = %3$s
                protocols = imap
                listen = 127.0.0.1
                ssl = no
                disable_plaintext_auth = no
                auth_mechanisms = plain login
                # Allow any user name (default: ASCII letters, digits and ".-_@"): SMTPUTF8 users log in too.
                auth_username_chars =
                mail_location = maildir:%4$s/%%d/%%n
                first_valid_uid = %5$d
                last_valid_uid = %5$d
                default_login_user = dovenull
                default_internal_user = dovecot
                passdb {
                  driver = passwd-file
                  args = scheme=PLAIN username_format=%%u %6$s
                }
                userdb {
                  driver = passwd-file
                  args = username_format=%%u %6$s
                }
                service imap-login {
                  inet_listener imap {
                    address = 127.0.0.1
                    port = %2$d
                  }
                  inet_listener imaps {
                    port = 0
                  }
                }
                """.formatted(dir, port, log, mailRoot, MAIL_UID, users0));
        fixOwnership(mailRoot);
        Process p = new ProcessBuilder(DOVECOT, "-F", "-c", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        DovecotInstance d = new DovecotInstance(dir, config, log, mailRoot, port, p);
        try {
            d.awaitPort(15_000);
        } catch (IOException | RuntimeException | InterruptedException e) {
            String text = d.logText() + Files.readString(dir.resolve("stdout.log"));
            d.close();
            throw new IOException("Dovecot did not start: " + e.getMessage() + "\n" + text, e);
        }
        return d;
    }

    private void awaitPort(long millis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (true) {
            if (!process.isAlive()) throw new IOException("dovecot exited with " + process.exitValue());
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) throw new IOException("port " + port + " not open after " + millis + " ms");
                Thread.sleep(50);
            }
        }
    }

    /** Re-chowns the mail tree to {@value #MAIL_UID} (needed again after Sluice, running as root, delivers more). */
    public void fixOwnership() throws IOException {
        fixOwnership(mailRoot);
    }

    private static void fixOwnership(Path mailRoot) throws IOException {
        try (Stream<Path> all = Files.walk(mailRoot)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Files.setAttribute(p, "unix:uid", MAIL_UID, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", MAIL_UID, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            }
        }
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
        for (Path a = mailRoot.getParent(); a != null; a = a.getParent()) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(a);
            if (perms.contains(PosixFilePermission.OTHERS_EXECUTE)) continue;
            if (!a.startsWith(tmp) || a.equals(tmp)) {
                throw new IOException(a + " is not searchable by uid " + MAIL_UID + " and is outside the temp directory");
            }
            perms.add(PosixFilePermission.OTHERS_EXECUTE);
            Files.setPosixFilePermissions(a, perms);
        }
    }

    public int port() {
        return port;
    }

    public Path configFile() {
        return config;
    }

    /** Everything Dovecot logged so far. */
    public String logText() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /**
     * Log lines that report a problem (warnings, errors, panics, fatal errors, broken or corrupted files). Call it
     * before {@link #close()}: stopping makes the master log "Warning: Killed with signal 15".
     */
    public List<String> problems() throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : logText().split("\n")) {
            String l = line.toLowerCase(java.util.Locale.ROOT);
            if (l.contains("warning") || l.contains("error") || l.contains("panic") || l.contains("fatal") || l.contains("broken")
                    || l.contains("corrupt")) {
                out.add(line);
            }
        }
        return out;
    }

    /** {@code doveadm stop}, then SIGTERM/SIGKILL for whatever is left; bounded (about 20 s at worst). */
    @Override
    public void close() throws IOException {
        List<ProcessHandle> children = process.descendants().toList();
        try {
            if (process.isAlive()) Peer.run(List.of(DOVEADM, "-c", config.toString(), "stop"), null, 10);
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(3, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        // The master's children (imap, imap-login, auth, log, ...) exit right after it; wait for them, bounded.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        for (ProcessHandle c : children) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                c.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                c.destroyForcibly();
            } catch (InterruptedException e) {
                c.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Removes the instance's temp directory (config, state, log); call after {@link #close()}. */
    public void deleteFiles() throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}

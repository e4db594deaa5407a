package sluice.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** `sluice …` run as its own JVM process, the way an operator runs it. */
public final class SluiceProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private SluiceProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** One temp dir for every child JVM of this test JVM, made on first use. */
    private static final class ChildTemp {
        static final Path DIR;

        static {
            try {
                DIR = TempDirs.dir("sluice-child-tmp");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    public static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        // RocksDB extracts its 17 MB native library into the temp dir and deletes it only on a normal exit: a server
        // that a test kills with -9 left it in /tmp. Here it lands in a directory removed when the test JVM ends.
        cmd.add("-Djava.io.tmpdir=" + ChildTemp.DIR);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("sluice.cli.Main");
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Output goes to a file: a pipe read while the process exits can lose its last lines. */
    public static SluiceProcess start(String... args) throws IOException {
        Path log = TempDirs.file("sluice-process", ".log");
        Process p = new ProcessBuilder(command(args)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new SluiceProcess(p, log);
    }

    /** The same with extra environment variables (NOTIFY_SOCKET, JOURNAL_STREAM), output to a fresh file. */
    public static SluiceProcess start(java.util.Map<String, String> env, String... args) throws IOException {
        return start(TempDirs.file("sluice-process", ".log"), env, args);
    }

    /** The same with stdout and stderr going to {@code log}, a file the caller made (and may stat) beforehand. */
    public static SluiceProcess start(Path log, java.util.Map<String, String> env, String... args) throws IOException {
        ProcessBuilder b = new ProcessBuilder(command(args)).redirectErrorStream(true).redirectOutput(log.toFile());
        b.environment().putAll(env);
        return new SluiceProcess(b.start(), log);
    }

    /**
     * The same server run under {@code strace -f} (every thread), its trace of {@code syscalls} written to
     * {@code trace} with absolute timestamps, durations and the path or socket behind each fd ({@code -y}).
     */
    public static SluiceProcess startTraced(Path trace, String syscalls, String... args) throws IOException {
        Path log = TempDirs.file("sluice-process", ".log");
        List<String> cmd = new ArrayList<>(List.of("strace", "-f", "-qq", "--seccomp-bpf", "-ttt", "-T", "-yy",
                "-s", "8192", "-e", "trace=" + syscalls, "-e", "signal=none", "-o", trace.toString()));
        cmd.addAll(command(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new SluiceProcess(p, log);
    }

    /** Runs a command to completion (stdout and stderr together). */
    public static Peer.Result run(String stdin, String... args) throws IOException, InterruptedException {
        return Peer.run(command(args), stdin, 60);
    }

    /** Exit code, standard output and standard error of one run, kept apart. */
    public record Outcome(int exit, String stdout, String stderr) {}

    /** Runs a command to completion with stdout and stderr kept apart (for "exactly one line on stderr" checks). */
    public static Outcome runApart(String stdin, String... args) throws IOException, InterruptedException {
        Path out = TempDirs.file("sluice-out", ".log");
        Path err = TempDirs.file("sluice-err", ".log");
        try {
            Process p = new ProcessBuilder(command(args)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) in.write(stdin.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                return new Outcome(-1, Files.readString(out), Files.readString(err) + "\n[timed out after 60s]");
            }
            return new Outcome(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Waits for the line containing "ready"; false if the process ended or the time ran out. */
    public boolean awaitReady(int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (output().contains("ready")) return true;
            if (!process.isAlive()) return false;
            Thread.sleep(50);
        }
        return false;
    }

    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    public Process process() {
        return process;
    }

    /** SIGKILL: no shutdown hook, no flush, the crash case. */
    public void kill() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly); // the JVM under strace
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM and wait for the exit code. */
    public int terminate(int seconds) throws InterruptedException {
        // Under strace the server is the child: SIGTERM goes to it, and strace exits with its status.
        List<ProcessHandle> children = process.children().toList();
        if (children.isEmpty()) process.destroy();
        else children.forEach(ProcessHandle::destroy);
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) kill();
    }
}

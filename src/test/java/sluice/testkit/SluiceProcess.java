package sluice.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** `sluice …` run as its own JVM process, the way an operator runs it. */
public final class SluiceProcess implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private SluiceProcess(Process process) {
        this.process = process;
        this.reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) lines.add(l);
            } catch (IOException ignored) {
                // process ended
            }
        });
    }

    public static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("sluice.cli.Main");
        cmd.addAll(List.of(args));
        return cmd;
    }

    public static SluiceProcess start(String... args) throws IOException {
        return new SluiceProcess(new ProcessBuilder(command(args)).redirectErrorStream(true).start());
    }

    /** Runs a command to completion (stdout and stderr together). */
    public static Peer.Result run(String stdin, String... args) throws IOException, InterruptedException {
        return Peer.run(command(args), stdin, 60);
    }

    /** Waits for the line containing "ready"; false if the process ended or the time ran out. */
    public boolean awaitReady(int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (lines.stream().anyMatch(l -> l.contains("ready"))) return true;
            if (!process.isAlive()) return false;
            Thread.sleep(50);
        }
        return false;
    }

    public String output() {
        return String.join("\n", lines);
    }

    public Process process() {
        return process;
    }

    /** SIGKILL: no shutdown hook, no flush, the crash case. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM and wait for the exit code. */
    public int terminate(int seconds) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        reader.join(5000); // the last lines the process printed
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) kill();
    }
}

package sluice.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a real peer program (swaks, curl, openssl, python3, smtp-source) with a time limit. */
public final class Peer {
    public record Result(int exit, String output) {
        public boolean ok() {
            return exit == 0;
        }
    }

    private Peer() {}

    public static boolean available(String program) {
        for (String dir : List.of("/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin", "/sbin")) {
            if (Path.of(dir, program).toFile().canExecute()) return true;
        }
        return false;
    }

    /** Runs the command, feeding {@code stdin}; output is stdout and stderr together. */
    public static Result run(List<String> command, String stdin, int timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Process p = pb.start();
        if (stdin != null) p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        var output = new java.io.ByteArrayOutputStream();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                p.getInputStream().transferTo(output);
            } catch (IOException ignored) {
                // process ended
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            reader.join(2000);
            return new Result(-1, output.toString(StandardCharsets.UTF_8) + "\n[timed out after " + timeoutSeconds + "s]");
        }
        reader.join(5000);
        return new Result(p.exitValue(), output.toString(StandardCharsets.UTF_8));
    }
}

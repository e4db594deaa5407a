package sluice.server;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Key and certificate files for tests, made by the openssl command line so that the PEM dialects are real. */
final class TlsTestFiles {
    private static long mtimeCounter = 1_700_000_000L;

    private TlsTestFiles() {}

    /** The result of running a command: exit code and combined output. */
    record Run(int exit, String output) {}

    static Run run(Path dir, List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        byte[] output;
        try {
            output = process.getInputStream().readAllBytes(); // ends when the process exits
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) throw new IOException("timed out: " + command);
        } finally {
            process.destroyForcibly();
        }
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    /** Runs openssl and fails the test if it fails. */
    static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Run run = run(dir, command, 60);
        if (run.exit() != 0) throw new IOException(command + " failed:\n" + run.output());
    }

    /** Self-signed RSA certificate {@code name.crt} with a PKCS#8 key {@code name.key}. */
    static void rsa(Path dir, String name) throws IOException, InterruptedException {
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".crt",
                "-subj", "/CN=" + name + ".test", "-days", "2");
    }

    /** Self-signed EC certificate {@code name.crt} with a SEC1 key {@code name.key} (after an EC PARAMETERS block). */
    static void ec(Path dir, String name) throws IOException, InterruptedException {
        openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-out", name + ".key");
        openssl(dir, "req", "-x509", "-new", "-key", name + ".key", "-out", name + ".crt",
                "-subj", "/CN=" + name + ".test", "-days", "2");
    }

    /** Replaces {@code target} the way certificate renewal tools do: write aside, rename over, new mtime. */
    static void replace(Path target, String content) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + ".new");
        Files.writeString(temp, content, StandardCharsets.US_ASCII);
        Files.setLastModifiedTime(temp, FileTime.from(Instant.ofEpochSecond(++mtimeCounter)));
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}

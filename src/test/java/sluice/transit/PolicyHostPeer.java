package sluice.transit;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTPS policy host for tests: Python's http.server and ssl module (a peer Sluice did not write), on
 * {@code bindIp:port}, presenting a certificate for the given names, answering per Host header from a spec the test
 * changes while it runs.
 */
final class PolicyHostPeer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path spec;
    private final Path log;
    private final Map<String, Map<String, Object>> answers = new LinkedHashMap<>();

    private PolicyHostPeer(Process process, Path spec, Path log) {
        this.process = process;
        this.spec = spec;
        this.log = log;
    }

    static PolicyHostPeer start(Path dir, String bindIp, int port, StsTestCa ca, List<String> names) throws Exception {
        Files.createDirectories(dir);
        Path[] chainAndKey = ca.issue(dir, names);
        Path script = dir.resolve("policy_host.py");
        try (InputStream in = PolicyHostPeer.class.getResourceAsStream("policy_host.py")) {
            Files.write(script, in.readAllBytes());
        }
        Path spec = dir.resolve("spec.json");
        Files.writeString(spec, "{}");
        Path log = dir.resolve("requests.log");
        Files.writeString(log, "");
        Process p = new ProcessBuilder("python3", script.toString(), bindIp, String.valueOf(port),
                chainAndKey[0].toString(), chainAndKey[1].toString(), spec.toString(), log.toString())
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine(); // blocks until python prints "ready" or dies
        if (!"ready".equals(first)) {
            String rest = drain(out); // to the end: the process has exited, or exits on its own
            p.destroyForcibly();
            throw new IllegalStateException("policy host did not start: " + first + "\n" + rest);
        }
        Thread.ofVirtual().start(() -> drain(out)); // keep the pipe from filling
        return new PolicyHostPeer(p, spec, log);
    }

    /** Serves {@code body} as text/plain with 200 for {@code host}. */
    PolicyHostPeer policy(String host, String body) throws IOException {
        return answer(host, Map.of("body", body));
    }

    /** Serves an answer: keys status, type (null: no Content-Type), body, location, delay (seconds). */
    synchronized PolicyHostPeer answer(String host, Map<String, Object> answer) throws IOException {
        answers.put(host, new LinkedHashMap<>(answer));
        Path tmp = spec.resolveSibling("spec.json.tmp");
        Files.writeString(tmp, JSON.writeValueAsString(answers));
        Files.move(tmp, spec, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return this;
    }

    /** Requests received for {@code host}. */
    long requests(String host) throws IOException {
        return Files.readAllLines(log).stream().filter(l -> l.startsWith(host + " ")).count();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
    }

    private static String drain(BufferedReader out) {
        StringBuilder s = new StringBuilder();
        try {
            for (String line; (line = out.readLine()) != null; ) s.append(line).append('\n');
        } catch (IOException ignored) {
            // the process ended
        }
        return s.toString();
    }
}

package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import sluice.auth.UserStore;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TempDirs;

/**
 * The curl examples of the "Send API" section of docs/sending.md, run as written (with the node's address, and example.test for
 * example.com, the harness's domain): each answers JSON of the kind the page shows after it.
 */
class SendApiReadmeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Example(String command, String shown) {}

    private static List<Example> examples() throws Exception {
        String readme = Files.readString(Path.of("docs/sending.md"));
        int start = readme.indexOf("\n## Send API\n");
        String section = readme.substring(start, readme.indexOf("\n## ", start + 5));
        List<String> lines = section.lines().toList();
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).startsWith("$ curl ")) continue;
            StringBuilder cmd = new StringBuilder(lines.get(i).substring(2));
            while (lines.get(i).endsWith("\\") || openQuote(cmd.toString())) cmd.append('\n').append(lines.get(++i));
            StringBuilder shown = new StringBuilder();
            for (int j = i + 1; j < lines.size() && !lines.get(j).startsWith("$") && !lines.get(j).startsWith("```"); j++) {
                shown.append(lines.get(j)).append('\n');
            }
            out.add(new Example(cmd.toString(), shown.toString()));
        }
        return out;
    }

    /** True while a single-quoted string is open (a JSON body over several lines). */
    private static boolean openQuote(String s) {
        return s.chars().filter(c -> c == '\'').count() % 2 == 1;
    }

    @Test
    void everyCurlExampleRunsAndAnswersWhatTheReadmeShows() throws Exception {
        List<Example> examples = examples();
        assertThat(examples).hasSizeGreaterThanOrEqualTo(6);
        try (SluiceHarness s = SluiceHarness.start()) {
            String key = UserStore.open(s.dataDir()).createApiKey(SluiceHarness.USER);
            Path dir = TempDirs.dir("readme");
            Files.write(dir.resolve("invoice.pdf"), new byte[] {'%', 'P', 'D', 'F', 0, (byte) 0xff});
            Files.writeString(dir.resolve("message.eml"), "From: alice@example.test\nSubject: raw\n\nhello\n");
            for (Example e : examples) {
                String command = e.command().replace("127.0.0.1:8025", s.config().admin().address())
                        .replace("example.com", "example.test");
                Peer.Result r = Peer.run(List.of("bash", "-c", "cd " + dir + " && export KEY=" + key + " && " + command), null, 60);
                assertThat(r.exit()).as(command + "\n" + r.output()).isZero();
                JsonNode answer = JSON.readTree(r.output());
                String expected = e.shown().contains("\"errors\":") ? "errors" : e.shown().contains("\"queued\":") ? "queued" : "id";
                assertThat(answer.has(expected)).as(command + "\n" + r.output()).isTrue();
            }
        }
    }
}

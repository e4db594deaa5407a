package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.policy.SuppressionList;
import sluice.testkit.Peer;
import sluice.testkit.SluiceProcess;

/** `sluice suppression` as an operator runs it, on a data dir that a server may be reading. */
class SuppressionCliTest {
    @TempDir Path data;

    private Peer.Result sluice(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--data-dir";
        all[args.length + 1] = data.toString();
        return SluiceProcess.run(null, all);
    }

    @Test
    void addListRemove() throws Exception {
        SuppressionList server = SuppressionList.open(data); // a running server's view

        Peer.Result add = sluice("suppression", "add", "Bob@Example.org", "--domain", "shop.example", "--reason", "complaint");
        assertThat(add.exit()).as(add.output()).isZero();
        assertThat(add.output()).contains("suppressed Bob@Example.org for shop.example", "picks it up within a second");
        assertThat(sluice("suppression", "add", "gone@example.org").exit()).isZero();

        Peer.Result list = sluice("suppression", "list");
        assertThat(list.exit()).isZero();
        assertThat(list.output()).containsPattern("\\*\\s+gone@example.org\\s+\\S+\\s+manual")
                .containsPattern("shop.example\\s+bob@example.org\\s+\\S+\\s+complaint");
        Peer.Result json = sluice("suppression", "list", "--json");
        assertThat(json.output()).contains("\"domain\" : \"shop.example\"", "\"address\" : \"bob@example.org\"");

        // the server re-checks the file at most once a second
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> server.isSuppressed("shop.example", "bob@example.org"));
        assertThat(server.isSuppressed("other.example", "gone@example.org")).isTrue();

        Peer.Result remove = sluice("suppression", "remove", "bob@example.org", "--domain", "shop.example");
        assertThat(remove.exit()).as(remove.output()).isZero();
        Peer.Result again = sluice("suppression", "remove", "bob@example.org", "--domain", "shop.example");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.output()).contains("is not suppressed for shop.example");
        Peer.Result bad = sluice("suppression", "add", "not-an-address");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.output()).contains("not an address");

        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> !server.isSuppressed("shop.example", "bob@example.org"));
        assertThat(server.isSuppressed("other.example", "gone@example.org")).isTrue();
    }
}

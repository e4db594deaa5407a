package sluice.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.policy.LocalRecipients;
import sluice.spool.Envelope;
import sluice.spool.Recipient;

/**
 * Local delivery reports 250 only for a file written and synced: an alias whose target was removed after the
 * config was loaded, or that loops, bounces (issue 9: both were logged "Delivered to \"\"" and written nowhere).
 */
class LocalTransportTest {
    @TempDir Path root;
    private final Set<String> users = new HashSet<>(Set.of("alice@a.test", "bob@a.test"));
    private final LocalRecipients recipients = new LocalRecipients(List.of("a.test"), Map.of(
            "team@a.test", List.of("alice@a.test", "bob@a.test"), "ally@a.test", List.of("alice@a.test"),
            "l1@a.test", List.of("l2@a.test"), "l2@a.test", List.of("l1@a.test")), Map.of(), users::contains);

    private List<Outcome> deliver(String... to) {
        List<Recipient> rcpts = Stream.of(to).map(a -> Recipient.pending(a, null, null)).toList();
        Envelope env = new Envelope("x@far.test", rcpts, Instant.now(), 10, Map.of());
        LocalTransport transport = new LocalTransport(recipients, new Maildir(root, "mx.a.test", Clock.systemUTC()),
                (sender, forwards, data, origin) -> "FORWARDED");
        return transport.deliver(new Job("0000000000000000", env, rcpts, new Destination.Local()),
                "Subject: t\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anAliasWhoseTargetWasRemovedBouncesAndWritesNothing() throws Exception {
        users.remove("bob@a.test"); // after the config was checked
        Outcome o = deliver("team@a.test").getFirst();
        assertThat(o.result()).isEqualTo(Outcome.Result.BOUNCED);
        assertThat(o.code()).isEqualTo(550);
        assertThat(o.enhancedCode()).isEqualTo("5.1.1");
        assertThat(o.text()).contains("bob@a.test");
        assertThat(root).isEmptyDirectory();
    }

    @Test
    void aLoopBouncesWith546() {
        Outcome o = deliver("l1@a.test").getFirst();
        assertThat(o.result()).isEqualTo(Outcome.Result.BOUNCED);
        assertThat(o.enhancedCode()).isEqualTo("5.4.6");
        assertThat(o.text()).contains("l1@a.test -> l2@a.test -> l1@a.test");
    }

    @Test
    void aRecipientSharingAMailboxWhoseWriteFailedIsNotDelivered() throws Exception {
        // alice's mailbox cannot be made (a file where the domain directory should be): both recipients fail.
        Files.writeString(root.resolve("a.test"), "not a directory");
        List<Outcome> out = deliver("alice@a.test", "ally@a.test");
        assertThat(out).extracting(Outcome::result).containsExactly(Outcome.Result.DEFERRED, Outcome.Result.DEFERRED);
    }

    @Test
    void deliveredMeansAFileInNew() throws Exception {
        List<Outcome> out = deliver("Alice@A.test", "team@a.test");
        assertThat(out).extracting(Outcome::result).containsOnly(Outcome.Result.DELIVERED);
        try (Stream<Path> files = Files.list(root.resolve("a.test/alice/new"))) {
            assertThat(files.count()).isEqualTo(1); // one copy per mailbox per message
        }
        try (Stream<Path> files = Files.list(root.resolve("a.test/bob/new"))) {
            assertThat(files.count()).isEqualTo(1);
        }
    }
}

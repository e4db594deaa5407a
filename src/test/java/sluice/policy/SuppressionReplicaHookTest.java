package sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.spool.Spool;
import sluice.testkit.MutableClock;

/**
 * The list's side of cluster mode: every change made on this node reaches the replica, in order; a change applied
 * from another node does not (it would echo around the fleet), is stored, and is skipped when the list already
 * says the same; the list closes its replica before its writer.
 */
class SuppressionReplicaHookTest {
    @TempDir Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<SuppressionChange> sent = new CopyOnWriteArrayList<>();
    private volatile boolean replicaClosed;

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
        open.clear();
    }

    private SuppressionList open() throws Exception {
        Spool spool = Spool.open(dir.resolve("spool"), 0);
        open.add(spool);
        SuppressionList list = SuppressionList.open(spool, dir, clock);
        open.add(list);
        list.replicateTo(new SuppressionList.Replica() {
            public void changed(SuppressionChange c) {
                sent.add(c);
            }

            public void close() {
                replicaClosed = true;
            }
        });
        return list;
    }

    @Test
    void localChangesReachTheReplicaAndAppliedOnesDoNot() throws Exception {
        SuppressionList list = open();
        list.add("*", "a@far.test", "complaint");
        list.offer("example.test", "b@far.test", "hard bounce");
        list.putAll(List.of(SuppressionList.entry("*", "c@far.test", "import", clock.instant())));
        list.remove("*", "a@far.test");
        assertThat(sent).extracting(c -> c.getClass().getSimpleName() + " " + c.domain() + " " + c.address())
                .containsExactly("Put * a@far.test", "Put example.test b@far.test", "Put * c@far.test", "Removal * a@far.test");

        sent.clear();
        SuppressionList.Entry remote = new SuppressionList.Entry("*", "d@far.test", "from node b", Instant.parse("2026-02-01T00:00:00Z"));
        assertThat(list.apply(List.of(new SuppressionChange.Put(remote), new SuppressionChange.Removal("*", "c@far.test"))))
                .isEqualTo(2);
        assertThat(sent).isEmpty();
        assertThat(list.find(null, "d@far.test")).isEqualTo(remote);
        assertThat(list.isSuppressed(null, "c@far.test")).isFalse();

        // what the list already says changes nothing: the same reason again, a removal of an absent entry
        assertThat(list.apply(List.of(new SuppressionChange.Put(remote), new SuppressionChange.Removal("*", "c@far.test"))))
                .isZero();
        // a new reason does
        assertThat(list.apply(List.of(new SuppressionChange.Put(new SuppressionList.Entry("*", "d@far.test", "new reason",
                remote.added()))))).isEqualTo(1);
        assertThat(list.find(null, "d@far.test").reason()).isEqualTo("new reason");
        assertThat(sent).isEmpty();
    }

    @Test
    void appliedChangesAreStoredAndTheReplicaIsClosedWithTheList() throws Exception {
        SuppressionList list = open();
        list.apply(List.of(new SuppressionChange.Put(new SuppressionList.Entry("*", "e@far.test", "from node b", clock.instant()))));
        close();
        assertThat(replicaClosed).isTrue();
        SuppressionList again = open();
        assertThat(again.isSuppressed(null, "e@far.test")).isTrue();
        assertThat(again.find(null, "e@far.test").reason()).isEqualTo("from node b");
    }
}

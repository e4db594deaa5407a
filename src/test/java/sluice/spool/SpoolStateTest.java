package sluice.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;

/**
 * The spool's "state" column family: small durable state of other rooms (warm-up counters), read by prefix; a
 * spool written before the family existed still opens, for writing and as a read-only view, and gains it.
 */
class SpoolStateTest {
    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, String> strings(Map<String, byte[]> m) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, new String(v, StandardCharsets.UTF_8)));
        return out;
    }

    @Test
    void stateIsReadByPrefixInKeyOrderAndSurvivesReopen() throws Exception {
        try (Spool s = Spool.open(dir, 0)) {
            s.state().putAll(Map.of("warmup/ip1/google", b("a"), "warmup/ip1", b("b"), "other/x", b("c")));
            s.state().put("warmup/ip2/*", b("d"));
            s.state().put("warmup/ip1", b("b2")); // replaced, not added
        }
        try (Spool s = Spool.open(dir, 0)) {
            assertThat(strings(s.state().read("warmup/"))).containsExactly(Map.entry("warmup/ip1", "b2"),
                    Map.entry("warmup/ip1/google", "a"), Map.entry("warmup/ip2/*", "d"));
            assertThat(s.state().read("nothing/")).isEmpty();
            try (Spool view = Spool.openReadOnly(dir)) {
                assertThat(strings(view.state().read("other/"))).containsExactly(Map.entry("other/x", "c"));
                assertThatThrownBy(() -> view.state().put("k", b("v"))).isInstanceOf(SpoolException.class)
                        .hasMessageContaining("read-only");
            }
        }
    }

    /** Creates a spool as a Sluice from before the "state" family wrote it: envelopes and data only. */
    private void oldSpool() throws Exception {
        try (DBOptions o = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)) {
            List<ColumnFamilyHandle> handles = new ArrayList<>();
            try (RocksDB db = RocksDB.open(o, dir.toString(), List.of(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY),
                    new ColumnFamilyDescriptor(b("data"))), handles)) {
                byte[] env = EnvelopeCodec.encode(SpoolTest.envelope("a@x.test", "b@y.test"), QueueState.NEW);
                db.put(handles.get(0), b("0000000000000001"), env);
                db.put(handles.get(1), b("0000000000000001"), b("old"));
                handles.forEach(ColumnFamilyHandle::close);
            }
        }
    }

    @Test
    void aReadOnlyViewOpensASpoolMadeBeforeTheStateFamilyAndSeesNoState() throws Exception {
        oldSpool();
        try (Spool view = Spool.openReadOnly(dir)) {
            assertThat(view.list()).hasSize(1);
            assertThat(view.state().read("warmup/")).isEmpty();
        }
    }

    @Test
    void aWriterAddsTheStateFamilyToAnOldSpoolAndAViewThenReadsIt() throws Exception {
        oldSpool();
        try (Spool s = Spool.open(dir, 0)) {
            assertThat(s.list()).hasSize(1);
            assertThat(new String(s.readData("0000000000000001").orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("old");
            s.state().put("warmup/ip1/google", b("x"));
            // a view opened while the writer runs, after the family was made
            try (Spool view = Spool.openReadOnly(dir)) {
                assertThat(strings(view.state().read("warmup/"))).containsExactly(Map.entry("warmup/ip1/google", "x"));
            }
        }
        try (Spool view = Spool.openReadOnly(dir)) {
            assertThat(strings(view.state().read("warmup/"))).containsExactly(Map.entry("warmup/ip1/google", "x"));
            assertThat(view.list()).hasSize(1);
        }
    }
}

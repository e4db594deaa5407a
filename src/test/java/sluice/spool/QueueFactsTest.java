package sluice.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scan that rebuilds the scheduler's index at start reads only {@link QueueFacts}: it must agree with the full decode. */
class QueueFactsTest {
    @TempDir
    Path dir;

    private static final Instant T = Instant.ofEpochMilli(1_800_000_000_123L);

    /** Envelopes of every shape the codec writes: states, DSN fields, attributes, pool, TLS requests, non-ASCII. */
    private static List<QueuedMessage> samples() {
        List<QueuedMessage> out = new ArrayList<>();
        RecipientState[] states = RecipientState.values();
        for (int i = 0; i < 40; i++) {
            List<Recipient> rs = new ArrayList<>();
            for (int r = 0; r <= i % 4; r++) {
                RecipientState st = states[(i + r) % states.length];
                rs.add(new Recipient("u" + r + "@d" + (i % 3) + ".test", r % 2 == 0 ? "rfc822;u" + r + "@x" : null,
                        r == 1 ? "SUCCESS,FAILURE" : null, st, r, st == RecipientState.PENDING ? null : "5.1.1 \"quoted\" {x}"));
            }
            if (i == 7) rs.add(Recipient.pending("jöran@exämple.test", null, null));
            Envelope e = new Envelope(i % 5 == 0 ? "" : "s@src.test", rs, T, 1000 + i,
                    i % 2 == 0 ? Map.of("envid", "E[" + i + "]", "listener", "25") : Map.of(), i % 3 == 0 ? "bulk" : null,
                    TlsRequest.values()[i % TlsRequest.values().length]);
            QueueState s = new QueueState(i % 4 == 1, i % 6 == 0 ? null : T.plusSeconds(i), i, i % 2 == 0 ? null : "451 4.4.1 later");
            out.add(new QueuedMessage("ID" + i, e, s));
        }
        return out;
    }

    private static QueueFacts expected(QueuedMessage m) {
        return new QueueFacts(m.id(), m.state().held(), m.state().nextAttempt(), m.envelope().recipients().stream()
                .filter(r -> r.state() == RecipientState.PENDING).map(Recipient::address).toList());
    }

    @Test
    void oneReaderReadsRecordAfterRecordAsTheFullDecodeDoes() throws Exception {
        try (FactsReader reader = new FactsReader()) {
            byte[] buf = new byte[8192];
            for (QueuedMessage m : samples()) {
                byte[] rec = EnvelopeCodec.encode(m.envelope(), m.state());
                assertThat(EnvelopeCodec.decode(m.id(), rec)).isEqualTo(m);
                System.arraycopy(rec, 0, buf, 0, rec.length);
                buf[rec.length] = '}'; // what lies beyond the record's length in the reused buffer is not read
                assertThat(reader.read(m.id(), buf, rec.length)).isEqualTo(expected(m));
            }
        }
    }

    /** Damaged records: the facts reader refuses each one with its id, and so does the full decode. */
    @ParameterizedTest
    @ValueSource(strings = {
            "",                                         // empty
            "{\"v\":1,\"rcpts\":[{\"addr\":\"a@b\",\"state\":\"PENDING\"}",  // cut short
            "{\"v\":1,\"rcpts\":[],\"queue\":{\"held\":false}",               // cut short before the last brace
            "{\"v\":2,\"rcpts\":[],\"queue\":{\"held\":false}}",              // unknown version
            "{\"rcpts\":[],\"queue\":{\"held\":false}}",                      // no version
            "{\"v\":1,\"rcpts\":[{\"addr\":\"a@b\",\"state\":\"PENDNG\"}],\"queue\":{}}", // a state that does not exist
            "{\"v\":1,\"rcpts\":[{\"addr\":\"a@b\"}],\"queue\":{}}",          // no state
            "{\"v\":1,\"rcpts\":[7],\"queue\":{}}",                           // a recipient that is no object
            "[1,2]",                                                          // no object
            "{\"v\":1,\"rcpts\":[],\"qu\u0000eue\":{}}",                      // a control byte in a name
            "{\"v\":1,\"rcpts\":[],\"queue\":{\"held\":tru}}",                // a broken literal
            "\u00ff\u00fe{}",                                                 // not UTF-8 JSON at all
    })
    void aDamagedRecordIsRefusedWithItsId(String record) {
        byte[] bytes = record.getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> EnvelopeCodec.decode("BAD1", bytes)).isInstanceOf(SpoolException.class);
        try (FactsReader reader = new FactsReader()) {
            assertThatThrownBy(() -> reader.read("BAD1", bytes, bytes.length)).isInstanceOf(SpoolException.class)
                    .hasMessageStartingWith("message BAD1: ");
        }
    }

    @Test
    void aRecordFollowedByMoreIsRefusedRatherThanRunIntoTheNext() throws Exception {
        QueuedMessage m = samples().get(1);
        byte[] rec = EnvelopeCodec.encode(m.envelope(), m.state());
        byte[] two = new byte[rec.length * 2];
        System.arraycopy(rec, 0, two, 0, rec.length);
        System.arraycopy(rec, 0, two, rec.length, rec.length);
        try (FactsReader reader = new FactsReader()) {
            assertThatThrownBy(() -> reader.read("TWO", two, two.length)).isInstanceOf(SpoolException.class)
                    .hasMessageContaining("TWO");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 8})
    void theScanVisitsEveryMessageOnceInAnyNumberOfParts(int parts) throws Exception {
        try (Spool s = Spool.open(dir, 0)) {
            Map<String, QueueFacts> want = new java.util.HashMap<>();
            List<QueuedMessage> kinds = samples();
            for (int i = 0; i < 3_000; i++) {
                QueuedMessage k = kinds.get(i % kinds.size());
                String id = s.newId();
                s.commit(id, k.envelope(), k.state(), new byte[] {'x'});
                want.put(id, expected(new QueuedMessage(id, k.envelope(), k.state())));
                if (i == 1_500) s.db().flush(new org.rocksdb.FlushOptions().setWaitForFlush(true), s.families().envelopes());
            }
            Map<String, QueueFacts> seen = new ConcurrentHashMap<>();
            Set<String> threads = ConcurrentHashMap.newKeySet();
            s.scanFacts(parts, f -> {
                assertThat(seen.put(f.id(), f)).as("visited twice: %s", f.id()).isNull();
                threads.add(Thread.currentThread().getName());
            });
            assertThat(seen).isEqualTo(want);
            if (parts > 1) assertThat(threads).hasSizeGreaterThan(1);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aDamagedRecordAmongManyStopsTheScanAndIsNamed(int parts) throws Exception {
        try (Spool s = Spool.open(dir, 0)) {
            String bad = null;
            for (int i = 0; i < 2_000; i++) {
                String id = s.newId();
                s.commit(id, SpoolTest.envelope("a@x.test", "b@y.test"), new byte[] {'x'});
                if (i == 1_234) bad = id;
            }
            SpoolDamage.putRawEnvelope(s, bad, "{\"v\":1,\"rcpts\":[{\"addr\":\"b@y.test\",\"sta".getBytes(StandardCharsets.US_ASCII));
            String named = bad;
            assertThatThrownBy(() -> s.scanFacts(parts, f -> {})).isInstanceOf(SpoolException.class)
                    .hasMessageStartingWith("message " + named + ": unreadable envelope");
        }
    }

    @Test
    void recordsLargerThanTheScansBufferAreReadWhole() throws Exception {
        try (Spool s = Spool.open(dir, 0)) {
            Map<String, QueueFacts> want = new java.util.HashMap<>();
            for (int n : new int[] {1, 300, 2, 1_000, 3}) { // 300 and 1,000 recipients: records of ~20 and ~70 KB
                String[] rcpts = new String[n];
                for (int i = 0; i < n; i++) rcpts[i] = "user" + i + "@d" + (i % 13) + ".test";
                String id = s.newId();
                Envelope e = SpoolTest.envelope("a@x.test", rcpts);
                s.commit(id, e, new byte[] {'x'});
                want.put(id, expected(new QueuedMessage(id, e, QueueState.NEW)));
            }
            Map<String, QueueFacts> seen = new ConcurrentHashMap<>();
            s.scanFacts(1, f -> seen.put(f.id(), f));
            assertThat(seen).isEqualTo(want);
        }
    }

    @Test
    void anEmptySpoolHasNothingToVisit() throws Exception {
        try (Spool s = Spool.open(dir, 0)) {
            s.scanFacts(2, f -> { throw new AssertionError("visited " + f); });
        }
    }

    @Test
    void cutsAreIncreasingAndFollowTheFiles() {
        byte[] first = "0000000000000000".getBytes(StandardCharsets.US_ASCII);
        byte[] last = "ZZZZZZZZZZZZZZZZ".getBytes(StandardCharsets.US_ASCII);
        for (int parts = 1; parts <= 5; parts++) {
            byte[][] b = KeyRanges.split(first, last, parts);
            assertThat(b).hasNumberOfRows(parts + 1);
            for (int i = 0; i + 1 < b.length; i++) assertThat(java.util.Arrays.compareUnsigned(b[i], b[i + 1])).isNegative();
        }
        // keys too close to cut: one part
        assertThat(KeyRanges.split(first, first, 2)).hasNumberOfRows(2);
        // 90% of the keys in the last file: the cut falls at it, not at half the width
        byte[] late = "Y000000000000000".getBytes(StandardCharsets.US_ASCII);
        byte[][] b = KeyRanges.split(first, last, 2, List.of(new KeyRanges.FileSpan(first, 100), new KeyRanges.FileSpan(late, 900)));
        assertThat(b[1]).isEqualTo(late);
    }
}

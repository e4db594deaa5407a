package sluice.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The body buffer: its limit, and the pool its arrays come from and go back to. */
class MessageBufferTest {
    private static byte[] filled(int n, byte b) {
        byte[] a = new byte[n];
        Arrays.fill(a, b);
        return a;
    }

    @Test
    void aFinishedTransactionsArrayServesTheNextSessionWithoutGrowing() {
        BodyArrays pool = new BodyArrays();
        MessageBuffer first = new MessageBuffer(1 << 20, pool);
        first.append(filled(100 << 10, (byte) 'a'), 0, 100 << 10);
        byte[] grown = first.array();
        first.reset();
        assertThat(pool.pooledBytes()).isEqualTo(grown.length);

        MessageBuffer next = new MessageBuffer(1 << 20, pool);
        next.append(filled(100 << 10, (byte) 'b'), 0, 100 << 10);
        assertThat(next.array()).isSameAs(grown);
        assertThat(next.length()).isEqualTo(100 << 10);
        assertThat(Arrays.copyOf(next.array(), next.length())).containsOnly((byte) 'b');
        assertThat(pool.pooledBytes()).isZero();
    }

    @Test
    void aPooledArrayTooSmallIsGrownAndNothingOfTheOldMessageShows() {
        BodyArrays pool = new BodyArrays();
        MessageBuffer first = new MessageBuffer(1 << 20, pool);
        first.append(filled(100, (byte) 'a'), 0, 100);
        first.reset();
        MessageBuffer next = new MessageBuffer(1 << 20, pool);
        next.append((byte) 'x');
        next.append(filled(20_000, (byte) 'b'), 0, 20_000);
        assertThat(next.length()).isEqualTo(20_001);
        assertThat(next.array()[0]).isEqualTo((byte) 'x');
        assertThat(Arrays.copyOfRange(next.array(), 1, next.length())).containsOnly((byte) 'b');
    }

    @Test
    void thePoolIsBoundedInBytesAndLeavesHugeArraysToTheCollector() {
        BodyArrays pool = new BodyArrays();
        pool.give(new byte[BodyArrays.LARGEST + 1]);
        assertThat(pool.pooledBytes()).isZero();
        for (int i = 0; i < 20; i++) pool.give(new byte[BodyArrays.LARGEST]);
        assertThat(pool.pooledBytes()).isEqualTo(8L << 20);
        int taken = 0;
        while (pool.take() != null) taken++;
        assertThat(taken).isEqualTo(8);
        assertThat(pool.pooledBytes()).isZero();
    }

    @Test
    void pastTheLimitNothingIsStoredButTheOverflowIsKnown() {
        MessageBuffer b = new MessageBuffer(10, new BodyArrays());
        b.append(filled(8, (byte) 'a'), 0, 8);
        b.append(filled(8, (byte) 'a'), 0, 8);
        assertThat(b.length()).isEqualTo(8);
        assertThat(b.offered()).isEqualTo(16);
        assertThat(b.overflowed()).isTrue();
        b.reset();
        assertThat(b.overflowed()).isFalse();
        assertThat(b.length()).isZero();
    }
}

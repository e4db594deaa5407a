package sluice.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** X-Sluice-Pool leaves the header section whole (folded lines too); the body is never touched. */
class PoolHeaderTest {
    private static PoolHeader.Stripped strip(String m) {
        return PoolHeader.strip(m.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void removesEveryFieldWithItsFoldedLinesAndLeavesTheBodyAlone() {
        PoolHeader.Stripped s = strip("Subject: a\r\nx-sluice-pool: bulk\r\nX-Sluice-Pool:\r\n  bulk\r\nTo: b\r\n\r\n"
                + "X-Sluice-Pool: in the body\r\n");
        assertThat(new String(s.message(), StandardCharsets.UTF_8))
                .isEqualTo("Subject: a\r\nTo: b\r\n\r\nX-Sluice-Pool: in the body\r\n");
        assertThat(s.values()).containsExactly("bulk", "bulk");
    }

    @Test
    void aMessageWithoutTheFieldIsReturnedAsItIs() {
        byte[] m = "X-Sluice-Pools: not this one\r\n\r\nbody".getBytes(StandardCharsets.UTF_8);
        assertThat(PoolHeader.strip(m).message()).isSameAs(m);
    }

    @Test
    void verdicts() {
        Set<String> pools = Set.of("bulk");
        assertThat(PoolHeader.judge(List.of(), false, pools)).isEqualTo(new PoolHeader.Verdict.Use(null));
        assertThat(PoolHeader.judge(List.of("bulk"), false, pools)).isInstanceOf(PoolHeader.Verdict.Ignored.class);
        assertThat(PoolHeader.judge(List.of("bulk"), true, pools)).isEqualTo(new PoolHeader.Verdict.Use("bulk"));
        assertThat(PoolHeader.judge(List.of("bulk", "other"), true, Set.of("bulk", "other")))
                .isInstanceOf(PoolHeader.Verdict.Refused.class);
        PoolHeader.Verdict unknown = PoolHeader.judge(List.of("bluk\u0007"), true, pools);
        assertThat(((PoolHeader.Verdict.Refused) unknown).reply().code()).isEqualTo(550);
        assertThat(((PoolHeader.Verdict.Refused) unknown).reply().lines().getFirst()).doesNotContain("\u0007");
    }
}

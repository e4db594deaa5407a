package sluice.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;
import sluice.testkit.MutableClock;

class AnswerCacheTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-01T00:00:00Z"));

    @Test
    void evictsTheOldestWhenFull() {
        AnswerCache cache = new AnswerCache(10, clock);
        for (int i = 0; i < 11; i++) {
            cache.put(question("n" + i), new RecordAnswer.NoData(300));
        }
        assertThat(cache.size()).isEqualTo(9);
        assertThat(cache.get(question("n0"))).isEmpty();
        assertThat(cache.get(question("n1"))).isEmpty();
        assertThat(cache.get(question("n10"))).isPresent();
    }

    @Test
    void zeroTtlIsNotKeptAndLongTtlIsCapped() {
        AnswerCache cache = new AnswerCache(10, clock);
        cache.put(question("zero"), new RecordAnswer.Found(List.of(), 0));
        cache.put(question("long"), new RecordAnswer.NxDomain(7 * 86400));
        assertThat(cache.get(question("zero"))).isEmpty();
        clock.advance(AnswerCache.MAX_NEGATIVE.minusSeconds(1));
        assertThat(cache.get(question("long"))).isPresent();
        clock.advance(Duration.ofSeconds(1));
        assertThat(cache.get(question("long"))).isEmpty();
    }

    @Test
    void namesMatchWhateverTheirCase() {
        AnswerCache cache = new AnswerCache(10, clock);
        cache.put(question("Example.TEST"), new RecordAnswer.NoData(60));
        assertThat(cache.get(question("example.test"))).isPresent();
        assertThat(cache.get(new AnswerCache.Question(DomainName.parse("example.test"), Type.TXT))).isEmpty();
    }

    private static AnswerCache.Question question(String name) {
        return new AnswerCache.Question(Name.fromConstantString(name + "."), Type.MX);
    }
}

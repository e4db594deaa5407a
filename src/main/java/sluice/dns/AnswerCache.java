package sluice.dns;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.xbill.DNS.Name;

/** Answers kept for their TTL (read from the injected clock); bounded, the oldest entries go first. */
final class AnswerCache {
    /** Longest time a positive answer is kept, whatever its TTL. */
    static final Duration MAX_POSITIVE = Duration.ofDays(1);
    /** Longest time NXDOMAIN/NODATA is kept. */
    static final Duration MAX_NEGATIVE = Duration.ofHours(1);
    /** A failure is kept briefly so that a burst of deliveries to a broken domain does not hammer its servers. */
    static final Duration FAILURE = Duration.ofSeconds(5);

    /** The cache key. Name equality is case-insensitive. */
    record Question(Name name, int type) {}

    private record Entry(RecordAnswer answer, Instant expires, long sequence) {}

    private final Map<Question, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private final ReentrantLock eviction = new ReentrantLock();
    private final int capacity;
    private final Clock clock;

    AnswerCache(int capacity, Clock clock) {
        this.capacity = capacity;
        this.clock = clock;
    }

    Optional<RecordAnswer> get(Question question) {
        Entry entry = entries.get(question);
        if (entry == null) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(entry.expires())) {
            entries.remove(question, entry);
            return Optional.empty();
        }
        return Optional.of(entry.answer());
    }

    void put(Question question, RecordAnswer answer) {
        Duration lifetime = lifetime(answer);
        if (lifetime.isZero()) {
            return;
        }
        entries.put(question, new Entry(answer, clock.instant().plus(lifetime), sequence.incrementAndGet()));
        if (entries.size() > capacity) {
            evict();
        }
    }

    int size() {
        return entries.size();
    }

    static Duration lifetime(RecordAnswer answer) {
        return switch (answer) {
            case RecordAnswer.Found found -> seconds(found.ttl(), MAX_POSITIVE);
            case RecordAnswer.NxDomain nx -> seconds(nx.ttl(), MAX_NEGATIVE);
            case RecordAnswer.NoData noData -> seconds(noData.ttl(), MAX_NEGATIVE);
            case RecordAnswer.Failed failed -> FAILURE;
        };
    }

    private static Duration seconds(long ttl, Duration max) {
        return Duration.ofSeconds(Math.clamp(ttl, 0, max.toSeconds()));
    }

    /** Drops expired entries, then the oldest down to 90% of capacity, so eviction runs once per many inserts. */
    private void evict() {
        if (!eviction.tryLock()) {
            return; // another thread is evicting
        }
        try {
            Instant now = clock.instant();
            entries.values().removeIf(e -> !now.isBefore(e.expires()));
            int excess = entries.size() - capacity * 9 / 10;
            if (excess > 0 && entries.size() > capacity) {
                entries.entrySet().stream()
                        .sorted(Comparator.comparingLong(e -> e.getValue().sequence()))
                        .limit(excess)
                        .toList()
                        .forEach(e -> entries.remove(e.getKey(), e.getValue()));
            }
        } finally {
            eviction.unlock();
        }
    }
}

package sluice.transit;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import java.io.IOException;
import java.net.IDN;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.config.TransitConfig;
import sluice.dns.Resolver;

/**
 * MTA-STS (RFC 8461) for outbound delivery: the policy a recipient domain publishes, discovered through its
 * {@code _mta-sts} TXT record, fetched over HTTPS, and cached in memory and on disk until its max_age.
 *
 * <p>The verdict is per recipient domain: a bad policy of one domain never touches others that share its MX hosts.
 * A fetch for one domain never blocks another (per-domain single flight, bounded by the fetch timeout). Once a policy
 * is cached it stays in force while refreshes fail and while the TXT record is missing or unreadable (RFC 8461 5.1).
 */
public final class MtaSts implements StsLookup, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MtaSts.class);
    /** Most domains whose state is held in memory; the others are read back from disk when needed. */
    static final int CACHE_DOMAINS = 10_000;
    /** After a failed fetch, the same policy id is not fetched again for this long (every delivery would wait). */
    static final Duration RETRY_AFTER_FAILURE = Duration.ofMinutes(5);
    private static final Pattern HOST = Pattern.compile(
            "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+");

    /** Counters since start, for metrics. */
    public record Stats(long fetched, long failed, long served) {}

    private final Resolver resolver;
    private final PolicyHost host;
    private final PolicyStore store;
    private final Clock clock;
    private final Duration fetchTimeout;
    private final LoadingCache<String, DomainState> domains;
    private final LongAdder fetched = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder served = new LongAdder();
    private volatile boolean closed;

    MtaSts(Resolver resolver, PolicyHost host, PolicyStore store, Clock clock, Duration fetchTimeout) {
        this.resolver = resolver;
        this.host = host;
        this.store = store;
        this.clock = clock;
        this.fetchTimeout = fetchTimeout;
        this.domains = Caffeine.newBuilder().maximumSize(CACHE_DOMAINS).expireAfterAccess(Duration.ofDays(1))
                .build(this::load);
    }

    /**
     * MTA-STS as {@code config} says: policies fetched on {@code mta_sts_port}, trusting the JDK's CAs and
     * {@code ca_file}, names resolved by {@code resolver}, cached under {@code dataDir/mta-sts}. Close it on stop.
     * For {@code mta_sts = "off"} use {@link StsLookup#off()} instead.
     *
     * @throws IOException if {@code ca_file} cannot be read
     */
    public static MtaSts create(Resolver resolver, TransitConfig config, Path dataDir, Clock clock) throws IOException {
        return create(resolver, config, dataDir, clock, PolicyHost.CONNECT_TIMEOUT, PolicyHost.FETCH_TIMEOUT);
    }

    static MtaSts create(Resolver resolver, TransitConfig config, Path dataDir, Clock clock, Duration connectTimeout,
                         Duration fetchTimeout) throws IOException {
        PolicyHost host = new PolicyHost(resolver, TrustStores.pkix(config.caFile()), config.mtaStsPort(),
                connectTimeout, fetchTimeout);
        return new MtaSts(resolver, host, new PolicyStore(dataDir.resolve("mta-sts")), clock, fetchTimeout);
    }

    @Override
    public StsVerdict policyFor(String domain) {
        try {
            return lookup(domain);
        } catch (RuntimeException e) {
            log.warn("mta-sts: {}: internal error: {}", domain, e.toString(), e);
            return new StsVerdict.None("MTA-STS lookup failed: " + e); // the API never throws
        }
    }

    public Stats stats() {
        return new Stats(fetched.sum(), failed.sum(), served.sum());
    }

    @Override
    public void close() {
        closed = true; // no new background refresh
        host.close();
    }

    private StsVerdict lookup(String domain) {
        String name = asciiHost(domain);
        if (name == null) return new StsVerdict.None("not a domain name: " + domain);
        StsRecord announced = StsRecord.of(resolver.txt("_mta-sts." + name));
        DomainState state = domains.get(name);
        Instant now = clock.instant();
        PolicyStore.Cached cached = state.current(now);
        if (cached != null) {
            if (announced instanceof StsRecord.Announced a && !a.id().equals(cached.policy().id())) {
                fetch(state, name, a.id()); // a new id: the new policy applies now if it can be had
                PolicyStore.Cached fresh = state.current(clock.instant());
                return verdict(fresh != null ? fresh : cached);
            }
            if (announced instanceof StsRecord.Announced a && !now.isBefore(cached.refreshDue()) && !closed) {
                Thread.ofVirtual().name("mta-sts-refresh").start(() -> refreshQuietly(state, name, a.id()));
            }
            return verdict(cached);
        }
        return switch (announced) {
            case StsRecord.Absent a -> new StsVerdict.None(a.why());
            case StsRecord.Unknown u -> new StsVerdict.None(u.why()); // RFC 8461 5: no policy known, deliver as before
            case StsRecord.Announced a -> {
                fetch(state, name, a.id());
                PolicyStore.Cached fresh = state.current(clock.instant());
                if (fresh != null && fresh.policy().id().equals(a.id())) yield verdict(fresh);
                StsVerdict.Failed failure = state.failure;
                yield failure != null ? failure : new StsVerdict.Failed(ResultType.STS_POLICY_FETCH_ERROR,
                        "the policy of " + name + " is still being fetched by another delivery");
            }
        };
    }

    private StsVerdict verdict(PolicyStore.Cached cached) {
        served.increment();
        StsPolicy p = cached.policy();
        return p.mode() == StsPolicy.Mode.NONE ? new StsVerdict.None("MTA-STS policy mode none (id " + p.id() + ")")
                : new StsVerdict.InForce(p);
    }

    private void refreshQuietly(DomainState state, String name, String id) {
        if (!state.fetching.tryLock()) return; // a fetch is already running
        try {
            fetchLocked(state, name, id);
        } catch (RuntimeException e) {
            log.warn("mta-sts: {}: background refresh failed: {}", name, e.toString());
        } finally {
            state.fetching.unlock();
        }
    }

    /** Fetches {@code id}'s policy unless a concurrent caller just did (or just failed to): one fetch per domain. */
    private void fetch(DomainState state, String name, String id) {
        try {
            if (!state.fetching.tryLock(fetchTimeout.toMillis() * 2, TimeUnit.MILLISECONDS)) return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            fetchLocked(state, name, id);
        } finally {
            state.fetching.unlock();
        }
    }

    private void fetchLocked(DomainState state, String name, String id) {
        Instant now = clock.instant();
        PolicyStore.Cached cached = state.current(now);
        if (cached != null && cached.policy().id().equals(id) && now.isBefore(cached.refreshDue())) return;
        if (id.equals(state.failedId) && state.failedAt != null && now.isBefore(state.failedAt.plus(RETRY_AFTER_FAILURE))) {
            return; // the last try failed a moment ago: its failure (or the cached policy) stands
        }
        StsVerdict.Failed failure = switch (host.fetch(name)) {
            case PolicyHost.Body body -> switch (StsPolicyFile.parse(name, id, body.text())) {
                case StsPolicyFile.Valid v -> {
                    PolicyStore.Cached fresh = new PolicyStore.Cached(v.policy(), clock.instant());
                    state.cached.set(fresh);
                    store.save(fresh);
                    log.info("mta-sts: {}: policy id {}: mode {}, max_age {}, mx {}", name, id,
                            v.policy().mode().name().toLowerCase(Locale.ROOT), v.policy().maxAgeSeconds(),
                            v.policy().mxPatterns());
                    yield null;
                }
                case StsPolicyFile.Invalid i -> new StsVerdict.Failed(ResultType.STS_POLICY_INVALID,
                        "https://mta-sts." + name + "/.well-known/mta-sts.txt: " + i.why());
            };
            case PolicyHost.Failure f -> new StsVerdict.Failed(f.type(), f.detail());
        };
        if (failure == null) {
            fetched.increment();
            state.failure = null;
            state.failedId = null;
            state.failedAt = null;
            return;
        }
        failed.increment();
        state.failure = failure;
        state.failedId = id;
        state.failedAt = clock.instant();
        log.warn("mta-sts: {}: policy id {} not fetched ({}): {}{}", name, id, failure.type().text(), failure.detail(),
                cached != null ? "; the cached policy id " + cached.policy().id() + " stays in force" : "");
    }

    private DomainState load(String name) {
        DomainState state = new DomainState();
        Optional<PolicyStore.Cached> stored = store.load(name);
        if (stored.isPresent()) {
            if (clock.instant().isBefore(stored.get().expires())) {
                state.cached.set(stored.get());
            } else {
                store.delete(name);
            }
        }
        return state;
    }

    /** {@code domain} as an ASCII host name, lower case, without trailing dot; null if it is not one. */
    static String asciiHost(String domain) {
        if (domain == null) return null;
        String text = domain.strip();
        if (text.endsWith(".")) text = text.substring(0, text.length() - 1);
        try {
            text = IDN.toASCII(text, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return text.length() <= 253 && HOST.matcher(text).matches() ? text : null;
    }

    /** One domain's policy and fetch state. */
    private static final class DomainState {
        final ReentrantLock fetching = new ReentrantLock();
        final AtomicReference<PolicyStore.Cached> cached = new AtomicReference<>();
        volatile StsVerdict.Failed failure;
        volatile String failedId;
        volatile Instant failedAt;

        /** The cached policy unless it has expired (then it is forgotten). */
        PolicyStore.Cached current(Instant now) {
            PolicyStore.Cached c = cached.get();
            if (c == null || now.isBefore(c.expires())) return c;
            cached.compareAndSet(c, null); // unless a concurrent fetch has replaced it meanwhile
            return null;
        }
    }
}

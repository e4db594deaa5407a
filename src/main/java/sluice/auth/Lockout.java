package sluice.auth;

import java.net.InetAddress;
import java.time.Clock;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import sluice.config.AuthConfig;
import sluice.config.ClientNetwork;

/**
 * Counts AUTH failures per client IP; locks an IP out for a cool-down after too many.
 *
 * <p>{@code maxFailures} failures within the sliding {@code window} lock the IP out for
 * {@code lockout}; the next attempt is refused. A success resets the count but does not lift a
 * lockout in force. A {@code maxFailures} below 1 disables locking. IPv6 clients count per network
 * ({@code [limits] ipv6_prefix}, /64 by default) and IPv4-mapped IPv6 addresses as their IPv4
 * address: see {@link ClientNetwork}.
 *
 * <p>Memory stays bounded under an attack from many addresses: idle entries are pruned at least
 * once per window, and at {@code maxEntries} addresses a tenth is dropped: addresses not locked
 * out first, seen least recently first. A locked-out attacker therefore cannot flush its own
 * lockout by failing from many other addresses while unlocked entries remain to drop.
 * All methods are lock-free apart from per-key {@link ConcurrentHashMap#compute}.
 *
 * <p>In a cluster the {@link SharedLockouts} adds the failures the other nodes counted (as of its last sync) and
 * the lockouts they imposed; a lockout imposed here is handed to it for the others. While it is degraded, an
 * address is locked out after this node's share of {@code maxFailures} (at least one), so the fleet as a whole
 * still allows no more failures than {@code maxFailures}.
 */
public final class Lockout {

    static final int DEFAULT_MAX_ENTRIES = 100_000;

    /**
     * One address's state; immutable, replaced in the map.
     *
     * @param failures    times (epoch ms) of failures still inside the window, oldest first
     * @param lockedUntil epoch ms the lockout ends, or 0 when not locked
     * @param lastSeen    epoch ms of the latest failure, for eviction
     */
    private record State(long[] failures, long lockedUntil, long lastSeen) {}

    private volatile int maxFailures; // the three replaced on reload; failures counted so far stay
    private volatile long windowMillis;
    private volatile long lockoutMillis;
    private final int maxEntries;
    private final int ipv6Prefix;
    private final Clock clock;
    private final SharedLockouts shared;
    private final Map<InetAddress, State> states = new ConcurrentHashMap<>();
    private final AtomicBoolean pruning = new AtomicBoolean();
    private volatile long lastPrune;

    public Lockout(AuthConfig config, Clock clock) {
        this(config, ClientNetwork.DEFAULT_IPV6_PREFIX, clock);
    }

    public Lockout(AuthConfig config, int ipv6Prefix, Clock clock) {
        this(config, ipv6Prefix, clock, DEFAULT_MAX_ENTRIES);
    }

    Lockout(AuthConfig config, Clock clock, int maxEntries) {
        this(config, ClientNetwork.DEFAULT_IPV6_PREFIX, clock, maxEntries);
    }

    /** A lockout that holds for a fleet: {@code shared} carries failures and lockouts to the other nodes. */
    public Lockout(AuthConfig config, int ipv6Prefix, Clock clock, SharedLockouts shared) {
        this(config, ipv6Prefix, clock, DEFAULT_MAX_ENTRIES, shared);
    }

    Lockout(AuthConfig config, int ipv6Prefix, Clock clock, int maxEntries) {
        this(config, ipv6Prefix, clock, maxEntries, SharedLockouts.NONE);
    }

    Lockout(AuthConfig config, int ipv6Prefix, Clock clock, int maxEntries, SharedLockouts shared) {
        this.shared = shared;
        this.ipv6Prefix = ipv6Prefix;
        this.maxFailures = config.maxFailures();
        this.windowMillis = config.window().toMillis();
        this.lockoutMillis = config.lockout().toMillis();
        this.maxEntries = maxEntries;
        this.clock = clock;
        this.lastPrune = clock.millis();
    }

    /** New thresholds from a reload (a single node: the fleet's shared counter keeps its start-up limit). */
    public void update(AuthConfig config) {
        this.maxFailures = config.maxFailures();
        this.windowMillis = config.window().toMillis();
        this.lockoutMillis = config.lockout().toMillis();
    }

    public boolean isLockedOut(InetAddress client) {
        InetAddress key = key(client);
        State s = states.get(key);
        long now = clock.millis();
        if (s != null && s.lockedUntil() > now) return true;
        return shared != SharedLockouts.NONE && shared.lockedUntil(key.getHostAddress()) > now;
    }

    public void recordFailure(InetAddress client) {
        if (maxFailures < 1) {
            return;
        }
        long now = clock.millis();
        InetAddress key = key(client);
        if (!states.containsKey(key) && states.size() >= maxEntries) {
            makeRoom(now);
        }
        if (shared == SharedLockouts.NONE) {
            states.compute(key, (k, s) -> fail(s, now, maxFailures, 0));
        } else {
            recordShared(key, now);
        }
        if (now - lastPrune >= windowMillis) {
            prune(now);
        }
    }

    public void recordSuccess(InetAddress client) {
        long now = clock.millis();
        states.computeIfPresent(key(client), (k, s) -> s.lockedUntil() > now ? s : null);
    }

    /** Number of addresses tracked, for metrics and tests. */
    int size() {
        return states.size();
    }

    /** A failure counted with the fleet's: locks at the fleet's limit (or, degraded, at this node's share of it). */
    private void recordShared(InetAddress key, long now) {
        String name = key.getHostAddress();
        if (shared.lockedUntil(name) > now) return; // locked elsewhere: no more counting, as for a local lockout
        int max = maxFailures;
        double others = 0;
        if (shared.degraded()) {
            max = Math.max(1, (int) Math.floor(maxFailures * shared.share() + 1e-9));
        } else {
            others = shared.othersFailures(name, now);
        }
        int limit = max;
        double elsewhere = others;
        boolean[] counted = new boolean[2];
        states.compute(key, (k, s) -> {
            State next = fail(s, now, limit, elsewhere);
            counted[0] = next != s;
            counted[1] = next.lockedUntil() > now && (s == null || s.lockedUntil() <= now);
            return next;
        });
        if (counted[0]) shared.failed(name, now);
        if (counted[1]) shared.lockedOut(name, lockoutMillis);
    }

    private State fail(State s, long now, int max, double othersFailures) {
        if (s != null && s.lockedUntil() > now) {
            // Already locked: further failures neither count nor extend the lockout.
            return s;
        }
        long[] recent = s == null ? new long[0] : inWindow(s.failures(), now);
        long[] failures = Arrays.copyOf(recent, recent.length + 1);
        failures[recent.length] = now;
        if (failures.length + othersFailures + 1e-9 >= max) {
            return new State(new long[0], now + lockoutMillis, now);
        }
        return new State(failures, 0, now);
    }

    private long[] inWindow(long[] failures, long now) {
        int first = 0;
        while (first < failures.length && failures[first] <= now - windowMillis) {
            first++;
        }
        return Arrays.copyOfRange(failures, first, failures.length);
    }

    /** Whether an entry holds nothing that still matters: no lockout and no failure in the window. */
    private boolean idle(State s, long now) {
        return s.lockedUntil() <= now && s.lastSeen() <= now - windowMillis;
    }

    private void prune(long now) {
        if (!pruning.compareAndSet(false, true)) {
            return;
        }
        try {
            lastPrune = now;
            states.entrySet().removeIf(e -> idle(e.getValue(), now));
        } finally {
            pruning.set(false);
        }
    }

    /**
     * Drops idle entries and, if still full, a tenth: unlocked entries before locked ones, each
     * oldest first (see the class comment); evicting a batch keeps
     * the cost of the scan low per new address. Concurrent callers skip it, so the map may briefly
     * exceed the cap by the number of threads inserting at that moment.
     */
    private void makeRoom(long now) {
        if (!pruning.compareAndSet(false, true)) {
            return;
        }
        try {
            lastPrune = now;
            states.entrySet().removeIf(e -> idle(e.getValue(), now));
            int excess = states.size() - maxEntries + Math.max(1, maxEntries / 10);
            if (excess > 0) {
                List<Map.Entry<InetAddress, State>> oldest = states.entrySet().stream()
                        .sorted(Comparator.<Map.Entry<InetAddress, State>>comparingInt(
                                        e -> e.getValue().lockedUntil() > now ? 1 : 0)
                                .thenComparingLong(e -> e.getValue().lastSeen()))
                        .limit(excess)
                        .toList();
                oldest.forEach(e -> states.remove(e.getKey(), e.getValue()));
            }
        } finally {
            pruning.set(false);
        }
    }

    private InetAddress key(InetAddress address) {
        return ClientNetwork.of(address, ipv6Prefix);
    }
}

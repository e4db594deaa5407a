package sluice.cluster;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Each node's share of a shared limit, for the lanes. While Redis is out of reach the shares are frozen at the fleet
 * this node saw when it turned degraded: a Redis that restarted empty shows at first only the nodes that have beaten
 * since, and a node that counted fewer nodes alive would take more than the others leave it. Once shared again it
 * says which other nodes may still be using their shares out of Redis's sight: those that said "degraded" at their
 * last beat, and, for {@link #MISSING_NANOS}, those of the frozen fleet that have not beaten since. A node back
 * first keeps clear of them, so the fleet does not overshoot while its nodes come back one by one.
 */
final class FleetShares {
    private static final long MISSING_NANOS = 10_000_000_000L;

    private record View(List<String> alive, double share, boolean auto) {}

    private final Membership membership;
    private final ClusterHealth health;
    private final LongSupplier nanos;
    private View spell;         // guarded by this: the fleet when this node last turned degraded
    private long sharedAgainAt; // guarded by this: when it was shared again (0: degraded now, or never)

    FleetShares(Membership membership, ClusterHealth health, LongSupplier nanos) {
        this.membership = membership;
        this.health = health;
        this.nanos = nanos;
        health.onChange(this::view); // freeze the fleet at once, before a beat to an empty Redis changes it
    }

    private View capture() {
        List<String> alive = membership.members().stream().filter(ClusterView.Member::alive)
                .map(ClusterView.Member::name).toList();
        if (alive.isEmpty()) alive = List.of(membership.name());
        return new View(alive, membership.share(), membership.share() == 1.0 / membership.alive());
    }

    /** The frozen fleet while degraded, the fleet as last seen otherwise. */
    private synchronized View view() {
        if (health.degraded()) {
            if (spell == null || sharedAgainAt != 0) {
                spell = capture();
                sharedAgainAt = 0;
            }
            return spell;
        }
        if (spell != null && sharedAgainAt == 0) sharedAgainAt = nanos.getAsLong();
        return capture();
    }

    /** This node's share of a rate while degraded. */
    double share() {
        return view().share();
    }

    /** This node's share of a connection limit while degraded (the parts add up to the limit). */
    int connectionShare(int limit) {
        return shareOf(view(), membership.name(), limit);
    }

    private static int shareOf(View v, String node, int limit) {
        if (limit <= 0) return limit;
        if (!v.auto()) return (int) Math.floor(limit * v.share() + 1e-9);
        int rank = v.alive().indexOf(node);
        if (rank < 0) return 0;
        int n = v.alive().size();
        return limit / n + (rank < limit % n ? 1 : 0);
    }

    /**
     * What the other nodes held above their shares of {@code limit} at the last sync ({@code held}: leases per
     * node): a node turning degraded gives that much of its own share up, since they may still hold it.
     */
    int excessOfOthers(Map<String, Integer> held, int limit) {
        if (limit <= 0 || held.isEmpty()) return 0;
        View v = view();
        int excess = 0;
        for (var e : held.entrySet()) excess += Math.max(0, e.getValue() - shareOf(v, e.getKey(), limit));
        return excess;
    }

    /** Other nodes that may be using their shares out of Redis's sight now (see the class comment). */
    private Set<String> degradedOthers(View[] frozen) {
        Set<String> out = new LinkedHashSet<>();
        Set<String> sharedNow = new LinkedHashSet<>();
        for (ClusterView.Member m : membership.members()) {
            if (m.self() || !m.alive()) continue;
            if ("degraded".equals(m.state())) out.add(m.name());
            else sharedNow.add(m.name());
        }
        synchronized (this) {
            if (spell != null && sharedAgainAt != 0 && nanos.getAsLong() - sharedAgainAt < MISSING_NANOS) {
                frozen[0] = spell;
                for (String n : spell.alive()) {
                    if (!n.equals(membership.name()) && !sharedNow.contains(n)) out.add(n);
                }
            }
        }
        return out;
    }

    /** The share of a rate the nodes of {@link #degradedOthers} may be using. */
    double degradedShareOfOthers() {
        View[] frozen = new View[1];
        Set<String> others = degradedOthers(frozen);
        if (others.isEmpty()) return 0;
        double each = frozen[0] != null ? frozen[0].share() : membership.share();
        return Math.min(1.0, others.size() * each);
    }

    /** The connections of {@code limit} the nodes of {@link #degradedOthers} may be holding. */
    int degradedConnectionsOfOthers(int limit) {
        if (limit <= 0) return 0;
        View[] frozen = new View[1];
        Set<String> others = degradedOthers(frozen);
        if (others.isEmpty()) return 0;
        View v = frozen[0] != null ? frozen[0] : capture();
        int sum = 0;
        for (String n : others) sum += v.alive().contains(n) ? shareOf(v, n, limit) : shareOf(capture(), n, limit);
        return Math.min(limit, sum);
    }
}

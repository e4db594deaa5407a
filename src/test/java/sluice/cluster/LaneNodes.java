package sluice.cluster;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import sluice.bounce.BounceClassifier;
import sluice.config.ClusterConfig;
import sluice.config.EgressConfig;
import sluice.config.Rate;
import sluice.config.ShapingConfig;
import sluice.delivery.Destination;
import sluice.delivery.EgressPools;
import sluice.delivery.Job;
import sluice.shaping.Admission;
import sluice.shaping.Shaper;
import sluice.shaping.SourceHealth;
import sluice.shaping.WarmupLedger;
import sluice.spool.Envelope;
import sluice.spool.Recipient;

/**
 * Nodes of a fleet in one JVM for the shared-lane tests: each a {@link Cluster} (its own Redis link, health and
 * heartbeat) and a {@link Shaper} on {@link RedisLaneStates}, with "workers" that do what the scheduler and a
 * delivery worker do: admit a job, wait as told (or until woken), hold the connection a while, give it back. What
 * the remote would see is counted here: messages sent (with their times) and connections open at once.
 */
final class LaneNodes implements AutoCloseable {
    final List<Cluster> clusters = new ArrayList<>();
    final List<Shaper> shapers = new ArrayList<>();
    final List<RedisLaneStates> stores = new ArrayList<>();
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger maxOpen = new AtomicInteger();
    final ConcurrentLinkedQueue<long[]> sent = new ConcurrentLinkedQueue<>(); // {nanos, node}
    final ConcurrentLinkedQueue<long[]> released = new ConcurrentLinkedQueue<>(); // {nanos, node}
    final List<AtomicInteger> openPerNode = new ArrayList<>();
    final List<AtomicInteger> maxOpenPerNode = new ArrayList<>();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean stop;
    private final AtomicLong ids = new AtomicLong();

    static ClusterConfig config(String redisUrl, List<String> seeds) {
        List<sluice.config.HostPort> hp = seeds.stream().map(s -> new sluice.config.HostPort(
                s.substring(0, s.lastIndexOf(':')), Integer.parseInt(s.substring(s.lastIndexOf(':') + 1)))).toList();
        return new ClusterConfig(redisUrl == null ? "" : redisUrl, hp, "", null, null, null, false, Duration.ofMillis(100));
    }

    static ShapingConfig.Rule rule(int connections, String rate) {
        return new ShapingConfig.Rule("shared.test", "shared", connections, 0, rate == null ? null : Rate.parse(rate),
                null, null, true, Duration.ofMinutes(10), "test:1");
    }

    LaneNodes(ClusterConfig config, ShapingConfig.Rule rule, Duration window, String... names) throws Exception {
        for (String name : names) {
            Cluster c = Cluster.start(config, name, () -> 0, () -> null, Clock.systemUTC());
            clusters.add(c);
            RedisLaneStates store = new RedisLaneStates(c);
            stores.add(store);
            shapers.add(new Shaper(new ShapingConfig(List.of(rule), Map.of()), new EgressPools(EgressConfig.NONE,
                    RandomGenerator.of("L64X128MixRandom")), d -> List.of(), WarmupLedger.NONE, SourceHealth.ALL,
                    new BounceClassifier(), e -> {}, Clock.systemUTC(), System::nanoTime,
                    RandomGenerator.of("L64X128MixRandom"), window, store).start());
            openPerNode.add(new AtomicInteger());
            maxOpenPerNode.add(new AtomicInteger());
        }
    }

    Job job() {
        long id = ids.incrementAndGet();
        Envelope env = new Envelope("s@sender.test", List.of(Recipient.pending("r" + id + "@shared.test", null, null)),
                java.time.Instant.now(), 10, Map.of());
        return new Job("Q" + id, env, env.recipients(), new Destination.Mx("shared.test"));
    }

    /** Starts {@code perNode} workers on each node, each sending job after job and holding each connection {@code hold}. */
    void run(int perNode, Duration hold) {
        for (int n = 0; n < shapers.size(); n++) run(n, perNode, hold);
    }

    /** Starts {@code count} workers on node {@code node}. */
    void run(int node, int count, Duration hold) {
        run(node, count, hold, Integer.MAX_VALUE);
    }

    /** Starts {@code count} workers on node {@code node}, each sending {@code jobs} jobs. */
    void run(int node, int count, Duration hold, int jobs) {
        for (int w = 0; w < count; w++) workers.add(Thread.ofVirtual().start(() -> work(node, hold, jobs)));
    }

    private void work(int node, Duration hold, int jobs) {
        Shaper shaper = shapers.get(node);
        Semaphore woken = new Semaphore(0);
        Job job = job();
        int left = jobs;
        while (!stop && left > 0) {
            Admission a = shaper.admit(job, woken::release);
            if (a instanceof Admission.Go go) {
                int now = open.incrementAndGet();
                maxOpen.accumulateAndGet(now, Math::max);
                int mine = openPerNode.get(node).incrementAndGet();
                maxOpenPerNode.get(node).accumulateAndGet(mine, Math::max);
                sent.add(new long[]{System.nanoTime(), node});
                sleep(hold.toMillis());
                openPerNode.get(node).decrementAndGet();
                open.decrementAndGet(); // the connection is closed before the lease is given back
                go.lease().done(List.of());
                released.add(new long[]{System.nanoTime(), node});
                job = job();
                left--;
            } else {
                long wait = ((Admission.Wait) a).untilMillis() - System.currentTimeMillis();
                try {
                    if (wait > 0) woken.tryAcquire(wait, TimeUnit.MILLISECONDS);
                    woken.drainPermits();
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Messages sent in [from, to) (System.nanoTime), by any node or by {@code node} (-1: any). */
    long sentBetween(long from, long to, int node) {
        return sent.stream().filter(s -> s[0] >= from && s[0] < to && (node < 0 || s[1] == node)).count();
    }

    void stopWorkers() throws InterruptedException {
        stop = true;
        for (Thread t : workers) t.join(5000);
    }

    @Override
    public void close() throws Exception {
        stop = true;
        for (Thread t : workers) t.interrupt();
        for (Shaper s : shapers) s.close();
        for (Cluster c : clusters) c.close();
    }
}

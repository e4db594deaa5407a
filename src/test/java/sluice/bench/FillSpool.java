package sluice.bench;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import sluice.spool.Envelope;
import sluice.spool.QueueState;
import sluice.spool.Recipient;
import sluice.spool.Spool;

/**
 * For bench/restart: fills a spool with N deferred messages (1 KiB, two recipients, next attempt in an hour), as
 * a long outage would leave them. Not a test; run from the test classpath.
 *   java -cp ... sluice.bench.FillSpool SPOOL_DIR N
 */
public final class FillSpool {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int n = Integer.parseInt(args[1]);
        byte[] data = ("Subject: deferred\r\n\r\n" + "x".repeat(1000) + "\r\n").getBytes();
        Instant now = Instant.now();
        long t0 = System.nanoTime();
        AtomicLong done = new AtomicLong();
        try (Spool spool = Spool.open(dir, 0)) {
            // 256 writers share group commits, as sessions do.
            List<Thread> writers = new java.util.ArrayList<>();
            for (int w = 0; w < 256; w++) {
                writers.add(Thread.ofVirtual().start(() -> {
                    try {
                        while (true) {
                            long i = done.getAndIncrement();
                            if (i >= n) return;
                            String id = spool.newId();
                            Envelope env = new Envelope("sender" + (i % 1000) + "@src.test",
                                    List.of(new Recipient("user" + i + "@dest" + (i % 5000) + ".test", null, null,
                                                    sluice.spool.RecipientState.PENDING, 3, "451 4.4.1 Connection timed out"),
                                            new Recipient("other" + i + "@dest" + (i % 777) + ".test", null, null,
                                                    sluice.spool.RecipientState.PENDING, 3, "451 4.4.1 Connection timed out")),
                                    now.minusSeconds(3600), data.length,
                                    Map.of("listener", "587", "client_ip", "127.0.0.1", "message_id", "<" + id + "@src.test>"));
                            spool.commit(id, env, new QueueState(false, now.plusSeconds(3600), 3,
                                    "451 4.4.1 Connection timed out"), data);
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (Thread t : writers) t.join();
        }
        System.out.printf("filled %d messages in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
    }
}

package sluice.send;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.spool.SpoolException;

/**
 * A batch request ({@code recipients}): one message per recipient, all or nothing as far as the request goes.
 * Every message is made, checked and signed before the first is stored, so a missing variable, a bad value or a
 * refusal of the sender at recipient 900 queues nothing. What only concerns one recipient (a suppressed or
 * unknown address) refuses that recipient alone, in its item of the answer: a campaign goes out to the others.
 */
final class Batches {
    private static final Logger log = LoggerFactory.getLogger(Batches.class);
    /**
     * Messages stored at once: each store waits for an fsync, and the spool's group committer syncs the ones that
     * wait together in one go (1,000 one after the other would be 1,000 syncs).
     */
    private static final int STORING = 32;

    private Batches() {}

    static InjectResult send(Injector injector, Authentication.Caller caller, JsonRequest r) throws Invalid {
        Personalisation personal = new Personalisation(r.content());
        JsonRequest.Problems problems = new JsonRequest.Problems();
        List<JsonRequest.BatchRecipient> batch = r.batch();
        Injector.Prepared[] prepared = new Injector.Prepared[batch.size()];
        // The messages are held until all are made: the batch's bytes are bounded like a request's.
        long limit = 2 * injector.maxRequestBytes();
        long bytes = 0;
        for (int i = 0; i < batch.size(); i++) {
            JsonRequest.Content content = personal.render(i, batch.get(i).variables(), problems);
            if (content == null || problems.any()) continue; // the batch is refused: find the other problems only
            String id = injector.newId();
            Stamp stamp = injector.stamp(id);
            try {
                Outgoing m = JsonMessage.compose(r, content, List.of(batch.get(i).to()), List.of(), List.of(), stamp);
                prepared[i] = injector.prepare(caller, id, stamp, m);
            } catch (Invalid e) {
                if (e.status != 400) throw e; // the sender, the size or the server: the same for every recipient
                problems.add("recipients[" + i + "]", e.getMessage());
                continue;
            }
            if (prepared[i].data() != null) bytes += prepared[i].data().length;
            if (bytes > limit) {
                throw new Invalid(413, "the batch's messages are more than " + limit + " bytes together (at recipient " + i
                        + "); send fewer recipients per request");
            }
        }
        problems.throwIfAny();
        int toStore = (int) Arrays.stream(prepared).filter(p -> p.refusal() == null).count();
        injector.startMessages(caller, toStore);
        String[] failed = new String[prepared.length];
        AtomicInteger next = new AtomicInteger();
        try (ExecutorService storing = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < Math.min(STORING, prepared.length); t++) {
                storing.submit(() -> {
                    for (int i = next.getAndIncrement(); i < prepared.length; i = next.getAndIncrement()) {
                        if (prepared[i].refusal() != null) continue;
                        try {
                            injector.store(prepared[i]);
                        } catch (SpoolException e) {
                            log.error("spool: batch message {} from API user {} not stored: {}", i, caller.user(), e.getMessage());
                            failed[i] = "the message could not be stored; try again later";
                        }
                    }
                });
            }
        }
        List<InjectResult.Item> items = new ArrayList<>(prepared.length);
        for (int i = 0; i < prepared.length; i++) {
            Injector.Prepared p = prepared[i];
            String to = batch.get(i).to().mailbox().address();
            String error = p.refusal() != null ? p.refusal() : failed[i];
            items.add(error == null ? new InjectResult.Item(i, to, p.id(), p.messageId(), null)
                    : new InjectResult.Item(i, to, null, null, error));
        }
        return new InjectResult.Batch(items);
    }
}

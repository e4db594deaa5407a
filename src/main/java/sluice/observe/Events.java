package sluice.observe;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fan-out: one definition of each event, several consumers (the delivery log, the metrics, the rolling
 * statistics, later webhooks). Consumers run on the publisher's thread and must be quick and non-blocking.
 */
public final class Events implements EventSink {
    private static final Logger log = LoggerFactory.getLogger(Events.class);
    private final List<EventSink> consumers = new CopyOnWriteArrayList<>();

    public Events subscribe(EventSink consumer) {
        consumers.add(consumer);
        return this;
    }

    @Override
    public void publish(DeliveryEvent event) {
        for (EventSink c : consumers) {
            try {
                c.publish(event);
            } catch (RuntimeException e) {
                log.error("event consumer {} failed on {}: {}", c, event.event(), e.toString());
            }
        }
    }
}

package sluice.observe;

/** Where the rooms that do things report what they did. Never blocks on I/O; never throws. */
@FunctionalInterface
public interface EventSink {
    void publish(DeliveryEvent event);
}

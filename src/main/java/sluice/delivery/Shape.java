package sluice.delivery;

/**
 * What shaping allows one delivery attempt: the egress source it leaves from (null: the system picks the address),
 * the destination group it counts against (null: none), and the limits of the connection it uses.
 *
 * @param maxMessagesPerConnection a connection is closed after carrying this many transactions; 0: no limit of
 *                                 the group's own
 * @param maxConnections           the group's connections from this source, in use plus kept idle for reuse
 *                                 (across its hosts); 0: no limit of its own
 * @param inUse                    the group's attempts from this source in progress now (this one included)
 * @param tls                      "required", "opportunistic", or null (the [delivery] policy)
 * @param gate                     asked before a new connection is opened (the group's connection rate)
 */
public record Shape(EgressSource source, String group, int maxMessagesPerConnection, int maxConnections,
                    java.util.function.IntSupplier inUse, String tls, ConnectionGate gate) {

    /** Asked before opening a connection: 0 when one may be opened now, else when (epoch millis) to try again. */
    @FunctionalInterface
    public interface ConnectionGate {
        long tryOpen();

        ConnectionGate OPEN = () -> 0;
    }

    /** Leaves from {@code source} (or the system's choice), with no group limits. */
    public static Shape unshaped(EgressSource source) {
        return new Shape(source, null, 0, 0, () -> 0, null, ConnectionGate.OPEN);
    }
}

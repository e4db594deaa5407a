package sluice.config;

/**
 * Bounds on what one client may ask of the server.
 *
 * @param maxErrors                  protocol errors in one session before 421 and disconnect
 * @param connectionsPerIpPerMinute  new connections per client IP per minute (0: no limit; trusted networks exempt)
 * @param messagesPerIpPerMinute     messages (MAIL commands) per client IP per minute (0: no limit; trusted exempt)
 * @param messagesPerUserPerHour     messages per authenticated user per hour, SMTP and HTTP together (0: no limit)
 * @param ipv6Prefix                 IPv6 clients are counted per network of this many bits (32–128) by every
 *                                   per-IP limit and the AUTH lockout; see {@link ClientNetwork}
 */
public record LimitsConfig(
        long maxMessageSize,
        int maxRecipients,
        int maxConnections,
        int maxConnectionsPerIp,
        int maxErrors,
        int connectionsPerIpPerMinute,
        int messagesPerIpPerMinute,
        int messagesPerUserPerHour,
        int ipv6Prefix) {

    public LimitsConfig(long maxMessageSize, int maxRecipients, int maxConnections, int maxConnectionsPerIp,
                        int maxErrors, int connectionsPerIpPerMinute, int messagesPerIpPerMinute,
                        int messagesPerUserPerHour) {
        this(maxMessageSize, maxRecipients, maxConnections, maxConnectionsPerIp, maxErrors, connectionsPerIpPerMinute,
                messagesPerIpPerMinute, messagesPerUserPerHour, ClientNetwork.DEFAULT_IPV6_PREFIX);
    }

    /** Heap per open session, measured: 1,000 idle SMTP sessions took 53 MiB of live heap (docs/operations.md "Memory"). */
    static final long HEAP_PER_SESSION = 56L << 10;
    /** Message bodies that may be in memory at once at full size (in DATA, in the send API, carried to delivery). */
    static final int BODIES_IN_MEMORY = 8;

    /**
     * The heap these limits may ask for: 64 MiB for the server itself, every allowed connection open, and eight
     * bodies of {@code max_message_size} at once. `sluice serve` says so when its heap cap is lower.
     */
    public long heapWanted() {
        return (64L << 20) + maxConnections * HEAP_PER_SESSION + BODIES_IN_MEMORY * maxMessageSize;
    }

    /** The key a per-client limit counts {@code client} under (one rule for every limit and every door). */
    public java.net.InetAddress clientKey(java.net.InetAddress client) {
        return ClientNetwork.of(client, ipv6Prefix);
    }
}

package sluice.node;

import java.io.IOException;

/**
 * The one native operation systemd notification needs: a datagram to an AF_UNIX socket, which the JDK's channels do
 * not offer (DatagramChannel refuses a UnixDomainSocketAddress). Compiled at release 21; its implementation,
 * {@code UnixDatagramSocket}, is compiled at release 22 (java.lang.foreign) and loaded only on a JDK that has it.
 */
interface NotifySocket {
    /** Sends one datagram to the socket at {@code address} (a path, or the abstract namespace when it starts with '@'). */
    void send(String address, String message) throws IOException;

    /** CLOCK_MONOTONIC in microseconds, the clock systemd compares MONOTONIC_USEC against. */
    long monotonicMicros();
}

package sluice.smtp;

import java.net.InetAddress;
import java.time.Clock;
import sluice.config.ListenerMode;

/**
 * The facts a session starts with: who we are, which listener, who connected.
 *
 * @param tlsActive    true from the start on an implicit-TLS listener
 * @param tlsAvailable a certificate is loaded, so STARTTLS may be offered
 */
public record SessionContext(
        String hostname,
        ListenerMode mode,
        int port,
        boolean requireTls,
        boolean tlsActive,
        boolean tlsAvailable,
        InetAddress clientIp,
        long maxMessageSize,
        int maxRecipients,
        int maxErrors,
        Clock clock) {}

package sluice.smtp;

import java.net.InetAddress;
import sluice.config.ListenerMode;

/**
 * What is known about the client when a message is accepted; goes to the trace header, the spool and the log.
 *
 * @param tls      e.g. "TLSv1.3", or null
 * @param cipher   e.g. "TLS_AES_256_GCM_SHA384", or null
 * @param protocol RFC 3848 keyword: SMTP, ESMTP, ESMTPS, ESMTPA, ESMTPSA (UTF8SMTP… with SMTPUTF8)
 */
public record SessionFacts(
        String helo,
        InetAddress clientIp,
        int port,
        ListenerMode mode,
        String tls,
        String cipher,
        String authUser,
        String protocol) {}

package sluice.delivery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.observe.FailureText;
import sluice.policy.LocalRecipients;
import sluice.spool.Recipient;
import sluice.smtp.Addresses;

/**
 * Delivers recipients in local domains: expands aliases and catch-alls again (they may have changed since RCPT),
 * writes each mailbox's copy into Maildir once per message, and hands remote alias targets to a
 * {@link Forwarder}, which queues them as a new message.
 */
public final class LocalTransport implements Transport {
    private static final Logger log = LoggerFactory.getLogger(LocalTransport.class);

    /** Queues a copy of a message for addresses outside the local domains (remote alias targets). */
    public interface Forwarder {
        /** Returns the new message's queue id. */
        String forward(String sender, List<String> recipients, byte[] data, String origin) throws IOException;
    }

    private final LocalRecipients recipients;
    private final Maildir maildir;
    private final Forwarder forwarder;

    public LocalTransport(LocalRecipients recipients, Maildir maildir, Forwarder forwarder) {
        this.recipients = recipients;
        this.maildir = maildir;
        this.forwarder = forwarder;
    }

    @Override
    public List<Outcome> deliver(Job job, byte[] data) {
        long start = System.nanoTime();
        List<Outcome> out = new ArrayList<>();
        Set<String> written = new HashSet<>(); // one copy per mailbox per message
        String sender = job.envelope().sender();
        for (Recipient r : job.recipients()) {
            LocalRecipients.Expansion e = recipients.expand(r.address());
            Outcome o = switch (e) {
                case LocalRecipients.Expansion.Unknown u ->
                        outcome(r, 550, "5.1.1", "User unknown in the local domain", start);
                case LocalRecipients.Expansion.Loop l -> outcome(r, 550, "5.4.6", "Alias expansion loop: " + l.detail(), start);
                case LocalRecipients.Expansion.Targets t -> deliver(job, r, t, sender, data, written, start);
            };
            out.add(o);
        }
        return out;
    }

    private Outcome deliver(Job job, Recipient r, LocalRecipients.Expansion.Targets t, String sender, byte[] data,
                            Set<String> written, long start) {
        try {
            for (String mailbox : t.mailboxes()) {
                if (!written.add(mailbox)) continue;
                byte[] prefix = ("Return-Path: <" + sender + ">\r\nDelivered-To: " + mailbox + "\r\n")
                        .getBytes(StandardCharsets.UTF_8);
                maildir.deliver(Addresses.domainOf(mailbox), Addresses.localPartOf(mailbox), prefix, data);
            }
            List<String> forwards = t.forwards().stream().filter(written::add).toList();
            String forwarded = forwards.isEmpty() ? null : forwarder.forward(sender, forwards, data, job.queueId());
            String text = "Delivered to " + (t.mailboxes().isEmpty() ? "" : "maildir " + String.join(", ", t.mailboxes()))
                    + (forwarded == null ? "" : (t.mailboxes().isEmpty() ? "" : "; ") + "forwarded as " + forwarded + " to "
                    + String.join(", ", forwards));
            return outcome(r, 250, "2.0.0", text, start);
        } catch (IOException | RuntimeException e) {
            log.error("local delivery of {} to {} failed: {}", job.queueId(), r.address(), e.toString());
            return outcome(r, 451, "4.3.0", "Local delivery failed: " + FailureText.of(e), start);
        }
    }

    private static Outcome outcome(Recipient r, int code, String enhanced, String text, long start) {
        return new Outcome(r.address(), Outcome.resultOf(code), code, enhanced, text, null, null, 0, null,
                (System.nanoTime() - start) / 1_000_000);
    }
}

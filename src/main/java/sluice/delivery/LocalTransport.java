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
                case LocalRecipients.Expansion.Unknown u -> outcome(r, 550, "5.1.1", u.missing().equals(canonical(r))
                        ? "User unknown in the local domain"
                        : "Alias target " + u.missing() + " does not exist (nothing was delivered for this recipient)", start);
                case LocalRecipients.Expansion.Loop l -> outcome(r, 550, "5.4.6", "Alias expansion loop: " + l.detail(), start);
                case LocalRecipients.Expansion.Targets t -> deliver(job, r, t, sender, data, written, start);
            };
            out.add(o);
        }
        return out;
    }

    private static String canonical(Recipient r) {
        return Addresses.canonical(r.address());
    }

    /**
     * Writes every mailbox's copy (each synced by {@link Maildir}) and queues the forwards; reports 250 only when
     * all of that happened. {@code written} records a mailbox or forward only once it succeeded, so a second
     * recipient of the same message sharing it is never told "delivered" after the first one's write failed.
     */
    private Outcome deliver(Job job, Recipient r, LocalRecipients.Expansion.Targets t, String sender, byte[] data,
                            Set<String> written, long start) {
        if (t.mailboxes().isEmpty() && t.forwards().isEmpty()) { // LocalRecipients never says so; never "delivered" to nobody
            return outcome(r, 550, "5.1.1", "No mailbox or forward for this recipient", start);
        }
        try {
            for (String mailbox : t.mailboxes()) {
                if (written.contains(mailbox)) continue;
                byte[] prefix = ("Return-Path: <" + sender + ">\r\nDelivered-To: " + mailbox + "\r\n")
                        .getBytes(StandardCharsets.UTF_8);
                maildir.deliver(Addresses.domainOf(mailbox), Addresses.localPartOf(mailbox), prefix, data);
                written.add(mailbox);
            }
            List<String> forwards = t.forwards().stream().filter(f -> !written.contains(f)).toList();
            String forwarded = forwards.isEmpty() ? null : forwarder.forward(sender, forwards, data, job.queueId());
            written.addAll(forwards);
            String text = "Delivered to " + (t.mailboxes().isEmpty() ? "" : "maildir " + String.join(", ", t.mailboxes()))
                    + (t.forwards().isEmpty() ? "" : (t.mailboxes().isEmpty() ? "" : "; ") + "forwarded"
                    + (forwarded == null ? " (with another recipient's copy)" : " as " + forwarded) + " to "
                    + String.join(", ", t.forwards()));
            return outcome(r, 250, "2.0.0", text, start);
        } catch (IllegalArgumentException unsafe) {
            // A name Maildir will not write (empty, too long): retrying cannot help.
            log.error("local delivery of {} to {} refused: {}", job.queueId(), r.address(), unsafe.getMessage());
            return outcome(r, 550, "5.1.3", "Mailbox name not usable: " + unsafe.getMessage(), start);
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

package sluice.server;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.config.ListenerMode;
import sluice.mailauth.MailAuthenticator;
import sluice.observe.DeliveryEvent;
import sluice.observe.EventSink;
import sluice.policy.RelayRules;
import sluice.queue.Ingest;
import sluice.smtp.CommitResult;
import sluice.smtp.Draft;
import sluice.smtp.Mailbox;
import sluice.smtp.MessageSink;
import sluice.smtp.PoolHeader;
import sluice.smtp.Replies;
import sluice.smtp.Reply;
import sluice.smtp.ReplyText;
import sluice.smtp.SessionFacts;
import sluice.spool.Envelope;
import sluice.spool.Recipient;
import sluice.spool.SpoolException;
import sluice.spool.TlsRequest;

/** Turns a finished SMTP transaction into a spool envelope and hands it to the ingest door. */
final class SpoolSink implements MessageSink {
    private static final Logger log = LoggerFactory.getLogger(SpoolSink.class);

    private final Ingest ingest;
    private final MailAuthenticator auth;
    private final RelayRules relay;
    private final EventSink deliveryLog;
    private final Clock clock;
    private final Set<String> pools;

    SpoolSink(Ingest ingest, EventSink deliveryLog, MailAuthenticator auth, RelayRules relay, Set<String> pools,
              Clock clock) {
        this.pools = Set.copyOf(pools);
        this.auth = auth;
        this.relay = relay;
        this.ingest = ingest;
        this.deliveryLog = deliveryLog;
        this.clock = clock;
    }

    @Override
    public String newQueueId() {
        return ingest.newId();
    }

    @Override
    public CommitResult commit(Draft d) {
        if (!ingest.hasStorage()) return new CommitResult.Refused(Replies.NO_STORAGE);
        byte[] data = new byte[(int) d.size()];
        System.arraycopy(d.headers(), 0, data, 0, d.headers().length);
        System.arraycopy(d.body().array(), 0, data, d.headers().length, d.body().length());
        SessionFacts f = d.facts();
        boolean trusted = relay.isTrusted(f.clientIp());
        // Taken out before signing and before the queue: the header never reaches a remote host.
        PoolHeader.Stripped stripped = PoolHeader.strip(data);
        data = stripped.message();
        String pool = null;
        switch (PoolHeader.judge(stripped.values(), f.authUser() != null || trusted, pools)) {
            case PoolHeader.Verdict.Use u -> pool = u.pool();
            case PoolHeader.Verdict.Ignored i -> log.info("message {} from {}: {} \"{}\" removed and ignored "
                    + "(only trusted networks and authenticated senders choose a pool)", d.queueId(),
                    f.clientIp().getHostAddress(), PoolHeader.NAME, ReplyText.forLog(i.value(), 100));
            case PoolHeader.Verdict.Refused r -> {
                return new CommitResult.Refused(r.reply());
            }
        }
        if (f.authUser() != null || trusted) {
            data = auth.signOutbound(data, d.signingDomain());
        } else if (f.mode() == ListenerMode.MX) {
            MailAuthenticator.Verdict v = auth.checkInbound(f.clientIp(), f.helo(), d.sender() == null ? "" : d.sender().address(), data,
                    d.originators());
            if (v instanceof MailAuthenticator.Verdict.Reject r) {
                return new CommitResult.Refused(Reply.of(r.code(), r.enhancedCode(), r.text()));
            }
            data = ((MailAuthenticator.Verdict.Accept) v).data();
        }
        List<Recipient> rcpts = d.recipients().stream()
                .map(r -> Recipient.pending(r.mailbox().address(), r.parameters().orcpt(), r.parameters().notifyOn()))
                .toList();
        Envelope envelope = new Envelope(d.sender() == null ? "" : d.sender().address(), rcpts, clock.instant(),
                data.length, attributes(d), pool)
                .withTlsRequest(d.parameters().requireTls() ? TlsRequest.REQUIRED : TlsRequest.DEFAULT);
        try {
            ingest.accept(d.queueId(), envelope, data);
            return new CommitResult.Queued(d.queueId());
        } catch (SpoolException e) {
            log.error("spool: message from {} not stored: {}", d.facts().clientIp().getHostAddress(), e.getMessage());
            // A full disk is "452 4.3.1 Insufficient system storage", as below the disk reserve; anything else 451 4.3.0.
            return new CommitResult.Refused(e.reason() == SpoolException.Reason.NO_SPACE ? Replies.NO_STORAGE : Replies.LOCAL_ERROR);
        }
    }

    private static Map<String, String> attributes(Draft d) {
        SessionFacts f = d.facts();
        Map<String, String> a = new HashMap<>();
        a.put("listener", Integer.toString(f.port()));
        a.put("mode", f.mode().key());
        a.put("client_ip", f.clientIp().getHostAddress());
        a.put("helo", f.helo());
        a.put("protocol", f.protocol());
        putIf(a, "tls", f.tls());
        putIf(a, "cipher", f.cipher());
        putIf(a, "auth_user", f.authUser());
        putIf(a, "message_id", d.messageId());
        putIf(a, "envid", d.parameters().envid());
        putIf(a, "ret", d.parameters().ret());
        putIf(a, "body", d.parameters().body());
        if (d.parameters().smtpUtf8()) a.put("smtputf8", "true");
        return a;
    }

    private static void putIf(Map<String, String> a, String k, String v) {
        if (v != null) a.put(k, v);
    }

    @Override
    public void refused(Reply reply, SessionFacts f, Mailbox sender, Mailbox recipient) {
        deliveryLog.publish(new DeliveryEvent.Rejected(clock.instant(), sender == null ? null : sender.address(),
                recipient == null ? null : recipient.address(), f.port(), f.clientIp().getHostAddress(), f.tls(),
                f.authUser(), reply.code(), reply.status() == null ? null : reply.status().toString(),
                reply.lines().get(0)));
    }

}

package sluice.send;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.config.ListenerMode;
import sluice.mailauth.MailAuthenticator;
import sluice.policy.ClientPolicy;
import sluice.queue.Ingest;
import sluice.smtp.AuthResult;
import sluice.smtp.Mailbox;
import sluice.smtp.PoolHeader;
import sluice.smtp.Reply;
import sluice.smtp.SendAs;
import sluice.smtp.SessionFacts;
import sluice.smtp.TraceHeaders;
import sluice.spool.Envelope;
import sluice.spool.Recipient;
import sluice.spool.SpoolException;
import sluice.spool.TlsRequest;

/**
 * The send API's work, without HTTP: checks the API key (with the same lockout as SMTP AUTH), makes the message
 * from a JSON or raw body, applies the submission listeners' rules (may-send-as for the envelope sender and every
 * From address, recipient checks, limits), adds the Received trace, DKIM-signs like authenticated submission and
 * queues through the one door, {@link Ingest#accept}, durable before it returns.
 */
public final class Injector {
    private static final Logger log = LoggerFactory.getLogger(Injector.class);

    /** The answers a client gets (the same the SMTP listeners ask). */
    @FunctionalInterface
    public interface Policies {
        ClientPolicy forClient(InetAddress client, int port);
    }

    /** A request body. */
    public sealed interface Body {
        record Json(byte[] bytes) implements Body {}

        /**
         * {@code from} null and {@code to} empty: taken from the header fields. {@code requireTls}: the query's
         * {@code require_tls=true}, as SMTP's REQUIRETLS.
         */
        record Raw(byte[] bytes, String from, List<String> to, boolean requireTls) implements Body {
            public Raw {
                to = List.copyOf(to);
            }

            public Raw(byte[] bytes, String from, List<String> to) {
                this(bytes, from, to, false);
            }
        }
    }

    private final Policies policies;
    private final Ingest ingest;
    private final MailAuthenticator auth;
    private final String hostname;
    private volatile long maxMessageSize; // both replaced on reload, as the SMTP listeners' are
    private volatile int maxRecipients;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final StrictJson json;
    private final Set<String> pools;

    public Injector(Policies policies, Ingest ingest, MailAuthenticator auth, String hostname, long maxMessageSize,
                    int maxRecipients, Clock clock) {
        this(policies, ingest, auth, hostname, maxMessageSize, maxRecipients, Set.of(), clock);
    }

    /** @param pools the egress pools a message may name (the "pool" member, an X-Sluice-Pool header) */
    public Injector(Policies policies, Ingest ingest, MailAuthenticator auth, String hostname, long maxMessageSize,
                    int maxRecipients, Set<String> pools, Clock clock) {
        this.pools = Set.copyOf(pools);
        this.policies = policies;
        this.ingest = ingest;
        this.auth = auth;
        this.hostname = hostname;
        this.maxMessageSize = maxMessageSize;
        this.maxRecipients = maxRecipients;
        this.clock = clock;
        this.json = new StrictJson(maxRequestBytes());
    }

    /** The largest request body worth reading: a message at the size limit, with room for JSON escaping. */
    public long maxRequestBytes() {
        return Math.min(Integer.MAX_VALUE - 1024, maxMessageSize * 2 + (1 << 20));
    }

    /** [limits] from a reload: the next request is held to them. */
    public void limits(long maxMessageSize, int maxRecipients) {
        this.maxMessageSize = maxMessageSize;
        this.maxRecipients = maxRecipients;
    }

    public long maxMessageSize() {
        return maxMessageSize;
    }

    /**
     * Sends one message: {@link #authenticate} and then {@link #inject(Authentication.Caller, Body)}.
     *
     * @param apiKey the bearer key presented, or null
     * @param port   the port the request came in on (the admin address), for the log and the trace
     */
    public InjectResult inject(String apiKey, InetAddress client, int port, Body body) {
        return switch (authenticate(apiKey, client, port)) {
            case Authentication.Caller c -> inject(c, body);
            case Authentication.Refused r -> new InjectResult.Refused(r.status(), r.error());
        };
    }

    /** Checks an API key (with the lockout SMTP AUTH uses), before anything of the body is read. */
    public Authentication authenticate(String apiKey, InetAddress client, int port) {
        if (apiKey == null) return new Authentication.Refused(401, "an API key is required: Authorization: Bearer <key> (sluice user apikey NAME)");
        ClientPolicy policy = policies.forClient(client, port);
        return switch (policy.authenticateKey(apiKey)) {
            case AuthResult.Success s -> new Authentication.Caller(s.user(), client, port, policy);
            case AuthResult.Failure f -> new Authentication.Refused(401, "wrong API key");
            case AuthResult.LockedOut l -> new Authentication.Refused(429, "too many failed attempts from "
                    + client.getHostAddress() + "; try again later");
            case AuthResult.Unavailable u -> new Authentication.Refused(503, "users are unavailable right now; try again later");
        };
    }

    /** Sends one message, or a batch of them, for a caller whose key was accepted. */
    public InjectResult inject(Authentication.Caller caller, Body body) {
        try {
            return switch (body) {
                case Body.Json j -> {
                    JsonRequest r = JsonRequest.read(json.read(j.bytes()));
                    yield r.batch() == null ? sendOne(caller, r) : Batches.send(this, caller, r);
                }
                case Body.Raw raw -> {
                    String id = ingest.newId();
                    Stamp stamp = stamp(id);
                    yield sendOne(caller, id, stamp, RawMessage.parse(raw.bytes(), raw.from(), raw.to(), stamp)
                            .withRequireTls(raw.requireTls()));
                }
            };
        } catch (Invalid e) {
            return new InjectResult.Refused(e.status, e.getMessage(), e.errors, e.retryAfterSeconds);
        }
    }

    private InjectResult sendOne(Authentication.Caller caller, JsonRequest r) throws Invalid {
        String id = ingest.newId();
        Stamp stamp = stamp(id);
        return sendOne(caller, id, stamp, JsonMessage.compose(r, r.content(), r.to(), r.cc(), r.bcc(), stamp));
    }

    private InjectResult sendOne(Authentication.Caller caller, String id, Stamp stamp, Outgoing m) throws Invalid {
        Prepared p = prepare(caller, id, stamp, m);
        if (p.refusal() != null) throw new Invalid(400, "\"to\": " + p.refusal());
        startMessages(caller, 1);
        try {
            store(p);
        } catch (SpoolException e) {
            log.error("spool: message from API user {} not stored: {}", caller.user(), e.getMessage());
            return new InjectResult.Refused(503, "the message could not be stored; try again later");
        }
        return new InjectResult.Accepted(p.id(), p.messageId(), p.envelope().recipients().size());
    }

    /** What a message's id, Message-ID and Date are made from: the queue id, the clock and the host name. */
    Stamp stamp(String id) {
        ZonedDateTime now = ZonedDateTime.now(clock);
        return new Stamp("<" + id + "." + now.toInstant().toEpochMilli() + "@" + hostname + ">", now,
                "=_sluice_" + HexFormat.of().formatHex(randomBytes(12)));
    }

    String newId() {
        return ingest.newId();
    }

    /**
     * A message checked, traced and signed, ready to store; {@code refusal} is the policy's answer to a recipient
     * (unknown local user, suppressed address) when there is one, and then nothing else is made.
     */
    record Prepared(String id, String messageId, Envelope envelope, byte[] data, String refusal) {}

    /**
     * The submission listeners' rules for one message: pool, recipient count, may-send-as for the envelope sender
     * and every originator, the recipients, the storage reserve, the size with its trace; then the Received field
     * and the DKIM signature. Nothing is counted toward a rate and nothing is stored.
     */
    Prepared prepare(Authentication.Caller caller, String id, Stamp stamp, Outgoing m) throws Invalid {
        // An API caller is authenticated: its pool choice counts, by the rule SMTP applies (smtp/PoolHeader); the
        // header is removed whatever it says, before the message is checked, signed and queued.
        PoolHeader.Stripped stripped = PoolHeader.strip(m.data());
        String pool = pool(m.pool(), stripped.values());
        m = new Outgoing(m.sender(), m.recipients(), m.originators(), stripped.message(), m.messageId(), pool,
                m.requireTls());
        if (m.recipients().size() > maxRecipients) {
            throw new Invalid(400, "\"to\": " + m.recipients().size() + " recipients, more than max_recipients (" + maxRecipients + ")");
        }
        ClientPolicy policy = caller.policy();
        String user = caller.user();
        // The one may-send-as rule (auth/SendAsRule) on the envelope sender and every originator, as on SMTP.
        String signingDomain = switch (policy.checkOriginators(user, m.sender(), m.originators())) {
            case SendAs.Allowed a -> a.signingDomain();
            case SendAs.Refused r -> throw new Invalid(403, "user " + user + " may not send as " + r.address() + " (" + r.field() + ")");
            case SendAs.Unreadable u -> throw new Invalid(400, "message: " + u.problem());
            case SendAs.Unavailable u -> throw new Invalid(503, "users are unavailable right now; try again later");
        };
        for (Mailbox r : m.recipients()) {
            Reply refusal = policy.checkRecipient(r, m.sender(), user);
            if (refusal != null) return new Prepared(id, m.messageId(), null, null, r.address() + ": " + refusal.code() + " " + refusal.lines().get(0));
        }
        if (!policy.hasStorage()) throw new Invalid(503, "the queue is out of disk space; try again later");
        SessionFacts facts = new SessionFacts(TraceHeaders.literal(caller.client()), caller.client(), caller.port(),
                ListenerMode.SUBMISSION, null, null, user, "HTTP");
        byte[] trace = TraceHeaders.received(facts, hostname, id, m.recipients().size() == 1 ? m.recipients().get(0).address() : null,
                stamp.date()).getBytes(StandardCharsets.UTF_8);
        if (trace.length + (long) m.data().length > maxMessageSize) {
            throw new Invalid(413, "the message is " + (trace.length + m.data().length) + " bytes, more than max_message_size ("
                    + maxMessageSize + ")");
        }
        byte[] data = new byte[trace.length + m.data().length];
        System.arraycopy(trace, 0, data, 0, trace.length);
        System.arraycopy(m.data(), 0, data, trace.length, m.data().length);
        data = auth.signOutbound(data, signingDomain);
        List<Recipient> rcpts = m.recipients().stream().map(r -> Recipient.pending(r.address(), null, null)).toList();
        Envelope envelope = new Envelope(m.sender().address(), rcpts, clock.instant(), data.length,
                attributes(facts, m, data), m.pool())
                .withTlsRequest(m.requireTls() ? TlsRequest.REQUIRED : TlsRequest.DEFAULT);
        return new Prepared(id, m.messageId(), envelope, data, null);
    }

    /** Counts {@code n} messages toward the caller's rate limits; a 429 with Retry-After when one is over. */
    void startMessages(Authentication.Caller caller, int n) throws Invalid {
        for (int i = 0; i < n; i++) {
            Reply rate = caller.policy().startMessage(caller.user());
            // the per-IP limit counts per minute, the per-user limit per hour: a minute is the earliest worth trying
            if (rate != null) throw Invalid.rateLimited(rate.lines().get(0), 60);
        }
    }

    /** Through the one door, durable when it returns. */
    void store(Prepared p) throws SpoolException {
        ingest.accept(p.id(), p.envelope(), p.data());
    }

    private static Map<String, String> attributes(SessionFacts f, Outgoing m, byte[] data) {
        Map<String, String> a = new HashMap<>();
        a.put("listener", Integer.toString(f.port()));
        a.put("mode", "http");
        a.put("client_ip", f.clientIp().getHostAddress());
        a.put("helo", f.helo());
        a.put("protocol", f.protocol());
        a.put("auth_user", f.authUser());
        a.put("message_id", m.messageId());
        for (byte b : data) {
            if (b < 0) {
                a.put("body", "8BITMIME");
                break;
            }
        }
        boolean utf8 = !m.sender().isAscii() || m.recipients().stream().anyMatch(r -> !r.isAscii());
        if (utf8) a.put("smtputf8", "true");
        return a;
    }

    /** The pool the request names by its member or by an X-Sluice-Pool header (which must agree), or null. */
    private String pool(String member, List<String> headerValues) throws Invalid {
        if (member != null && !pools.contains(member)) {
            throw Invalid.field("pool", "no egress pool is named \"" + member + "\""
                    + (pools.isEmpty() ? " (none are configured)" : " (pools: " + String.join(", ", pools.stream().sorted().toList()) + ")"));
        }
        List<String> all = new java.util.ArrayList<>(headerValues);
        if (member != null) all.add(member);
        return switch (PoolHeader.judge(all, true, pools)) {
            case PoolHeader.Verdict.Use u -> u.pool();
            case PoolHeader.Verdict.Ignored i -> throw new IllegalStateException("an API caller is authenticated");
            case PoolHeader.Verdict.Refused r -> throw new Invalid(400, "message: " + r.reply().lines().getFirst());
        };
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}

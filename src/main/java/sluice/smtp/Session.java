package sluice.smtp;

import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import sluice.config.ListenerMode;

/**
 * The SMTP server state machine for one connection: lines and data in, replies out. It never touches
 * a socket; the server tells it what arrived and does what {@link #expecting()} and
 * {@link #wantsTls()} say.
 */
public final class Session {
    /** What the server must read next. */
    public enum Input { COMMAND, SASL_RESPONSE, DATA, CHUNK }

    private final SessionContext ctx;
    private final SessionPolicy policy;
    private final MessageSink sink;
    private final MessageBuffer body;
    private final DotDecoder dotDecoder;
    private final ChunkChecker chunkChecker;

    private Input input = Input.COMMAND;
    private boolean tls;
    private String tlsVersion;
    private String tlsCipher;
    private boolean wantsTls;
    private String helo;
    private boolean esmtp;
    private String authUser;
    private int errors;
    private int queued; // messages this session queued (for the connection's metrics)

    // the mail transaction
    private boolean mailGiven;
    private Mailbox sender;
    private MailParameters mailParams = MailParameters.NONE;
    private final List<RcptEntry> recipients = new ArrayList<>();
    private boolean bdatStarted;
    private long chunkRemaining;
    private boolean chunkLast;
    private Reply chunkRefusal; // set when the chunk being read is to be discarded with this reply

    private SaslExchange sasl; // an AUTH exchange in progress

    public Session(SessionContext ctx, SessionPolicy policy, MessageSink sink) {
        this.ctx = ctx;
        this.policy = policy;
        this.sink = sink;
        this.tls = ctx.tlsActive();
        this.body = new MessageBuffer(ctx.maxMessageSize());
        this.dotDecoder = new DotDecoder(body);
        this.chunkChecker = new ChunkChecker(body);
    }

    public Reply greeting() {
        return Replies.greeting(ctx.hostname());
    }

    public Input expecting() {
        return input;
    }

    /** Longest line accepted in the current input state (RFC 5321 command line; RFC 4954 SASL line). */
    public int maxLineLength() {
        return input == Input.SASL_RESPONSE ? 12288 : 512;
    }

    /** True once after STARTTLS was accepted: the server must drop buffered input and handshake. */
    public boolean wantsTls() {
        boolean w = wantsTls;
        wantsTls = false;
        return w;
    }

    public boolean tlsActive() {
        return tls;
    }

    public String authUser() {
        return authUser;
    }

    /** How many messages this session has queued so far. */
    public int messagesQueued() {
        return queued;
    }

    /** After a successful handshake: everything learned in plaintext is forgotten (RFC 3207 4.2). */
    public void tlsStarted(String version, String cipher) {
        tls = true;
        tlsVersion = version;
        tlsCipher = cipher;
        helo = null;
        esmtp = false;
        authUser = null;
        resetTransaction();
    }

    /** The TLS version, when known (implicit TLS sets it after the handshake). */
    public void tlsDetails(String version, String cipher) {
        tlsVersion = version;
        tlsCipher = cipher;
    }

    /** A line that broke the framing rules (bare CR/LF, too long); the server drops it. */
    public Reply badLine(Reply why) {
        if (input == Input.SASL_RESPONSE) {
            endSasl();
        }
        return error(why);
    }

    public Reply timeout() {
        return Replies.TIMEOUT;
    }

    /** One complete line (without CRLF) in state COMMAND or SASL_RESPONSE. */
    public Reply onLine(String line) {
        if (input == Input.SASL_RESPONSE) return next(sasl.respond(line));
        Command command = CommandParser.parse(line);
        return switch (command) {
            case Command.Ehlo c -> helo(c.domain(), true);
            case Command.Helo c -> helo(c.domain(), false);
            case Command.Mail c -> mail(c);
            case Command.Rcpt c -> rcpt(c);
            case Command.Data c -> data();
            case Command.Bdat c -> bdat(c);
            case Command.Rset c -> {
                resetTransaction();
                yield Replies.RESET_OK;
            }
            case Command.Noop c -> Replies.OK;
            case Command.Quit c -> Replies.BYE;
            case Command.Help c -> Replies.HELP;
            case Command.Vrfy c -> Replies.VRFY;
            case Command.StartTls c -> startTls();
            case Command.Auth c -> auth(c);
            case Command.Invalid c -> error(c.reply());
        };
    }

    private Reply error(Reply reply) {
        errors++;
        if (errors >= ctx.maxErrors()) return Replies.TOO_MANY_ERRORS;
        return reply;
    }

    private Reply helo(String domain, boolean extended) {
        resetTransaction();
        helo = domain;
        esmtp = extended;
        if (!extended) return Reply.of(250, null, ctx.hostname());
        List<String> lines = new ArrayList<>();
        lines.add(ctx.hostname() + " greets " + domain);
        lines.add("PIPELINING");
        lines.add("SIZE " + ctx.maxMessageSize());
        lines.add("8BITMIME");
        lines.add("SMTPUTF8");
        lines.add("ENHANCEDSTATUSCODES");
        lines.add("CHUNKING");
        lines.add("DSN");
        if (!tls && ctx.tlsAvailable()) lines.add("STARTTLS");
        if (tls) lines.add("AUTH PLAIN LOGIN");
        if (tls) lines.add("REQUIRETLS"); // RFC 8689: offered only where the session itself is encrypted
        lines.add("HELP");
        return new Reply(250, null, lines, false);
    }

    private Reply startTls() {
        if (tls) return error(Replies.TLS_ALREADY_ACTIVE);
        if (!ctx.tlsAvailable()) return Replies.TLS_UNAVAILABLE;
        if (helo == null) return error(Replies.NEED_HELO);
        wantsTls = true;
        return Replies.READY_FOR_TLS;
    }

    private Reply mail(Command.Mail c) {
        if (helo == null) return error(Replies.NEED_HELO);
        if (mailGiven) return error(Replies.NESTED_MAIL);
        if (ctx.requireTls() && !tls) return error(Replies.STARTTLS_FIRST);
        if (ctx.mode().isSubmission() && authUser == null) return error(Replies.AUTH_REQUIRED);
        MailParameters p = c.parameters();
        Reply refusal = p.requireTls() && !tls ? Replies.REQUIRETLS_NEEDS_TLS
                : p.size() > ctx.maxMessageSize() ? Replies.TOO_BIG
                : c.sender() != null && !c.sender().isAscii() && !p.smtpUtf8() ? Replies.NON_ASCII_ADDRESS
                : authUser != null && !policy.maySendAs(authUser, c.sender())
                        ? new SendAs.Refused(authUser, c.sender().address(), "envelope sender").reply()
                : !policy.hasStorage() ? Replies.NO_STORAGE
                : policy.startMessage(authUser);
        if (refusal != null) return refused(refusal, c.sender(), null);
        mailGiven = true;
        sender = c.sender();
        mailParams = p;
        return Replies.SENDER_OK;
    }

    private Reply rcpt(Command.Rcpt c) {
        if (!mailGiven) return error(Replies.NEED_MAIL);
        Mailbox rcpt = c.recipient();
        // <Postmaster> without a domain must always be accepted (RFC 5321 4.5.1): it is this host's postmaster
        boolean postmaster = rcpt.domain().isEmpty();
        if (postmaster) rcpt = new Mailbox(rcpt.localPart(), ctx.hostname());
        Reply refusal = recipients.size() >= ctx.maxRecipients() ? Replies.TOO_MANY_RECIPIENTS
                : !rcpt.isAscii() && !mailParams.smtpUtf8() ? Replies.NON_ASCII_ADDRESS
                : postmaster ? null : policy.checkRecipient(rcpt, sender, authUser);
        if (refusal != null) return refused(refusal, sender, rcpt);
        recipients.add(new RcptEntry(rcpt, c.parameters()));
        return Replies.RECIPIENT_OK;
    }

    private Reply data() {
        if (!mailGiven) return error(Replies.NEED_MAIL);
        if (bdatStarted) return error(Replies.MIXED_DATA_BDAT);
        if (recipients.isEmpty()) return error(Reply.of(554, "5.5.1", "No valid recipients"));
        body.reset();
        dotDecoder.reset();
        input = Input.DATA;
        return Replies.START_DATA;
    }

    /** The decoder the server feeds DATA bytes into while {@link #expecting()} is DATA. */
    public DotDecoder dataDecoder() {
        return dotDecoder;
    }

    /** Called once the decoder reports the end of data. */
    public Reply dataFinished() {
        input = Input.COMMAND;
        Reply refusal = dotDecoder.bareNewline() ? Replies.DATA_BARE_NEWLINE
                : body.overflowed() ? Replies.TOO_BIG
                : dotDecoder.lineTooLong() ? Replies.DATA_LINE_TOO_LONG : null;
        if (refusal != null) return refuseMessage(refusal);
        return commit();
    }

    private Reply bdat(Command.Bdat c) {
        // The chunk's octets follow on the wire whatever we answer, so they are always read.
        chunkRemaining = c.size();
        chunkLast = c.last();
        input = Input.CHUNK;
        if (!mailGiven) {
            chunkRefusal = error(Replies.NEED_MAIL);
        } else if (recipients.isEmpty()) {
            chunkRefusal = error(Reply.of(554, "5.5.1", "No valid recipients"));
        } else {
            chunkRefusal = null;
            if (!bdatStarted) {
                bdatStarted = true;
                body.reset();
                chunkChecker.reset();
            }
        }
        if (chunkRemaining == 0) return chunkFinished();
        return null;
    }

    /** Octets still to read of the current BDAT chunk. */
    public long chunkRemaining() {
        return chunkRemaining;
    }

    /** Bytes of the current chunk; returns how many were taken (at most chunkRemaining()). */
    public int chunkData(byte[] b, int off, int len) {
        int n = (int) Math.min(len, chunkRemaining);
        if (chunkRefusal == null) chunkChecker.feed(b, off, n);
        chunkRemaining -= n;
        return n;
    }

    /** Called when chunkRemaining() reached 0. */
    public Reply chunkFinished() {
        input = Input.COMMAND;
        if (chunkRefusal != null) {
            Reply r = chunkRefusal;
            chunkRefusal = null;
            return r;
        }
        if (body.overflowed()) return refuseMessage(Replies.TOO_BIG);
        if (!chunkLast) return Replies.chunkReceived(body.offered());
        chunkChecker.finish();
        Reply refusal = chunkChecker.bareNewline() ? Replies.DATA_BARE_NEWLINE
                : chunkChecker.lineTooLong() ? Replies.DATA_LINE_TOO_LONG : null;
        if (refusal != null) return refuseMessage(refusal);
        return commit();
    }

    private SessionFacts facts() {
        return new SessionFacts(helo, ctx.clientIp(), ctx.port(), ctx.mode(), tls ? tlsVersion : null,
                tls ? tlsCipher : null, authUser,
                TraceHeaders.protocol(esmtp, tls, authUser != null, mailParams.smtpUtf8()));
    }

    /** A refused MAIL or RCPT; permanent refusals count as errors, so relay probing ends in 421 like Postfix. */
    private Reply refused(Reply reply, Mailbox from, Mailbox rcpt) {
        sink.refused(reply, facts(), from, rcpt);
        return reply.code() >= 500 ? error(reply) : reply;
    }

    private Reply refuseMessage(Reply reply) {
        sink.refused(reply, facts(), sender, null);
        resetTransaction();
        return reply;
    }

    private Reply commit() {
        SessionFacts facts = facts();
        String id = sink.newQueueId();
        ZonedDateTime now = ZonedDateTime.now(ctx.clock());
        StringBuilder headers = new StringBuilder(TraceHeaders.received(facts, ctx.hostname(), id, recipients, now));
        TraceHeaders.Found found = TraceHeaders.scan(body.array(), body.length());
        String messageId = found.messageId();
        if (ctx.mode().isSubmission()) {
            if (!found.hasMessageId()) {
                messageId = "<" + id + "." + now.toInstant().toEpochMilli() + "@" + ctx.hostname() + ">";
                headers.append(TraceHeaders.messageIdHeader(messageId));
            }
            if (!found.hasDate()) headers.append(TraceHeaders.dateHeader(now));
        }
        // One parse of the originator fields feeds the may-send-as verdict and, through it, the DKIM signer.
        Originators originators = Originators.parse(body.array(), body.length());
        SendAs verdict = policy.checkOriginators(authUser, sender, originators);
        if (!(verdict instanceof SendAs.Allowed allowed)) return refuseMessage(verdict.refusal());
        Draft draft = new Draft(id, sender, recipients, mailParams, facts,
                headers.toString().getBytes(StandardCharsets.UTF_8), body, messageId, originators,
                allowed.signingDomain());
        CommitResult result = sink.commit(draft);
        return switch (result) {
            case CommitResult.Queued q -> {
                queued++;
                resetTransaction();
                yield Replies.queued(q.queueId());
            }
            case CommitResult.Refused r -> refuseMessage(r.reply());
        };
    }

    private void resetTransaction() {
        mailGiven = false;
        sender = null;
        mailParams = MailParameters.NONE;
        recipients.clear();
        bdatStarted = false;
        body.reset();
    }

    // ---- AUTH (RFC 4954); the SASL mechanics are in SaslExchange ----

    private Reply auth(Command.Auth c) {
        if (!tls) return error(Replies.STARTTLS_FIRST);
        if (helo == null) return error(Replies.NEED_HELO);
        if (authUser != null) return error(Replies.ALREADY_AUTHENTICATED);
        if (mailGiven) return error(Replies.AUTH_IN_TRANSACTION);
        if (!SaslExchange.supports(c.mechanism())) return error(Replies.UNKNOWN_MECHANISM);
        if (policy.authLockedOut()) return Replies.AUTH_LOCKED_OUT;
        sasl = new SaslExchange(c.mechanism());
        return next(sasl.first(c.initialResponse()));
    }

    private Reply next(SaslExchange.Step step) {
        return switch (step) {
            case SaslExchange.Step.Challenge ch -> {
                input = Input.SASL_RESPONSE;
                yield ch.reply();
            }
            case SaslExchange.Step.Failed f -> {
                endSasl();
                yield error(f.reply());
            }
            case SaslExchange.Step.Credentials cr -> {
                endSasl();
                yield checkCredentials(cr.user(), cr.password());
            }
        };
    }

    private Reply checkCredentials(String user, byte[] password) {
        AuthResult result = policy.authenticate(user, password);
        java.util.Arrays.fill(password, (byte) 0);
        return switch (result) {
            case AuthResult.Success s -> {
                authUser = s.user();
                yield Replies.AUTH_OK;
            }
            case AuthResult.Failure f -> error(Replies.AUTH_FAILED);
            case AuthResult.LockedOut l -> Replies.AUTH_LOCKED_OUT;
            case AuthResult.Unavailable u -> Replies.AUTH_UNAVAILABLE;
        };
    }

    private void endSasl() {
        input = Input.COMMAND;
        sasl = null;
    }

    /** Whether a mail transaction or a multi-step exchange is under way (shutdown waits for it). */
    public boolean busy() {
        return mailGiven || input != Input.COMMAND;
    }

    /** The listener mode this session serves. */
    public ListenerMode mode() {
        return ctx.mode();
    }
}

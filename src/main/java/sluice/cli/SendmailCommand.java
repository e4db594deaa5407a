package sluice.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sluice.config.Config;
import sluice.config.ListenerConfig;
import sluice.config.ListenerMode;
import sluice.delivery.ClientFailure;
import sluice.delivery.ClientSettings;
import sluice.delivery.MessageResult;
import sluice.delivery.OutboundMessage;
import sluice.delivery.RecipientResult;
import sluice.delivery.SmtpClient;
import sluice.delivery.Timeouts;
import sluice.delivery.TlsMode;
import sluice.observe.DeliveryLog;
import sluice.auth.SendAsRule;
import sluice.mailauth.DkimSigner;
import sluice.queue.Ingest;
import sluice.smtp.Originators;
import sluice.smtp.SendAs;
import sluice.queue.LocalMessage;
import sluice.spool.Envelope;
import sluice.spool.Recipient;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * sendmail-compatible injection: the message on standard input is queued. With a server running it goes in over SMTP
 * through the server's first {@code mx} listener on the loopback (the loopback must be a trusted network, the default);
 * otherwise straight into the spool, delivered when the server starts.
 */
@Command(name = "sendmail", mixinStandardHelpOptions = true,
        description = "Queue the message on standard input (sendmail-compatible).")
final class SendmailCommand implements Callable<Integer> {
    @Mixin Options options;

    @Option(names = "-t", description = "take recipients from the To, Cc and Bcc headers (Bcc is removed)")
    boolean fromHeaders;

    @Option(names = "-i", description = "a line with a single dot does not end the message")
    boolean ignoreDots;

    @Option(names = "-oi", hidden = true, description = "as -i")
    boolean ignoreDotsLong;

    @Option(names = "-f", paramLabel = "FROM", description = "envelope sender (default: USER@hostname)")
    String from;

    @Option(names = "--require-tls", description = "send with REQUIRETLS (RFC 8689): only over verified TLS to hosts "
            + "that support it, else it bounces (a header 'TLS-Required: No' asks the opposite)")
    boolean requireTls;

    @Option(names = "-v", description = "say what happened (like real sendmail, silent on success without it)")
    boolean verbose;

    @Parameters(paramLabel = "RCPT", arity = "0..*")
    List<String> recipients = new ArrayList<>();

    /**
     * Where the message goes when this user cannot read the config (cron or PHP running sendmail as any user on a
     * packaged install, /etc/sluice being 0750 root:sluice): the packaged default's mx listener on the loopback,
     * which trusts the loopback. A field so a test can point it at its own server.
     */
    InetSocketAddress fallback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 25);

    @Override
    public Integer call() throws Exception {
        Path unreadable = options.unreadableFile();
        if (unreadable != null) return viaFallback(unreadable, System.in.readAllBytes());
        Config config = options.load();
        byte[] input = System.in.readAllBytes();
        String sender = from != null ? from : System.getProperty("user.name", "root") + "@" + config.hostname();
        Path spoolDir = config.dataDir().resolve("spool");
        Spool spool = null;
        try {
            Files.createDirectories(config.dataDir());
            spool = Spool.open(spoolDir, config.spool().diskReserve());
        } catch (SpoolException e) {
            if (e.reason() != SpoolException.Reason.LOCKED) throw new Failures.UserError(1, e.openProblem(config.dataDir()));
        }
        if (spool == null) return viaServer(config, input, sender);
        try (Spool owned = spool; DeliveryLog log = DeliveryLog.open(config.log().deliveryLog())) {
            Ingest ingest = new Ingest(owned, log, Clock.systemUTC());
            ingest.outbox(sluice.observe.Webhooks.outbox(owned, config.webhooks())); // "received", sent when a server runs
            String id = ingest.newId();
            LocalMessage m = prepare(config, input, sender, id);
            // A local user is trusted as a trusted network is (the server's rule, smtp/PoolHeader): its
            // X-Sluice-Pool header chooses the pool and is removed before signing, or a pool that does not exist
            // is refused, as at DATA.
            sluice.smtp.PoolHeader.Stripped stripped = sluice.smtp.PoolHeader.strip(m.data());
            String pool = switch (sluice.smtp.PoolHeader.judge(stripped.values(), true, config.egress().poolNames())) {
                case sluice.smtp.PoolHeader.Verdict.Use u -> u.pool();
                case sluice.smtp.PoolHeader.Verdict.Ignored i -> null;
                case sluice.smtp.PoolHeader.Verdict.Refused r -> throw new Failures.UserError(1,
                        "sendmail: " + r.reply().lines().getFirst());
            };
            byte[] data = signed(config, stripped.message());
            List<Recipient> rcpts = m.recipients().stream().map(r -> Recipient.pending(r, null, null)).toList();
            ingest.accept(id, new Envelope(sender, rcpts, Clock.systemUTC().instant(), data.length,
                    Map.of("mode", "sendmail", "listener", "0", "client_ip", "127.0.0.1"), pool)
                    .withTlsRequest(requireTls ? sluice.spool.TlsRequest.REQUIRED : sluice.spool.TlsRequest.DEFAULT), data);
            if (verbose) System.err.println("sendmail: queued as " + id + " (no server running: it is delivered when one starts)");
            return 0;
        }
    }

    /**
     * DKIM-signed as the server signs the same message handed over SMTP from a trusted network (the rule of
     * {@link SendAsRule#trusted}: the author domain of the one parse of From, when a [[dkim]] key has it), so the
     * message does not leave unsigned just because no server was running.
     */
    private static byte[] signed(Config config, byte[] data) throws java.io.IOException {
        if (config.dkim().isEmpty()) return data;
        if (!(SendAsRule.trusted(Originators.parse(data)) instanceof SendAs.Allowed allowed)) return data;
        DkimSigner signer = DkimSigner.fromConfig(config.dkim(), Clock.systemUTC());
        String domain = allowed.signingDomain();
        return domain != null && signer.signsFor(domain) ? signer.sign(data, domain) : data;
    }

    private LocalMessage prepare(Config config, byte[] input, String sender, String id) {
        LocalMessage m;
        try {
            m = LocalMessage.prepare(input, ignoreDots || ignoreDotsLong, fromHeaders, recipients, sender,
                    config.hostname(), id, Clock.systemUTC().instant().atZone(java.time.ZoneOffset.UTC));
        } catch (IllegalArgumentException e) {
            throw new Failures.UserError(2, "sendmail: " + e.getMessage() + "; nothing was queued");
        }
        if (m.recipients().isEmpty()) {
            throw new Failures.UserError(2, fromHeaders ? "sendmail: no recipients: the message has no To, Cc or Bcc field"
                    : "sendmail: no recipients: give them as arguments, or -t to take them from To, Cc and Bcc");
        }
        return m;
    }

    /** The config is unreadable: SMTP to {@link #fallback}, the embedded default's host name naming the sender. */
    private int viaFallback(Path unreadable, byte[] input) throws Exception {
        Config config = sluice.config.ConfigLoader.embeddedDefault(null);
        String sender = from != null ? from : System.getProperty("user.name", "root") + "@" + config.hostname();
        LocalMessage m = prepare(config, input, sender, "sendmail." + System.nanoTime());
        try {
            return send(fallback, m, sender);
        } catch (Failures.UserError e) {
            throw new Failures.UserError(1, "sendmail: cannot read " + unreadable + " as user "
                    + System.getProperty("user.name", "?") + ", and no server took the message on "
                    + fallback.getAddress().getHostAddress() + ":" + fallback.getPort()
                    + " (" + e.getMessage().replaceFirst("^sendmail: (the running server did not take the message: )?", "") + "); nothing was queued: start sluice, or "
                    + "run as root or a member of group sluice");
        }
    }

    private int viaServer(Config config, byte[] input, String sender) throws Exception {
        ListenerConfig mx = config.listeners().stream().filter(l -> l.mode() == ListenerMode.MX).findFirst()
                .orElseThrow(() -> new Failures.UserError(1, "sendmail: the running server has no mx listener to hand the message to"));
        String host = mx.address() == null || mx.address().equals("0.0.0.0") || mx.address().equals("::") ? "127.0.0.1" : mx.address();
        LocalMessage m = prepare(config, input, sender, "sendmail." + System.nanoTime());
        return send(new InetSocketAddress(InetAddress.getByAddress(sluice.config.IpLiterals.parse(host)), mx.port()), m, sender);
    }

    private int send(InetSocketAddress to, LocalMessage m, String sender) throws Exception {
        ClientSettings settings = ClientSettings.plain("localhost").withTimeouts(Duration.ofSeconds(10), Timeouts.uniform(Duration.ofSeconds(60)));
        // The server takes REQUIRETLS only inside TLS (RFC 8689). The peer is our own listener on the loopback, so
        // the session needs encryption, not proof of identity: its certificate is not checked.
        if (requireTls) settings = settings.withTls(TlsMode.REQUIRED, sluice.delivery.ClientTls.unauthenticated());
        try (SmtpClient client = SmtpClient.open(to, settings)) {
            OutboundMessage plain = OutboundMessage.of(sender, m.recipients(), m.data());
            MessageResult r = client.send(new OutboundMessage(plain.sender(), plain.recipients(), plain.data(), false,
                    false, null, null, requireTls));
            List<String> queued = new ArrayList<>();
            List<String> refused = new ArrayList<>();
            for (RecipientResult x : r.recipients()) {
                if (x.delivered()) queued.add(x.recipient().address());
                else refused.add(x.recipient().address() + " (" + x.reply().summary() + ")");
            }
            if (!refused.isEmpty()) { // one line: what went in and what did not, so a script's log says both
                System.err.println("sendmail: " + (queued.isEmpty() ? "nothing queued" : "queued for " + String.join(", ", queued))
                        + "; refused: " + String.join(", ", refused));
                return 1;
            }
            if (verbose) System.err.println("sendmail: " + (r.dataReply() == null ? "queued" : r.dataReply().summary()));
            return 0;
        } catch (ClientFailure e) {
            throw new Failures.UserError(1, "sendmail: the running server did not take the message: " + e.getMessage());
        }
    }
}

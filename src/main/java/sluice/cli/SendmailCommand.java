package sluice.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import sluice.config.Config;
import sluice.config.ListenerConfig;
import sluice.config.ListenerMode;
import sluice.delivery.ClientFailure;
import sluice.delivery.ClientSettings;
import sluice.delivery.MessageResult;
import sluice.delivery.OutboundMessage;
import sluice.delivery.OutboundRecipient;
import sluice.delivery.RecipientResult;
import sluice.delivery.SmtpClient;
import sluice.delivery.Timeouts;
import sluice.delivery.TlsMode;
import sluice.observe.DeliveryLog;
import sluice.auth.SendAsRule;
import sluice.mailauth.DkimSigner;
import sluice.mailauth.RsaEngine;
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
 *
 * <p>Once installed as /usr/sbin/sendmail every program on the host that mails calls this, each with its own habits
 * (cron: {@code -FCronDaemon -i -B8BITMIME -oem}), so it takes the command line Postfix's sendmail(1) takes: options
 * Sluice has no use for are accepted and ignored rather than losing the caller's mail, and exit codes are sysexits
 * ({@link SendmailExits}) as Postfix's are.
 */
@Command(name = "sendmail", mixinStandardHelpOptions = true,
        description = {"Queue the message on standard input (sendmail-compatible: takes Postfix sendmail's options).",
                "Accepted and ignored: -Ac -Am -C -e -G -L -m -n -O -o7 -o8 -oe* -od* -om -oX… (any other -o), -U, "
                        + "-X, -q<interval>. Exit codes as every sluice command: 2 usage or config, 1 not queued or refused by the "
                        + "server."},
        footer = "Modes: -bm (default), -bp (queue list), -q (queue retry --all), -qIID, -qRDOMAIN, -bi or -I "
                + "(aliases live in the config); -bs, -bd, -bl, -bv and -qS are refused.")
final class SendmailCommand implements Callable<Integer> {
    @Mixin Options options;

    @Spec CommandSpec spec;

    @Option(names = "-t", description = "take recipients from the To, Cc and Bcc headers (Bcc is removed), "
            + "added to those given as arguments")
    boolean fromHeaders;

    @Option(names = "-i", description = "a line with a single dot does not end the message (also -oi)")
    boolean ignoreDots;

    @Option(names = {"-f", "-r"}, paramLabel = "FROM", description = "envelope sender (default: USER@hostname)")
    String from;

    @Option(names = "-F", paramLabel = "NAME", description = "the sender's full name, for the From: header added to a "
            + "message that has none (default: the NAME environment variable)")
    String fullName;

    @Option(names = "-B", paramLabel = "TYPE", description = "body type, 7BIT or 8BITMIME (passed on as BODY=)")
    String bodyType;

    @Option(names = "-N", paramLabel = "DSN", description = "delivery status notifications: never, or a comma list of "
            + "success, delay, failure (passed on as NOTIFY=)")
    String notify;

    @Option(names = "-R", paramLabel = "RET", description = "what a bounce returns: hdrs or full (passed on as RET=)")
    String ret;

    @Option(names = "-o", paramLabel = "OPT", description = "sendmail option: -oi is -i; every other one is ignored")
    List<String> sendmailOptions = new ArrayList<>();

    @Option(names = "-b", paramLabel = "MODE", description = "mode: m (default), p (list the queue), i (aliases); "
            + "s, d, l and v are refused")
    String mode;

    @Option(names = "-q", arity = "0..1", fallbackValue = "", paramLabel = "ARG",
            description = "deliver the queue now: -q all, -qIID one message, -qRDOMAIN one domain; -q<interval> is ignored")
    String flush;

    @Option(names = "-I", description = "as -bi")
    boolean newAliases;

    @Option(names = {"-A", "-C", "-e", "-L", "-O", "-X"}, paramLabel = "ARG", hidden = true,
            description = "accepted and ignored, as Postfix does")
    List<String> ignoredWithValue = new ArrayList<>();

    @Option(names = {"-G", "-m", "-n", "-U"}, hidden = true, description = "accepted and ignored, as Postfix does")
    boolean ignored;

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

    /**
     * sendmail's {@code -V envid} collides with the -V/--version every Sluice command inherits; for sendmail the
     * sendmail meaning wins (a caller passing -V must not get a version line and exit 0 with its mail dropped), and
     * --version stays. -h stays help (every command answers -h; Postfix ignores sendmail's -h hop count anyway and no
     * caller we know passes it). Called on the command tree once it is built; also: a flag given twice is fine.
     */
    static void useSendmailNames(CommandLine sendmail) {
        CommandSpec s = sendmail.getCommandSpec();
        OptionSpec version = s.findOption("-V");
        if (version != null) s.remove(version);
        s.addOption(OptionSpec.builder("--version").versionHelp(true).description("print version information and exit").build());
        s.addOption(OptionSpec.builder("-V").paramLabel("ENVID").type(String.class)
                .description("envelope id for delivery status notifications (passed on as ENVID=)").build());
        sendmail.setOverwrittenOptionsAllowed(true);
    }

    /**
     * The exit codes of every sluice command (CONTRACT: 2 usage, 1 runtime failure). Postfix's sendmail exits with
     * sysexits (64, 75); the callers that matter (cron, PHP, mailx) only tell zero from non-zero.
     */
    static final int USAGE = 2, NOT_QUEUED = 1;

    @Override
    public Integer call() throws Exception {
        Integer done = otherMode();
        if (done != null) return done;
        SendmailDsn dsn = SendmailDsn.of(bodyType, notify, ret, (String) spec.findOption("-V").getValue());
        Path unreadable = options.unreadableFile();
        if (unreadable != null) return viaFallback(unreadable, System.in.readAllBytes(), dsn);
        Config config = options.load();
        byte[] input = System.in.readAllBytes();
        String sender = from != null ? from : System.getProperty("user.name", "root") + "@" + config.hostname();
        Path spoolDir = config.dataDir().resolve("spool");
        Spool spool = null;
        try {
            createDataDir(config.dataDir());
            spool = Spool.open(spoolDir, config.spool().diskReserve());
        } catch (SpoolException e) {
            if (e.reason() != SpoolException.Reason.LOCKED) {
                throw new Failures.UserError(NOT_QUEUED, e.openProblem(config.dataDir()) + "; nothing was queued");
            }
        }
        if (spool == null) return viaServer(config, input, sender, dsn);
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
            List<Recipient> rcpts = m.recipients().stream().map(r -> Recipient.pending(r, null, dsn.notifyOn())).toList();
            Map<String, String> attributes = new HashMap<>(Map.of("mode", "sendmail", "listener", "0", "client_ip", "127.0.0.1"));
            dsn.putInto(attributes);
            ingest.accept(id, new Envelope(sender, rcpts, Clock.systemUTC().instant(), data.length, attributes, pool)
                    .withTlsRequest(requireTls ? sluice.spool.TlsRequest.REQUIRED : sluice.spool.TlsRequest.DEFAULT), data);
            if (verbose) System.err.println("sendmail: queued as " + id + " (no server running: it is delivered when one starts)");
            return 0;
        }
    }

    /**
     * The modes other than reading a message (-bp, -q, -bi), each done by the Sluice command that does it; null
     * to go on reading the message.
     */
    private Integer otherMode() {
        if (newAliases || "i".equals(mode)) {
            System.out.println("sendmail: aliases are [local] aliases in the config, read at start and on reload "
                    + "(systemctl reload sluice); there is no alias database to rebuild");
            return 0;
        }
        if (flush != null) {
            if (flush.isEmpty()) return delegate("queue", "retry", "--all");
            if (flush.startsWith("I") && flush.length() > 1) return delegate("queue", "retry", flush.substring(1));
            if (flush.startsWith("R") && flush.length() > 1) return delegate("queue", "retry", "--domain", flush.substring(1));
            if (!Character.isDigit(flush.charAt(0))) {
                throw new Failures.UserError(USAGE, "sendmail: -q" + flush + " is not supported; use -q, -qIID or -qRDOMAIN");
            }
            // -q30m: an interval between queue runs, which the server keeps itself ([queue] retry schedule).
        }
        if (mode == null || mode.equals("m") || mode.equals("h") || mode.equals("H")) return null;
        return switch (mode) {
            case "p" -> delegate("queue", "list");
            case "s" -> throw new Failures.UserError(USAGE, "sendmail: -bs (SMTP on standard input) is not supported; "
                    + "speak SMTP to the server's mx or submission port instead");
            case "d", "D", "l" -> throw new Failures.UserError(USAGE, "sendmail: -b" + mode
                    + " (daemon mode) is not supported; run 'sluice serve' or the sluice service");
            default -> throw new Failures.UserError(USAGE, "sendmail: -b" + mode + " is not supported; "
                    + "the modes are -bm, -bp and -bi");
        };
    }

    private static void createDataDir(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            String why = e instanceof java.nio.file.FileAlreadyExistsException ? "a file is in the way"
                    : sluice.observe.FailureText.of(e);
            throw new Failures.UserError(NOT_QUEUED, "sendmail: cannot create the data directory " + dir + " (" + why
                    + "); nothing was queued");
        }
    }

    /** Runs another Sluice command with this one's --config, --data-dir and --debug. */
    private int delegate(String... words) {
        List<String> args = new ArrayList<>(List.of(words));
        if (options.config != null) args.addAll(List.of("--config", options.config.toString()));
        if (options.dataDir != null) args.addAll(List.of("--data-dir", options.dataDir.toString()));
        if (options.debug) args.add("--debug");
        String[] a = args.toArray(String[]::new);
        return Main.configured(a).execute(a);
    }

    /**
     * DKIM-signed as the server signs the same message handed over SMTP from a trusted network (the rule of
     * {@link SendAsRule#trusted}: the author domain of the one parse of From, when a [[dkim]] key has it), so the
     * message does not leave unsigned just because no server was running.
     */
    private static byte[] signed(Config config, byte[] data) throws java.io.IOException {
        if (config.dkim().isEmpty()) return data;
        if (!(SendAsRule.trusted(Originators.parse(data)) instanceof SendAs.Allowed allowed)) return data;
        DkimSigner signer = DkimSigner.fromConfig(config.dkim(), Clock.systemUTC(), RsaEngine.JDK);
        String domain = allowed.signingDomain();
        return domain != null && signer.signsFor(domain) ? signer.sign(data, domain) : data;
    }

    private LocalMessage prepare(Config config, byte[] input, String sender, String id) {
        LocalMessage m;
        try {
            m = LocalMessage.prepare(input, ignoreDots || sendmailOptions.contains("i"), fromHeaders, recipients, sender,
                    fullName != null ? fullName : System.getenv("NAME"), config.hostname(), id, Clock.systemUTC().instant().atZone(java.time.ZoneOffset.UTC));
        } catch (IllegalArgumentException e) {
            throw new Failures.UserError(USAGE, "sendmail: " + e.getMessage() + "; nothing was queued");
        }
        if (m.recipients().isEmpty()) {
            throw new Failures.UserError(USAGE, fromHeaders ? "sendmail: no recipients: the message has no To, Cc or Bcc field"
                    : "sendmail: no recipients: give them as arguments, or -t to take them from To, Cc and Bcc");
        }
        return m;
    }

    /** The config is unreadable: SMTP to {@link #fallback}, the embedded default's host name naming the sender. */
    private int viaFallback(Path unreadable, byte[] input, SendmailDsn dsn) throws Exception {
        Config config = sluice.config.ConfigLoader.embeddedDefault(null);
        String sender = from != null ? from : System.getProperty("user.name", "root") + "@" + config.hostname();
        LocalMessage m = prepare(config, input, sender, "sendmail." + System.nanoTime());
        try {
            return send(fallback, m, sender, dsn);
        } catch (Failures.UserError e) {
            throw new Failures.UserError(NOT_QUEUED, "sendmail: cannot read " + unreadable + " as user "
                    + System.getProperty("user.name", "?") + ", and no server took the message on "
                    + fallback.getAddress().getHostAddress() + ":" + fallback.getPort()
                    + " (" + e.getMessage().replaceFirst("^sendmail: (the running server did not take the message: )?", "") + "); nothing was queued: start sluice, or "
                    + "run as root or a member of group sluice");
        }
    }

    private int viaServer(Config config, byte[] input, String sender, SendmailDsn dsn) throws Exception {
        ListenerConfig mx = config.listeners().stream().filter(l -> l.mode() == ListenerMode.MX).findFirst()
                .orElseThrow(() -> new Failures.UserError(NOT_QUEUED,
                        "sendmail: the running server has no mx listener to hand the message to; nothing was queued"));
        String host = mx.address() == null || mx.address().equals("0.0.0.0") || mx.address().equals("::") ? "127.0.0.1" : mx.address();
        LocalMessage m = prepare(config, input, sender, "sendmail." + System.nanoTime());
        return send(new InetSocketAddress(InetAddress.getByAddress(sluice.config.IpLiterals.parse(host)), mx.port()), m, sender, dsn);
    }

    private int send(InetSocketAddress address, LocalMessage m, String sender, SendmailDsn dsn) throws Exception {
        ClientSettings settings = ClientSettings.plain("localhost").withTimeouts(Duration.ofSeconds(10), Timeouts.uniform(Duration.ofSeconds(60)));
        // The server takes REQUIRETLS only inside TLS (RFC 8689). The peer is our own listener on the loopback, so
        // the session needs encryption, not proof of identity: its certificate is not checked.
        if (requireTls) settings = settings.withTls(TlsMode.REQUIRED, sluice.delivery.ClientTls.unauthenticated());
        try (SmtpClient client = SmtpClient.open(address, settings)) {
            List<OutboundRecipient> to = m.recipients().stream().map(a -> new OutboundRecipient(a, dsn.notifyOn(), null)).toList();
            MessageResult r = client.send(new OutboundMessage(sender, to, m.data(), dsn.eightBit(), false, dsn.envid(),
                    dsn.ret(), requireTls));
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
            throw new Failures.UserError(NOT_QUEUED, "sendmail: the running server did not take the message: "
                    + e.getMessage() + "; nothing was queued");
        }
    }
}

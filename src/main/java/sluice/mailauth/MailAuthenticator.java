package sluice.mailauth;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;
import sluice.dns.Resolver;
import sluice.smtp.Addresses;
import sluice.smtp.Originators;

/**
 * The authentication step of ingest, applied once per message before it is stored: outbound mail (authenticated
 * submission, trusted relays) is DKIM-signed for its From domain; inbound mail on mx listeners gets SPF, DKIM and
 * DMARC checked and an {@code Authentication-Results:} header (forged ones with our authserv-id removed), and a
 * DMARC failure under {@code p=reject} may be refused.
 */
public final class MailAuthenticator {
    /** What to do with the message. */
    public sealed interface Verdict {
        record Accept(byte[] data) implements Verdict {}

        record Reject(int code, String enhancedCode, String text) implements Verdict {}
    }

    private static final int MAX_AUTHOR_DOMAINS = 5;

    private volatile DkimSigner signer;       // null: no keys configured; replaced on reload
    private final SpfEvaluator spf;           // null: inbound checks off
    private final DkimVerifier dkim;
    private final Dmarc dmarc;
    private final String authservId;
    private final boolean rejectDmarc;

    /**
     * @param resolver null turns the inbound checks off
     */
    public MailAuthenticator(DkimSigner signer, Resolver resolver, String authservId, boolean rejectDmarc, Clock clock) {
        this.signer = signer;
        this.authservId = authservId;
        this.rejectDmarc = rejectDmarc;
        if (resolver != null) {
            ResolverLookups lookups = new ResolverLookups(resolver);
            this.spf = new SpfEvaluator(lookups, authservId, clock);
            this.dkim = new DkimVerifier(resolver::txt, clock);
            this.dmarc = new Dmarc(lookups, RandomGenerator.getDefault());
        } else {
            this.spf = null;
            this.dkim = null;
            this.dmarc = null;
        }
    }

    /**
     * Signs mail we send on behalf of our users for {@code domain}, the author domain the may-send-as verdict allowed
     * ({@link sluice.smtp.SendAs.Allowed}); a no-op for null or a domain without a key. It never reads From itself.
     */
    public byte[] signOutbound(byte[] data, String domain) {
        DkimSigner s = signer; // one reading: the check and the signature use the same keys
        if (s == null || domain == null || !s.signsFor(domain)) return data;
        return SigningPool.run(() -> s.sign(data, domain)); // off the session's carrier thread
    }

    /**
     * Checks mail from outside.
     *
     * @param mailFrom    the envelope sender, "" for the null sender
     * @param originators the message's From (and other originator) addresses, as the session read them
     */
    /** Keys from a reload: every door (SMTP, the send API, sendmail, reports) signs with them from the next message. */
    public void signWith(DkimSigner next) {
        this.signer = next;
    }

    public Verdict checkInbound(InetAddress client, String helo, String mailFrom, byte[] data, Originators originators) {
        if (spf == null) return new Verdict.Accept(data);
        String heloName = helo == null ? "" : helo.toLowerCase(Locale.ROOT);
        String mailFromDomain = mailFrom.isEmpty() ? heloName : Addresses.domainOf(mailFrom);
        String sender = mailFrom.isEmpty() ? "postmaster@" + heloName : mailFrom;
        SpfResult spfResult = spf.check(client, mailFromDomain, sender, heloName);
        List<DkimResult> signatures = dkim.verify(data);
        List<DkimOutcome> outcomes = signatures.stream().map(r -> new DkimOutcome(r.result().name().toLowerCase(Locale.ROOT),
                r.domain(), r.selector())).toList();
        List<DkimPass> passes = signatures.stream().filter(r -> r.result() == DkimResult.Result.PASS)
                .map(r -> new DkimPass(r.domain())).toList();
        if (rejectDmarc && originators.authorDomains().size() > MAX_AUTHOR_DOMAINS) {
            // Not evaluating the rest would let a p=reject domain hide behind five others (RFC 7489 6.6.1 allows this).
            return new Verdict.Reject(550, "5.7.1", "Message rejected: its From field names more than " + MAX_AUTHOR_DOMAINS
                    + " domains, too many to check their DMARC policies");
        }
        DmarcResult dmarcResult = dmarc(originators, spfResult, passes);
        if (rejectDmarc && dmarcResult != null && dmarcResult.result() == DmarcResult.Result.FAIL
                && "reject".equals(dmarcResult.policy())) {
            return new Verdict.Reject(550, "5.7.1", "Message rejected: it fails the DMARC policy of " + dmarcResult.fromDomain()
                    + " (SPF " + spfResult.result().keyword() + ", DKIM "
                    + (passes.isEmpty() ? "no aligned pass" : "not aligned") + ")");
        }
        byte[] clean = AuthenticationResults.removeForged(data, authservId);
        byte[] header = AuthenticationResults.header(authservId, spfResult, outcomes, dmarcResult)
                .getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[header.length + clean.length];
        System.arraycopy(header, 0, out, 0, header.length);
        System.arraycopy(clean, 0, out, header.length, clean.length);
        return new Verdict.Accept(out);
    }

    /**
     * DMARC for the author domains, read with the same parser as the may-send-as check and the signer (a comment or
     * quoted "<x@y>" cannot make it evaluate another domain than the one the From field names). With From addresses in
     * several domains each is evaluated (at most {@value #MAX_AUTHOR_DOMAINS}; more are refused when DMARC failures are) and
     * the strictest failure counts (RFC 7489 6.6.1),
     * so a second From address cannot hide a domain that publishes p=reject. Null without a readable From address.
     */
    private DmarcResult dmarc(Originators originators, SpfResult spf, List<DkimPass> passes) {
        DmarcResult chosen = null;
        for (String domain : originators.authorDomains().stream().limit(MAX_AUTHOR_DOMAINS).toList()) {
            DmarcResult r = dmarc.evaluate(domain, spf, passes);
            if (chosen == null || severity(r) > severity(chosen)) chosen = r;
        }
        return chosen;
    }

    /** How strongly a result counts against the message: a failure under reject, then quarantine, then any failure. */
    private static int severity(DmarcResult r) {
        if (r.result() != DmarcResult.Result.FAIL) return 0;
        return "reject".equals(r.policy()) ? 3 : "quarantine".equals(r.policy()) ? 2 : 1;
    }
}

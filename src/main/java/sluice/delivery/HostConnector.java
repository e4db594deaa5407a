package sluice.delivery;

import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.transit.RequireTls;
import sluice.transit.ResultType;
import sluice.transit.TlsAttempt;

/**
 * Opens the session with one candidate of {@link RemoteTransport}, with the TLS fallbacks its rules allow, and
 * records what happened: the host's health ({@link HostStats}), the attempt's failures, and each MX session's
 * TLS result for the daily reports.
 */
final class HostConnector {
    // RemoteTransport's logger: the log line names it, as before this part moved out of the transport
    private static final Logger log = LoggerFactory.getLogger(RemoteTransport.class);

    private final HostStats stats;
    private final SSLContext unauthenticated;
    private final TransitPolicies transit;

    HostConnector(HostStats stats, SSLContext unauthenticated, TransitPolicies transit) {
        this.stats = stats;
        this.unauthenticated = unauthenticated;
        this.transit = transit;
    }

    /**
     * Connects. Opportunistic TLS whose handshake fails is retried once in plaintext on the same address; an MTA-STS
     * testing host whose verified handshake fails is reported, then retried unauthenticated (then in plaintext).
     * Every session with an MX host is counted for TLS reports.
     *
     * @return the client, or null when the candidate failed (added to {@code failures})
     */
    SmtpClient open(Candidate c, AttemptFailures failures, String domain) {
        long t0 = System.nanoTime();
        ClientFailure f;
        try {
            SmtpClient client = SmtpClient.open(c.address(), c.settings());
            stats.success(c.host(), (System.nanoTime() - t0) / 1_000_000);
            report(c, domain, client, null, null);
            return client;
        } catch (ClientFailure first) {
            f = first;
        }
        boolean tlsFailed = f.kind() == ClientFailure.Kind.TLS;
        if (tlsFailed && c.rule() != null && c.rule().testing()) {
            report(c, domain, null, TlsFailures.type(f), TlsFailures.detail(f));
            log.info("delivery: {} fails MTA-STS verification ({}); the policy is in testing: delivering without it",
                    c.where(), TlsFailures.detail(f));
            try {
                SmtpClient client = SmtpClient.open(c.address(),
                        c.settings().withTls(TlsMode.OPPORTUNISTIC, unauthenticated).withHostname(c.host(), false));
                stats.success(c.host(), (System.nanoTime() - t0) / 1_000_000);
                return client;
            } catch (ClientFailure again) {
                f = again;
            }
        } else if (c.rule() != null && (tlsFailed || f.kind() == ClientFailure.Kind.TLS_UNAVAILABLE)) {
            report(c, domain, null, TlsFailures.type(f), TlsFailures.detail(f));
        }
        if (f.kind() == ClientFailure.Kind.TLS && c.opportunistic() && !c.settings().implicitTls()) {
            log.info("delivery: TLS handshake with {} failed ({}); retrying in plaintext", c.where(), f.getMessage());
            try {
                SmtpClient client = SmtpClient.open(c.address(), c.settings().withTls(TlsMode.NONE, null));
                stats.success(c.host(), (System.nanoTime() - t0) / 1_000_000);
                return client;
            } catch (ClientFailure again) {
                f = again;
            }
        }
        stats.failure(c.host());
        failures.hosts++;
        boolean policyFailure = c.rule() != null && c.rule().tls() == TlsMode.REQUIRED
                && (f.kind() == ClientFailure.Kind.TLS || f.kind() == ClientFailure.Kind.TLS_UNAVAILABLE);
        if (policyFailure) {
            String why = describe(f); // names the policy already when the policy's own check refused
            failures.addPolicy(c.where(), why.contains(c.rule().policy() + ": ") ? why : c.rule().policy() + ": " + why);
            if (c.rule().verified()) failures.requireTls.add(RequireTls.tlsFailed(describe(f))); // nor can REQUIRETLS
        } else {
            failures.add(c.where(), describe(f));
        }
        if (f.reply() != null) {
            failures.refusedBy = c;
            failures.refusal = f.reply();
        }
        if (c.smarthost() >= 0) {
            log.warn("smarthost {}: port {} unusable ({}); trying the next", c.host(), c.address().getPort(), describe(f));
        }
        return null;
    }

    /** One session's TLS result for the daily reports: success when TLS was negotiated, else the failure. */
    private void report(Candidate c, String domain, SmtpClient client, ResultType failure, String detail) {
        if (c.rule() == null) return; // smarthosts are not reported
        if (client != null && client.tlsVersion() == null) {
            failure = ResultType.STARTTLS_NOT_SUPPORTED;
            detail = "the session went on in plaintext";
        }
        HostTls.Reported r = c.rule().reported();
        String sending = c.settings().bindAddress() == null ? null : c.settings().bindAddress().getHostAddress();
        transit.reports().record(new TlsAttempt(domain, r.type(), r.strings(), c.host(), sending,
                c.address().getAddress().getHostAddress(), failure, detail));
    }

    private static String describe(ClientFailure f) {
        String stage = switch (f.stage()) {
            case CONNECT -> "connect";
            case GREETING -> "greeting";
            case EHLO -> "EHLO";
            case STARTTLS -> "STARTTLS";
            case TLS_HANDSHAKE -> "TLS handshake";
            case AUTH -> "AUTH";
        };
        String what = f.reply() != null ? f.reply().summary() : switch (f.kind()) {
            case REFUSED -> "connection refused";
            case TIMEOUT -> "timed out";
            case TLS -> TlsFailures.detail(f);
            case TLS_UNAVAILABLE -> "TLS required but STARTTLS not offered";
            case AUTH_UNAVAILABLE -> "no AUTH mechanism usable over TLS";
            default -> "connection failed";
        };
        return stage + ": " + what;
    }
}

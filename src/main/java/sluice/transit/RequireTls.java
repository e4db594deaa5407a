package sluice.transit;

import java.util.List;
import sluice.smtp.Capabilities;
import sluice.smtp.Reply;

/**
 * RFC 8689 4.2.1 as a pure rule: may a message sent with REQUIRETLS go to this host over this session? Delivery asks
 * after EHLO (on the TLS session) and before MAIL; it never opens anything here.
 *
 * <p>A refusal is about one host, so it is soft: delivery tries the next MX host ({@link Verdict.Refuse#perHost}).
 * Only when every host of the list refused does the message bounce ({@link #exhausted}); if some host could not be
 * reached at all, the ordinary deferral applies instead, because that host might have qualified.
 */
public final class RequireTls {
    /** REQUIRETLS not supported by the next hop (RFC 8689 5). */
    public static final String NOT_SUPPORTED = "5.7.30";
    /** Encryption needed: no TLS, unverified TLS, or an MX answer nothing vouches for (RFC 5248 5.7.10). */
    public static final String TLS_NEEDED = "5.7.10";

    private RequireTls() {}

    /** How the session's TLS was verified, strongest first. */
    public enum Verification {
        /** DANE TLSA records matched (RFC 7672): the MX answer was DNSSEC-validated on the way. */
        DANE,
        /** MTA-STS enforce: the MX host matched the policy and its certificate verified (RFC 8461). */
        MTA_STS,
        /** A certificate that chains to a trusted CA and names the host (RFC 6125), without DANE or MTA-STS. */
        PKIX,
        /** TLS whose certificate was not verified (opportunistic). */
        UNVERIFIED,
        /** No TLS. */
        NONE
    }

    public sealed interface Verdict {
        /** The message may go; MAIL FROM carries REQUIRETLS when it was asked for. */
        record Proceed() implements Verdict {}

        /** Not this host: {@code enhancedCode} is {@link #NOT_SUPPORTED} or {@link #TLS_NEEDED}. */
        record Refuse(String enhancedCode, String reason) implements Verdict {
            /** What this host's attempt reports: temporary, so the next MX host is tried. */
            public Reply perHost() {
                return Reply.of(450, "4" + enhancedCode.substring(1), reason);
            }

            /** The permanent form, for a bounce. */
            public Reply permanent() {
                return Reply.of(550, enhancedCode, reason);
            }
        }
    }

    private static final Verdict PROCEED = new Verdict.Proceed();

    /**
     * The rule for one host.
     *
     * @param required     the message was sent with REQUIRETLS ({@code Envelope.requireTls()})
     * @param verification how this session's TLS was verified
     * @param mxSecure     the host name itself is vouched for (RFC 8689 4.2.1 1): a DNSSEC-validated MX answer, or
     *                     a configured route (smarthost); implied by DANE and MTA-STS
     * @param ehlo         what the host announced after STARTTLS
     */
    public static Verdict check(boolean required, Verification verification, boolean mxSecure, Capabilities ehlo) {
        if (!required) return PROCEED;
        return switch (verification) {
            case NONE -> new Verdict.Refuse(TLS_NEEDED, "REQUIRETLS: the host offered no TLS");
            case UNVERIFIED -> new Verdict.Refuse(TLS_NEEDED, "REQUIRETLS: the host's certificate could not be verified");
            case PKIX -> !mxSecure
                    ? new Verdict.Refuse(TLS_NEEDED, "REQUIRETLS: the MX answer is not DNSSEC-validated and no MTA-STS policy names the host")
                    : supports(ehlo);
            case DANE, MTA_STS -> supports(ehlo);
        };
    }

    /** A TLS handshake or certificate check failed with this host (delivery knows why; the text says it). */
    public static Verdict.Refuse tlsFailed(String why) {
        return new Verdict.Refuse(TLS_NEEDED, "REQUIRETLS: TLS with the host failed: " + why);
    }

    private static Verdict supports(Capabilities ehlo) {
        return ehlo.has("REQUIRETLS") ? PROCEED
                : new Verdict.Refuse(NOT_SUPPORTED, "REQUIRETLS not supported by the next hop");
    }

    /**
     * Every host of the MX list refused: the bounce's reply. 5.7.30 when some host had verified TLS and lacked only
     * REQUIRETLS (the sender can do nothing about our TLS checks, but the recipient's admin can add REQUIRETLS),
     * else 5.7.10.
     *
     * @throws IllegalArgumentException for an empty list: with no refusal there is nothing to bounce for
     */
    public static Reply exhausted(List<Verdict.Refuse> refusals) {
        if (refusals.isEmpty()) throw new IllegalArgumentException("no refusals: the MX list is not exhausted by REQUIRETLS");
        Verdict.Refuse chosen = refusals.stream().filter(r -> r.enhancedCode().equals(NOT_SUPPORTED)).findFirst()
                .orElse(refusals.getFirst());
        String text = chosen.reason() + (refusals.size() > 1 ? " (all " + refusals.size() + " MX hosts refused)" : "");
        return Reply.of(550, chosen.enhancedCode(), text);
    }
}

package sluice.transit;

import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;
import sluice.dns.Tlsa;

/**
 * Accepts a server chain only if a usable TLSA record matches it (RFC 7672 3.1): DANE-EE(3) the leaf alone, names and
 * dates not checked; DANE-TA(2) a trust anchor in the chain (or the record's full key or certificate) from which the
 * chain validates, with a leaf naming one of the reference identifiers (RFC 7672 3.2.2).
 */
final class DaneTrustManager extends X509ExtendedTrustManager {
    private static final Set<String> OLD_PROTOCOLS = Set.of("SSLv3", "TLSv1", "TLSv1.1");

    private final List<Tlsa> records;
    private final Set<String> names;
    private final Clock clock;

    DaneTrustManager(List<Tlsa> records, Set<String> names, Clock clock) {
        this.records = List.copyOf(records);
        this.names = Set.copyOf(names);
        this.clock = clock;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        protocol(engine == null ? null : engine.getHandshakeSession());
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        protocol(socket instanceof SSLSocket tls ? tls.getHandshakeSession() : null);
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("dane: a client-side trust manager only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("dane: a client-side trust manager only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("dane: a client-side trust manager only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }

    /** RFC 7672 1.3: DANE needs TLS 1.2 or later (the outbound wire offers nothing older; this makes sure). */
    private static void protocol(SSLSession session) throws PolicyCheckException {
        String protocol = session == null ? null : session.getProtocol();
        if (protocol != null && OLD_PROTOCOLS.contains(protocol)) {
            throw new PolicyCheckException(ResultType.VALIDATION_FAILURE, "dane: " + protocol + " negotiated, TLS 1.2 or later required");
        }
    }

    /** Passes if one record authenticates the chain; otherwise the most telling failure of the DANE-TA records. */
    void check(X509Certificate[] chain) throws PolicyCheckException {
        if (chain == null || chain.length == 0) {
            throw new PolicyCheckException(ResultType.VALIDATION_FAILURE, "dane: the server presented no certificate");
        }
        for (Tlsa r : records) {
            if (r.usage() == TlsaMatch.DANE_EE && TlsaMatch.matches(r, chain[0])) return;
        }
        PolicyCheckException taFailure = null;
        for (Tlsa r : records) {
            if (r.usage() != TlsaMatch.DANE_TA) continue;
            try {
                if (trustAnchored(r, chain)) {
                    checkName(chain[0]);
                    return;
                }
            } catch (PolicyCheckException e) {
                if (taFailure == null || e.type() == ResultType.CERTIFICATE_HOST_MISMATCH) taFailure = e;
            }
        }
        if (taFailure != null) throw taFailure;
        throw new PolicyCheckException(ResultType.VALIDATION_FAILURE, "dane: no TLSA record matches the server's chain ("
                + records.stream().map(Tlsa::toString).collect(Collectors.joining(", ")) + ")");
    }

    /**
     * True if {@code r} matches a certificate above the leaf and the chain validates up to it, or if {@code r} holds a
     * full key or certificate (matching type 0) that signs the top of the chain; false if {@code r} matches nothing.
     */
    private boolean trustAnchored(Tlsa r, X509Certificate[] chain) throws PolicyCheckException {
        for (int i = 1; i < chain.length; i++) {
            if (TlsaMatch.matches(r, chain[i])) {
                TrustAnchor anchor = r.selector() == 0 ? new TrustAnchor(chain[i], null)
                        : new TrustAnchor(chain[i].getSubjectX500Principal(), chain[i].getPublicKey(), null);
                validate(Arrays.copyOfRange(chain, 0, i), anchor, r);
                return true;
            }
        }
        if (r.matchingType() != 0) return false;
        TrustAnchor anchor = fullAnchor(r, chain[chain.length - 1]);
        if (anchor == null) return false;
        validate(chain, anchor, r);
        return true;
    }

    /** A trust anchor from a "2 0 0" (certificate) or "2 1 0" (public key) record; null if the data does not parse. */
    private static TrustAnchor fullAnchor(Tlsa r, X509Certificate top) {
        try {
            if (r.selector() == 0) {
                var cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(r.data()));
                return new TrustAnchor(cert, null);
            }
            for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
                try {
                    PublicKey key = KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(r.data()));
                    return new TrustAnchor(top.getIssuerX500Principal(), key, null);
                } catch (java.security.GeneralSecurityException wrongAlgorithm) {
                    // try the next
                }
            }
            return null;
        } catch (CertificateException | RuntimeException e) {
            return null;
        }
    }

    private void validate(X509Certificate[] path, TrustAnchor anchor, Tlsa r) throws PolicyCheckException {
        try {
            PKIXParameters params = new PKIXParameters(Set.of(anchor));
            params.setRevocationEnabled(false); // RFC 7672 offers no revocation checks to rely on; DNS TTLs bound trust
            params.setDate(Date.from(clock.instant()));
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            CertPathValidator.getInstance("PKIX").validate(factory.generateCertPath(List.of(path)), params);
        } catch (CertPathValidatorException e) {
            boolean expired = e.getReason() == CertPathValidatorException.BasicReason.EXPIRED
                    || e.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID;
            throw new PolicyCheckException(expired ? ResultType.CERTIFICATE_EXPIRED : ResultType.VALIDATION_FAILURE,
                    "dane: the chain does not validate to the trust anchor of " + r + ": " + e.getMessage(), e);
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            throw new PolicyCheckException(ResultType.VALIDATION_FAILURE,
                    "dane: cannot validate the chain to the trust anchor of " + r + ": " + e.getMessage(), e);
        }
    }

    /** RFC 7672 3.2.2/3.2.3: a DNS-ID (or, without any, the CN) equal to a reference identifier; "*." covers one label. */
    private void checkName(X509Certificate leaf) throws PolicyCheckException {
        List<String> presented = dnsNames(leaf);
        for (String p : presented) {
            for (String name : names) {
                if (nameMatches(p, name)) return;
            }
        }
        throw new PolicyCheckException(ResultType.CERTIFICATE_HOST_MISMATCH, "dane: the certificate names " + presented
                + ", none of " + names.stream().sorted().toList());
    }

    static boolean nameMatches(String presented, String reference) {
        String p = presented.toLowerCase(Locale.ROOT);
        if (p.endsWith(".")) p = p.substring(0, p.length() - 1);
        if (p.startsWith("*.")) {
            int dot = reference.indexOf('.');
            return dot > 0 && reference.substring(dot + 1).equals(p.substring(2));
        }
        return p.equals(reference);
    }

    private static List<String> dnsNames(X509Certificate leaf) {
        try {
            var sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                List<String> dns = sans.stream().filter(s -> (Integer) s.get(0) == 2).map(s -> (String) s.get(1)).toList();
                if (!dns.isEmpty()) return dns;
            }
        } catch (CertificateParsingException e) {
            return List.of();
        }
        String subject = leaf.getSubjectX500Principal().getName();
        for (String part : subject.split(",")) {
            if (part.startsWith("CN=")) return List.of(part.substring(3));
        }
        return List.of();
    }
}

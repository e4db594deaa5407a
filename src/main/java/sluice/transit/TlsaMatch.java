package sluice.transit;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import sluice.dns.Tlsa;

/** Which TLSA records SMTP may use (RFC 7672 3.1) and whether one matches a certificate (RFC 6698 2.1). */
final class TlsaMatch {
    static final int DANE_TA = 2;
    static final int DANE_EE = 3;

    private TlsaMatch() {}

    /** DANE-TA(2) and DANE-EE(3) with a known selector and matching type and data of the right length. */
    static boolean usable(Tlsa tlsa) {
        if (tlsa.usage() != DANE_TA && tlsa.usage() != DANE_EE) return false; // PKIX-TA/EE (0, 1): unusable for SMTP
        if (tlsa.selector() != 0 && tlsa.selector() != 1) return false;
        int length = tlsa.data().length;
        return switch (tlsa.matchingType()) {
            case 0 -> length > 0;
            case 1 -> length == 32;
            case 2 -> length == 64;
            default -> false;
        };
    }

    /** Whether {@code tlsa}'s selector and matching type applied to {@code cert} give its data. */
    static boolean matches(Tlsa tlsa, X509Certificate cert) {
        try {
            byte[] selected = tlsa.selector() == 0 ? cert.getEncoded() : cert.getPublicKey().getEncoded();
            byte[] computed = switch (tlsa.matchingType()) {
                case 0 -> selected;
                case 1 -> MessageDigest.getInstance("SHA-256").digest(selected);
                case 2 -> MessageDigest.getInstance("SHA-512").digest(selected);
                default -> null;
            };
            return computed != null && MessageDigest.isEqual(computed, tlsa.data());
        } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
            return false;
        }
    }
}

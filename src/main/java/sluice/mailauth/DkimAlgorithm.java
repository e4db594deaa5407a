package sluice.mailauth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;

/** The signing algorithms Sluice uses and accepts: rsa-sha256 (RFC 6376) and ed25519-sha256 (RFC 8463). */
public enum DkimAlgorithm {
    RSA_SHA256("rsa-sha256", "rsa"),
    ED25519_SHA256("ed25519-sha256", "ed25519");

    private final String tag;
    private final String keyType;

    DkimAlgorithm(String tag, String keyType) {
        this.tag = tag;
        this.keyType = keyType;
    }

    /** The a= value. */
    public String tag() {
        return tag;
    }

    /** The k= value of the key record. */
    public String keyType() {
        return keyType;
    }

    /** The algorithm for an a= value, or null when Sluice does not accept it (rsa-sha1 included, RFC 8301). */
    static DkimAlgorithm ofTag(String tag) {
        for (DkimAlgorithm a : values()) if (a.tag.equalsIgnoreCase(tag)) return a;
        return null;
    }

    /** The algorithm a private or public key signs with. */
    public static DkimAlgorithm of(java.security.Key key) {
        return switch (key.getAlgorithm()) {
            case "RSA" -> RSA_SHA256;
            case "Ed25519", "EdDSA" -> ED25519_SHA256;
            default -> throw new IllegalArgumentException("unsupported DKIM key type: " + key.getAlgorithm());
        };
    }

    /** Signs the canonical header data. Ed25519 signs its SHA-256 digest (RFC 8463 3); RSA hashes it itself. */
    byte[] sign(PrivateKey key, byte[] headerData) throws GeneralSecurityException {
        Signature s = signature();
        s.initSign(key);
        s.update(input(headerData));
        return s.sign();
    }

    boolean verify(PublicKey key, byte[] headerData, byte[] signature) throws GeneralSecurityException {
        Signature s = signature();
        s.initVerify(key);
        s.update(input(headerData));
        return s.verify(signature);
    }

    private Signature signature() throws GeneralSecurityException {
        return Signature.getInstance(this == RSA_SHA256 ? "SHA256withRSA" : "Ed25519");
    }

    private byte[] input(byte[] headerData) throws GeneralSecurityException {
        return this == RSA_SHA256 ? headerData : MessageDigest.getInstance("SHA-256").digest(headerData);
    }
}

package sluice.mailauth;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/** DKIM key files (PEM) and key records: load, generate, write, and the TXT record to publish. */
public final class DkimKeys {
    // DER prefixes that wrap a raw 32-byte Ed25519 key into PKCS#8 / SubjectPublicKeyInfo (RFC 8410).
    private static final byte[] ED25519_PKCS8_PREFIX = HexFormat.of().parseHex("302e020100300506032b657004220420");
    private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private DkimKeys() {}

    /** Reads a PEM private key: PKCS#8 "PRIVATE KEY" (RSA or Ed25519) or PKCS#1 "RSA PRIVATE KEY". */
    public static PrivateKey load(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.US_ASCII), file.toString());
    }

    static PrivateKey parse(String pem, String source) throws IOException {
        Object object;
        try (Reader r = new StringReader(pem); PEMParser parser = new PEMParser(r)) {
            object = parser.readObject();
        } catch (IOException | RuntimeException e) {
            throw new IOException(source + ": not a PEM private key (" + e.getMessage() + ")");
        }
        PrivateKeyInfo info = switch (object) {
            case PEMKeyPair pair -> pair.getPrivateKeyInfo();
            case PrivateKeyInfo i -> i;
            case null -> throw new IOException(source + ": no PEM private key found");
            default -> throw new IOException(source + ": expected a PRIVATE KEY or RSA PRIVATE KEY, not "
                    + object.getClass().getSimpleName());
        };
        ASN1ObjectIdentifier oid = info.getPrivateKeyAlgorithm().getAlgorithm();
        String algorithm;
        if (oid.equals(PKCSObjectIdentifiers.rsaEncryption)) algorithm = "RSA";
        else if (oid.equals(EdECObjectIdentifiers.id_Ed25519)) algorithm = "Ed25519";
        else throw new IOException(source + ": unsupported key algorithm " + oid + " (use RSA or Ed25519)");
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IOException(source + ": unreadable " + algorithm + " key: " + e.getMessage());
        }
    }

    /** A new key pair: "rsa2048" or "ed25519". */
    public static KeyPair generate(String algorithm) {
        try {
            return switch (algorithm.toLowerCase(Locale.ROOT)) {
                case "rsa2048" -> {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                    g.initialize(2048);
                    yield g.generateKeyPair();
                }
                case "ed25519" -> KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                default -> throw new IllegalArgumentException("unknown key algorithm \"" + algorithm + "\" (rsa2048 or ed25519)");
            };
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate " + algorithm + " keys", e);
        }
    }

    /** The key as PKCS#8 PEM. */
    public static String pem(PrivateKey key) {
        StringWriter out = new StringWriter();
        try (PemWriter w = new PemWriter(out)) {
            w.writeObject(new PemObject("PRIVATE KEY", key.getEncoded()));
        } catch (IOException e) {
            throw new IllegalStateException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    /**
     * Writes the key as PKCS#8 PEM, readable by the owner only (0600 from the first byte: the file is created with
     * that mode, then moved into place). Replaces an existing file.
     */
    public static void writePem(PrivateKey key, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(tmp, pem(key), StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The key record to publish: {@code v=DKIM1; k=rsa; p=SPKI} or {@code v=DKIM1; k=ed25519; p=RAW32} (RFC 8463 4.2). */
    public static String txtRecord(PublicKey key) {
        DkimAlgorithm a = DkimAlgorithm.of(key);
        byte[] p = a == DkimAlgorithm.ED25519_SHA256 ? rawEd25519(key) : key.getEncoded();
        return "v=DKIM1; k=" + a.keyType() + "; p=" + Base64.getEncoder().encodeToString(p);
    }

    /** The public half of a private key (RSA CRT keys and JDK Ed25519 keys). */
    public static PublicKey publicKey(PrivateKey key) {
        try {
            if (key instanceof java.security.interfaces.RSAPrivateCrtKey rsa) {
                return KeyFactory.getInstance("RSA").generatePublic(
                        new java.security.spec.RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
            }
            if (DkimAlgorithm.of(key) == DkimAlgorithm.ED25519_SHA256) {
                // Ed25519 PKCS#8 v1 holds only the seed; Bouncy Castle derives the public key from it.
                var bc = new org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters(seed(key), 0);
                return ed25519PublicKey(bc.generatePublicKey().getEncoded());
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot derive the public key: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("cannot derive the public key of a " + key.getAlgorithm() + " key");
    }

    /** An Ed25519 private key from its 32-byte seed (RFC 8032 / RFC 8463 test vectors are given this way). */
    static PrivateKey ed25519PrivateKey(byte[] seed) throws GeneralSecurityException {
        return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(concat(ED25519_PKCS8_PREFIX, seed)));
    }

    /** An Ed25519 public key from the 32 raw bytes of a key record's p=. */
    static PublicKey ed25519PublicKey(byte[] raw) throws GeneralSecurityException {
        if (raw.length != 32) throw new GeneralSecurityException("an Ed25519 key is 32 bytes, not " + raw.length);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(ED25519_SPKI_PREFIX, raw)));
    }

    /** An RSA public key from p=: SubjectPublicKeyInfo, or a bare PKCS#1 RSAPublicKey as some publishers use. */
    static PublicKey rsaPublicKey(byte[] der) throws GeneralSecurityException {
        KeyFactory f = KeyFactory.getInstance("RSA");
        try {
            return f.generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            try {
                var info = new SubjectPublicKeyInfo(
                        new org.bouncycastle.asn1.x509.AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption,
                                org.bouncycastle.asn1.DERNull.INSTANCE), der);
                return f.generatePublic(new X509EncodedKeySpec(info.getEncoded()));
            } catch (IOException | GeneralSecurityException | RuntimeException e2) {
                throw new GeneralSecurityException("not an RSA public key");
            }
        }
    }

    /** The 32-byte seed inside an Ed25519 PKCS#8 key (v1 or v2: the optional public key is skipped). */
    static byte[] seed(PrivateKey key) {
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
            return org.bouncycastle.asn1.ASN1OctetString.getInstance(info.parsePrivateKey()).getOctets();
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable Ed25519 key: " + e.getMessage(), e);
        }
    }

    private static byte[] rawEd25519(PublicKey key) {
        byte[] der = key.getEncoded();
        return Arrays.copyOfRange(der, der.length - 32, der.length);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

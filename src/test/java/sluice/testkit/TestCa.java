package sluice.testkit;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A test certificate authority (EC P-256) issuing server certificates, and the TLSA data of any certificate. */
public final class TestCa {
    private static final char[] PASSWORD = "test".toCharArray();

    /** A server's chain (leaf first, the CA last) and its key. */
    public record Issued(X509Certificate[] chain, PrivateKey key) {
        public X509Certificate leaf() {
            return chain[0];
        }

        /** A server context presenting this chain. */
        public SSLContext serverContext() {
            try {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("server", key, PASSWORD, chain);
                KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
                kmf.init(store, PASSWORD);
                SSLContext c = SSLContext.getInstance("TLS");
                c.init(kmf.getKeyManagers(), null, null);
                return c;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final X509Certificate certificate;
    private final KeyPair keys;

    private TestCa(X509Certificate certificate, KeyPair keys) {
        this.certificate = certificate;
        this.keys = keys;
    }

    public static TestCa create(String name) {
        KeyPair pair = keyPair();
        X500Name subject = new X500Name("CN=" + name);
        Instant now = Instant.now();
        return new TestCa(build(subject, subject, pair.getPublic(), pair.getPrivate(), now.minus(Duration.ofDays(1)),
                now.plus(Duration.ofDays(30)), true, new String[0]), pair);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** A leaf naming {@code names} (DNS SANs), valid from yesterday for a month. */
    public Issued issue(String... names) {
        Instant now = Instant.now();
        return issue(now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)), names);
    }

    public Issued issue(Instant notBefore, Instant notAfter, String... names) {
        KeyPair pair = keyPair();
        X509Certificate leaf = build(new X500Name("CN=" + names[0]), new X500Name(certificate.getSubjectX500Principal().getName()),
                pair.getPublic(), keys.getPrivate(), notBefore, notAfter, false, names);
        return new Issued(new X509Certificate[] {leaf, certificate}, pair.getPrivate());
    }

    /** A self-signed leaf (no CA), valid {@code from} to {@code to}. */
    public static Issued selfSigned(Instant from, Instant to, String... names) {
        KeyPair pair = keyPair();
        X500Name subject = new X500Name("CN=" + names[0]);
        return new Issued(new X509Certificate[] {build(subject, subject, pair.getPublic(), pair.getPrivate(), from, to,
                false, names)}, pair.getPrivate());
    }

    /** The TLSA association data in hex for {@code cert}: selector 0 (certificate) or 1 (key), matching 0, 1 or 2. */
    public static String tlsaData(X509Certificate cert, int selector, int matchingType) {
        try {
            byte[] selected = selector == 0 ? cert.getEncoded() : cert.getPublicKey().getEncoded();
            byte[] data = switch (matchingType) {
                case 0 -> selected;
                case 1 -> MessageDigest.getInstance("SHA-256").digest(selected);
                case 2 -> MessageDigest.getInstance("SHA-512").digest(selected);
                default -> throw new IllegalArgumentException("matching type " + matchingType);
            };
            return HexFormat.of().formatHex(data);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate build(X500Name subject, X500Name issuer, java.security.PublicKey key, PrivateKey signer,
                                         Instant from, Instant to, boolean ca, String[] names) {
        try {
            var builder = new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, new SecureRandom()).add(BigInteger.ONE),
                    Date.from(from), Date.from(to), subject, key);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (ca) {
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(Arrays.stream(names)
                        .map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new)));
            }
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

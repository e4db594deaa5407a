package sluice.transit;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A test CA (PEERS.md recipe, made with Bouncy Castle) issuing server certificates for policy hosts. */
final class StsTestCa {
    private final KeyPair keys;
    private final X509Certificate certificate;
    private final X500Name name;

    private StsTestCa(KeyPair keys, X509Certificate certificate, X500Name name) {
        this.keys = keys;
        this.certificate = certificate;
        this.name = name;
    }

    static StsTestCa create(String commonName) throws Exception {
        KeyPair pair = ecKeys();
        X500Name subject = new X500Name("CN=" + commonName);
        var b = builder(subject, subject, pair);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return new StsTestCa(pair, sign(b, pair), subject);
    }

    /** Writes the CA certificate as PEM (what {@code ca_file} takes). */
    Path writeCertificate(Path file) throws IOException {
        Files.writeString(file, pem(certificate));
        return file;
    }

    /** A server certificate for {@code names}; writes "chain.pem" (leaf then CA) and "key.pem" into {@code dir}. */
    Path[] issue(Path dir, List<String> names) throws Exception {
        KeyPair pair = ecKeys();
        var b = builder(name, new X500Name("CN=" + names.get(0)), pair);
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                names.stream().map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new)));
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        X509Certificate leaf = sign(b, keys);
        Files.createDirectories(dir);
        Path chain = Files.writeString(dir.resolve("chain.pem"), pem(leaf) + pem(certificate));
        Path key = Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n"); // PKCS#8, which Python's ssl reads
        return new Path[] {chain, key};
    }

    private static KeyPair ecKeys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static JcaX509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair subjectKeys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, new SecureRandom()).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject,
                subjectKeys.getPublic());
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, KeyPair signer) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }
}

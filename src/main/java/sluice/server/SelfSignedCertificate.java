package sluice.server;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.IPAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate used when none is configured: generated once into {@code <dataDir>/tls/} and reused, so that
 * clients that pinned it keep working across restarts. Regenerated when unreadable, expired, or made for another
 * hostname.
 */
final class SelfSignedCertificate {
    private static final Logger log = LoggerFactory.getLogger(SelfSignedCertificate.class);

    static final String CERT_FILE = "selfsigned.crt";
    static final String KEY_FILE = "selfsigned.key";
    static final Duration VALIDITY = Duration.ofDays(365);
    // Backdated so that a peer whose clock runs a little slow still accepts a certificate made a moment ago.
    private static final Duration BACKDATE = Duration.ofHours(1);

    private SelfSignedCertificate() {}

    /** The stored certificate if still usable, otherwise a newly generated and stored one. */
    static TlsIdentity obtain(Path dataDir, String hostname, Clock clock) throws TlsSetupException {
        Path dir = dataDir.resolve("tls");
        Path certFile = dir.resolve(CERT_FILE);
        Path keyFile = dir.resolve(KEY_FILE);
        if (Files.exists(certFile) || Files.exists(keyFile)) {
            try {
                TlsIdentity stored = PemFiles.read(certFile, keyFile);
                String unusable = unusableReason(stored.leaf(), hostname, clock.instant());
                if (unusable == null) return stored;
                log.info("TLS self-signed certificate {} {}; generating a new one", certFile, unusable);
            } catch (TlsSetupException e) {
                log.warn("{}; generating a new self-signed certificate", e.getMessage());
            }
        }
        TlsIdentity fresh = generate(hostname, clock.instant());
        store(fresh, dir, certFile, keyFile);
        log.info("TLS self-signed certificate for {} written to {}", hostname, certFile);
        return fresh;
    }

    /** Why a stored certificate cannot be reused, or null if it can. */
    static String unusableReason(X509Certificate cert, String hostname, Instant now) {
        if (!now.isBefore(cert.getNotAfter().toInstant())) return "expired on " + cert.getNotAfter().toInstant();
        X500Name subject = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        if (!subject.equals(subjectFor(hostname))) return "was made for " + subject;
        return null;
    }

    /** An EC P-256 key and a one-year certificate for the hostname, localhost and 127.0.0.1. */
    static TlsIdentity generate(String hostname, Instant now) throws TlsSetupException {
        try {
            SecureRandom random = new SecureRandom();
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), random);
            KeyPair pair = generator.generateKeyPair();
            X500Name subject = subjectFor(hostname);
            // Random positive serial: a reused serial with a different key confuses some client caches.
            BigInteger serial = new BigInteger(127, random).add(BigInteger.ONE);
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial,
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(VALIDITY)), subject, pair.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false, alternativeNames(hostname));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate());
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(builder.build(signer));
            return new TlsIdentity(pair.getPrivate(), List.of(cert));
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException
                | IllegalArgumentException e) {
            // IllegalArgumentException: a hostname that cannot be encoded as a DNS name (non-ASCII).
            throw new TlsSetupException("TLS self-signed certificate for '" + hostname
                    + "': cannot generate (" + e.getMessage() + ")", e);
        }
    }

    static X500Name subjectFor(String hostname) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, hostname).build();
    }

    private static GeneralNames alternativeNames(String hostname) {
        GeneralName own = IPAddress.isValid(hostname)
                ? new GeneralName(GeneralName.iPAddress, hostname)
                : new GeneralName(GeneralName.dNSName, hostname);
        GeneralName localhost = new GeneralName(GeneralName.dNSName, "localhost");
        GeneralName loopback = new GeneralName(GeneralName.iPAddress, "127.0.0.1");
        GeneralName[] names = own.equals(localhost) || own.equals(loopback)
                ? new GeneralName[] {localhost, loopback}
                : new GeneralName[] {own, localhost, loopback};
        return new GeneralNames(names);
    }

    /** Key first, each file written aside and renamed, so a crash never leaves a half-written file in place. */
    private static void store(TlsIdentity identity, Path dir, Path certFile, Path keyFile) throws TlsSetupException {
        try {
            boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
            if (!Files.isDirectory(dir)) {
                if (posix) Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
                else Files.createDirectories(dir);
            }
            write(keyFile, PemFiles.keyPem(identity.key()), posix ? "rw-------" : null);
            write(certFile, PemFiles.certificatePem(identity.leaf()), posix ? "rw-r--r--" : null);
        } catch (IOException e) {
            throw new TlsSetupException("TLS self-signed certificate: cannot write " + dir + " (" + e + ")", e);
        }
    }

    private static void write(Path target, String text, String permissions) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        // The permissions are set at creation so the key is never readable by others, not even briefly.
        FileAttribute<?>[] attributes = permissions == null
                ? new FileAttribute<?>[0]
                : new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString(permissions))};
        Files.createFile(temp, attributes);
        Files.writeString(temp, text, StandardCharsets.US_ASCII);
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}

package sluice.server;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads a certificate chain and a private key from PEM files, and writes them back.
 * Failures become one-line {@link TlsSetupException}s that name the file, because an operator reads them in a log.
 */
final class PemFiles {
    private PemFiles() {}

    /** Loads the pair and checks that the key belongs to the leaf certificate. */
    static TlsIdentity read(Path certFile, Path keyFile) throws TlsSetupException {
        List<X509Certificate> chain = readChain(certFile);
        PrivateKey key = readKey(keyFile);
        if (!matches(key, chain.get(0).getPublicKey())) {
            throw new TlsSetupException(
                    "TLS key file " + keyFile + ": key does not match the certificate in " + certFile);
        }
        return new TlsIdentity(key, chain);
    }

    static List<X509Certificate> readChain(Path certFile) throws TlsSetupException {
        String what = "TLS certificate file " + certFile;
        List<X509Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (PEMParser parser = open(certFile, what)) {
            // Other blocks (a key in a combined file) are skipped: the key is read from the key file.
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (o instanceof X509CertificateHolder holder) chain.add(converter.getCertificate(holder));
            }
        } catch (IOException e) {
            throw new TlsSetupException(what + ": not valid PEM (" + oneLine(e) + ")", e);
        } catch (GeneralSecurityException e) {
            throw new TlsSetupException(what + ": invalid certificate (" + oneLine(e) + ")", e);
        }
        if (chain.isEmpty()) throw new TlsSetupException(what + ": no CERTIFICATE block found");
        return chain;
    }

    static PrivateKey readKey(Path keyFile) throws TlsSetupException {
        String what = "TLS key file " + keyFile;
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (PEMParser parser = open(keyFile, what)) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                switch (o) {
                    case PrivateKeyInfo info -> { return converter.getPrivateKey(info); } // PKCS#8
                    case PEMKeyPair pair -> { return converter.getKeyPair(pair).getPrivate(); } // PKCS#1, SEC1
                    case PEMEncryptedKeyPair ignored -> throw encrypted(what);
                    case PKCS8EncryptedPrivateKeyInfo ignored -> throw encrypted(what);
                    default -> { } // e.g. the EC PARAMETERS block that "openssl ecparam -genkey" writes first
                }
            }
        } catch (IOException e) {
            throw new TlsSetupException(what + ": not a valid private key (" + oneLine(e) + ")", e);
        }
        throw new TlsSetupException(what + ": no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block found");
    }

    /** The certificate as a PEM CERTIFICATE block. */
    static String certificatePem(X509Certificate cert) throws IOException {
        return pem(cert);
    }

    /** The key as an unencrypted PKCS#8 PRIVATE KEY block. */
    static String keyPem(PrivateKey key) throws IOException {
        return pem(new JcaPKCS8Generator(key, null));
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(o);
        }
        return out.toString();
    }

    /** True when the private key belongs to the public key; proven by a signature, which works for any key type. */
    static boolean matches(PrivateKey key, PublicKey publicKey) {
        if (key instanceof RSAPrivateKey rsa) {
            return publicKey instanceof RSAPublicKey pub && rsa.getModulus().equals(pub.getModulus());
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null || !sameFamily(key, publicKey)) return false;
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean sameFamily(PrivateKey key, PublicKey publicKey) {
        boolean edKey = key.getAlgorithm().startsWith("Ed");
        boolean edPublic = publicKey.getAlgorithm().startsWith("Ed");
        return edKey ? edPublic : key.getAlgorithm().equals(publicKey.getAlgorithm());
    }

    private static PEMParser open(Path file, String what) throws TlsSetupException {
        try {
            Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
            return new PEMParser(reader);
        } catch (NoSuchFileException e) {
            throw new TlsSetupException(what + ": file not found", e);
        } catch (AccessDeniedException e) {
            throw new TlsSetupException(what + ": permission denied", e);
        } catch (IOException e) {
            throw new TlsSetupException(what + ": cannot read (" + oneLine(e) + ")", e);
        }
    }

    private static TlsSetupException encrypted(String what) {
        return new TlsSetupException(what + ": the key is encrypted; a key without a passphrase is needed");
    }

    private static String oneLine(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replaceAll("\\s+", " ").trim();
    }
}

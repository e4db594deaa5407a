package sluice.transit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** Web PKI trust for MTA-STS and REQUIRETLS: the JDK's trust store plus the CAs of {@code [delivery] ca_file}. */
public final class TrustStores {
    private TrustStores() {}

    /** A trust manager for the JDK's CAs and those in {@code caFile} (null: the JDK's only). */
    public static X509TrustManager jdkPlus(Path caFile) throws IOException {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            jdk.init((KeyStore) null);
            int i = 0;
            for (X509Certificate ca : ((X509TrustManager) jdk.getTrustManagers()[0]).getAcceptedIssuers()) {
                ks.setCertificateEntry("jdk" + i++, ca);
            }
            for (Certificate ca : pem(caFile)) ks.setCertificateEntry("extra" + i++, ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return (X509TrustManager) tmf.getTrustManagers()[0];
        } catch (GeneralSecurityException e) {
            throw new IOException((caFile == null ? "the JDK's trust store" : caFile.toString()) + ": " + e.getMessage(), e);
        }
    }

    /** A client context verifying chains with {@link #jdkPlus}; host names are checked by the caller's endpoint identification. */
    public static SSLContext pkix(Path caFile) throws IOException {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, new javax.net.ssl.TrustManager[] {jdkPlus(caFile)}, null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS context: " + e.getMessage(), e);
        }
    }

    private static List<Certificate> pem(Path caFile) throws IOException, GeneralSecurityException {
        if (caFile == null) return List.of();
        try (InputStream in = Files.newInputStream(caFile)) {
            List<Certificate> out = new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
            if (out.isEmpty()) throw new IOException(caFile + ": no PEM certificate found");
            return out;
        }
    }
}

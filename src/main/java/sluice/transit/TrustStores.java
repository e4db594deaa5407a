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
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
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

    /**
     * A client context verifying chains with {@link #jdkPlus}; host names are checked by the caller's endpoint
     * identification. A server certificate out of its dates is refused as such ({@link ResultType#CERTIFICATE_EXPIRED}):
     * the JDK's path builder would only say that no path was found.
     */
    public static SSLContext pkix(Path caFile) throws IOException {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, new javax.net.ssl.TrustManager[] {new Dated((X509ExtendedTrustManager) jdkPlus(caFile))}, null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS context: " + e.getMessage(), e);
        }
    }

    /** Checks the server certificate's dates first, then everything else as the JDK does (names included). */
    private static final class Dated extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager jdk;

        Dated(X509ExtendedTrustManager jdk) {
            this.jdk = jdk;
        }

        private static void dates(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) return;
            try {
                chain[0].checkValidity();
            } catch (CertificateExpiredException | CertificateNotYetValidException e) {
                throw new PolicyCheckException(ResultType.CERTIFICATE_EXPIRED, "certificate-expired: the server certificate ("
                        + chain[0].getSubjectX500Principal().getName() + ") is valid from " + chain[0].getNotBefore().toInstant()
                        + " to " + chain[0].getNotAfter().toInstant(), e);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            dates(chain);
            jdk.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            dates(chain);
            jdk.checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            dates(chain);
            jdk.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            jdk.checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            jdk.checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            jdk.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return jdk.getAcceptedIssuers();
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

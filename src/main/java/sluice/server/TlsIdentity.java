package sluice.server;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** A private key and its certificate chain, leaf first; the unit that is loaded, generated and swapped. */
record TlsIdentity(PrivateKey key, List<X509Certificate> chain) {

    // The key store only lives in memory; PKCS12 insists on some password, so a fixed one will do.
    private static final char[] STORE_PASSWORD = "sluice".toCharArray();

    TlsIdentity {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) throw new IllegalArgumentException("empty certificate chain");
    }

    X509Certificate leaf() {
        return chain.get(0);
    }

    /** A fresh server context presenting this identity. */
    SSLContext newContext() throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new KeyStoreException("cannot create an empty key store", e);
        }
        store.setKeyEntry("server", key, STORE_PASSWORD, chain.toArray(X509Certificate[]::new));
        // PKIX (not the legacy SunX509) picks the entry by key type and checks validity and key usage.
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance("PKIX");
        keyManagers.init(store, STORE_PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(), null, null);
        return context;
    }
}

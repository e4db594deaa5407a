package sluice.mailauth;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Signature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who computes DKIM's RSA signatures. RSA-2048 is the largest cost of a signed message: the JDK makes about 1,450
 * signatures/s on one core here, AWS-LC (through the Amazon Corretto Crypto Provider, native code) about 4,650, given
 * a key it has taken in once. The server signs with {@link #NATIVE}; a one-off command ({@code sluice sendmail})
 * with {@link #JDK}, as loading the native library costs it more (about half a second) than it would save.
 */
public enum RsaEngine {
    JDK,
    /** AWS-LC when its library loads on this machine; the JDK otherwise, said once in the log. */
    NATIVE;

    private static final Logger log = LoggerFactory.getLogger(RsaEngine.class);

    /** A key made ready to sign: on the provider that signs it, and taken in by that provider once. */
    record PreparedRsa(PrivateKey key, Provider provider) {
        byte[] sign(byte[] data) throws GeneralSecurityException {
            Signature s = provider == null ? Signature.getInstance("SHA256withRSA")
                    : Signature.getInstance("SHA256withRSA", provider);
            s.initSign(key);
            s.update(data);
            return s.sign();
        }

        /** True when the native library signs (tests and the start-up line ask). */
        boolean isNative() {
            return provider != null;
        }
    }

    PreparedRsa prepare(PrivateKey key) {
        Provider provider = this == NATIVE ? NativeProvider.PROVIDER : null;
        if (provider == null) return new PreparedRsa(key, null);
        try {
            return new PreparedRsa((PrivateKey) KeyFactory.getInstance("RSA", provider).translateKey(key), provider);
        } catch (GeneralSecurityException | RuntimeException e) {
            log.warn("DKIM: the native RSA signer does not take this key ({}); the JDK signs with it (about 3 times"
                    + " slower)", e.getMessage());
            return new PreparedRsa(key, null);
        }
    }

    /** Loaded on first use only, so that commands which never sign with RSA never load the native library. */
    private static final class NativeProvider {
        static final Provider PROVIDER = load();

        private static Provider load() {
            Throwable problem;
            try {
                AmazonCorrettoCryptoProvider p = AmazonCorrettoCryptoProvider.INSTANCE;
                problem = p.getLoadingError();
                if (problem == null) {
                    log.info("DKIM: RSA signatures by native code ({})", p.getInfo());
                    return p;
                }
            } catch (LinkageError | RuntimeException e) {
                problem = e;
            }
            log.warn("DKIM: the native RSA signer is not available on this machine ({}); the JDK signs (about 3 times"
                    + " slower)", problem.getMessage());
            return null;
        }
    }
}

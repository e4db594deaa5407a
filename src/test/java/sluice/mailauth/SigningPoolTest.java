package sluice.mailauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SigningPoolTest {
    @Test
    void aVirtualThreadsSignatureIsComputedOnAPlatformThread() throws Exception {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        AtomicReference<String> result = new AtomicReference<>();
        Thread.ofVirtual().start(() -> result.set(SigningPool.run(() -> {
            ranOn.set(Thread.currentThread());
            return "signed";
        }))).join();
        assertThat(result.get()).isEqualTo("signed");
        assertThat(ranOn.get().isVirtual()).isFalse();
        assertThat(ranOn.get().getName()).startsWith("dkim-signer-");
    }

    @Test
    void aPlatformThreadSignsItself() {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        SigningPool.run(() -> ranOn.getAndSet(Thread.currentThread()));
        assertThat(ranOn.get()).isSameAs(Thread.currentThread());
    }

    @Test
    void theSignersFailureReachesTheCallerAndTheInterruptIsKept() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
        Thread.ofVirtual().start(() -> {
            Thread.currentThread().interrupt();
            try {
                SigningPool.run(() -> {
                    throw new IllegalStateException("DKIM signing with s._domainkey.example.com failed: bad key");
                });
            } catch (RuntimeException e) {
                thrown.set(e);
            }
            stillInterrupted.set(Thread.currentThread().isInterrupted());
        }).join();
        assertThat(thrown.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("bad key");
        assertThat(stillInterrupted.get()).isTrue();
        assertThatThrownBy(() -> SigningPool.run(() -> {
            throw new IllegalArgumentException("inline");
        })).hasMessage("inline");
    }
}

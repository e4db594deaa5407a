package sluice.auth;

import sluice.testkit.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import sluice.config.AuthConfig;

class LockoutTest {

    private static final AuthConfig CONFIG =
            new AuthConfig(5, Duration.ofMinutes(10), Duration.ofMinutes(15), Duration.ofSeconds(1));

    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final Lockout lockout = new Lockout(CONFIG, clock);

    /**
     * Each step: advance the clock by {@code wait} minutes, then act on an IP ({@code F} failure,
     * {@code S} success, {@code -} nothing) and expect isLockedOut afterwards.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        five failures lock the sixth attempt out   | 0:F:a:false 0:F:a:false 0:F:a:false 0:F:a:false 0:F:a:true
        four failures do not                        | 0:F:a:false 1:F:a:false 1:F:a:false 1:F:a:false 0:-:a:false
        failures spread past the window do not      | 0:F:a:false 4:F:a:false 4:F:a:false 4:F:a:false 4:F:a:false 4:F:a:false
        sliding window: old failures fall out       | 0:F:a:false 0:F:a:false 9:F:a:false 9:F:a:false 0:F:a:false 0:F:a:false 0:F:a:true
        lockout expires after 15 minutes            | 0:F:a:false 0:F:a:false 0:F:a:false 0:F:a:false 0:F:a:true 14:-:a:true 1:-:a:false
        after expiry the count starts again         | 0:F:a:false 0:F:a:false 0:F:a:false 0:F:a:false 0:F:a:true 15:F:a:false 0:F:a:false
        success does not lift a lockout             | 0:F:a:false 0:F:a:false 0:F:a:false 0:F:a:false 0:F:a:true 0:S:a:true 5:S:a:true
        success resets the counter                  | 0:F:a:false 0:F:a:false 0:F:a:false 0:F:a:false 0:S:a:false 0:F:a:false 0:F:a:false
        failures while locked do not extend it      | 0:F:a:false 0:F:a:false 0:F:a:false 0:F:a:false 0:F:a:true 10:F:a:true 5:-:a:false
        addresses are independent                   | 0:F:a:false 0:F:a:false 0:F:a:false 0:F:a:false 0:F:a:true 0:-:b:false 0:F:b:false
        IPv4-mapped IPv6 is the IPv4 address        | 0:F:a:false 0:F:m:false 0:F:a:false 0:F:m:false 0:F:m:true 0:-:a:true
        IPv6 addresses are tracked                  | 0:F:v6:false 0:F:v6:false 0:F:v6:false 0:F:v6:false 0:F:v6:true 0:-:a:false
        """)
    void script(String description, String steps) throws Exception {
        for (String step : steps.trim().split("\\s+")) {
            String[] f = step.split(":");
            clock.advance(Duration.ofMinutes(Long.parseLong(f[0])));
            InetAddress ip = ip(f[2]);
            switch (f[1]) {
                case "F" -> lockout.recordFailure(ip);
                case "S" -> lockout.recordSuccess(ip);
                default -> { }
            }
            assertThat(lockout.isLockedOut(ip)).as(step).isEqualTo(Boolean.parseBoolean(f[3]));
        }
    }

    @Test
    void mappedAddressKeysAsIpv4() throws Exception {
        InetAddress mapped = java.net.Inet6Address.getByAddress(null, mappedBytes(), null);
        assertThat(mapped).isInstanceOf(java.net.Inet6Address.class);
        for (int i = 0; i < 5; i++) {
            lockout.recordFailure(mapped);
        }
        assertThat(lockout.isLockedOut(InetAddress.getByName("192.0.2.1"))).isTrue();
    }

    @Test
    void disabledWhenMaxFailuresBelowOne() throws Exception {
        Lockout off = new Lockout(new AuthConfig(0, Duration.ofMinutes(10), Duration.ofMinutes(15), Duration.ZERO), clock);
        for (int i = 0; i < 20; i++) {
            off.recordFailure(ip("a"));
        }
        assertThat(off.isLockedOut(ip("a"))).isFalse();
    }

    @Test
    void mapIsCappedAndEvictsTheOldest() throws Exception {
        Lockout capped = new Lockout(CONFIG, clock, 1_000);
        for (int i = 0; i < 4; i++) {
            capped.recordFailure(ip("a"));
        }
        capped.recordFailure(ip("b"));
        for (int i = 0; i < 5_000; i++) {
            clock.advance(Duration.ofMillis(1));
            capped.recordFailure(v4(i));
        }
        assertThat(capped.size()).isLessThanOrEqualTo(1_000);
        // "a" was seen least recently, so it was evicted: its four failures are forgotten.
        capped.recordFailure(ip("a"));
        assertThat(capped.isLockedOut(ip("a"))).isFalse();
        // Recent addresses are still tracked.
        for (int i = 0; i < 4; i++) {
            capped.recordFailure(v4(4_999));
        }
        assertThat(capped.isLockedOut(v4(4_999))).isTrue();
    }

    @Test
    void idleEntriesArePruned() throws Exception {
        for (int i = 0; i < 500; i++) {
            lockout.recordFailure(v4(i));
        }
        assertThat(lockout.size()).isEqualTo(500);
        clock.advance(Duration.ofMinutes(11));
        lockout.recordFailure(ip("a"));
        assertThat(lockout.size()).isEqualTo(1);
    }

    @Test
    void lockedEntriesSurvivePruning() throws Exception {
        for (int i = 0; i < 5; i++) {
            lockout.recordFailure(ip("a"));
        }
        clock.advance(Duration.ofMinutes(11));
        lockout.recordFailure(ip("b"));
        assertThat(lockout.isLockedOut(ip("a"))).isTrue();
    }

    @Test
    void concurrentFailuresAreAllCounted() throws Exception {
        Lockout many = new Lockout(new AuthConfig(1_000, Duration.ofMinutes(10), Duration.ofMinutes(15), Duration.ZERO), clock);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 999; i++) {
                futures.add(pool.submit(() -> many.recordFailure(ip("a"))));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        }
        assertThat(many.isLockedOut(ip("a"))).isFalse();
        many.recordFailure(ip("a"));
        assertThat(many.isLockedOut(ip("a"))).isTrue();
    }

    @Test
    void aLockedOutClientCannotFlushItsLockoutWithAFloodOfOtherAddresses() throws Exception {
        Lockout capped = new Lockout(CONFIG, clock, 1_000);
        for (int i = 0; i < 5; i++) {
            capped.recordFailure(ip("a"));
        }
        assertThat(capped.isLockedOut(ip("a"))).isTrue();
        for (int i = 0; i < 100_000; i++) {
            clock.advance(Duration.ofMillis(1)); // all within the window: nothing is idle
            capped.recordFailure(v4(i));
        }
        assertThat(capped.size()).isLessThanOrEqualTo(1_000);
        assertThat(capped.isLockedOut(ip("a"))).isTrue();
    }

    @Test
    void anIpv6ClientIsLockedOutWithItsWholeSlash64() throws Exception {
        Lockout v6 = new Lockout(CONFIG, 64, clock);
        for (int i = 1; i <= 5; i++) {
            v6.recordFailure(InetAddress.getByName("2001:db8:1:2::" + i)); // a fresh address for every try
        }
        assertThat(v6.isLockedOut(InetAddress.getByName("2001:db8:1:2:dead:beef::1"))).isTrue();
        assertThat(v6.isLockedOut(InetAddress.getByName("2001:db8:1:3::1"))).isFalse();
        Lockout perAddress = new Lockout(CONFIG, 128, clock);
        for (int i = 1; i <= 5; i++) {
            perAddress.recordFailure(InetAddress.getByName("2001:db8:1:2::" + i));
        }
        assertThat(perAddress.isLockedOut(InetAddress.getByName("2001:db8:1:2::1"))).isFalse();
    }

    private static InetAddress ip(String name) {
        try {
            return switch (name) {
                case "a" -> InetAddress.getByName("192.0.2.1");
                case "b" -> InetAddress.getByName("192.0.2.2");
                case "m" -> java.net.Inet6Address.getByAddress(null, mappedBytes(), null);
                case "v6" -> InetAddress.getByName("2001:db8::1");
                default -> throw new IllegalArgumentException(name);
            };
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] mappedBytes() {
        return new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, 0, 2, 1};
    }

    private static InetAddress v4(int i) throws java.net.UnknownHostException {
        return InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
    }
}

package sluice.auth;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PasswordHashTest {

    private final PasswordHash hasher = new PasswordHash(new SecureRandom());

    @Test
    void rfc9106Argon2idTestVector() {
        // RFC 9106 section 5.3: exercises the raw generator, secret and associated data included.
        byte[] tag = PasswordHash.derive(
                new PasswordHash.Params(32, 3, 4),
                filled(16, 0x02), filled(32, 0x01), filled(8, 0x03), filled(12, 0x04), 32);
        assertThat(HexFormat.of().formatHex(tag))
                .isEqualTo("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
    }

    @Test
    void verifiesStringsFromTheReferenceImplementation() {
        // Produced by the reference C implementation's CLI (Debian package argon2):
        //   echo -n "correct horse battery staple" | argon2 sluicesaltsluice -id -t 2 -k 19456 -p 1 -l 32 -e
        String reference = "$argon2id$v=19$m=19456,t=2,p=1$c2x1aWNlc2FsdHNsdWljZQ$Ih5RoKgftD3qy1dviCpURH03Pmt+Hq3BhhJf0y8Q2PU";
        assertThat(PasswordHash.verify(reference, "correct horse battery staple".getBytes(UTF_8))).isTrue();
        assertThat(PasswordHash.verify(reference, "correct horse battery stapler".getBytes(UTF_8))).isFalse();
    }

    @Test
    void formatsLikeTheReferenceImplementation() {
        // Same salt and password as above, so our encoder must reproduce the reference string byte for byte.
        byte[] salt = "sluicesaltsluice".getBytes(UTF_8);
        byte[] hash = PasswordHash.derive(PasswordHash.DEFAULT, salt, "correct horse battery staple".getBytes(UTF_8), 32);
        assertThat(PasswordHash.format(PasswordHash.DEFAULT, salt, hash))
                .isEqualTo("$argon2id$v=19$m=19456,t=2,p=1$c2x1aWNlc2FsdHNsdWljZQ$Ih5RoKgftD3qy1dviCpURH03Pmt+Hq3BhhJf0y8Q2PU");
    }

    @Test
    void roundTrip() {
        String encoded = hasher.hash("s3cret".getBytes(UTF_8));
        assertThat(encoded).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
        assertThat(encoded.substring(30)).doesNotContain("=");
        assertThat(PasswordHash.verify(encoded, "s3cret".getBytes(UTF_8))).isTrue();
        assertThat(PasswordHash.verify(encoded, "s3cret!".getBytes(UTF_8))).isFalse();
        assertThat(PasswordHash.verify(encoded, new byte[0])).isFalse();
    }

    @Test
    void freshSaltEachTime() {
        byte[] pw = "same".getBytes(UTF_8);
        assertThat(hasher.hash(pw)).isNotEqualTo(hasher.hash(pw));
    }

    @Test
    void parametersAreTakenFromTheString() {
        PasswordHash cheap = new PasswordHash(new SecureRandom(), new PasswordHash.Params(64, 1, 2));
        String encoded = cheap.hash("pw".getBytes(UTF_8));
        PasswordHash.Encoded parsed = PasswordHash.parse(encoded);
        assertThat(parsed.params()).isEqualTo(new PasswordHash.Params(64, 1, 2));
        assertThat(parsed.salt()).hasSize(16);
        assertThat(parsed.hash()).hasSize(32);
        assertThat(PasswordHash.verify(encoded, "pw".getBytes(UTF_8))).isTrue();
        // Changing a cost changes the result, so verification really uses the stored costs.
        assertThat(PasswordHash.verify(encoded.replace("m=64,", "m=72,"), "pw".getBytes(UTF_8))).isFalse();
    }

    @Test
    void tamperedHashDoesNotVerify() {
        String encoded = hasher.hash("pw".getBytes(UTF_8));
        char last = encoded.charAt(encoded.length() - 2);
        String tampered = encoded.substring(0, encoded.length() - 2) + (last == 'A' ? 'B' : 'A') + encoded.charAt(encoded.length() - 1);
        assertThat(PasswordHash.verify(tampered, "pw".getBytes(UTF_8))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "plaintext",
        "$argon2i$v=19$m=19456,t=2,p=1$c2x1aWNlc2FsdHNsdWljZQ$Ih5RoKgftD3qy1dviCpURH03Pmt+Hq3BhhJf0y8Q2PU",
        "$argon2id$v=16$m=19456,t=2,p=1$c2x1aWNlc2FsdHNsdWljZQ$Ih5RoKgftD3qy1dviCpURH03Pmt+Hq3BhhJf0y8Q2PU",
        "$argon2id$v=19$t=2,m=19456,p=1$c2x1aWNlc2FsdHNsdWljZQ$Ih5RoKgftD3qy1dviCpURH03Pmt+Hq3BhhJf0y8Q2PU",
        "$argon2id$v=19$m=99999999,t=2,p=1$c2x1aWNlc2FsdHNsdWljZQ$Ih5RoKgftD3qy1dviCpURH03Pmt+Hq3BhhJf0y8Q2PU",
        "$argon2id$v=19$m=19456,t=0,p=1$c2x1aWNlc2FsdHNsdWljZQ$Ih5RoKgftD3qy1dviCpURH03Pmt+Hq3BhhJf0y8Q2PU",
        "$argon2id$v=19$m=19456,t=2,p=0$c2x1aWNlc2FsdHNsdWljZQ$Ih5RoKgftD3qy1dviCpURH03Pmt+Hq3BhhJf0y8Q2PU",
        "$argon2id$v=19$m=19456,t=2,p=1$c2x1aWNlc2FsdHNsdWljZQ==$Ih5RoKgftD3qy1dviCpURH03Pmt+Hq3BhhJf0y8Q2PU",
        "$argon2id$v=19$m=19456,t=2,p=1$c2x1aWNlc2FsdHNsdWljZQ$Ih5RoKgftD3qy1dviCpURH03Pmt+Hq3BhhJf0y8Q2PUxx",
        "$argon2id$v=19$m=19456,t=2,p=1$c2x1$Ih5RoKgftD3qy1dviCpURH03Pmt+Hq3BhhJf0y8Q2PU",
        "$argon2id$v=19$m=19456,t=2,p=1$c2x1aWNlc2FsdHNsdWljZQ$Ih5RoKgf",
        "$argon2id$v=19$m=19456,t=2,p=1$c2x1aWNlc2FsdHNsdWljZQ$Ih5RoKgftD3qy1dviCpURH03Pmt+Hq3BhhJf0y8Q2PU$",
    })
    void malformedStringsAreRejectedCleanly(String encoded) {
        assertThatThrownBy(() -> PasswordHash.verify(encoded, "pw".getBytes(UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("argon2id")
                .hasMessageNotContaining("Ih5RoKgf");
    }

    @Test
    void verifyTime() {
        String encoded = hasher.hash("warm-up".getBytes(UTF_8));
        PasswordHash.verify(encoded, "warm-up".getBytes(UTF_8));
        int runs = 5;
        long start = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            assertThat(PasswordHash.verify(encoded, "warm-up".getBytes(UTF_8))).isTrue();
        }
        double ms = (System.nanoTime() - start) / 1e6 / runs;
        System.out.printf("argon2id m=19456,t=2,p=1 verify: %.1f ms%n", ms);
        assertThat(ms).isLessThan(2_000);
    }

    private static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }
}

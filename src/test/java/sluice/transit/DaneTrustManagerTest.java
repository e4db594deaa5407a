package sluice.transit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import sluice.dns.Tlsa;
import sluice.testkit.TestCa;

/** Which chains each kind of TLSA record accepts (RFC 7672 3.1, RFC 6698 2.1), without DNS or sockets. */
class DaneTrustManagerTest {
    private static final TestCa CA = TestCa.create("Table CA");
    private static final TestCa.Issued MX = CA.issue("mx.example.test");
    private static final TestCa.Issued DOMAIN_NAMED = CA.issue("example.test");
    private static final TestCa.Issued DEEP_WILDCARD = CA.issue("*.test");
    private static final TestCa.Issued WILDCARD = CA.issue("*.example.test");
    private static final TestCa.Issued ELSEWHERE = CA.issue("mx.example.org", "example.org");
    private static final TestCa.Issued STRANGER = TestCa.selfSigned(Instant.now().minusSeconds(60),
            Instant.now().plusSeconds(3600), "mx.example.test");
    private static final Set<String> NAMES = Set.of("mx.example.test", "example.test");

    static Stream<Arguments> cases() {
        X509Certificate ca = CA.certificate();
        X509Certificate leaf = MX.leaf();
        X509Certificate[] leafOnly = {leaf};
        return Stream.of(
                Arguments.of("3 1 2 leaf key SHA-512", tlsa(3, 1, 2, leaf), MX.chain(), null),
                Arguments.of("3 0 0 leaf certificate in full", tlsa(3, 0, 0, leaf), MX.chain(), null),
                Arguments.of("3 1 1 of the CA matches no leaf", tlsa(3, 1, 1, ca), MX.chain(), ResultType.VALIDATION_FAILURE),
                Arguments.of("2 1 1 CA key in the chain", tlsa(2, 1, 1, ca), MX.chain(), null),
                Arguments.of("2 1 0 CA key absent from the chain", tlsa(2, 1, 0, ca), leafOnly, null),
                Arguments.of("2 0 0 CA certificate absent from the chain", tlsa(2, 0, 0, ca), leafOnly, null),
                Arguments.of("2 0 1 CA digest but CA absent from the chain", tlsa(2, 0, 1, ca), leafOnly, ResultType.VALIDATION_FAILURE),
                Arguments.of("2 0 1 leaf named after the next-hop domain", tlsa(2, 0, 1, ca), DOMAIN_NAMED.chain(), null),
                Arguments.of("2 0 1 *.test covers the next-hop domain example.test", tlsa(2, 0, 1, ca),
                        DEEP_WILDCARD.chain(), null),
                Arguments.of("2 0 1 *.example.test covers the MX host", tlsa(2, 0, 1, ca), WILDCARD.chain(), null),
                Arguments.of("2 0 1 leaf naming another host", tlsa(2, 0, 1, ca), ELSEWHERE.chain(),
                        ResultType.CERTIFICATE_HOST_MISMATCH),
                Arguments.of("2 0 1 self-signed stranger", tlsa(2, 0, 1, ca), STRANGER.chain(), ResultType.VALIDATION_FAILURE),
                Arguments.of("2 1 1 of the leaf itself is no trust anchor", tlsa(2, 1, 1, leaf), MX.chain(),
                        ResultType.VALIDATION_FAILURE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void chain(String name, Tlsa record, X509Certificate[] chain, ResultType failure) {
        DaneTrustManager manager = new DaneTrustManager(List.of(record), NAMES, Clock.systemUTC());
        if (failure == null) {
            assertThatCode(() -> manager.check(chain)).doesNotThrowAnyException();
        } else {
            assertThatThrownBy(() -> manager.check(chain)).isInstanceOfSatisfying(PolicyCheckException.class,
                    e -> assertThat(e.type()).isEqualTo(failure));
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}, {3} bytes: usable {4}")
    @CsvSource({
            "3, 1, 1, 32, true", "3, 0, 2, 64, true", "2, 1, 0, 91, true",
            "0, 0, 1, 32, false", "1, 1, 1, 32, false", "4, 1, 1, 32, false",
            "3, 2, 1, 32, false", "3, 1, 3, 32, false", "3, 1, 1, 31, false", "3, 1, 2, 32, false", "3, 1, 0, 0, false"})
    void usable(int usage, int selector, int matching, int length, boolean usable) {
        assertThat(TlsaMatch.usable(new Tlsa(usage, selector, matching, new byte[length]))).isEqualTo(usable);
    }

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource({"*.example.test, mx.example.test, true", "*.test, mx.example.test, false", "*.example.test, example.test, false",
            "MX.Example.Test., mx.example.test, true", "mx.example.test, mx2.example.test, false"})
    void names(String presented, String reference, boolean matches) {
        assertThat(DaneTrustManager.nameMatches(presented, reference)).isEqualTo(matches);
    }

    private static Tlsa tlsa(int usage, int selector, int matching, X509Certificate cert) {
        return new Tlsa(usage, selector, matching, HexFormat.of().parseHex(TestCa.tlsaData(cert, selector, matching)));
    }
}

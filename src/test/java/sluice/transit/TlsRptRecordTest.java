package sluice.transit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import sluice.transit.TlsRptRecord.Destination;
import sluice.transit.TlsRptRecord.Lookup;

/** {@code _smtp._tls} records as RFC 8460 3 reads them, hostile ones included. */
class TlsRptRecordTest {
    static Stream<Arguments> records() {
        return Stream.of(
                Arguments.of(List.of("v=TLSRPTv1; rua=mailto:reports@example.test"),
                        found(new Destination.Mail("reports@example.test"))),
                Arguments.of(List.of("v=TLSRPTv1;rua=mailto:a@example.test,https://r.example.test/tlsrpt"),
                        found(new Destination.Mail("a@example.test"), new Destination.Https(URI.create("https://r.example.test/tlsrpt")))),
                Arguments.of(List.of("v=TLSRPTv1; rua=mailto:a@example.test , mailto:b@example.test;"),
                        found(new Destination.Mail("a@example.test"), new Destination.Mail("b@example.test"))),
                Arguments.of(List.of("v=spf1 -all", "v=TLSRPTv1; ext=1; rua=mailto:x%2Bt@example.test?subject=hi"),
                        found(new Destination.Mail("x+t@example.test"))),
                Arguments.of(List.of("v=TLSRPTv1; rua=http://r.example.test/, mailto:a@example.test"),
                        found(new Destination.Mail("a@example.test"))),
                Arguments.of(List.of(), new Lookup.None("no v=TLSRPTv1 record")),
                Arguments.of(List.of("v=TLSRPTv10; rua=mailto:a@example.test"), new Lookup.None("no v=TLSRPTv1 record")),
                Arguments.of(List.of("rua=mailto:a@example.test; v=TLSRPTv1"), new Lookup.None("no v=TLSRPTv1 record")),
                Arguments.of(List.of("v=TLSRPTv1; rua=mailto:a@example.test", "v=TLSRPTv1; rua=mailto:b@example.test"),
                        new Lookup.None("2 v=TLSRPTv1 records (RFC 8460 3: none used)")),
                Arguments.of(List.of("v=TLSRPTv1"), new Lookup.None("no rua= field")),
                Arguments.of(List.of("v=TLSRPTv1; rua=mailto:a@example.test; rua=mailto:b@example.test"),
                        new Lookup.None("two rua= fields")),
                Arguments.of(List.of("v=TLSRPTv1; rua=ftp://x, mailto:noat, mailto:a@b>\r\nBcc: c@d, https://u:p@h/"),
                        new Lookup.None("no usable rua= URI (only mailto: and https: are)")),
                Arguments.of(List.of("v=TLSRPTv1; rua=mailto:%ZZ@example.test"),
                        new Lookup.None("no usable rua= URI (only mailto: and https: are)")));
    }

    static Lookup found(Destination... d) {
        return new Lookup.Found(List.of(d), List.of());
    }

    @ParameterizedTest
    @MethodSource("records")
    void reads(List<String> txt, Lookup expected) {
        Lookup got = TlsRptRecord.parse(txt);
        if (expected instanceof Lookup.Found f && got instanceof Lookup.Found g) {
            assertThat(g.destinations()).isEqualTo(f.destinations());
        } else {
            assertThat(got).isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @MethodSource("records")
    void ignoredUrisAreNamed(List<String> txt, Lookup expected) {
        if (TlsRptRecord.parse(txt) instanceof Lookup.Found g && txt.getFirst().contains("http://")) {
            assertThat(g.ignored()).containsExactly("http://r.example.test/");
        }
    }

    @org.junit.jupiter.api.Test
    void aRecordNamingHundredsOfPlacesIsObeyedForTenOnly() {
        StringBuilder r = new StringBuilder("v=TLSRPTv1; rua=");
        for (int i = 0; i < 500; i++) r.append(i == 0 ? "" : ",").append("mailto:r").append(i).append("@example.test");
        assertThat(((Lookup.Found) TlsRptRecord.parse(List.of(r.toString()))).destinations()).hasSize(10);
    }
}

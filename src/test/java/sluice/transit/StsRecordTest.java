package sluice.transit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import sluice.dns.TxtAnswer;

class StsRecordTest {
    static Stream<Arguments> records() {
        return Stream.of(
                Arguments.of(List.of("v=STSv1; id=20160831085700Z;"), "20160831085700Z"),
                Arguments.of(List.of("v=STSv1;id=abc"), "abc"),
                Arguments.of(List.of("v=STSv1; id = abc ; ext=foo;"), "abc"),
                Arguments.of(List.of("v=spf1 -all", "v=STSv1; id=1"), "1"),
                Arguments.of(List.of("v=STSv1; id=" + "a".repeat(32)), "a".repeat(32)),
                // RFC 8461 3.1: not starting with "v=STSv1;" means discarded
                Arguments.of(List.of("v=STSv1"), null),
                Arguments.of(List.of(" v=STSv1; id=1"), null),
                Arguments.of(List.of("v=STSv2; id=1"), null),
                Arguments.of(List.of(), null),
                // several STSv1 records: no policy
                Arguments.of(List.of("v=STSv1; id=1", "v=STSv1; id=2"), null),
                Arguments.of(List.of("v=STSv1; id=1", "v=STSv1; id=1"), null),
                // malformed
                Arguments.of(List.of("v=STSv1; id=" + "a".repeat(33)), null),
                Arguments.of(List.of("v=STSv1; id=a-b"), null),
                Arguments.of(List.of("v=STSv1; id="), null),
                Arguments.of(List.of("v=STSv1;"), null),
                Arguments.of(List.of("v=STSv1; ext=1"), null),
                Arguments.of(List.of("v=STSv1; id=1; id=2"), null),
                Arguments.of(List.of("v=STSv1; id=1; garbage"), null),
                Arguments.of(List.of("v=STSv1; id=1;; x=2"), null));
    }

    @ParameterizedTest
    @MethodSource("records")
    void parsesTheRecord(List<String> txt, String id) {
        StsRecord r = StsRecord.parse(txt);
        if (id == null) {
            assertThat(r).isInstanceOf(StsRecord.Absent.class);
            assertThat(((StsRecord.Absent) r).why()).isNotBlank();
        } else {
            assertThat(r).isEqualTo(new StsRecord.Announced(id));
        }
    }

    @org.junit.jupiter.api.Test
    void lookupOutcomes() {
        assertThat(StsRecord.of(new TxtAnswer.NoRecords())).isInstanceOf(StsRecord.Absent.class);
        assertThat(StsRecord.of(new TxtAnswer.NoSuchDomain("NXDOMAIN"))).isInstanceOf(StsRecord.Absent.class);
        assertThat(StsRecord.of(new TxtAnswer.TempFail("SERVFAIL"))).isInstanceOf(StsRecord.Unknown.class);
        assertThat(StsRecord.of(new TxtAnswer.Records(List.of("v=STSv1; id=7")))).isEqualTo(new StsRecord.Announced("7"));
    }
}

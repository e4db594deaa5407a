package sluice.transit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import sluice.smtp.Capabilities;
import sluice.transit.RequireTls.Verdict;
import sluice.transit.RequireTls.Verification;

class RequireTlsTest {
    static Capabilities ehlo(boolean requireTls) {
        Map<String, String> k = new LinkedHashMap<>();
        k.put("PIPELINING", "");
        if (requireTls) k.put("REQUIRETLS", "");
        return new Capabilities(k);
    }

    @ParameterizedTest(name = "required={0} {1} mxSecure={2} offers={3} -> {4}")
    @CsvSource({
            // required, verification, mxSecure, host offers REQUIRETLS, expected (ok or the enhanced code)
            "false, NONE,       false, false, ok",
            "false, UNVERIFIED, false, false, ok",
            "true,  DANE,       false, true,  ok",
            "true,  DANE,       false, false, 5.7.30",
            "true,  MTA_STS,    false, true,  ok",
            "true,  MTA_STS,    false, false, 5.7.30",
            "true,  PKIX,       true,  true,  ok",
            "true,  PKIX,       true,  false, 5.7.30",
            "true,  PKIX,       false, true,  5.7.10",
            "true,  UNVERIFIED, true,  true,  5.7.10",
            "true,  NONE,       true,  true,  5.7.10",
    })
    void theRule(boolean required, Verification how, boolean mxSecure, boolean offers, String expected) {
        Verdict v = RequireTls.check(required, how, mxSecure, ehlo(offers));
        if (expected.equals("ok")) {
            assertThat(v).isInstanceOf(Verdict.Proceed.class);
        } else {
            assertThat(v).isInstanceOfSatisfying(Verdict.Refuse.class, r -> {
                assertThat(r.enhancedCode()).isEqualTo(expected);
                // soft per host (the next MX is tried), permanent only when the list is exhausted
                assertThat(r.perHost().code()).isEqualTo(450);
                assertThat(r.perHost().status().toString()).isEqualTo("4" + expected.substring(1));
                assertThat(r.permanent().code()).isEqualTo(550);
                assertThat(r.permanent().status().toString()).isEqualTo(expected);
            });
        }
    }

    @Test
    void aTlsFailureIsEncryptionNeeded() {
        Verdict.Refuse r = RequireTls.tlsFailed("handshake_failure");
        assertThat(r.enhancedCode()).isEqualTo("5.7.10");
        assertThat(r.reason()).contains("handshake_failure");
    }

    @Test
    void exhaustedListBouncesWithNotSupportedWhenAnyHostLackedOnlyTheKeyword() {
        var tls = RequireTls.tlsFailed("expired certificate");
        var missing = (Verdict.Refuse) RequireTls.check(true, Verification.DANE, true, ehlo(false));
        assertThat(RequireTls.exhausted(List.of(tls, missing)).summary())
                .startsWith("550 5.7.30 REQUIRETLS not supported by the next hop").contains("all 2 MX hosts");
        assertThat(RequireTls.exhausted(List.of(tls)).summary()).startsWith("550 5.7.10 ");
        assertThatThrownBy(() -> RequireTls.exhausted(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}

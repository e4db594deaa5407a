package sluice.mailauth;

import static org.assertj.core.api.Assertions.assertThat;
import static sluice.mailauth.DkimFixtures.*;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import sluice.dns.TxtAnswer;
import sluice.mailauth.DkimResult.Result;

/** Sign with DkimSigner, change the message the way transit (or an attacker) would, verify with DkimVerifier. */
class DkimRoundTripTest {
    private static final long NOW = 1_700_000_000L;
    private static final String MESSAGE = crlf("""
            Received: from client.example.org by mx.example.com
            From: Alice <alice@example.com>
            To: bob@example.net
            Subject: Quarterly   report
            Date: Tue, 14 Nov 2023 22:13:20 +0000
            Message-ID: <q3@example.com>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8

            Hello Bob,

            the numbers are in.\s\s
            """);
    private static final Map<String, KeyPair> KEYS = new HashMap<>();

    @BeforeAll
    static void keys() {
        KEYS.put("rsa2048", DkimKeys.generate("rsa2048"));
        KEYS.put("ed25519", DkimKeys.generate("ed25519"));
    }

    private static byte[] signed(String algorithm) {
        var signer = new DkimSigner(List.of(new DkimSigner.SigningKey("example.com", "s1", KEYS.get(algorithm).getPrivate())), clockAt(NOW));
        return signer.sign(MESSAGE.getBytes(StandardCharsets.UTF_8), "example.com");
    }

    private static List<DkimResult> verify(String algorithm, byte[] message) {
        String record = DkimKeys.txtRecord(KEYS.get(algorithm).getPublic());
        return new DkimVerifier(lookup(Map.of("s1._domainkey.example.com", record)), clockAt(NOW + 60)).verify(message);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    static List<Arguments> changes() {
        List<Arguments> rows = new java.util.ArrayList<>();
        Map<String, UnaryOperator<String>> passing = new java.util.LinkedHashMap<>();
        passing.put("unchanged", s -> s);
        passing.put("a Received field added on top", s -> "Received: from relay.example.net\r\n" + s);
        passing.put("whitespace inside a signed field", s -> s.replace("Subject: Quarterly   report", "Subject:  Quarterly \t report "));
        passing.put("a signed field refolded", s -> s.replace("To: bob@example.net", "To:\r\n bob@example.net"));
        passing.put("field name case", s -> s.replace("Subject:", "SUBJECT:"));
        passing.put("trailing whitespace and blank lines in the body", s -> s.replace("Hello Bob,", "Hello Bob, \t") + "\r\n\r\n");
        Map<String, UnaryOperator<String>> failing = new java.util.LinkedHashMap<>();
        failing.put("a signed field changed", s -> s.replace("Quarterly", "Annual"));
        failing.put("the body changed", s -> s.replace("numbers", "figures"));
        failing.put("content appended to the body", s -> s + "P.S. click here\r\n");
        failing.put("a second From added", s -> "From: Mallory <m@evil.example>\r\n" + s);
        failing.put("a second From added at the bottom", s -> s.replace("\r\n\r\nHello", "\r\nFrom: m@evil.example\r\n\r\nHello"));
        failing.put("a Subject added", s -> s.replace("\r\n\r\nHello", "\r\nSubject: urgent\r\n\r\nHello"));
        failing.put("an absent Cc... no: a Reply-To is not signed, but a new To is", s -> s.replace("\r\n\r\nHello", "\r\nTo: eve@example.org\r\n\r\nHello"));
        for (String alg : List.of("rsa2048", "ed25519")) {
            passing.forEach((what, change) -> rows.add(Arguments.of(alg, what, change, Result.PASS)));
            failing.forEach((what, change) -> rows.add(Arguments.of(alg, what, change, Result.FAIL)));
        }
        return rows;
    }

    @ParameterizedTest(name = "{0}: {1} -> {3}")
    @MethodSource("changes")
    void transitChanges(String algorithm, String what, UnaryOperator<String> change, Result expected) {
        byte[] changed = change.apply(text(signed(algorithm))).getBytes(StandardCharsets.UTF_8);

        List<DkimResult> results = verify(algorithm, changed);

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.result()).as(r.toString()).isEqualTo(expected);
            assertThat(r.domain()).isEqualTo("example.com");
            assertThat(r.selector()).isEqualTo("s1");
            assertThat(r.algorithm()).isEqualTo(algorithm.equals("rsa2048") ? "rsa-sha256" : "ed25519-sha256");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa2048", "ed25519"})
    void signatureFieldLayout(String algorithm) {
        String out = text(signed(algorithm));
        String field = out.substring(0, out.indexOf("\r\nReceived:"));

        assertThat(field.replace("\r\n ", "")).startsWith("DKIM-Signature: v=1; a=").contains("c=relaxed/relaxed;", "d=example.com;", "s=s1;", "t=" + NOW + ";", "b=")
                .contains("h=from:from:to:to:subject:subject:date:date:message-id:mime-version:content-type;")
                .doesNotContain("l=");
        assertThat(field.split("\r\n")).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(78));
    }

    @Test
    void bothAlgorithmsForOneDomainGiveTwoSignaturesEd25519First() {
        var signer = new DkimSigner(List.of(
                new DkimSigner.SigningKey("example.com", "rsa", KEYS.get("rsa2048").getPrivate()),
                new DkimSigner.SigningKey("Example.COM", "ed", KEYS.get("ed25519").getPrivate()),
                new DkimSigner.SigningKey("other.example", "x", KEYS.get("ed25519").getPrivate())), clockAt(NOW));
        byte[] signed = signer.sign(MESSAGE.getBytes(StandardCharsets.UTF_8), "EXAMPLE.com");
        var lookup = lookup(Map.of("rsa._domainkey.example.com", DkimKeys.txtRecord(KEYS.get("rsa2048").getPublic()),
                "ed._domainkey.example.com", DkimKeys.txtRecord(KEYS.get("ed25519").getPublic())));

        List<DkimResult> results = new DkimVerifier(lookup, clockAt(NOW)).verify(signed);

        assertThat(results).extracting(DkimResult::selector, DkimResult::result).containsExactly(
                org.assertj.core.groups.Tuple.tuple("ed", Result.PASS), org.assertj.core.groups.Tuple.tuple("rsa", Result.PASS));
    }

    @Test
    void aDomainWithoutKeysIsLeftUnsigned() {
        byte[] message = MESSAGE.getBytes(StandardCharsets.UTF_8);
        var signer = new DkimSigner(List.of(new DkimSigner.SigningKey("example.com", "s1", KEYS.get("ed25519").getPrivate())), clockAt(NOW));

        assertThat(signer.sign(message, "example.org")).isSameAs(message);
        assertThat(signer.sign(message, null)).isSameAs(message);
        assertThat(new DkimVerifier(lookup(Map.of()), clockAt(NOW)).verify(message)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa2048", "ed25519"})
    void revokedKeyFails(String algorithm) {
        String k = algorithm.equals("rsa2048") ? "rsa" : "ed25519";
        var lookup = lookup(Map.of("s1._domainkey.example.com", "v=DKIM1; k=" + k + "; p="));

        List<DkimResult> results = new DkimVerifier(lookup, clockAt(NOW)).verify(signed(algorithm));

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.result()).isEqualTo(Result.FAIL);
            assertThat(r.reason()).isEqualTo("key revoked");
        });
    }

    static List<Arguments> keyProblems() {
        String ed = DkimKeys.txtRecord(DkimKeys.generate("ed25519").getPublic());
        return List.of(
                Arguments.of("no record", (TxtLookup) n -> new TxtAnswer.NoSuchDomain("NXDOMAIN"), Result.PERMERROR, "no key record"),
                Arguments.of("no TXT", (TxtLookup) n -> new TxtAnswer.NoRecords(), Result.PERMERROR, "no key record"),
                Arguments.of("DNS failure", (TxtLookup) n -> new TxtAnswer.TempFail("SERVFAIL"), Result.TEMPERROR, "SERVFAIL"),
                Arguments.of("another key", record(ed), Result.FAIL, "signature did not verify"),
                Arguments.of("k= mismatch", record(ed.replace("k=ed25519", "k=rsa")), Result.PERMERROR, "does not match"),
                Arguments.of("bad version", record("v=DKIM2; k=ed25519; p=" + ed.substring(ed.indexOf("p=") + 2)), Result.PERMERROR, "DKIM1"),
                Arguments.of("not for email", record(ed + "; s=other"), Result.PERMERROR, "not for email"),
                Arguments.of("garbage", record("hello world"), Result.PERMERROR, "key record syntax"),
                Arguments.of("short key", record("v=DKIM1; k=ed25519; p=AAAA"), Result.PERMERROR, "unusable key"));
    }

    private static TxtLookup record(String value) {
        return n -> new TxtAnswer.Records(List.of(value));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keyProblems")
    void keyProblems(String what, TxtLookup lookup, Result expected, String reason) {
        List<DkimResult> results = new DkimVerifier(lookup, clockAt(NOW)).verify(signed("ed25519"));

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.result()).isEqualTo(expected);
            assertThat(r.reason()).contains(reason);
        });
    }

    static List<Arguments> signatureProblems() {
        return List.of(
                Arguments.of("x= passed", (UnaryOperator<String>) s -> s.replace("t=" + NOW + ";", "x=" + (NOW + 30) + "; t=" + NOW + ";"), "expired"),
                Arguments.of("x= before t=", (UnaryOperator<String>) s -> s.replace("t=" + NOW + ";", "x=5; t=" + NOW + ";"), "x= is before t="),
                Arguments.of("t= in the future", (UnaryOperator<String>) s -> s.replace("t=" + NOW, "t=" + (NOW + 86_400)), "future"),
                Arguments.of("rsa-sha1", (UnaryOperator<String>) s -> s.replace("a=ed25519-sha256", "a=rsa-sha1"), "unsupported algorithm"),
                Arguments.of("v=2", (UnaryOperator<String>) s -> s.replace("v=1;", "v=2;"), "version"),
                Arguments.of("no bh=", (UnaryOperator<String>) s -> s.replace(" bh=", " xh="), "missing bh="),
                Arguments.of("duplicate tag", (UnaryOperator<String>) s -> s.replace("v=1;", "v=1; v=1;"), "duplicate"),
                Arguments.of("From not signed", (UnaryOperator<String>) s -> s.replace("h=from:from:", "h="), "From"),
                Arguments.of("i= outside d=", (UnaryOperator<String>) s -> s.replace("v=1;", "v=1; i=@evil.example;"), "i="),
                Arguments.of("c= unknown", (UnaryOperator<String>) s -> s.replace("c=relaxed/relaxed", "c=nowsp"), "canonicalization"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("signatureProblems")
    void signatureProblemsArePermErrors(String what, UnaryOperator<String> change, String reason) {
        byte[] message = change.apply(text(signed("ed25519"))).getBytes(StandardCharsets.UTF_8);

        assertThat(verify("ed25519", message)).singleElement().satisfies(r -> {
            assertThat(r.result()).isEqualTo(Result.PERMERROR);
            assertThat(r.reason()).contains(reason);
        });
    }

    @Test
    void lengthTagIsIgnoredSoAppendedContentFails() {
        String signed = text(signed("ed25519")).replace("v=1;", "v=1; l=10;");

        assertThat(verify("ed25519", (signed + "appended\r\n").getBytes(StandardCharsets.UTF_8)))
                .singleElement().satisfies(r -> {
                    assertThat(r.result()).isEqualTo(Result.FAIL);
                    assertThat(r.reason()).contains("l= is ignored");
                });
    }

    @Test
    void signaturesBeyondTheLimitAreNotChecked() {
        String one = text(signed("ed25519"));
        String field = one.substring(0, one.indexOf("Received:"));
        byte[] many = (field.repeat(DkimVerifier.MAX_SIGNATURES + 2) + MESSAGE).getBytes(StandardCharsets.UTF_8);

        List<DkimResult> results = verify("ed25519", many);

        assertThat(results).hasSize(DkimVerifier.MAX_SIGNATURES + 2);
        assertThat(results.subList(0, DkimVerifier.MAX_SIGNATURES)).allSatisfy(r -> assertThat(r.result()).isEqualTo(Result.PASS));
        assertThat(results.getLast().result()).isEqualTo(Result.NEUTRAL);
    }

    @Test
    void verifiesThroughTheResolverAgainstARealDnsServer() {
        try (var dns = sluice.testkit.TestDnsServer.start()) {
            dns.txt("s1._domainkey.example.com", DkimKeys.txtRecord(KEYS.get("rsa2048").getPublic()));
            var resolver = sluice.dns.Resolver.create(List.of(dns.address()), java.time.Duration.ofSeconds(2), clockAt(NOW));

            List<DkimResult> results = new DkimVerifier(resolver::txt, clockAt(NOW)).verify(signed("rsa2048"));

            assertThat(results).extracting(DkimResult::result).containsExactly(Result.PASS);
        }
    }
}

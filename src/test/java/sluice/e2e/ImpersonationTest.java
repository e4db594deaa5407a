package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sluice.dns.TxtAnswer;
import sluice.mailauth.DkimKeys;
import sluice.mailauth.DkimResult;
import sluice.mailauth.DkimVerifier;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TwoSigningDomains;

/**
 * Impersonation through authenticated submission, with swaks as the client: alice@example.test (may send as
 * {@code @example.test}) tries to send as ceo@other.test in From, Sender and Resent-From. Sluice holds DKIM keys for
 * both domains, so a message that got through would be signed d=other.test: the refusal and the signing domain are
 * both checked. Recipients are remote (their DNS fails), so accepted messages stay in the spool to be read.
 */
class ImpersonationTest {
    private static final Pattern QUEUED = Pattern.compile("queued as (\\S+)");
    static SluiceHarness sluice;
    static KeyPair exampleKey;

    @BeforeAll
    static void start() throws Exception {
        exampleKey = DkimKeys.generate("ed25519");
        sluice = SluiceHarness.start("[]", TwoSigningDomains.toml(exampleKey.getPrivate(), DkimKeys.generate("ed25519").getPrivate()));
    }

    @AfterAll
    static void stop() {
        sluice.close();
    }

    private static Peer.Result swaks(String envelopeFrom, String... headers) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("swaks", "--server", "127.0.0.1:" + sluice.submission, "-tls",
                "--auth", "PLAIN", "--auth-user", SluiceHarness.USER, "--auth-password", SluiceHarness.PASSWORD,
                "--from", envelopeFrom, "--to", "bob@remote.test", "--timeout", "20", "--header", "Subject: impersonation"));
        for (String h : headers) cmd.addAll(List.of("--header", h));
        return Peer.run(cmd, null, 60);
    }

    private static void assertRefused(Peer.Result r, String address, String field) {
        assertThat(r.exit()).as(r.output()).isNotZero();
        assertThat(r.output()).as(r.output())
                .contains("* 550 5.7.1 Sender address not owned by the authenticated user: " + address + " (" + field + ")")
                .doesNotContain("queued as");
    }

    private static String queuedData(Peer.Result r) throws Exception {
        assertThat(r.exit()).as(r.output()).isZero();
        Matcher m = QUEUED.matcher(r.output());
        assertThat(m.find()).as(r.output()).isTrue();
        return new String(sluice.spool().readData(m.group(1)).orElseThrow(), StandardCharsets.UTF_8);
    }

    @Test
    void aFromSenderOrResentFromOfAnotherDomainIsRefusedAfterData() throws Exception {
        assertRefused(swaks(SluiceHarness.USER, "From: CEO <ceo@other.test>"), "ceo@other.test", "From");
        assertRefused(swaks(SluiceHarness.USER, "From: alice@example.test", "Sender: ceo@other.test"), "ceo@other.test", "Sender");
        assertRefused(swaks(SluiceHarness.USER, "From: alice@example.test", "Resent-From: ceo@other.test"),
                "ceo@other.test", "Resent-From");
        assertRefused(swaks(SluiceHarness.USER, "From: alice@example.test", "Resent-Sender: CEO <ceo@other.test>"),
                "ceo@other.test", "Resent-Sender");
        assertRefused(swaks(SluiceHarness.USER, "From: alice@example.test, ceo@other.test"), "ceo@other.test", "From");
        assertThat(Files.readString(sluice.deliveryLog())).contains("\"event\":\"rejected\"")
                .contains("Sender address not owned by the authenticated user: ceo@other.test (Resent-From)");
    }

    @Test
    void anAllowedFromIsAcceptedAndSignedForItsOwnDomainOnly() throws Exception {
        String data = queuedData(swaks(SluiceHarness.USER, "From: Alice <alice@example.test>"));
        assertThat(data).contains("d=example.test;").doesNotContain("d=other.test");
        String record = DkimKeys.txtRecord(exampleKey.getPublic());
        DkimVerifier verifier = new DkimVerifier(name -> name.equals("s1._domainkey.example.test")
                ? new TxtAnswer.Records(List.of(record)) : new TxtAnswer.NoSuchDomain(name), Clock.systemUTC());
        assertThat(verifier.verify(data.getBytes(StandardCharsets.UTF_8)))
                .extracting(DkimResult::result, DkimResult::domain).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(DkimResult.Result.PASS, "example.test"));
    }

    @Test
    void aGroupWhoseNameLooksLikeAnAddressIsSignedForItsMembersDomain() throws Exception {
        String data = queuedData(swaks(SluiceHarness.USER, "From: \"<ceo@other.test>\" : alice@example.test;"));
        assertThat(data).contains("d=example.test;").doesNotContain("d=other.test");
    }

    /**
     * MAIL FROM:<> from a user relaying to a remote recipient is allowed, as Postfix's reject_sender_login_mismatch
     * allows it (auto-replies, MDNs, DSNs a user's filter sends), because the From check still applies.
     */
    @Test
    void theNullSenderIsAllowedOnlyWithAFromTheUserOwns() throws Exception {
        String data = queuedData(swaks("<>", "From: alice@example.test"));
        assertThat(data).contains("d=example.test;");
        assertRefused(swaks("<>", "From: MAILER-DAEMON <ceo@other.test>"), "ceo@other.test", "From");
    }
}

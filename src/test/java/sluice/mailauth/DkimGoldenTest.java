package sluice.mailauth;

import static org.assertj.core.api.Assertions.assertThat;
import static sluice.mailauth.DkimFixtures.*;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import sluice.mailauth.DkimResult.Result;

/** RFC 8463 Appendix A, byte for byte: its signatures verify, and our primitives reproduce its bh= and b= values. */
class DkimGoldenTest {
    private static final long AFTER_SIGNING = 1_600_000_000L;

    @Test
    void rfc8463SignedMessagePassesBothSignatures() {
        var verifier = new DkimVerifier(lookup(rfcRecords()), clockAt(AFTER_SIGNING));

        List<DkimResult> results = verifier.verify(resource("rfc8463-signed.eml"));

        assertThat(results).extracting(DkimResult::selector, DkimResult::algorithm, DkimResult::result).containsExactly(
                org.assertj.core.groups.Tuple.tuple("brisbane", "ed25519-sha256", Result.PASS),
                org.assertj.core.groups.Tuple.tuple("test", "rsa-sha256", Result.PASS));
        assertThat(results).allSatisfy(r -> assertThat(r.domain()).isEqualTo(RFC_DOMAIN));
    }

    @Test
    void simpleBodyHashMatchesTheRfc() {
        Message m = Message.parse(resource("rfc8463-message.eml"));

        String bh = Base64.getEncoder().encodeToString(DkimSigner.sha256(Canonicalization.SIMPLE.body(m.body())));

        assertThat(bh).isEqualTo("4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=");
    }

    /** Both algorithms are deterministic, so signing the RFC's header data with its keys must give its b= exactly. */
    @ParameterizedTest
    @CsvSource({"0, ed25519", "1, rsa"})
    void signingTheRfcHeaderDataReproducesItsSignature(int index, String keyName) throws Exception {
        Message signed = Message.parse(resource("rfc8463-signed.eml"));
        HeaderField field = signed.headers().stream().filter(h -> h.lowerName().equals("dkim-signature")).toList().get(index);
        Map<String, String> tags = Tags.parse(field.value());
        PrivateKey key = keyName.equals("rsa") ? rfcRsaKey() : rfcEd25519Key();
        List<String> names = List.of(tags.get("h").replace(" ", "").split(":"));
        byte[] headers = Canonicalization.SIMPLE.signedHeaders(signed.headers(), names);
        byte[] self = Canonicalization.SIMPLE.signatureHeader(field);
        byte[] data = new byte[headers.length + self.length];
        System.arraycopy(headers, 0, data, 0, headers.length);
        System.arraycopy(self, 0, data, headers.length, self.length);

        byte[] b = DkimAlgorithm.of(key).sign(key, data);

        assertThat(Base64.getEncoder().encodeToString(b)).isEqualTo(Tags.base64(tags.get("b")));
    }

    @Test
    void rfcKeysGiveTheRfcKeyRecords() throws Exception {
        Map<String, String> records = rfcRecords();

        assertThat(DkimKeys.txtRecord(DkimKeys.publicKey(rfcEd25519Key())))
                .isEqualTo(records.get("brisbane._domainkey.football.example.com"));
        assertThat(DkimKeys.txtRecord(DkimKeys.publicKey(rfcRsaKey())))
                .isEqualTo(records.get("test._domainkey.football.example.com"));
    }

    /** Sluice's own signature layout, pinned: regenerate sluice-signed.eml only for an intended change (and re-check with dkimpy). */
    @Test
    void sluiceSignatureOfTheRfcMessageIsStable() throws Exception {
        var signer = new DkimSigner(List.of(
                new DkimSigner.SigningKey(RFC_DOMAIN, "test", rfcRsaKey()),
                new DkimSigner.SigningKey(RFC_DOMAIN, "brisbane", rfcEd25519Key())), clockAt(1_700_000_000L));

        byte[] signed = signer.sign(resource("rfc8463-message.eml"), RFC_DOMAIN);

        if (Boolean.getBoolean("dkim.regenerate")) {
            java.nio.file.Files.write(java.nio.file.Path.of("src/test/resources/dkim/sluice-signed.eml"), signed);
        }
        assertThat(new String(signed, StandardCharsets.ISO_8859_1)).isEqualTo(text("sluice-signed.eml"));
    }
}

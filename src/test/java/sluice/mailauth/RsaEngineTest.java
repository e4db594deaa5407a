package sluice.mailauth;

import static org.assertj.core.api.Assertions.assertThat;
import static sluice.mailauth.DkimFixtures.clockAt;
import static sluice.mailauth.DkimFixtures.crlf;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.List;
import org.junit.jupiter.api.Test;

/** DKIM's RSA signatures by native code: the same bytes as the JDK's (PKCS#1 v1.5 is deterministic), and really native. */
class RsaEngineTest {
    private static final byte[] MESSAGE = crlf("""
            From: Joe SixPack <joe@football.example.com>
            To: Suzie Q <suzie@shopping.example.net>
            Subject: Is dinner ready?
            Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)
            Message-ID: <20030712040037.46341.5F8J@football.example.com>

            Hi.

            We lost the game.  Are you hungry yet?

            Joe.
            """).getBytes(StandardCharsets.US_ASCII);

    @Test
    void theServersEngineSignsNativelyOnThisPlatform() throws Exception {
        // CI runs on Linux x86-64, where the library must load: a silent fall back to the JDK would cost 3x per message.
        var signer = new DkimSigner(List.of(new DkimSigner.SigningKey(DkimFixtures.RFC_DOMAIN, "test",
                DkimFixtures.rfcRsaKey())), clockAt(1_528_637_909), RsaEngine.NATIVE);
        assertThat(signer.rsaIsNative()).isTrue();
        assertThat(new DkimSigner(List.of(new DkimSigner.SigningKey(DkimFixtures.RFC_DOMAIN, "test",
                DkimFixtures.rfcRsaKey())), clockAt(1_528_637_909), RsaEngine.JDK).rsaIsNative()).isFalse();
    }

    @Test
    void nativeAndJdkSignaturesAreTheSameBytes() throws Exception {
        PrivateKey key = DkimFixtures.rfcRsaKey();
        RsaEngine.PreparedRsa nativeKey = RsaEngine.NATIVE.prepare(key);
        assertThat(nativeKey.isNative()).isTrue();
        for (int n = 0; n < 50; n++) {
            byte[] data = ("header data " + n).repeat(n + 1).getBytes(StandardCharsets.US_ASCII);
            Signature jdk = Signature.getInstance("SHA256withRSA");
            jdk.initSign(key);
            jdk.update(data);
            assertThat(nativeKey.sign(data)).isEqualTo(jdk.sign());
        }
    }

    @Test
    void aWholeMessageSignsTheSameEitherWay() throws Exception {
        var keys = List.of(new DkimSigner.SigningKey(DkimFixtures.RFC_DOMAIN, "brisbane", DkimFixtures.rfcRsaKey()),
                new DkimSigner.SigningKey(DkimFixtures.RFC_DOMAIN, "ed", DkimFixtures.rfcEd25519Key()));
        byte[] nativeSigned = new DkimSigner(keys, clockAt(1_528_637_909), RsaEngine.NATIVE)
                .sign(MESSAGE, DkimFixtures.RFC_DOMAIN);
        byte[] jdkSigned = new DkimSigner(keys, clockAt(1_528_637_909), RsaEngine.JDK)
                .sign(MESSAGE, DkimFixtures.RFC_DOMAIN);
        assertThat(new String(nativeSigned, StandardCharsets.US_ASCII))
                .isEqualTo(new String(jdkSigned, StandardCharsets.US_ASCII))
                .contains("a=rsa-sha256").contains("a=ed25519-sha256");
    }
}

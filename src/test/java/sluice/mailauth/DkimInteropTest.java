package sluice.mailauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static sluice.mailauth.DkimFixtures.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import sluice.mailauth.DkimResult.Result;
import sluice.testkit.Peer;

/** dkimpy (Debian python3-dkim, installed by .ci/run) as an independent signer and verifier. */
class DkimInteropTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final long NOW = 1_700_000_000L;
    private static final String MESSAGE = crlf("""
            From: Alice <alice@example.com>
            To: Bob <bob@example.net>
            Cc: carol@example.org
            Subject: Interop   check
            Date: Tue, 14 Nov 2023 22:13:20 +0000
            Message-ID: <interop@example.com>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=us-ascii
            List-Unsubscribe: <mailto:unsub@example.com>

            Line one.\t
            Line  two.


            """);
    /** verify FILE RECORD: exit 0 when every signature verifies. sign FILE SELECTOR DOMAIN KEYFILE ALG HC BC: prints the signed message. */
    private static final String SCRIPT = """
            import sys, dkim
            mode, path = sys.argv[1], sys.argv[2]
            msg = open(path, 'rb').read()
            if mode == 'verify':
                record = sys.argv[3].encode()
                d = dkim.DKIM(msg)
                n = len([h for h in d.headers if h[0].lower() == b'dkim-signature'])
                ok = all(d.verify(idx=i, dnsfunc=lambda name, timeout=5: record) for i in range(n))
                print('dkimpy verify', n, ok)
                sys.exit(0 if ok and n > 0 else 1)
            selector, domain, keyfile, alg, hc, bc = sys.argv[3:9]
            sig = dkim.sign(msg, selector.encode(), domain.encode(), open(keyfile, 'rb').read(),
                            include_headers=[b'from', b'to', b'subject', b'date', b'message-id'],
                            canonicalize=(hc.encode(), bc.encode()), signature_algorithm=alg.encode())
            sys.stdout.buffer.write(sig + msg)
            """;

    @TempDir
    static Path dir;

    @BeforeAll
    static void dkimpy() throws Exception {
        assumeTrue(Peer.available("python3") && Peer.run(List.of(PYTHON, "-c", "import dkim"), null, 30).ok(),
                "dkimpy (package python3-dkim) is installed by .ci/run");
        Files.writeString(dir.resolve("dkimpy.py"), SCRIPT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa2048", "ed25519"})
    void dkimpyVerifiesWhatSluiceSigns(String algorithm) throws Exception {
        KeyPair pair = DkimKeys.generate(algorithm);
        var signer = new DkimSigner(List.of(new DkimSigner.SigningKey("example.com", "s1", pair.getPrivate())), clockAt(NOW));
        Path file = dir.resolve("sluice-" + algorithm + ".eml");
        Files.write(file, signer.sign(MESSAGE.getBytes(StandardCharsets.US_ASCII), "example.com"));

        Peer.Result r = Peer.run(List.of(PYTHON, dir.resolve("dkimpy.py").toString(), "verify", file.toString(),
                DkimKeys.txtRecord(pair.getPublic())), null, 60);

        assertThat(r.ok()).as(r.output()).isTrue();
        assertThat(r.output()).contains("dkimpy verify 1 True");
    }

    @ParameterizedTest(name = "{0} {1}/{2}")
    @CsvSource({"rsa2048, relaxed, relaxed", "rsa2048, simple, simple", "rsa2048, relaxed, simple",
            "ed25519, relaxed, relaxed", "ed25519, simple, simple"})
    void sluiceVerifiesWhatDkimpySigns(String algorithm, String headerCanon, String bodyCanon) throws Exception {
        KeyPair pair = DkimKeys.generate(algorithm);
        Path key = dir.resolve("key-" + algorithm);
        // dkimpy reads RSA keys as PEM and Ed25519 keys as the base64 seed.
        Files.writeString(key, algorithm.equals("rsa2048") ? DkimKeys.pem(pair.getPrivate())
                : Base64.getEncoder().encodeToString(DkimKeys.seed(pair.getPrivate())));
        Path file = dir.resolve("plain.eml");
        Files.writeString(file, MESSAGE);
        String a = algorithm.equals("rsa2048") ? "rsa-sha256" : "ed25519-sha256";

        Peer.Result r = Peer.run(List.of(PYTHON, dir.resolve("dkimpy.py").toString(), "sign", file.toString(),
                "py", "example.com", key.toString(), a, headerCanon, bodyCanon), null, 60);
        assertThat(r.ok()).as(r.output()).isTrue();
        byte[] signed = r.output().getBytes(StandardCharsets.UTF_8);
        var verifier = new DkimVerifier(lookup(Map.of("py._domainkey.example.com", DkimKeys.txtRecord(pair.getPublic()))),
                java.time.Clock.systemUTC());

        assertThat(verifier.verify(signed)).singleElement().satisfies(res -> {
            assertThat(res.result()).as(res.toString()).isEqualTo(Result.PASS);
            assertThat(res.algorithm()).isEqualTo(a);
        });
    }
}

package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import sluice.config.Config;
import sluice.config.ConfigLoader;
import sluice.dns.TxtAnswer;
import sluice.mailauth.DkimKeys;
import sluice.mailauth.DkimResult;
import sluice.mailauth.DkimSigner;
import sluice.mailauth.DkimVerifier;
import sluice.testkit.Peer;
import sluice.testkit.SluiceProcess;

/** `sluice dkim keygen` as an operator runs it: key file, record to publish, config block to paste. */
class DkimCliTest {
    private static final Pattern RECORD = Pattern.compile("(?m)^s1\\._domainkey\\.example\\.test\\. IN TXT ((?:\"[^\"]*\" ?)+)$");
    private static final Pattern BLOCK = Pattern.compile("(?s)\\[\\[dkim]]\\ndomain = \"example.test\"\\nselector = \"s1\"\\nkey_file = \"dkim/example.test.s1.key\"");

    @TempDir
    Path dir;

    private Peer.Result keygen(String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("dkim", "keygen", "example.test", "--selector", "s1", "--data-dir", dir.toString()));
        args.addAll(List.of(extra));
        return SluiceProcess.run(null, args.toArray(String[]::new));
    }

    /** The printed record with its character-strings joined, as a resolver returns it. */
    private static String record(String output) {
        Matcher m = RECORD.matcher(output);
        assertThat(m.find()).as(output).isTrue();
        String quoted = m.group(1).strip();
        for (String part : quoted.substring(1, quoted.length() - 1).split("\" \"")) assertThat(part.length()).isLessThanOrEqualTo(255);
        return quoted.substring(1, quoted.length() - 1).replace("\" \"", "");
    }

    @ParameterizedTest
    @CsvSource({"rsa2048, k=rsa", "ed25519, k=ed25519"})
    void keygenWritesAPrivateKeyAndPrintsWhatToPublish(String algorithm, String keyType) throws Exception {
        Peer.Result r = keygen("--algorithm", algorithm);

        assertThat(r.exit()).as(r.output()).isZero();
        Path key = dir.resolve("dkim/example.test.s1.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        String record = record(r.output());
        assertThat(record).startsWith("v=DKIM1; " + keyType + "; p=")
                .isEqualTo(DkimKeys.txtRecord(DkimKeys.publicKey(DkimKeys.load(key))));
        assertThat(r.output()).containsPattern(BLOCK);
    }

    @Test
    void defaultIsRsaAndAnExistingKeyIsKeptWithoutForce() throws Exception {
        assertThat(keygen().exit()).isZero();
        Path key = dir.resolve("dkim/example.test.s1.key");
        String first = Files.readString(key);
        assertThat(first).hasSizeGreaterThan(1000); // RSA-2048, not the 119-byte Ed25519 PEM

        Peer.Result again = keygen("--algorithm", "ed25519");
        assertThat(again.exit()).as(again.output()).isEqualTo(1);
        assertThat(again.output()).contains("exists").contains("--force").doesNotContain("Exception");
        assertThat(Files.readString(key)).isEqualTo(first);

        Peer.Result forced = keygen("--algorithm", "ed25519", "--force");
        assertThat(forced.exit()).as(forced.output()).isZero();
        assertThat(Files.readString(key)).isNotEqualTo(first);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
    }

    @Test
    void badArgumentsAreUsageErrors() throws Exception {
        Peer.Result alg = keygen("--algorithm", "dsa");
        assertThat(alg.exit()).isEqualTo(2);
        assertThat(alg.output()).contains("rsa2048 or ed25519");

        Peer.Result selector = SluiceProcess.run(null, "dkim", "keygen", "example.test", "--selector", "a b", "--data-dir", dir.toString());
        assertThat(selector.exit()).isEqualTo(2);

        Peer.Result missing = SluiceProcess.run(null, "dkim", "keygen", "example.test", "--data-dir", dir.toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.output()).contains("--selector");
    }

    /** With no config file in use, keygen says to create ./sluice.toml and prints all of it; the file loads as printed. */
    @Test
    void withoutAConfigFileItPrintsTheFileToCreate() throws Exception {
        Peer.Result r = keygen();
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("No config file is in use").contains("Create ./sluice.toml")
                .doesNotContain("Add this to the config");
        Matcher file = Pattern.compile("(?s)cat > sluice.toml <<'EOF'\n(.*?)\nEOF\n").matcher(r.output());
        assertThat(file.find()).as(r.output()).isTrue();
        Path toml = Files.writeString(dir.resolve("sluice.toml"), file.group(1) + "\n");
        Config config = ConfigLoader.load(toml, null);
        assertThat(config.dataDir()).isEqualTo(dir.toAbsolutePath().normalize());
        assertThat(config.dkim()).singleElement().satisfies(k -> assertThat(k.keyFile()).isEqualTo(dir.resolve("dkim/example.test.s1.key")));

        // With a config file, the block to add and where.
        Peer.Result again = SluiceProcess.run(null, "dkim", "keygen", "example.test", "--selector", "s2", "--config", toml.toString());
        assertThat(again.exit()).as(again.output()).isZero();
        assertThat(again.output()).contains("Add this to " + toml.toAbsolutePath().normalize()).doesNotContain("No config file");
    }

    /** The pasted block loads, signs, and verifies against the printed record: the whole operator path. */
    @Test
    void thePrintedBlockAndRecordWorkTogether() throws Exception {
        Peer.Result r = keygen("--algorithm", "ed25519");
        Matcher block = BLOCK.matcher(r.output());
        assertThat(block.find()).isTrue();
        Path toml = dir.resolve("sluice.toml");
        Files.writeString(toml, "data_dir = \"" + dir + "\"\n\n" + block.group() + "\n");
        Config config = ConfigLoader.load(toml, null);

        DkimSigner signer = DkimSigner.fromConfig(config.dkim(), Clock.systemUTC(), sluice.mailauth.RsaEngine.NATIVE);
        byte[] message = "From: a@example.test\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] signed = signer.sign(message, "example.test");
        String record = record(r.output());
        var verifier = new DkimVerifier(name -> name.equals("s1._domainkey.example.test")
                ? new TxtAnswer.Records(List.of(record)) : new TxtAnswer.NoSuchDomain(name), Clock.systemUTC());

        assertThat(verifier.verify(signed)).extracting(DkimResult::result).containsExactly(DkimResult.Result.PASS);
    }
}

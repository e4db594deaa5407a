package sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static sluice.server.TlsTestFiles.ec;
import static sluice.server.TlsTestFiles.openssl;
import static sluice.server.TlsTestFiles.rsa;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.config.TlsConfig;

class PemFilesTest {
    @TempDir static Path dir;

    @BeforeAll
    static void makeFiles() throws Exception {
        rsa(dir, "rsa");
        openssl(dir, "rsa", "-in", "rsa.key", "-traditional", "-out", "rsa1.key");
        ec(dir, "ec");
        openssl(dir, "pkey", "-in", "ec.key", "-aes256", "-passout", "pass:secret", "-out", "encrypted.key");
        // A leaf signed by a CA, the chain file holding both, leaf first.
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=Test CA", "-days", "2");
        openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "leaf.key");
        openssl(dir, "req", "-new", "-key", "leaf.key", "-subj", "/CN=leaf.test", "-out", "leaf.csr");
        openssl(dir, "x509", "-req", "-in", "leaf.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", "7",
                "-days", "2", "-out", "leaf.crt");
        Files.writeString(dir.resolve("chain.crt"),
                Files.readString(dir.resolve("leaf.crt")) + Files.readString(dir.resolve("ca.crt")));
    }

    @Test
    void readsRsaPkcs8() throws Exception {
        assertThat(Files.readString(dir.resolve("rsa.key"))).contains("BEGIN PRIVATE KEY");
        TlsIdentity identity = PemFiles.read(dir.resolve("rsa.crt"), dir.resolve("rsa.key"));
        assertThat(identity.key().getAlgorithm()).isEqualTo("RSA");
        assertThat(identity.leaf().getSubjectX500Principal().getName()).isEqualTo("CN=rsa.test");
        assertThat(identity.newContext()).isNotNull();
    }

    @Test
    void readsRsaPkcs1() throws Exception {
        assertThat(Files.readString(dir.resolve("rsa1.key"))).contains("BEGIN RSA PRIVATE KEY");
        TlsIdentity identity = PemFiles.read(dir.resolve("rsa.crt"), dir.resolve("rsa1.key"));
        assertThat(identity.key().getAlgorithm()).isEqualTo("RSA");
    }

    @Test
    void readsEcSec1AfterParametersBlock() throws Exception {
        assertThat(Files.readString(dir.resolve("ec.key"))).contains("BEGIN EC PARAMETERS", "BEGIN EC PRIVATE KEY");
        TlsIdentity identity = PemFiles.read(dir.resolve("ec.crt"), dir.resolve("ec.key"));
        assertThat(identity.key().getAlgorithm()).isEqualTo("EC");
        assertThat(identity.newContext()).isNotNull();
    }

    @Test
    void readsChainLeafFirst() throws Exception {
        TlsIdentity identity = PemFiles.read(dir.resolve("chain.crt"), dir.resolve("leaf.key"));
        assertThat(identity.chain()).extracting(c -> c.getSubjectX500Principal().getName())
                .containsExactly("CN=leaf.test", "CN=Test CA");
    }

    @Test
    void readsCombinedFileForBoth() throws Exception {
        Path combined = dir.resolve("combined.pem");
        Files.writeString(combined, Files.readString(dir.resolve("ec.key")) + Files.readString(dir.resolve("ec.crt")));
        assertThat(PemFiles.read(combined, combined).chain()).hasSize(1);
    }

    @Test
    void rejectsKeyOfAnotherCertificate() {
        Path cert = dir.resolve("ec.crt");
        Path key = dir.resolve("leaf.key");
        assertThatThrownBy(() -> PemFiles.read(cert, key))
                .isInstanceOf(TlsSetupException.class)
                .hasMessage("TLS key file " + key + ": key does not match the certificate in " + cert);
    }

    @Test
    void rejectsKeyOfAnotherType() {
        Path cert = dir.resolve("rsa.crt");
        Path key = dir.resolve("ec.key");
        assertThatThrownBy(() -> PemFiles.read(cert, key))
                .hasMessage("TLS key file " + key + ": key does not match the certificate in " + cert);
    }

    @Test
    void namesMissingFile() {
        Path missing = dir.resolve("nope.crt");
        assertThatThrownBy(() -> PemFiles.read(missing, dir.resolve("ec.key")))
                .isInstanceOf(TlsSetupException.class)
                .hasMessage("TLS certificate file " + missing + ": file not found");
        Path missingKey = dir.resolve("nope.key");
        assertThatThrownBy(() -> PemFiles.read(dir.resolve("ec.crt"), missingKey))
                .hasMessage("TLS key file " + missingKey + ": file not found");
    }

    @Test
    void rejectsFilesWithoutTheExpectedBlocks() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "just text\n");
        assertThatThrownBy(() -> PemFiles.read(empty, dir.resolve("ec.key")))
                .hasMessage("TLS certificate file " + empty + ": no CERTIFICATE block found");
        assertThatThrownBy(() -> PemFiles.read(dir.resolve("ec.crt"), dir.resolve("ec.crt")))
                .hasMessageStartingWith("TLS key file " + dir.resolve("ec.crt") + ": no PRIVATE KEY");
        Path corrupt = Files.writeString(dir.resolve("corrupt.pem"),
                "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> PemFiles.read(corrupt, dir.resolve("ec.key")))
                .hasMessageStartingWith("TLS certificate file " + corrupt + ": ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void rejectsEncryptedKey() {
        Path key = dir.resolve("encrypted.key");
        assertThatThrownBy(() -> PemFiles.read(dir.resolve("ec.crt"), key))
                .hasMessage("TLS key file " + key + ": the key is encrypted; a key without a passphrase is needed");
    }

    @Test
    void loadFailsWithTheSameMessage() {
        Path cert = dir.resolve("ec.crt");
        Path key = dir.resolve("rsa.key");
        assertThatThrownBy(() -> TlsContexts.load(new TlsConfig(cert, key, Duration.ofMinutes(1)), dir, "mx.test"))
                .isInstanceOf(TlsSetupException.class)
                .hasMessage("TLS key file " + key + ": key does not match the certificate in " + cert);
    }

    @Test
    void refusesHalfAConfiguration() {
        Path cert = dir.resolve("ec.crt");
        assertThatThrownBy(() -> TlsContexts.load(new TlsConfig(cert, null, null), dir, "mx.test"))
                .hasMessage("TLS: cert_file and key_file must be set together (only cert_file " + cert + " is set)");
    }
}

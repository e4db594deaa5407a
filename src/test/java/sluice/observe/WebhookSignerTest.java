package sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebhookSignerTest {
    // The vector of the Standard Webhooks libraries' own tests (standard-webhooks/standard-webhooks, e.g.
    // libraries/python/standardwebhooks/tests.py and the JavaScript index.test.ts).
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long TS = 1614265330L;
    private static final byte[] BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Test
    void signsTheStandardWebhooksVector() {
        WebhookSigner signer = new WebhookSigner(List.of(WebhookSigner.decode(SECRET)));

        assertThat(signer.sign(ID, TS, BODY)).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void duringARotationBothSecretsSignSpaceSeparated() {
        byte[] other = WebhookSigner.decode("whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[24]));
        WebhookSigner signer = new WebhookSigner(List.of(other, WebhookSigner.decode(SECRET)));

        String header = signer.sign(ID, TS, BODY);

        assertThat(header.split(" ")).hasSize(2).allMatch(s -> s.startsWith("v1,"))
                .contains("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void createsAMissingSecretReadableByItsOwnerOnly() throws Exception {
        Path file = dir.resolve("webhooks/app.secret");

        byte[] key = WebhookSigner.read(file, true);

        assertThat(key).hasSize(24);
        assertThat(Files.readString(file).strip()).startsWith("whsec_");
        assertThat(WebhookSigner.decode(Files.readString(file))).isEqualTo(key);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(WebhookSigner.read(file, true)).as("read again, not replaced").isEqualTo(key);
    }

    @Test
    void refusesASecretThatIsNotBase64OrTooShort() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.secret"), "whsec_not base64!");
        Path shortOne = Files.writeString(dir.resolve("short.secret"), "whsec_AAAA");

        assertThatThrownBy(() -> WebhookSigner.read(bad, false)).hasMessageContaining("bad.secret")
                .hasMessageContaining("base64");
        assertThatThrownBy(() -> WebhookSigner.read(shortOne, false)).hasMessageContaining("too short");
    }
}

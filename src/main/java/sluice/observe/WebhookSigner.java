package sluice.observe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures: {@code v1,BASE64(HMAC-SHA256(key, "ID.TIMESTAMP.BODY"))}, one per secret, separated
 * by spaces (during a rotation the new and the old secret both sign, and a verifier holding either accepts).
 */
public final class WebhookSigner {
    static final String PREFIX = "whsec_";
    private final List<byte[]> keys;

    /** @param keys the decoded secrets, the current one first */
    public WebhookSigner(List<byte[]> keys) {
        if (keys.isEmpty()) throw new IllegalArgumentException("no secret");
        this.keys = keys.stream().map(byte[]::clone).toList();
    }

    /** Whether {@code other} signs with the same secrets (a reload keeps an endpoint whose secrets did not change). */
    public boolean sameSecrets(WebhookSigner other) {
        if (other.keys.size() != keys.size()) return false;
        for (int i = 0; i < keys.size(); i++) {
            if (!java.security.MessageDigest.isEqual(keys.get(i), other.keys.get(i))) return false;
        }
        return true;
    }

    /** The {@code webhook-signature} header value for one attempt. */
    public String sign(String id, long timestampSeconds, byte[] body) {
        byte[] head = (id + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder();
        for (byte[] key : keys) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
                mac.update(head);
                byte[] sig = mac.doFinal(body);
                if (!out.isEmpty()) out.append(' ');
                out.append("v1,").append(Base64.getEncoder().encodeToString(sig));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
            }
        }
        return out.toString();
    }

    /** Decodes a secret as Standard Webhooks writes it: "whsec_" + base64 (the prefix may be left out). */
    public static byte[] decode(String secret) {
        String s = secret.strip();
        if (s.startsWith(PREFIX)) s = s.substring(PREFIX.length());
        byte[] key;
        try {
            key = Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not \"whsec_\" followed by base64");
        }
        if (key.length < 16) throw new IllegalArgumentException("a secret of " + key.length + " bytes is too short (at least 16)");
        return key;
    }

    /**
     * Reads the secret in {@code file}; when {@code create} and the file is absent, writes a new random one
     * (24 bytes, as Svix makes them) readable by its owner only.
     *
     * @throws IOException naming the file and what is wrong with it
     */
    public static byte[] read(Path file, boolean create) throws IOException {
        if (create && !Files.exists(file)) {
            byte[] key = new byte[24];
            new SecureRandom().nextBytes(key);
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, ".secret", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, PREFIX + Base64.getEncoder().encodeToString(key) + "\n");
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return key;
        }
        try {
            return decode(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException | java.nio.charset.MalformedInputException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
    }

    /** The signer of an endpoint: its secret (created when absent) and, while rotating, the previous one. */
    public static WebhookSigner of(Path secretFile, Path previousSecretFile) throws IOException {
        List<byte[]> keys = new ArrayList<>();
        keys.add(read(secretFile, true));
        if (previousSecretFile != null) keys.add(read(previousSecretFile, false));
        return new WebhookSigner(keys);
    }
}

package sluice.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;

/**
 * One API key of a user as shown to the operator: its id and when it was made. The key itself is never kept: only
 * its SHA-256 (enough for 256 random bits, which no one can guess or brute-force from the hash), compared in
 * constant time.
 *
 * <p>A key is {@code sk_} followed by 32 random bytes in base64url without padding (46 characters); its id is the
 * first 8 hex digits of that hash, for revoking one key and telling keys apart in {@code sluice user list}.
 */
public record ApiKey(String id, Instant created) {
    static final String PREFIX = "sk_";
    private static final int RANDOM_BYTES = 32;

    /** A new key (the secret, shown once). */
    static String generate(SecureRandom random) {
        byte[] raw = new byte[RANDOM_BYTES];
        random.nextBytes(raw);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    /** The hex SHA-256 of a presented key, as stored. */
    static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    static String idOf(String hash) {
        return hash.substring(0, 8);
    }

    /** Whether {@code presented} (hex SHA-256) equals {@code stored}, in time independent of where they differ. */
    static boolean matches(String stored, String presented) {
        return MessageDigest.isEqual(stored.getBytes(StandardCharsets.US_ASCII), presented.getBytes(StandardCharsets.US_ASCII));
    }
}

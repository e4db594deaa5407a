package sluice.auth;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashes in the PHC string format the reference implementation writes:
 * {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>} (unpadded standard base64).
 *
 * <p>Verification takes the costs from the stored string, so raising {@link #DEFAULT} later keeps
 * old hashes working. Callers own the password arrays they pass in and should zero them.
 */
final class PasswordHash {

    /** OWASP's minimum for Argon2id (19 MiB, 2 passes, 1 lane): tens of milliseconds per check. */
    static final Params DEFAULT = new Params(19_456, 2, 1);

    static final int SALT_BYTES = 16;
    static final int HASH_BYTES = 32;

    private static final Pattern PHC = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=(\\d{1,8}),t=(\\d{1,4}),p=(\\d{1,3})\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");

    // Limits on costs read from the file: a damaged or hostile users.json must not make one
    // AUTH attempt allocate gigabytes or spin for minutes.
    private static final int MAX_MEMORY_KIB = 1 << 20;
    private static final int MAX_ITERATIONS = 64;
    private static final int MAX_PARALLELISM = 64;

    /** Argon2id cost parameters. */
    record Params(int memoryKiB, int iterations, int parallelism) {
        Params {
            if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
                throw new IllegalArgumentException("argon2id: parallelism must be 1.." + MAX_PARALLELISM);
            }
            if (memoryKiB < 8 * parallelism || memoryKiB > MAX_MEMORY_KIB) {
                throw new IllegalArgumentException("argon2id: memory must be 8*p.." + MAX_MEMORY_KIB + " KiB");
            }
            if (iterations < 1 || iterations > MAX_ITERATIONS) {
                throw new IllegalArgumentException("argon2id: iterations must be 1.." + MAX_ITERATIONS);
            }
        }
    }

    /** A parsed PHC string. */
    record Encoded(Params params, byte[] salt, byte[] hash) {}

    private final SecureRandom random;
    private final Params params;

    PasswordHash(SecureRandom random) {
        this(random, DEFAULT);
    }

    PasswordHash(SecureRandom random, Params params) {
        this.random = random;
        this.params = params;
    }

    /** A new PHC string for {@code password} with a fresh random salt. */
    String hash(byte[] password) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] hash = derive(params, salt, password, HASH_BYTES);
        try {
            return format(params, salt, hash);
        } finally {
            Arrays.fill(hash, (byte) 0);
        }
    }

    /**
     * Whether {@code password} matches {@code encoded}.
     *
     * @throws IllegalArgumentException if {@code encoded} is not a well-formed Argon2id PHC string
     */
    static boolean verify(String encoded, byte[] password) {
        Encoded parsed = parse(encoded);
        byte[] actual = derive(parsed.params(), parsed.salt(), password, parsed.hash().length);
        try {
            return MessageDigest.isEqual(actual, parsed.hash());
        } finally {
            Arrays.fill(actual, (byte) 0);
            Arrays.fill(parsed.hash(), (byte) 0);
        }
    }

    /** Parses a PHC string; the message never echoes the string (it is secret-ish material). */
    static Encoded parse(String encoded) {
        Matcher m = PHC.matcher(encoded);
        if (!m.matches()) {
            throw new IllegalArgumentException("not an argon2id v=19 PHC string ($argon2id$v=19$m=..,t=..,p=..$salt$hash)");
        }
        Params params = new Params(
                Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
        byte[] salt = decode(m.group(4), "salt");
        byte[] hash = decode(m.group(5), "hash");
        if (salt.length < 8 || salt.length > 64) {
            throw new IllegalArgumentException("argon2id: salt must be 8..64 bytes");
        }
        if (hash.length < 16 || hash.length > 64) {
            throw new IllegalArgumentException("argon2id: hash must be 16..64 bytes");
        }
        return new Encoded(params, salt, hash);
    }

    static String format(Params params, byte[] salt, byte[] hash) {
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return "$argon2id$v=19$m=" + params.memoryKiB() + ",t=" + params.iterations() + ",p=" + params.parallelism()
                + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    /** Raw Argon2id (version 0x13) output. */
    static byte[] derive(Params params, byte[] salt, byte[] password, int length) {
        return derive(params, salt, password, null, null, length);
    }

    /** Raw Argon2id with the optional secret and associated data (only the RFC 9106 vector uses them). */
    static byte[] derive(Params params, byte[] salt, byte[] password, byte[] secret, byte[] additional, int length) {
        Argon2Parameters.Builder builder = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(params.memoryKiB())
                .withIterations(params.iterations())
                .withParallelism(params.parallelism())
                .withSalt(salt);
        if (secret != null) {
            builder.withSecret(secret);
        }
        if (additional != null) {
            builder.withAdditional(additional);
        }
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(builder.build());
        byte[] out = new byte[length];
        generator.generateBytes(password, out);
        return out;
    }

    private static byte[] decode(String base64, String what) {
        // The PHC format forbids padding, so a length of 1 mod 4 can never be valid.
        if (base64.length() % 4 == 1) {
            throw new IllegalArgumentException("argon2id: " + what + " is not valid unpadded base64");
        }
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("argon2id: " + what + " is not valid base64");
        }
    }
}

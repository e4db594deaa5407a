package sluice.cluster;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A Lua script run with EVALSHA (its text is sent again only when a server does not know it: after a restart, or
 * on a Redis Cluster master that has not run it yet). Every key a script touches must be in its KEYS and hash to
 * one slot (a shared {hash tag}), so that it runs on one master of a Redis Cluster.
 */
public record Script(String name, String text, String sha1) {

    public static Script of(String name, String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            return new Script(name, text, HexFormat.of().formatHex(d));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JDK", e);
        }
    }
}

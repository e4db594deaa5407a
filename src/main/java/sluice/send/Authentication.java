package sluice.send;

import java.net.InetAddress;
import sluice.policy.ClientPolicy;

/**
 * The answer to a send request's API key, given before its body is read: a wrong key costs the server no more than
 * the request line and headers.
 */
public sealed interface Authentication {
    /** The key is a user's; {@code policy} is the one the key was checked against (same client, same port). */
    record Caller(String user, InetAddress client, int port, ClientPolicy policy) implements Authentication {}

    /** {@code status}: 401 (no key, wrong key), 429 (locked out) or 503 (users unavailable). */
    record Refused(int status, String error) implements Authentication {}
}

package sluice.smtp;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * One SASL PLAIN (RFC 4616) or LOGIN exchange: client lines in, the next step out. Pure: checking the
 * credentials is the session's business.
 */
final class SaslExchange {
    private static final String LOGIN_USER_PROMPT = "VXNlcm5hbWU6"; // "Username:"
    private static final String LOGIN_PASSWORD_PROMPT = "UGFzc3dvcmQ6"; // "Password:"

    /** What the exchange needs next. */
    sealed interface Step {
        /** Send this 334 challenge and feed the client's next line to {@link #respond}. */
        record Challenge(Reply reply) implements Step {}

        /** The client gave a user and password (the caller zeroes the password after use). */
        record Credentials(String user, byte[] password) implements Step {}

        /** The exchange ended without credentials; the reply says why. */
        record Failed(Reply reply) implements Step {}
    }

    private final boolean login;
    private String loginUser;

    SaslExchange(String mechanism) {
        this.login = mechanism.equals("LOGIN");
    }

    static boolean supports(String mechanism) {
        return mechanism.equals("PLAIN") || mechanism.equals("LOGIN");
    }

    /** The first step: an initial response given with AUTH ("=" for empty) is processed at once. */
    Step first(String initialResponse) {
        if (initialResponse == null) return new Step.Challenge(Replies.challenge(login ? LOGIN_USER_PROMPT : ""));
        return respond(initialResponse.equals("=") ? "" : initialResponse);
    }

    Step respond(String line) {
        if (line.equals("*")) return new Step.Failed(Replies.AUTH_CANCELLED);
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(line.strip());
        } catch (IllegalArgumentException e) {
            return new Step.Failed(Replies.AUTH_BAD_BASE64);
        }
        if (login) {
            if (loginUser == null) {
                loginUser = new String(decoded, StandardCharsets.UTF_8);
                return new Step.Challenge(Replies.challenge(LOGIN_PASSWORD_PROMPT));
            }
            return new Step.Credentials(loginUser, decoded);
        }
        // PLAIN: [authzid] NUL authcid NUL passwd
        int first = indexOf(decoded, 0);
        int second = first < 0 ? -1 : indexOf(decoded, first + 1);
        if (first < 0 || second < 0) return new Step.Failed(Replies.AUTH_FAILED);
        String authzid = new String(decoded, 0, first, StandardCharsets.UTF_8);
        String authcid = new String(decoded, first + 1, second - first - 1, StandardCharsets.UTF_8);
        byte[] password = Arrays.copyOfRange(decoded, second + 1, decoded.length);
        Arrays.fill(decoded, (byte) 0);
        // acting for another identity (authzid) is not supported
        if (!authzid.isEmpty() && !authzid.equals(authcid)) {
            Arrays.fill(password, (byte) 0);
            return new Step.Failed(Replies.AUTH_FAILED);
        }
        return new Step.Credentials(authcid, password);
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) if (b[i] == 0) return i;
        return -1;
    }
}

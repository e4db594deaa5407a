package sluice.auth;

import java.util.List;
import java.util.Locale;

/**
 * A submission user.
 *
 * @param maySendAs patterns: "user@domain" (that address), "@domain" (any address at exactly that domain) or "*";
 *                  compared case-insensitively, local part included (as mailbox providers do)
 */
public record User(String name, List<String> maySendAs) {
    public User {
        maySendAs = List.copyOf(maySendAs);
    }

    /** Whether this user may use {@code address} as the envelope sender. */
    public boolean maySendAs(String address) {
        String a = address.toLowerCase(Locale.ROOT);
        int at = a.lastIndexOf('@');
        String domain = at < 0 ? "" : a.substring(at);
        for (String pattern : maySendAs) {
            String p = pattern.toLowerCase(Locale.ROOT);
            if (p.equals("*") || p.equals(a)) return true;
            if (p.startsWith("@") && p.equals(domain)) return true;
        }
        return false;
    }
}

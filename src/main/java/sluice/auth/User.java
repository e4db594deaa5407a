package sluice.auth;

import java.util.List;
import sluice.smtp.Addresses;

/**
 * A submission user.
 *
 * <p>A pattern is {@code user@domain} (that exact address), {@code @domain} (any local part at
 * exactly that domain, not its subdomains) or {@code *} (any address). Matching ignores case in
 * the domain and, although RFC 5321 lets local parts be case-sensitive, in the local part too:
 * no real mailbox system tells {@code Bob@} from {@code bob@}, and a user who may send as one
 * should not be refused the other. An empty list means the user may send as nobody except the
 * null sender.
 *
 * @param maySendAs patterns: "user@domain", "@domain" or "*"
 */
public record User(String name, List<String> maySendAs) {
    public User {
        maySendAs = List.copyOf(maySendAs);
    }

    /**
     * Whether this user may use {@code address} (bare, without angle brackets) as the envelope
     * sender. The null sender {@code ""} is always allowed so that authenticated users can send
     * bounces and delivery reports.
     */
    public boolean maySendAs(String address) {
        if (address.isEmpty()) {
            return true;
        }
        String lower = Addresses.canonical(address);
        int at = lower.lastIndexOf('@');
        String domain = at < 0 ? null : lower.substring(at + 1);
        for (String pattern : maySendAs) {
            if (matches(Addresses.canonical(pattern), lower, domain)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(String pattern, String address, String domain) {
        if (pattern.equals("*")) {
            return true;
        }
        if (pattern.startsWith("@")) {
            return domain != null && !domain.isEmpty() && pattern.substring(1).equals(domain);
        }
        return pattern.equals(address);
    }
}

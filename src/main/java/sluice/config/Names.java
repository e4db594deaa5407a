package sluice.config;

import java.util.Locale;
import java.util.regex.Pattern;

/** Syntax checks for host names, domains and addresses in the config; none of them touches DNS. */
final class Names {
    private static final Pattern HOSTNAME = Pattern.compile(
            "(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final Pattern ADDRESS = Pattern.compile("[^@\\s]+@[^@\\s]+");

    private Names() {}

    static boolean isHostname(String s) {
        return s.length() <= 253 && HOSTNAME.matcher(s).matches();
    }

    static boolean isAddress(String s) {
        return ADDRESS.matcher(s).matches() && isHostname(s.substring(s.indexOf('@') + 1));
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}

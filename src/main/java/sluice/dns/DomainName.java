package sluice.dns;

import java.net.IDN;
import java.util.Locale;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/** Converts between the domain strings Sluice passes around and dnsjava's absolute names. */
final class DomainName {
    private DomainName() {}

    /** The absolute name of {@code domain} (U-labels converted to A-labels); IllegalArgumentException if malformed. */
    static Name parse(String domain) {
        String text = domain.strip();
        if (text.isEmpty() || text.equals(".")) {
            throw new IllegalArgumentException("empty domain name");
        }
        try {
            return Name.fromString(IDN.toASCII(text, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT), Name.root);
        } catch (TextParseException | IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid domain name '" + domain + "': " + e.getMessage());
        }
    }

    /** {@code name} as Sluice writes host names: lower case, no trailing dot. */
    static String text(Name name) {
        return name.toString(true).toLowerCase(Locale.ROOT);
    }
}

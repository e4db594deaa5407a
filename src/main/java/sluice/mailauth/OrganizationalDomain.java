package sluice.mailauth;

import com.google.common.net.InternetDomainName;
import java.util.Locale;

/**
 * RFC 7489 3.2: the organisational domain is the public suffix plus one label, from the Public Suffix List that
 * Guava ships. A name under no listed suffix (a private TLD such as .test or .internal) takes its last two labels,
 * so that relaxed alignment still groups a.example.test with example.test.
 */
final class OrganizationalDomain {
    private OrganizationalDomain() {}

    static String of(String domain) {
        String name = normalized(domain);
        try {
            InternetDomainName parsed = InternetDomainName.from(name);
            if (parsed.isUnderPublicSuffix()) {
                return parsed.topPrivateDomain().toString();
            }
            if (parsed.isPublicSuffix()) {
                return name; // a suffix itself (co.uk): no organisation above it
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            // not a name Guava accepts: fall back to the label rule
        }
        int last = name.lastIndexOf('.');
        int secondLast = last <= 0 ? -1 : name.lastIndexOf('.', last - 1);
        return secondLast < 0 ? name : name.substring(secondLast + 1);
    }

    /** Lower case without a trailing dot. */
    static String normalized(String domain) {
        String lower = domain.strip().toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}

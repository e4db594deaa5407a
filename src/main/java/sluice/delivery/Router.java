package sluice.delivery;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import sluice.config.SmarthostConfig;

/**
 * Chooses each recipient's destination: a local domain goes to Maildir; a domain matched by a smarthost's
 * {@code domains} (exact, or "*" for all) goes through it, the first match winning; anything else to its MX.
 */
public final class Router {
    private final Set<String> localDomains;
    private final List<SmarthostConfig> smarthosts;

    public Router(List<String> localDomains, List<SmarthostConfig> smarthosts) {
        this.localDomains = localDomains.stream().map(d -> d.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        this.smarthosts = List.copyOf(smarthosts);
    }

    public Destination route(String address) {
        String domain = domainOf(address);
        if (localDomains.contains(domain)) return new Destination.Local();
        for (int i = 0; i < smarthosts.size(); i++) {
            SmarthostConfig s = smarthosts.get(i);
            if (s.domains().contains("*") || s.domains().contains(domain)) return new Destination.Smarthost(i, s.host());
        }
        return new Destination.Mx(domain);
    }

    public boolean isLocal(String address) {
        return localDomains.contains(domainOf(address));
    }

    /** The domain of an address, lower-cased ("" when there is none). */
    public static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    /** The local part of an address, as written. */
    public static String localPartOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? address : address.substring(0, at);
    }
}

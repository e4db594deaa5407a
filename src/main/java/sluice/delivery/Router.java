package sluice.delivery;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import sluice.config.SmarthostConfig;
import sluice.smtp.Addresses;

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
        String domain = Addresses.domainOf(address);
        if (localDomains.contains(domain)) return new Destination.Local();
        for (int i = 0; i < smarthosts.size(); i++) {
            SmarthostConfig s = smarthosts.get(i);
            if (s.domains().contains("*") || s.domains().contains(domain)) return new Destination.Smarthost(i, s.host());
        }
        return new Destination.Mx(domain);
    }

    public boolean isLocal(String address) {
        return localDomains.contains(Addresses.domainOf(address));
    }
}

package sluice.policy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import sluice.smtp.Addresses;

/**
 * Who exists in the local domains: users ({@code sluice user add}), aliases, catch-alls, and postmaster@ of every
 * local domain (RFC 5321 4.5.1). Checked at RCPT, so unknown local recipients are refused then and never bounced
 * later; expanded again at delivery, because aliases and users may have changed since.
 */
public final class LocalRecipients {
    private static final int MAX_DEPTH = 10;

    /** Where one local recipient's mail goes. */
    public sealed interface Expansion {
        /** Mailboxes to deliver into (local users, postmaster) and addresses to forward to (remote alias targets). */
        record Targets(List<String> mailboxes, List<String> forwards) implements Expansion {}

        record Unknown() implements Expansion {}

        /** Aliases that point at each other more than {@value MAX_DEPTH} deep. */
        record Loop(String detail) implements Expansion {}
    }

    private final Set<String> localDomains;
    private final Map<String, List<String>> aliases;
    private final Map<String, String> catchAll;
    private final Predicate<String> isUser;

    public LocalRecipients(List<String> localDomains, Map<String, List<String>> aliases, Map<String, String> catchAll,
                           Predicate<String> isUser) {
        this.localDomains = Set.copyOf(localDomains.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList());
        this.aliases = Map.copyOf(aliases);
        this.catchAll = Map.copyOf(catchAll);
        this.isUser = isUser;
    }

    public boolean isLocalDomain(String domain) {
        return localDomains.contains(domain.toLowerCase(Locale.ROOT));
    }

    /** Whether mail for this address in a local domain would be delivered (RCPT check). */
    public boolean exists(String address) {
        return !(expand(address) instanceof Expansion.Unknown);
    }

    public Expansion expand(String address) {
        Set<String> mailboxes = new LinkedHashSet<>();
        Set<String> forwards = new LinkedHashSet<>();
        try {
            if (!expand(lower(address), 0, mailboxes, forwards, new LinkedHashSet<>())) return new Expansion.Unknown();
        } catch (IllegalStateException loop) {
            return new Expansion.Loop(loop.getMessage());
        }
        return new Expansion.Targets(new ArrayList<>(mailboxes), new ArrayList<>(forwards));
    }

    private boolean expand(String address, int depth, Set<String> mailboxes, Set<String> forwards, Set<String> seen) {
        if (depth > MAX_DEPTH) throw new IllegalStateException("aliases nest deeper than " + MAX_DEPTH + " at " + address);
        String domain = Addresses.domainOf(address);
        if (!localDomains.contains(domain)) {
            forwards.add(address);
            return true;
        }
        if (!seen.add(address)) return true; // a -> b -> a: each mailbox once
        List<String> targets = aliases.get(address);
        if (targets != null) {
            for (String t : targets) {
                String target = lower(t);
                if (target.equals(address)) mailboxes.add(address); // "keep a copy": alias to itself
                else expand(target, depth + 1, mailboxes, forwards, seen);
            }
            return true;
        }
        if (isUser.test(address) || Addresses.localPartOf(address).equals("postmaster")) {
            mailboxes.add(address);
            return true;
        }
        String all = catchAll.get(domain);
        if (all != null && !lower(all).equals(address)) return expand(lower(all), depth + 1, mailboxes, forwards, seen);
        return false;
    }

    private static String lower(String address) {
        return address.toLowerCase(Locale.ROOT);
    }

}

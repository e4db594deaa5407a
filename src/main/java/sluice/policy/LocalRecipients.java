package sluice.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import sluice.config.ConfigProblem;
import sluice.smtp.Addresses;

/**
 * Who exists in the local domains: users ({@code sluice user add}), aliases, catch-alls, and postmaster@ of every
 * local domain (RFC 5321 4.5.1). Checked at RCPT, so unknown local recipients are refused then and never bounced
 * later; expanded again at delivery, because aliases and users may have changed since. Every address is compared in
 * its {@link Addresses#canonical} form.
 *
 * <p>An alias exists only when every one of its targets does: a target that is no user, alias, catch-all or remote
 * address (a user removed since the config was loaded) makes the whole alias {@link Expansion.Unknown}, and an alias
 * that reaches itself again through other aliases or a catch-all is a {@link Expansion.Loop}. Both are refused at
 * RCPT and bounced at delivery, never "delivered" to nobody; {@link #problems()} finds them when the config is loaded.
 * An alias that names itself among its targets ("keep a copy") is no loop: that target is its own mailbox.
 */
public final class LocalRecipients {
    private static final int MAX_DEPTH = 10;

    /** Where one local recipient's mail goes. */
    public sealed interface Expansion {
        /** Mailboxes to deliver into (local users, postmaster) and addresses to forward to (remote alias targets). */
        record Targets(List<String> mailboxes, List<String> forwards) implements Expansion {}

        /** Nobody: {@code missing} is the address that does not exist (the recipient itself, or an alias's target). */
        record Unknown(String missing) implements Expansion {}

        /** Aliases that lead back to one already being expanded, or nest deeper than {@value MAX_DEPTH}. */
        record Loop(String detail) implements Expansion {}
    }

    private final Set<String> localDomains;
    private final Predicate<String> isUser;
    private volatile Table table; // replaced whole on reload: an expansion reads one table from start to end

    /** The aliases and catch-alls, canonical, as one value. */
    private record Table(Map<String, List<String>> aliases, Map<String, String> catchAll) {}

    public LocalRecipients(List<String> localDomains, Map<String, List<String>> aliases, Map<String, String> catchAll,
                           Predicate<String> isUser) {
        this.localDomains = Set.copyOf(localDomains.stream().map(Addresses::canonical).toList());
        this.isUser = isUser;
        this.table = table(aliases, catchAll);
    }

    /**
     * A recipients table with other aliases and catch-alls over the same local domains and users (a reload checks
     * its {@link #problems()} before it {@link #adopt adopts} it).
     */
    public LocalRecipients with(Map<String, List<String>> aliases, Map<String, String> catchAll) {
        return new LocalRecipients(List.copyOf(localDomains), aliases, catchAll, isUser);
    }

    /** Takes the aliases and catch-alls of {@code other} (built by {@link #with}): the next expansion uses them. */
    public void adopt(LocalRecipients other) {
        if (!other.localDomains.equals(localDomains)) throw new IllegalArgumentException("local domains differ");
        this.table = other.table;
    }

    private Table table(Map<String, List<String>> aliases, Map<String, String> catchAll) {
        Map<String, List<String>> a = new LinkedHashMap<>();
        aliases.forEach((k, v) -> a.put(Addresses.canonical(k), v.stream().map(this::local).toList()));
        Map<String, String> c = new LinkedHashMap<>();
        catchAll.forEach((k, v) -> c.put(Addresses.canonical(k), local(v)));
        return new Table(Map.copyOf(a), Map.copyOf(c));
    }

    public boolean isLocalDomain(String domain) {
        return localDomains.contains(Addresses.canonical(domain));
    }

    /** Whether mail for this address in a local domain would be delivered (RCPT check). */
    public boolean exists(String address) {
        return expand(address) instanceof Expansion.Targets;
    }

    public Expansion expand(String address) {
        Set<String> mailboxes = new LinkedHashSet<>();
        Set<String> forwards = new LinkedHashSet<>();
        String start = local(address);
        try {
            expand(table, start, new ArrayList<>(), mailboxes, forwards);
        } catch (Missing m) {
            return new Expansion.Unknown(m.address);
        } catch (Looped l) {
            return new Expansion.Loop(l.detail);
        }
        if (mailboxes.isEmpty() && forwards.isEmpty()) return new Expansion.Unknown(start); // cannot happen; never "delivered" to nobody
        return new Expansion.Targets(new ArrayList<>(mailboxes), new ArrayList<>(forwards));
    }

    /**
     * What is wrong with the configured aliases and catch-alls given the users as they are now: loops and targets
     * that do not exist, one problem per alias or catch-all, keyed as in the config file.
     */
    public List<ConfigProblem> problems() {
        List<ConfigProblem> out = new ArrayList<>();
        Table t = table;
        new java.util.TreeSet<>(t.aliases().keySet()).forEach(key -> problem(expand(key), List.of("local", "aliases", key)).ifPresent(out::add));
        new java.util.TreeMap<>(t.catchAll()).forEach((domain, target) ->
                problem(expand(target), List.of("local", "catch_all", domain)).ifPresent(out::add));
        return out;
    }

    private static java.util.Optional<ConfigProblem> problem(Expansion e, List<String> key) {
        return switch (e) {
            case Expansion.Targets t -> java.util.Optional.empty();
            case Expansion.Loop l -> java.util.Optional.of(new ConfigProblem(key, "alias loop: " + l.detail()));
            case Expansion.Unknown u -> java.util.Optional.of(new ConfigProblem(key, "target " + u.missing()
                    + " is no local user, alias or catch-all (add it with `sluice user add " + u.missing()
                    + "`, or change the target)"));
        };
    }

    /** Depth-first along {@code path} (the aliases being expanded): meeting one of them again is a loop. */
    private void expand(Table t, String address, List<String> path, Set<String> mailboxes, Set<String> forwards) {
        if (path.size() > MAX_DEPTH) throw new Looped("aliases nest deeper than " + MAX_DEPTH + ": " + chain(path, address));
        String domain = Addresses.domainOf(address);
        if (!localDomains.contains(domain)) {
            forwards.add(address);
            return;
        }
        if (path.contains(address)) throw new Looped(chain(path, address));
        List<String> targets = t.aliases().get(address);
        if (targets != null) {
            path.add(address);
            for (String target : targets) {
                if (target.equals(address)) mailboxes.add(address); // "keep a copy": alias to itself
                else expand(t, target, path, mailboxes, forwards);
            }
            path.removeLast();
            return;
        }
        if (isUser.test(address) || isPostmaster(address)) {
            mailboxes.add(address);
            return;
        }
        String all = t.catchAll().get(domain);
        if (all == null || all.equals(address)) throw new Missing(address);
        path.add(address);
        expand(t, all, path, mailboxes, forwards);
        path.removeLast();
    }

    /** Canonical when in a local domain; a remote address (a forward) keeps its local part as written. */
    private String local(String address) {
        return localDomains.contains(Addresses.domainOf(address)) ? Addresses.canonical(address) : address;
    }

    private static boolean isPostmaster(String address) {
        return Addresses.localPartOf(address).equals("postmaster");
    }

    private static String chain(List<String> path, String last) {
        return String.join(" -> ", path) + " -> " + last;
    }

    /** Unwinds the expansion: an address that does not exist. */
    private static final class Missing extends RuntimeException {
        final String address;

        Missing(String address) {
            super(null, null, false, false);
            this.address = address;
        }
    }

    /** Unwinds the expansion: a loop, described as the chain of addresses. */
    private static final class Looped extends RuntimeException {
        final String detail;

        Looped(String detail) {
            super(null, null, false, false);
            this.detail = detail;
        }
    }
}

package sluice.dns;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.Type;
import org.xbill.DNS.dnssec.ValidatingResolver;

/**
 * DNSSEC-validated lookups for DANE (RFC 7672): dnsjava's {@link ValidatingResolver} over the configured servers,
 * anchored at the IANA root's keys or at {@code [delivery] dnssec_trust_anchor}. Answers carry their security status
 * and are cached by TTL (bounded); concurrent askers of one question share one lookup. Methods block for at most
 * {@link #budget()} (call them from virtual threads) and never throw.
 */
public final class SecureResolver {
    /** Most answers kept in the cache. */
    static final int CACHE_CAPACITY = 10_000;
    /** A validated lookup may need DS and DNSKEY queries down the tree: it gets this many DNS timeouts in all. */
    static final int BUDGET_TIMEOUTS = 4;

    private static final Executor VIRTUAL = task -> Thread.ofVirtual().name("dnssec-lookup").start(task);

    private final ValidatedQueries queries;
    private final DnssecProbe probe;
    private final AsyncCache<AnswerCache.Question, ValidatedQueries.Raw> cache;
    private final Duration budget;
    private final LongAdder secure = new LongAdder();
    private final LongAdder insecure = new LongAdder();
    private final LongAdder bogus = new LongAdder();
    private final LongAdder failed = new LongAdder();

    SecureResolver(ValidatedQueries queries, DnssecProbe probe, Duration budget, Clock clock) {
        this.queries = queries;
        this.probe = probe;
        this.budget = budget;
        this.cache = Caffeine.newBuilder()
                .maximumSize(CACHE_CAPACITY)
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .expireAfter(Expiry.<AnswerCache.Question, ValidatedQueries.Raw>creating((q, raw) -> raw.lifetime()))
                .executor(VIRTUAL)
                .buildAsync();
    }

    /**
     * A validating resolver asking {@code servers} (IP literals, as for {@link Resolver#create}; empty: the system's),
     * trusting the DS/DNSKEY records in {@code trustAnchor}, or the IANA root's (KSK-2017 and KSK-2024) when null.
     *
     * @throws IOException the trust anchor file cannot be read or holds no DS/DNSKEY record
     */
    public static SecureResolver create(List<String> servers, Duration timeout, Path trustAnchor, Clock clock)
            throws IOException {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("DNS timeout must be positive: " + timeout);
        }
        TrustAnchors anchors = trustAnchor == null ? TrustAnchors.ianaRoot() : TrustAnchors.read(trustAnchor);
        List<InetSocketAddress> addresses = servers.isEmpty() ? ResolverConfig.getCurrentConfig().servers()
                : servers.stream().map(ServerAddress::parse).toList();
        List<org.xbill.DNS.Resolver> each = new ArrayList<>();
        for (InetSocketAddress address : addresses) {
            SimpleResolver one = new SimpleResolver(address);
            one.setTimeout(timeout);
            each.add(one);
        }
        ExtendedResolver head = new ExtendedResolver(each); // never the no-argument form: it adds the system's servers
        head.setTimeout(timeout);
        head.setRetries(1);
        head.setLoadBalance(false);
        ValidatingResolver validator = new ValidatingResolver(head, clock);
        validator.loadTrustAnchors(new ByteArrayInputStream(anchors.text().getBytes(StandardCharsets.US_ASCII)));
        String serverText = addresses.stream().map(a -> a.getAddress().getHostAddress() + ":" + a.getPort()).toList().toString();
        DnssecProbe probe = new DnssecProbe(head, anchors, serverText, clock);
        return new SecureResolver(new ValidatedQueries(validator, head, timeout), probe,
                timeout.multipliedBy(BUDGET_TIMEOUTS), clock);
    }

    /**
     * Whether the servers return DNSSEC records at all (checked once, by asking for the trust anchor's DNSKEY with
     * signatures): false for a forwarder that strips RRSIGs, which would make every answer bogus.
     */
    public boolean dnssecAvailable() {
        return probe.available();
    }

    /** The DNSSEC state in words, for {@code sluice doctor} (checks it if not yet checked). */
    public String dnssecState() {
        return probe.state();
    }

    /** Longest time a lookup blocks. */
    public Duration budget() {
        return budget;
    }

    /** The MX host names of {@code domain} (lower case, no trailing dot; the null MX "." left out). */
    public Validated<List<String>> mx(String domain) {
        return decode(domain, Type.MX, r -> DomainName.text(((MXRecord) r).getTarget()));
    }

    /** The IPv6 and IPv4 addresses of {@code host}; secure only if both families are. */
    public Validated<List<InetAddress>> addresses(String host) {
        CompletableFuture<Validated<List<InetAddress>>> v6 = CompletableFuture.supplyAsync(
                () -> decode(host, Type.AAAA, SecureResolver::address), VIRTUAL);
        Validated<List<InetAddress>> v4 = decode(host, Type.A, SecureResolver::address);
        return merge(v6.join(), v4);
    }

    /** The TLSA records at {@code _port._tcp.host} (RFC 6698 3). */
    public Validated<List<Tlsa>> tlsa(String host, int port) {
        return decode("_" + port + "._tcp." + host, Type.TLSA, r -> {
            TLSARecord t = (TLSARecord) r;
            return new Tlsa(t.getCertificateUsage(), t.getSelector(), t.getMatchingType(), t.getCertificateAssociationData());
        });
    }

    private <T> Validated<List<T>> decode(String text, int type, java.util.function.Function<Record, T> decoder) {
        Name name;
        try {
            name = DomainName.parse(text);
        } catch (IllegalArgumentException e) {
            return new Validated.Failed<>(e.getMessage());
        }
        return switch (lookup(name, type)) {
            case ValidatedQueries.Raw.Found f -> {
                List<T> values = f.records().stream()
                        .filter(r -> !(r instanceof MXRecord mx && mx.getTarget().equals(Name.root)))
                        .map(decoder)
                        .toList();
                yield values.isEmpty() ? new Validated.Empty<>(f.secure(), false)
                        : new Validated.Data<>(values, f.secure(), f.aliases().stream().map(DomainName::text).toList(),
                        DomainName.text(f.owner()));
            }
            case ValidatedQueries.Raw.Empty e -> new Validated.Empty<>(e.secure(), e.noSuchName());
            case ValidatedQueries.Raw.Bogus b -> new Validated.Bogus<>(b.why());
            case ValidatedQueries.Raw.Failed f -> new Validated.Failed<>(f.why());
        };
    }

    /** The cached answer, or the one being fetched for another caller, or a fresh one; within the budget. */
    private ValidatedQueries.Raw lookup(Name name, int type) {
        AnswerCache.Question question = new AnswerCache.Question(name, type);
        CompletableFuture<ValidatedQueries.Raw> answer = cache.get(question, (q, executor) ->
                CompletableFuture.supplyAsync(() -> counted(queries.ask(q.name(), q.type())), executor));
        try {
            return answer.get(budget.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return new ValidatedQueries.Raw.Failed("no validated answer for " + DomainName.text(name) + "/"
                    + Type.string(type) + " within " + budget.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ValidatedQueries.Raw.Failed("interrupted");
        } catch (ExecutionException e) {
            return new ValidatedQueries.Raw.Failed("internal error: " + e.getCause());
        }
    }

    /** Counters since creation. */
    public DnssecStats stats() {
        return new DnssecStats(secure.sum(), insecure.sum(), bogus.sum(), failed.sum());
    }

    private ValidatedQueries.Raw counted(ValidatedQueries.Raw raw) {
        switch (raw) {
            case ValidatedQueries.Raw.Found f -> (f.secure() ? secure : insecure).increment();
            case ValidatedQueries.Raw.Empty e -> (e.secure() ? secure : insecure).increment();
            case ValidatedQueries.Raw.Bogus b -> bogus.increment();
            case ValidatedQueries.Raw.Failed f -> failed.increment();
        }
        return raw;
    }

    /** AAAA and A together: data if either has some; the weaker security of the two, failures first. */
    private static Validated<List<InetAddress>> merge(Validated<List<InetAddress>> v6, Validated<List<InetAddress>> v4) {
        for (Validated<List<InetAddress>> v : List.of(v6, v4)) {
            if (v instanceof Validated.Bogus<List<InetAddress>> || v instanceof Validated.Failed<List<InetAddress>>) {
                return v; // an attacker must not hide a bogus family behind a good one
            }
        }
        boolean secure = secure(v6) && secure(v4);
        List<InetAddress> all = new ArrayList<>();
        List<String> aliases = List.of();
        String owner = null;
        for (Validated<List<InetAddress>> v : List.of(v6, v4)) {
            if (v instanceof Validated.Data<List<InetAddress>> d) {
                all.addAll(d.value());
                if (d.aliases().size() > aliases.size()) aliases = d.aliases();
                if (owner == null) owner = d.owner();
            }
        }
        if (all.isEmpty()) {
            boolean nx = v6 instanceof Validated.Empty<List<InetAddress>> e6 && e6.noSuchName()
                    || v4 instanceof Validated.Empty<List<InetAddress>> e4 && e4.noSuchName();
            return new Validated.Empty<>(secure, nx);
        }
        return new Validated.Data<>(all, secure, aliases, owner);
    }

    private static boolean secure(Validated<?> v) {
        return switch (v) {
            case Validated.Data<?> d -> d.secure();
            case Validated.Empty<?> e -> e.secure();
            default -> false;
        };
    }

    private static InetAddress address(Record record) {
        InetAddress address = record instanceof ARecord a ? a.getAddress() : ((AAAARecord) record).getAddress();
        try {
            return InetAddress.getByAddress(address.getAddress()); // without the owner name dnsjava attaches
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // cannot happen: the length is 4 or 16
        }
    }

    static Record question(Name name, int type) {
        return Record.newRecord(name, type, DClass.IN);
    }
}

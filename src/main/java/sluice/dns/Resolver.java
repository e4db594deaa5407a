package sluice.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.LongAdder;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * The DNS facade of the delivery code: MX, address and TXT lookups with a TTL cache. Methods block (call them from
 * virtual threads) and never throw; failures are answers. dnsjava's Lookup and its global Cache are not used.
 */
public final class Resolver {
    /** Most answers kept in the cache. */
    static final int CACHE_CAPACITY = 10_000;

    private final NameServers servers;
    private final AnswerCache cache;
    private final Map<AnswerCache.Question, CompletableFuture<RecordAnswer>> inFlight = new ConcurrentHashMap<>();
    private final LongAdder cacheHits = new LongAdder();

    private Resolver(NameServers servers, AnswerCache cache) {
        this.servers = servers;
        this.cache = cache;
    }

    /**
     * A resolver asking {@code servers} ("ip", "ip:port", "[v6]:port"; IP literals only, a host name is an
     * IllegalArgumentException); an empty list means the system's resolvers from /etc/resolv.conf. {@code timeout}
     * bounds each query to each server; {@code clock} drives cache expiry.
     */
    public static Resolver create(List<String> servers, Duration timeout, Clock clock) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("DNS timeout must be positive: " + timeout);
        }
        List<InetSocketAddress> addresses = servers.isEmpty() ? systemServers() : servers.stream().map(ServerAddress::parse).toList();
        return new Resolver(new NameServers(addresses, timeout), new AnswerCache(CACHE_CAPACITY, clock));
    }

    /**
     * Null when the name servers reply to a question about {@code domain} (whatever the answer); otherwise, in words,
     * why none did (no answer in time, unreachable), naming each server.
     */
    public String silence(String domain) {
        try {
            return servers.silence(DomainName.parse(domain), Type.SOA);
        } catch (IllegalArgumentException e) {
            return null; // not a name: the lookups themselves report that
        }
    }

    /** Where mail for {@code domain} goes: MX hosts sorted by preference then name, the implicit MX, or null MX. */
    public MxAnswer mx(String domain) {
        Name name;
        try {
            name = DomainName.parse(domain);
        } catch (IllegalArgumentException e) {
            return new MxAnswer.NoSuchDomain(e.getMessage());
        }
        return switch (lookup(name, Type.MX)) {
            case RecordAnswer.Found found -> mxHosts(found.records());
            case RecordAnswer.NoData noData -> implicitMx(name);
            case RecordAnswer.NxDomain nx -> new MxAnswer.NoSuchDomain("NXDOMAIN: " + DomainName.text(name));
            case RecordAnswer.Failed failed -> new MxAnswer.TempFail(failed.detail());
        };
    }

    /** The IPv6 and IPv4 addresses of {@code host}; AAAA and A are asked in parallel. */
    public AddressAnswer addresses(String host) {
        try {
            return addresses(DomainName.parse(host));
        } catch (IllegalArgumentException e) {
            return new AddressAnswer.NoSuchDomain(e.getMessage());
        }
    }

    /** The IPv4 addresses (A records) of {@code host} alone; SPF asks for the client's family only. */
    public AddressAnswer ipv4(String host) {
        return family(host, Type.A);
    }

    /** The IPv6 addresses (AAAA records) of {@code host} alone. */
    public AddressAnswer ipv6(String host) {
        return family(host, Type.AAAA);
    }

    /** The names the reverse zone gives for {@code address} (PTR records, not validated). */
    public PtrAnswer ptr(InetAddress address) {
        Name name = ReverseMap.fromAddress(address);
        return switch (lookup(name, Type.PTR)) {
            case RecordAnswer.Found found -> new PtrAnswer.Names(found.records().stream()
                    .map(r -> DomainName.text(((PTRRecord) r).getTarget()))
                    .toList());
            case RecordAnswer.NoData noData -> new PtrAnswer.NoRecords();
            case RecordAnswer.NxDomain nx -> new PtrAnswer.NoSuchDomain("NXDOMAIN: " + DomainName.text(name));
            case RecordAnswer.Failed failed -> new PtrAnswer.TempFail(failed.detail());
        };
    }

    /** The TXT records of {@code name}, one string per record. */
    public TxtAnswer txt(String name) {
        Name parsed;
        try {
            parsed = DomainName.parse(name);
        } catch (IllegalArgumentException e) {
            return new TxtAnswer.NoSuchDomain(e.getMessage());
        }
        return switch (lookup(parsed, Type.TXT)) {
            case RecordAnswer.Found found -> new TxtAnswer.Records(found.records().stream().map(Resolver::joined).toList());
            case RecordAnswer.NoData noData -> new TxtAnswer.NoRecords();
            case RecordAnswer.NxDomain nx -> new TxtAnswer.NoSuchDomain("NXDOMAIN: " + DomainName.text(parsed));
            case RecordAnswer.Failed failed -> new TxtAnswer.TempFail(failed.detail());
        };
    }

    /** Counters since creation. */
    public LookupStats stats() {
        return servers.stats(cacheHits.sum());
    }

    private AddressAnswer addresses(Name name) {
        FutureTask<RecordAnswer> aaaa = new FutureTask<>(() -> lookup(name, Type.AAAA));
        Thread.ofVirtual().name("dns-aaaa").start(aaaa);
        RecordAnswer v4 = lookup(name, Type.A);
        RecordAnswer v6 = await(aaaa);
        List<InetAddress> list = new ArrayList<>(addressesIn(v6));
        list.addAll(addressesIn(v4));
        if (!list.isEmpty()) {
            return new AddressAnswer.Addresses(list); // one family failing does not hide the other
        }
        if (v6 instanceof RecordAnswer.Failed failed) {
            return new AddressAnswer.TempFail(failed.detail());
        }
        if (v4 instanceof RecordAnswer.Failed failed) {
            return new AddressAnswer.TempFail(failed.detail());
        }
        if (v6 instanceof RecordAnswer.NxDomain || v4 instanceof RecordAnswer.NxDomain) {
            return new AddressAnswer.NoSuchDomain("NXDOMAIN: " + DomainName.text(name));
        }
        return new AddressAnswer.NoAddresses();
    }

    private AddressAnswer family(String host, int type) {
        Name name;
        try {
            name = DomainName.parse(host);
        } catch (IllegalArgumentException e) {
            return new AddressAnswer.NoSuchDomain(e.getMessage());
        }
        return switch (lookup(name, type)) {
            case RecordAnswer.Found found -> new AddressAnswer.Addresses(addressesIn(found));
            case RecordAnswer.NoData noData -> new AddressAnswer.NoAddresses();
            case RecordAnswer.NxDomain nx -> new AddressAnswer.NoSuchDomain("NXDOMAIN: " + DomainName.text(name));
            case RecordAnswer.Failed failed -> new AddressAnswer.TempFail(failed.detail());
        };
    }

    /** The cached answer, or the one a concurrent caller is already fetching, or a fresh one. */
    private RecordAnswer lookup(Name name, int type) {
        AnswerCache.Question question = new AnswerCache.Question(name, type);
        var cached = cache.get(question);
        if (cached.isPresent()) {
            cacheHits.increment();
            return cached.get();
        }
        CompletableFuture<RecordAnswer> mine = new CompletableFuture<>();
        CompletableFuture<RecordAnswer> theirs = inFlight.putIfAbsent(question, mine);
        if (theirs != null) {
            return theirs.join();
        }
        RecordAnswer answer = new RecordAnswer.Failed("internal error");
        try {
            answer = fetch(question);
        } catch (RuntimeException e) {
            answer = new RecordAnswer.Failed("internal error: " + e); // the facade never throws
        } finally {
            mine.complete(answer); // also when an Error escapes, so that waiters do not hang
            inFlight.remove(question, mine);
        }
        return answer;
    }

    /** Asks the servers and caches the answer, unless the previous asker cached it since our cache miss. */
    private RecordAnswer fetch(AnswerCache.Question question) {
        var meanwhile = cache.get(question);
        if (meanwhile.isPresent()) {
            return meanwhile.get();
        }
        RecordAnswer answer = servers.ask(question.name(), question.type());
        cache.put(question, answer);
        return answer;
    }

    private MxAnswer mxHosts(List<Record> records) {
        if (records.size() == 1 && ((MXRecord) records.get(0)).getTarget().equals(Name.root)) {
            return new MxAnswer.NullMx();
        }
        List<MxHost> hosts = records.stream()
                .map(MXRecord.class::cast)
                .filter(mx -> !mx.getTarget().equals(Name.root)) // "." beside real hosts is a misconfiguration: skip it
                .map(mx -> new MxHost(DomainName.text(mx.getTarget()), mx.getPriority()))
                .distinct()
                .sorted(Comparator.comparingInt(MxHost::preference).thenComparing(MxHost::host))
                .toList();
        return hosts.isEmpty() ? new MxAnswer.NullMx() : new MxAnswer.Hosts(hosts, false);
    }

    /** RFC 5321 5.1: without MX records the domain itself is the mail host, if it has an address. */
    private MxAnswer implicitMx(Name name) {
        String domain = DomainName.text(name);
        return switch (addresses(name)) {
            case AddressAnswer.Addresses found -> new MxAnswer.Hosts(List.of(new MxHost(domain, 0)), true);
            case AddressAnswer.NoAddresses none -> new MxAnswer.NoSuchDomain("no MX and no address records: " + domain);
            case AddressAnswer.NoSuchDomain nx -> new MxAnswer.NoSuchDomain("no MX and no address records: " + domain);
            case AddressAnswer.TempFail failed -> new MxAnswer.TempFail(failed.detail());
        };
    }

    private static List<InetAddress> addressesIn(RecordAnswer answer) {
        if (!(answer instanceof RecordAnswer.Found found)) {
            return List.of();
        }
        return found.records().stream().map(Resolver::address).toList();
    }

    /** The address without the owner name dnsjava attaches to it. */
    private static InetAddress address(Record record) {
        InetAddress address = switch (record) {
            case ARecord a -> a.getAddress();
            case AAAARecord aaaa -> aaaa.getAddress();
            default -> throw new IllegalStateException("not an address record: " + record);
        };
        try {
            return InetAddress.getByAddress(address.getAddress());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // cannot happen: the length is 4 or 16
        }
    }

    private static String joined(Record record) {
        StringBuilder text = new StringBuilder();
        for (byte[] chunk : ((TXTRecord) record).getStringsAsByteArrays()) {
            text.append(new String(chunk, StandardCharsets.UTF_8));
        }
        return text.toString();
    }

    private static RecordAnswer await(FutureTask<RecordAnswer> task) {
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new RecordAnswer.Failed("interrupted");
        } catch (ExecutionException e) {
            return new RecordAnswer.Failed("error " + e.getCause());
        }
    }

    /** The servers in /etc/resolv.conf, read by dnsjava (reading the file sends no query). */
    private static List<InetSocketAddress> systemServers() {
        List<InetSocketAddress> system = ResolverConfig.getCurrentConfig().servers();
        if (system.isEmpty()) {
            return List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), ServerAddress.DNS_PORT));
        }
        return system;
    }
}

package sluice.dns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;
import sluice.observe.FailureText;

/**
 * Asks the configured servers one question and classifies the reply. Servers are tried in order, once each, moving on
 * after a timeout, a network error, SERVFAIL or REFUSED; NOERROR and NXDOMAIN are final.
 */
final class NameServers {
    /** Longest CNAME chain followed, within one reply and across re-queries together. */
    static final int MAX_CNAME_HOPS = 8;
    /** Negative TTL when a reply carries no SOA to take it from (RFC 2308 says: do not cache; we keep it short). */
    static final long NEGATIVE_TTL_WITHOUT_SOA = 30;
    /** EDNS payload size we advertise (DNS flag day 2020); larger answers come truncated and are retried over TCP. */
    static final int EDNS_PAYLOAD = 1232;

    private final List<SimpleResolver> resolvers;
    private final Duration timeout;
    private final LongAdder queries = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder latencyNanos = new LongAdder();

    NameServers(List<InetSocketAddress> servers, Duration timeout) {
        this.timeout = timeout;
        this.resolvers = servers.stream().map(address -> {
            SimpleResolver resolver = new SimpleResolver(address);
            resolver.setTimeout(timeout);
            resolver.setEDNS(0, EDNS_PAYLOAD, 0, List.of());
            return resolver;
        }).toList();
    }

    /** The answer to (name, type), following CNAMEs; never throws. */
    RecordAnswer ask(Name name, int type) {
        Name current = name;
        long chainTtl = Long.MAX_VALUE;
        int hops = 0;
        while (true) {
            Exchange exchange = exchange(current, type);
            if (exchange instanceof Exchange.Failure failure) {
                failures.increment();
                return new RecordAnswer.Failed(failure.detail());
            }
            Message reply = ((Exchange.Reply) exchange).message();
            List<Record> answer = reply.getSection(Section.ANSWER);
            Name owner = current;
            while (true) {
                List<Record> data = recordsAt(answer, owner, type);
                if (!data.isEmpty()) {
                    long ttl = data.stream().mapToLong(Record::getTTL).min().orElse(0);
                    return new RecordAnswer.Found(data, Math.min(chainTtl, ttl));
                }
                Optional<CNAMERecord> alias = aliasAt(answer, owner);
                if (alias.isEmpty()) {
                    break;
                }
                if (++hops > MAX_CNAME_HOPS) {
                    failures.increment();
                    return new RecordAnswer.Failed("CNAME chain from " + DomainName.text(name) + " longer than " + MAX_CNAME_HOPS);
                }
                chainTtl = Math.min(chainTtl, alias.get().getTTL());
                owner = alias.get().getTarget();
            }
            Optional<SOARecord> soa = soa(reply);
            long negativeTtl = Math.min(chainTtl, soa.map(s -> Math.min(s.getTTL(), s.getMinimum())).orElse(NEGATIVE_TTL_WITHOUT_SOA));
            if (reply.getRcode() == Rcode.NXDOMAIN) {
                return new RecordAnswer.NxDomain(negativeTtl);
            }
            if (!owner.equals(current) && soa.isEmpty()) {
                current = owner; // the server gave the alias but not its target's records: ask for the target
                continue;
            }
            return new RecordAnswer.NoData(negativeTtl);
        }
    }

    LookupStats stats(long cacheHits) {
        return new LookupStats(queries.sum(), failures.sum(), cacheHits, Duration.ofNanos(latencyNanos.sum()));
    }

    /**
     * Null when some server replies to (name, type), whatever its rcode; otherwise why none did, naming the servers.
     * Tools that ask many questions (doctor) ask this first, to stop after one timeout instead of one per question.
     */
    String silence(Name name, int type) {
        Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
        List<String> why = new ArrayList<>();
        for (SimpleResolver resolver : resolvers) {
            queries.increment();
            try {
                resolver.send(query);
                return null;
            } catch (IOException | RuntimeException e) {
                failures.increment();
                why.add(timedOut(e) ? "the DNS server " + server(resolver) + " did not answer within " + timeout.toMillis() + " ms"
                        : FailureText.of(e, "the DNS server " + server(resolver)));
            }
        }
        return why.isEmpty() ? "no DNS servers configured" : String.join("; ", why);
    }

    /** One question sent to the servers in turn until one gives a final rcode. */
    private Exchange exchange(Name name, int type) {
        Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
        String last = "no name servers configured";
        for (SimpleResolver resolver : resolvers) {
            String question = DomainName.text(name) + "/" + Type.string(type) + " at " + server(resolver);
            queries.increment();
            long start = System.nanoTime();
            try {
                Message reply = resolver.send(query);
                int rcode = reply.getRcode();
                if (rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) {
                    return new Exchange.Reply(reply);
                }
                last = Rcode.string(rcode) + " for " + question;
            } catch (IOException | RuntimeException e) {
                last = timedOut(e) ? "no answer within " + timeout.toMillis() + " ms for " + question
                        : FailureText.of(e, "the DNS server " + server(resolver)) + " (asking for " + DomainName.text(name)
                                + "/" + Type.string(type) + ")";
            } finally {
                latencyNanos.add(System.nanoTime() - start);
            }
        }
        return new Exchange.Failure(last);
    }

    private static List<Record> recordsAt(List<Record> answer, Name owner, int type) {
        return answer.stream().filter(r -> r.getType() == type && r.getName().equals(owner)).toList();
    }

    private static Optional<CNAMERecord> aliasAt(List<Record> answer, Name owner) {
        return answer.stream()
                .filter(r -> r instanceof CNAMERecord && r.getName().equals(owner))
                .map(CNAMERecord.class::cast)
                .findFirst();
    }

    private static Optional<SOARecord> soa(Message reply) {
        return reply.getSection(Section.AUTHORITY).stream()
                .filter(SOARecord.class::isInstance)
                .map(SOARecord.class::cast)
                .findFirst();
    }

    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof TimeoutException
                    || (t.getMessage() != null && t.getMessage().startsWith("Timed out"))) {
                return true;
            }
        }
        return false;
    }

    private static String server(SimpleResolver resolver) {
        InetSocketAddress address = resolver.getAddress();
        String host = address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** What one round over the servers produced. */
    private sealed interface Exchange {
        record Reply(Message message) implements Exchange {}

        record Failure(String detail) implements Exchange {}
    }
}

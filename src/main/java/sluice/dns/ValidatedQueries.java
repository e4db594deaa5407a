package sluice.dns;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;
import org.xbill.DNS.dnssec.ValidatingResolver;
import sluice.observe.FailureText;

/** Sends one question through the validator, follows CNAMEs (each link validated on its own) and classifies the reply. */
final class ValidatedQueries {
    static final int MAX_CNAME_HOPS = 8;
    /** Longest time a positive answer is kept, whatever its TTL. */
    static final Duration MAX_POSITIVE = Duration.ofDays(1);
    /** Longest time a denial is kept. */
    static final Duration MAX_NEGATIVE = Duration.ofHours(1);
    /** Failures are kept briefly, so that a burst of deliveries does not hammer the servers. */
    static final Duration FAILED = Duration.ofSeconds(5);
    /** A bogus answer is kept a minute: it rarely heals sooner, and re-validating it is costly. */
    static final Duration BOGUS = Duration.ofSeconds(60);
    /** Negative TTL when a reply carries no SOA. */
    static final long NEGATIVE_TTL_WITHOUT_SOA = 30;

    /** A classified reply, before decoding. */
    sealed interface Raw {
        Duration lifetime();

        record Found(List<Record> records, boolean secure, List<Name> aliases, Name owner, long ttl) implements Raw {
            public Duration lifetime() {
                return Duration.ofSeconds(Math.clamp(ttl, 0, MAX_POSITIVE.toSeconds()));
            }
        }

        record Empty(boolean secure, boolean noSuchName, long ttl) implements Raw {
            public Duration lifetime() {
                return Duration.ofSeconds(Math.clamp(ttl, 0, MAX_NEGATIVE.toSeconds()));
            }
        }

        record Bogus(String why) implements Raw {
            public Duration lifetime() {
                return BOGUS;
            }
        }

        record Failed(String why) implements Raw {
            public Duration lifetime() {
                return FAILED;
            }
        }
    }

    private final ValidatingResolver validator;
    private final Resolver head;
    private final Duration timeout;

    ValidatedQueries(ValidatingResolver validator, Resolver head, Duration timeout) {
        this.validator = validator;
        this.head = head;
        this.timeout = timeout;
    }

    /** The validated answer to (name, type); never throws. */
    Raw ask(Name name, int type) {
        return ask(name, type, 0);
    }

    private Raw ask(Name name, int type, int hops) {
        String question = DomainName.text(name) + "/" + Type.string(type);
        Message reply;
        try {
            reply = validator.send(Message.newQuery(SecureResolver.question(name, type)));
        } catch (IOException | RuntimeException e) {
            return new Raw.Failed(failure(e, question));
        }
        int rcode = reply.getRcode();
        if (rcode == Rcode.SERVFAIL) {
            return bogusOrFailed(name, type, reply, question);
        }
        if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
            return new Raw.Failed(Rcode.string(rcode) + " for " + question);
        }
        boolean secure = reply.getHeader().getFlag(Flags.AD);
        List<Record> answer = reply.getSection(Section.ANSWER);
        List<Name> aliases = new ArrayList<>();
        Name owner = name;
        long ttl = Long.MAX_VALUE;
        while (true) {
            Name at = owner;
            List<Record> data = answer.stream().filter(r -> r.getType() == type && r.getName().equals(at)).toList();
            if (!data.isEmpty()) {
                long min = data.stream().mapToLong(Record::getTTL).min().orElse(0);
                return new Raw.Found(data, secure, aliases, owner, Math.min(ttl, min));
            }
            Optional<CNAMERecord> alias = answer.stream()
                    .filter(r -> r instanceof CNAMERecord && r.getName().equals(at))
                    .map(CNAMERecord.class::cast)
                    .findFirst();
            if (alias.isEmpty()) break;
            if (hops + aliases.size() >= MAX_CNAME_HOPS) {
                return new Raw.Failed("CNAME chain from " + question + " longer than " + MAX_CNAME_HOPS);
            }
            aliases.add(owner);
            ttl = Math.min(ttl, alias.get().getTTL());
            owner = alias.get().getTarget();
        }
        Optional<SOARecord> soa = reply.getSection(Section.AUTHORITY).stream()
                .filter(SOARecord.class::isInstance).map(SOARecord.class::cast).findFirst();
        long negative = Math.min(ttl, soa.map(s -> Math.min(s.getTTL(), s.getMinimum())).orElse(NEGATIVE_TTL_WITHOUT_SOA));
        if (!owner.equals(name) && soa.isEmpty() && rcode == Rcode.NOERROR) {
            // an authoritative server gives the alias but not its target in another zone: ask for the target
            return chained(ask(owner, type, hops + aliases.size()), secure, aliases, ttl);
        }
        return new Raw.Empty(secure, rcode == Rcode.NXDOMAIN, negative);
    }

    /** The target's answer seen through the CNAMEs that led to it: secure only if the CNAMEs were too. */
    static Raw chained(Raw target, boolean aliasesSecure, List<Name> aliases, long aliasTtl) {
        return switch (target) {
            case Raw.Found f -> {
                List<Name> all = new ArrayList<>(aliases);
                all.addAll(f.aliases());
                yield new Raw.Found(f.records(), aliasesSecure && f.secure(), all, f.owner(), Math.min(aliasTtl, f.ttl()));
            }
            case Raw.Empty e -> new Raw.Empty(aliasesSecure && e.secure(), e.noSuchName(), Math.min(aliasTtl, e.ttl()));
            case Raw.Bogus b -> b;
            case Raw.Failed f -> f;
        };
    }

    /**
     * The validator answers SERVFAIL both for a bogus answer and when the servers failed; asking the servers directly
     * (checking disabled) tells the two apart.
     */
    private Raw bogusOrFailed(Name name, int type, Message validated, String question) {
        Message direct = Message.newQuery(SecureResolver.question(name, type));
        direct.getHeader().setFlag(Flags.CD);
        try {
            int rcode = head.send(direct).getRcode();
            if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
                return new Raw.Failed(Rcode.string(rcode) + " for " + question);
            }
        } catch (IOException | RuntimeException e) {
            return new Raw.Failed(failure(e, question));
        }
        return new Raw.Bogus(question + ": " + reason(validated));
    }

    /** The validator's reason: its TXT record in the private class, or the extended DNS error's text. */
    static String reason(Message reply) {
        for (Record r : reply.getSection(Section.ADDITIONAL)) {
            if (r.getDClass() == ValidatingResolver.VALIDATION_REASON_QCLASS && r instanceof TXTRecord txt) {
                return String.join(" ", txt.getStrings());
            }
        }
        OPTRecord opt = reply.getOPT();
        if (opt != null) {
            for (var option : opt.getOptions(org.xbill.DNS.EDNSOption.Code.EDNS_EXTENDED_ERROR)) {
                if (option instanceof ExtendedErrorCodeOption ede) {
                    return ede.getText() == null ? "extended DNS error " + ede.getErrorCode() : ede.getText();
                }
            }
        }
        return "DNSSEC validation failed";
    }

    private String failure(Throwable e, String question) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof java.util.concurrent.TimeoutException
                    || (t.getMessage() != null && t.getMessage().startsWith("Timed out"))) {
                return "no answer within " + timeout.toMillis() + " ms for " + question;
            }
        }
        return FailureText.of(e, "the DNS servers") + " (asking for " + question + ")";
    }
}

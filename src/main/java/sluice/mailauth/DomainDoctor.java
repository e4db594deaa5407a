package sluice.mailauth;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import sluice.dns.ReverseNames;
import sluice.dns.AddressAnswer;
import sluice.dns.MxAnswer;
import sluice.dns.PtrAnswer;
import sluice.dns.Resolver;
import sluice.dns.TxtAnswer;

/**
 * Checks a sending domain's DNS the way receiving mailbox providers look at it: MX, SPF (authorises our egress
 * IPs, within the lookup limits), DKIM keys for our selectors, DMARC, MTA-STS and TLS-RPT, PTR and forward-confirmed
 * reverse DNS of the egress IPs, and DNSBL listings. Each finding says what to publish when it is not right.
 */
public final class DomainDoctor {
    public enum Status { PASS, WARN, FAIL }

    /** One line of the report; {@code fix} is the record to publish or the change to make (null when none). */
    public record Finding(String check, Status status, String detail, String fix) {
        public Finding {
            // detail quotes DNS TXT text, which may hold any byte: no control character (ESC included) reaches a terminal
            if (detail != null && !sluice.smtp.ReplyText.isClean(detail)) detail = sluice.smtp.ReplyText.clean(detail);
        }
    }

    /** A DKIM selector of ours: the TXT record value our key needs ("v=DKIM1; k=…; p=…"). */
    public record Selector(String selector, String expectedRecord) {}

    public static final List<String> DEFAULT_DNSBLS = List.of("zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org");

    private final Resolver resolver;
    private final String hostname;
    private final Clock clock;

    public DomainDoctor(Resolver resolver, String hostname, Clock clock) {
        this.resolver = resolver;
        this.hostname = hostname;
        this.clock = clock;
    }

    public List<Finding> examine(String domain, List<InetAddress> egressIps, List<Selector> selectors, List<String> dnsbls) {
        return examine(domain, egressIps, selectors, dnsbls, f -> { });
    }

    /** As {@link #examine(String, List, List, List)}, handing each finding to {@code each} as soon as it is known. */
    public List<Finding> examine(String domain, List<InetAddress> egressIps, List<Selector> selectors, List<String> dnsbls,
                                 java.util.function.Consumer<Finding> each) {
        String d = domain.toLowerCase(Locale.ROOT);
        Findings out = new Findings(each);
        mx(d, out);
        spf(d, egressIps, out);
        dkim(d, selectors, out);
        dmarc(d, out);
        optional(d, "_mta-sts." + d, "v=STSv1", "MTA-STS", "v=STSv1; id=" + clock.instant().getEpochSecond()
                + "  (and serve https://mta-sts." + d + "/.well-known/mta-sts.txt)", out);
        optional(d, "_smtp._tls." + d, "v=TLSRPTv1", "TLS-RPT", "v=TLSRPTv1; rua=mailto:tls-reports@" + d, out);
        if (egressIps.isEmpty()) {
            out.add(new Finding("PTR", Status.WARN, "no egress IP given: reverse DNS and DNSBLs not checked", "pass --ip ADDRESS"));
        }
        for (InetAddress ip : egressIps) {
            ptr(ip, out);
            for (String zone : dnsbls) dnsbl(ip, zone, out);
        }
        return out.all;
    }

    /** The findings so far; each is passed on as it is added, so a slow lookup does not hide the ones before it. */
    private record Findings(List<Finding> all, java.util.function.Consumer<Finding> each) {
        Findings(java.util.function.Consumer<Finding> each) {
            this(new ArrayList<>(), each);
        }

        void add(Finding f) {
            all.add(f);
            each.accept(f);
        }
    }

    private void mx(String d, Findings out) {
        switch (resolver.mx(d)) {
            case MxAnswer.Hosts h -> out.add(new Finding("MX", Status.PASS, (h.implicit() ? "no MX; the domain's own address: "
                    : "") + String.join(", ", h.hosts().stream().map(x -> x.host() + " (" + x.preference() + ")").toList()),
                    null));
            case MxAnswer.NullMx n -> out.add(new Finding("MX", Status.WARN,
                    "null MX (RFC 7505): the domain receives no mail, so replies and bounces to its senders fail", null));
            case MxAnswer.NoSuchDomain n -> out.add(new Finding("MX", Status.FAIL, "no MX and no address: " + n.detail(),
                    d + ". IN MX 10 " + hostname + "."));
            case MxAnswer.TempFail t -> out.add(new Finding("MX", Status.FAIL, "lookup failed: " + t.detail(), null));
        }
    }

    private List<String> txt(String name, Findings out, String check) {
        return switch (resolver.txt(name)) {
            case TxtAnswer.Records r -> r.strings();
            case TxtAnswer.NoSuchDomain n -> List.of();
            case TxtAnswer.NoRecords n -> List.of();
            case TxtAnswer.TempFail t -> {
                out.add(new Finding(check, Status.FAIL, "TXT lookup of " + name + " failed: " + t.detail(), null));
                yield null;
            }
        };
    }

    private static List<String> starting(List<String> records, String prefix) {
        return records.stream().filter(r -> r.regionMatches(true, 0, prefix, 0, prefix.length())
                && (r.length() == prefix.length() || r.charAt(prefix.length()) == ' ' || r.charAt(prefix.length()) == ';'))
                .toList();
    }

    private void spf(String d, List<InetAddress> ips, Findings out) {
        List<String> all = txt(d, out, "SPF");
        if (all == null) return;
        List<String> spf = starting(all, "v=spf1");
        String suggested = "v=spf1 " + String.join(" ", ips.stream().map(ip -> (ip instanceof Inet6Address ? "ip6:" : "ip4:")
                + ip.getHostAddress()).toList()) + (ips.isEmpty() ? "mx" : "") + " -all";
        if (spf.isEmpty()) {
            out.add(new Finding("SPF", Status.FAIL, "no SPF record", d + ". IN TXT \"" + suggested + "\""));
            return;
        }
        if (spf.size() > 1) {
            out.add(new Finding("SPF", Status.FAIL, spf.size() + " SPF records (receivers treat that as an error)",
                    "publish exactly one: " + d + ". IN TXT \"" + suggested + "\""));
            return;
        }
        String record = spf.get(0);
        SpfEvaluator spfEvaluator = new SpfEvaluator(new ResolverLookups(resolver), hostname, clock);
        if (ips.isEmpty()) {
            // No egress IP to test: evaluate against a documentation address to surface syntax and limit errors.
            SpfResult r = spfEvaluator.check(address("192.0.2.1"), d, "postmaster@" + d, hostname);
            Status s = r.result() == SpfResult.Result.PERMERROR || r.result() == SpfResult.Result.TEMPERROR
                    ? Status.FAIL : Status.PASS;
            out.add(new Finding("SPF", s, "\"" + record + "\"" + (s == Status.FAIL ? ": " + r.result().keyword() + " ("
                    + r.explanation() + ")" : ""), s == Status.FAIL ? "fix the record; at most 10 DNS lookups" : null));
            return;
        }
        for (InetAddress ip : ips) {
            SpfResult r = spfEvaluator.check(ip, d, "postmaster@" + d, hostname);
            switch (r.result()) {
                case PASS -> out.add(new Finding("SPF", Status.PASS, "\"" + record + "\" authorises " + ip.getHostAddress(), null));
                case PERMERROR, TEMPERROR -> out.add(new Finding("SPF", Status.FAIL, "\"" + record + "\": "
                        + r.result().keyword() + " (" + r.explanation() + ")", "fix the record; at most 10 DNS lookups"));
                default -> out.add(new Finding("SPF", Status.FAIL, "\"" + record + "\" gives " + r.result().keyword()
                        + " for our egress IP " + ip.getHostAddress(), "add " + (ip instanceof Inet6Address ? "ip6:" : "ip4:")
                        + ip.getHostAddress() + " before the all term"));
            }
        }
    }

    private void dkim(String d, List<Selector> selectors, Findings out) {
        if (selectors.isEmpty()) {
            out.add(new Finding("DKIM", Status.WARN, "no [[dkim]] key configured for " + d,
                    "sluice dkim keygen " + d + " --selector s1, then publish the record it prints"));
            return;
        }
        for (Selector s : selectors) {
            String name = s.selector() + "._domainkey." + d;
            List<String> records = txt(name, out, "DKIM");
            if (records == null) continue;
            List<String> keys = records.stream().filter(r -> r.contains("p=")).toList();
            String fix = name + ". IN TXT \"" + s.expectedRecord() + "\"";
            if (keys.isEmpty()) {
                out.add(new Finding("DKIM", Status.FAIL, "no key published at " + name, fix));
            } else if (keys.stream().map(DomainDoctor::publicKey).anyMatch(p -> p.equals(publicKey(s.expectedRecord())))) {
                out.add(new Finding("DKIM", Status.PASS, name + " publishes our key", null));
            } else {
                out.add(new Finding("DKIM", Status.FAIL, name + " publishes a different key than ours", fix));
            }
        }
    }

    /** The p= value with whitespace removed. */
    static String publicKey(String record) {
        for (String tag : record.split(";")) {
            String t = tag.strip();
            if (t.startsWith("p=")) return t.substring(2).replaceAll("\\s+", "");
        }
        return "";
    }

    private void dmarc(String d, Findings out) {
        List<String> records = txt("_dmarc." + d, out, "DMARC");
        if (records == null) return;
        List<String> dmarc = starting(records, "v=DMARC1");
        String fix = "_dmarc." + d + ". IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc-reports@" + d + "\"";
        if (dmarc.isEmpty()) {
            out.add(new Finding("DMARC", Status.FAIL, "no DMARC record (Gmail and Yahoo require one from bulk senders)", fix));
            return;
        }
        String p = tag(dmarc.get(0), "p");
        if (p == null) {
            out.add(new Finding("DMARC", Status.FAIL, "\"" + dmarc.get(0) + "\" has no p= policy", fix));
        } else if (p.equalsIgnoreCase("none")) {
            out.add(new Finding("DMARC", Status.WARN, "\"" + dmarc.get(0) + "\": p=none only monitors",
                    "move to p=quarantine, then p=reject, once the reports show only your own mail"));
        } else {
            out.add(new Finding("DMARC", Status.PASS, "\"" + dmarc.get(0) + "\"", null));
        }
        String adkim = tag(dmarc.get(0), "adkim");
        if ("s".equalsIgnoreCase(adkim)) {
            out.add(new Finding("DMARC", Status.WARN, "strict DKIM alignment: signatures must use d=" + d + " exactly", null));
        }
    }

    private static String tag(String record, String name) {
        for (String t : record.split(";")) {
            String[] kv = t.strip().split("=", 2);
            if (kv.length == 2 && kv[0].strip().equalsIgnoreCase(name)) return kv[1].strip();
        }
        return null;
    }

    private void optional(String d, String name, String prefix, String check, String suggested, Findings out) {
        List<String> records = txt(name, out, check);
        if (records == null) return;
        List<String> found = starting(records, prefix);
        if (found.isEmpty()) {
            out.add(new Finding(check, Status.WARN, "no " + check + " record at " + name, name + ". IN TXT \"" + suggested + "\""));
        } else {
            out.add(new Finding(check, Status.PASS, "\"" + found.get(0) + "\"", null));
        }
    }

    private void ptr(InetAddress ip, Findings out) {
        String a = ip.getHostAddress();
        switch (resolver.ptr(ip)) {
            case PtrAnswer.Names n -> {
                for (String host : n.hosts()) {
                    Function<AddressAnswer, Boolean> has = ans -> ans instanceof AddressAnswer.Addresses x && x.list().contains(ip);
                    if (has.apply(resolver.addresses(host))) {
                        out.add(new Finding("PTR", Status.PASS, a + " → " + host + " → " + a + " (forward-confirmed)", null));
                        return;
                    }
                }
                out.add(new Finding("PTR", Status.FAIL, a + " → " + String.join(", ", n.hosts())
                        + ", but that name does not resolve back to " + a, "give " + n.hosts().get(0) + " an A/AAAA record "
                        + a + ", or set the PTR to a name that has one (ideally " + hostname + ")"));
            }
            case PtrAnswer.NoSuchDomain n -> out.add(new Finding("PTR", Status.FAIL, "no reverse DNS for " + a,
                    "ask the owner of " + a + " for a PTR record → " + hostname));
            case PtrAnswer.NoRecords n -> out.add(new Finding("PTR", Status.FAIL, "no reverse DNS for " + a,
                    "ask the owner of " + a + " for a PTR record → " + hostname));
            case PtrAnswer.TempFail t -> out.add(new Finding("PTR", Status.FAIL, "reverse lookup of " + a + " failed: "
                    + t.detail(), null));
        }
    }

    private void dnsbl(InetAddress ip, String zone, Findings out) {
        String name = ReverseNames.dnsbl(ip, zone);
        switch (resolver.addresses(name)) {
            case AddressAnswer.Addresses x -> out.add(new Finding("DNSBL", Status.FAIL, ip.getHostAddress() + " is listed on "
                    + zone + " (" + String.join(", ", x.list().stream().map(InetAddress::getHostAddress).toList()) + ")",
                    "find the cause (open relay, compromised account, bulk without consent), then request delisting at " + zone));
            case AddressAnswer.NoSuchDomain n -> out.add(new Finding("DNSBL", Status.PASS, ip.getHostAddress() + " is not listed on " + zone, null));
            case AddressAnswer.NoAddresses n -> out.add(new Finding("DNSBL", Status.PASS, ip.getHostAddress() + " is not listed on " + zone, null));
            case AddressAnswer.TempFail t -> out.add(new Finding("DNSBL", Status.WARN, zone + " did not answer: " + t.detail(), null));
        }
    }

    private static InetAddress address(String literal) {
        return sluice.config.IpLiterals.toAddress(literal);
    }
}

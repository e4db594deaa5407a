package sluice.mailauth;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import sluice.mailauth.DnsLookups.Answer;
import sluice.mailauth.SpfRecord.Mechanism;
import sluice.mailauth.SpfResult.Result;

/**
 * check_host() of RFC 7208: is {@code ip} allowed to send mail for a domain? Blocks on DNS (call it from a virtual
 * thread); never throws for anything a remote domain publishes.
 *
 * <p>Limits (RFC 7208 4.6.4): at most 10 terms that query DNS (include, a, mx, ptr, exists, redirect), at most 10
 * MX names per mx mechanism, at most 2 void lookups (NXDOMAIN or empty answers to the queries of a, mx, ptr and
 * exists), each exceeded limit a permerror. The PTR lookups of the ptr mechanism and of %{p} check at most 10 names.
 */
public final class SpfEvaluator {
    static final int MAX_DNS_TERMS = 10;
    static final int MAX_VOID_LOOKUPS = 2;
    static final int MAX_NAMES_PER_LOOKUP = 10;

    private final DnsLookups dns;
    private final String receiver;
    private final Clock clock;

    /** {@code receiver} is our host name (the %{r} macro), {@code clock} gives %{t}. */
    public SpfEvaluator(DnsLookups dns, String receiver, Clock clock) {
        this.dns = dns;
        this.receiver = receiver;
        this.clock = clock;
    }

    /**
     * Checks {@code ip} against the SPF record of {@code mailFromDomain} (the HELO name when MAIL FROM is null).
     * {@code sender} is the full MAIL FROM address, or postmaster@helo for a null reverse path.
     */
    public SpfResult check(InetAddress ip, String mailFromDomain, String sender, String helo) {
        String domain = stripDot(mailFromDomain).toLowerCase(Locale.ROOT);
        InetAddress client = unmapped(ip);
        String fullSender = sender == null || sender.isEmpty() || sender.startsWith("@") || sender.indexOf('@') < 0
                ? "postmaster@" + domain : sender;
        Evaluation evaluation = new Evaluation(client, new SpfMacros.Context(fullSender, domain, client,
                helo == null ? "unknown" : helo, receiver, clock.instant().getEpochSecond(), null));
        try {
            return evaluation.checkHost(domain, true).withDomain(domain);
        } catch (SpfException e) {
            return new SpfResult(e.result(), domain, e.getMessage(), "");
        }
    }

    /** The state of one top-level check: the counters are shared by includes and redirects. */
    private final class Evaluation {
        private final InetAddress ip;
        private final boolean ipv6;
        private final SpfMacros.Context base;
        private int dnsTerms;
        private int voidLookups;

        Evaluation(InetAddress ip, SpfMacros.Context context) {
            this.ip = ip;
            this.ipv6 = ip instanceof Inet6Address;
            this.base = new SpfMacros.Context(context.sender(), context.domain(), ip, context.helo(),
                    context.receiver(), context.timestamp(), this::validatedName);
        }

        /** check_host() for {@code domain}; {@code explain}: fetch exp= text on fail (not inside include). */
        SpfResult checkHost(String domain, boolean explain) throws SpfException {
            if (!isValidDomain(domain)) {
                return new SpfResult(Result.NONE, domain, "not a valid domain: " + domain, "");
            }
            String text = record(domain);
            if (text == null) {
                return new SpfResult(Result.NONE, domain, "no SPF record at " + domain, "");
            }
            SpfRecord record = SpfRecord.parse(text);
            SpfMacros.Context context = base.withDomain(domain);
            for (Mechanism mechanism : record.mechanisms()) {
                if (matches(mechanism, context)) {
                    Result result = mechanism.qualifier();
                    String why = result == Result.FAIL && explain && record.exp() != null
                            ? explanation(record.exp(), context) : null;
                    return new SpfResult(result, domain, why != null ? why : reason(result, domain), mechanism.text());
                }
            }
            if (record.redirect() != null) {
                countDnsTerm();
                String target = expandDomain(record.redirect(), context);
                SpfResult redirected = checkHost(target, explain);
                if (redirected.result() == Result.NONE) {
                    throw SpfException.permerror("redirect target " + target + " has no SPF record");
                }
                return redirected;
            }
            return new SpfResult(Result.NEUTRAL, domain, reason(Result.NEUTRAL, domain), "default");
        }

        /** The one v=spf1 record of {@code domain}, or null; several are a permerror (RFC 7208 4.5). */
        private String record(String domain) throws SpfException {
            List<String> records = switch (dns.txt(domain)) {
                case Answer.Found<String> found -> found.values().stream().filter(SpfRecord::isSpf1).toList();
                case Answer.Empty<String> empty -> List.of();
                case Answer.TempFail<String> failed -> throw SpfException.temperror(
                        "DNS error looking up " + domain + ": " + failed.detail());
            };
            if (records.size() > 1) {
                throw SpfException.permerror("more than one SPF record at " + domain);
            }
            return records.isEmpty() ? null : records.get(0);
        }

        private boolean matches(Mechanism mechanism, SpfMacros.Context context) throws SpfException {
            return switch (mechanism.kind()) {
                case ALL -> true;
                case IP4, IP6 -> inNetwork(ip, mechanism.network(), mechanism.cidr4(), mechanism.cidr6());
                case INCLUDE -> include(mechanism, context);
                case A -> {
                    countDnsTerm();
                    List<InetAddress> found = addresses(target(mechanism, context), ipv6, true);
                    yield found.stream().anyMatch(a -> inNetwork(ip, a, mechanism.cidr4(), mechanism.cidr6()));
                }
                case MX -> mx(mechanism, context);
                case PTR -> {
                    countDnsTerm();
                    String target = target(mechanism, context);
                    yield validatedNames(true).stream().anyMatch(name -> isSubdomain(name, target));
                }
                case EXISTS -> {
                    countDnsTerm();
                    yield !addresses(target(mechanism, context), false, true).isEmpty(); // always A (RFC 7208 5.7)
                }
            };
        }

        private boolean include(Mechanism mechanism, SpfMacros.Context context) throws SpfException {
            countDnsTerm();
            String target = expandDomain(mechanism.target(), context);
            SpfResult included = checkHost(target, false);
            return switch (included.result()) {
                case PASS -> true;
                case FAIL, SOFTFAIL, NEUTRAL -> false;
                case NONE -> throw SpfException.permerror("included domain " + target + " has no SPF record");
                case TEMPERROR, PERMERROR -> throw new IllegalStateException("thrown, not returned");
            };
        }

        private boolean mx(Mechanism mechanism, SpfMacros.Context context) throws SpfException {
            countDnsTerm();
            String target = target(mechanism, context);
            List<String> hosts = switch (dns.mx(target)) {
                case Answer.Found<String> found -> found.values();
                case Answer.Empty<String> empty -> {
                    countVoid(target);
                    yield List.of();
                }
                case Answer.TempFail<String> failed -> throw SpfException.temperror(
                        "DNS error looking up MX of " + target + ": " + failed.detail());
            };
            if (hosts.size() > MAX_NAMES_PER_LOOKUP) {
                throw SpfException.permerror("more than " + MAX_NAMES_PER_LOOKUP + " MX names at " + target);
            }
            for (String host : hosts) {
                for (InetAddress address : addresses(host, ipv6, false)) {
                    if (inNetwork(ip, address, mechanism.cidr4(), mechanism.cidr6())) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** A or AAAA records; a DNS failure is a temperror, an empty answer a void lookup if {@code counted}. */
        private List<InetAddress> addresses(String host, boolean v6, boolean counted) throws SpfException {
            return switch (dns.addresses(host, v6)) {
                case Answer.Found<InetAddress> found -> found.values();
                case Answer.Empty<InetAddress> empty -> {
                    if (counted) {
                        countVoid(host);
                    }
                    yield List.of();
                }
                case Answer.TempFail<InetAddress> failed -> throw SpfException.temperror(
                        "DNS error looking up " + host + ": " + failed.detail());
            };
        }

        /**
         * Names of the client's PTR records whose forward lookup leads back to it (RFC 7208 5.5); DNS errors make
         * names (or all) drop out rather than fail.
         */
        private List<String> validatedNames(boolean counted) throws SpfException {
            List<String> names = switch (dns.ptr(ip)) {
                case Answer.Found<String> found -> found.values();
                case Answer.Empty<String> empty -> {
                    if (counted) {
                        countVoid("PTR of " + ip.getHostAddress());
                    }
                    yield List.of();
                }
                case Answer.TempFail<String> failed -> List.of();
            };
            return names.stream()
                    .limit(MAX_NAMES_PER_LOOKUP)
                    .filter(name -> dns.addresses(name, ipv6) instanceof Answer.Found<InetAddress> found
                            && found.values().contains(ip))
                    .toList();
        }

        /** %{p}: a validated name, preferring the domain or its subdomains; "unknown" if there is none. */
        private String validatedName(String domain) {
            try {
                List<String> names = validatedNames(false);
                return names.stream().filter(n -> isSubdomain(n, domain)).findFirst()
                        .orElse(names.isEmpty() ? "unknown" : names.get(0));
            } catch (SpfException e) {
                return "unknown";
            }
        }

        private String explanation(String expSpec, SpfMacros.Context context) {
            try {
                String target = expandDomain(expSpec, context);
                if (!(dns.txt(target) instanceof Answer.Found<String> found) || found.values().size() != 1) {
                    return null; // RFC 7208 6.2: no or several records, no explanation
                }
                return SpfMacros.expand(found.values().get(0), context, true);
            } catch (SpfException e) {
                return null;
            }
        }

        private String target(Mechanism mechanism, SpfMacros.Context context) throws SpfException {
            return mechanism.target() == null ? context.domain() : expandDomain(mechanism.target(), context);
        }

        private String expandDomain(String spec, SpfMacros.Context context) throws SpfException {
            return SpfMacros.truncate(stripDot(SpfMacros.expand(spec, context, false)));
        }

        private void countDnsTerm() throws SpfException {
            if (++dnsTerms > MAX_DNS_TERMS) {
                throw SpfException.permerror("more than " + MAX_DNS_TERMS + " DNS-querying terms");
            }
        }

        private void countVoid(String name) throws SpfException {
            if (++voidLookups > MAX_VOID_LOOKUPS) {
                throw SpfException.permerror("more than " + MAX_VOID_LOOKUPS + " void lookups (last: " + name + ")");
            }
        }
    }

    private static String reason(Result result, String domain) {
        return switch (result) {
            case PASS -> domain + " designates the client as a permitted sender";
            case FAIL -> domain + " does not designate the client as a permitted sender";
            case SOFTFAIL -> domain + " does not designate the client but does not fail it";
            default -> domain + " neither permits nor denies the client";
        };
    }

    static boolean inNetwork(InetAddress ip, InetAddress network, int cidr4, int cidr6) {
        byte[] a = ip.getAddress();
        byte[] b = unmapped(network).getAddress();
        if (a.length != b.length) {
            return false;
        }
        int bits = a.length == 4 ? cidr4 : cidr6;
        for (int i = 0; i < a.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((a[i] & mask) != (b[i] & mask)) {
                return false;
            }
        }
        return true;
    }

    /** RFC 7208 5: an IPv4-mapped IPv6 client is checked as IPv4. */
    static InetAddress unmapped(InetAddress ip) {
        byte[] b = ip.getAddress();
        if (b.length == 16 && isMapped(b)) {
            try {
                return Inet4Address.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        return ip;
    }

    private static boolean isMapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }

    /** RFC 7208 4.3: labels of 1 to 63 characters, at least two of them, 253 characters at most. */
    static boolean isValidDomain(String domain) {
        if (domain.isEmpty() || domain.length() > 253) {
            return false;
        }
        String[] labels = domain.split("\\.", -1);
        if (labels.length < 2) {
            return false;
        }
        for (String label : labels) {
            if (label.isEmpty() || label.length() > 63) {
                return false;
            }
        }
        return true;
    }

    private static boolean isSubdomain(String name, String domain) {
        String n = stripDot(name).toLowerCase(Locale.ROOT);
        String d = stripDot(domain).toLowerCase(Locale.ROOT);
        return n.equals(d) || n.endsWith("." + d);
    }

    private static String stripDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }
}

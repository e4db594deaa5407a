package sluice.transit;

import java.io.IOException;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import sluice.config.DeliveryConfig;
import sluice.dns.SecureResolver;
import sluice.dns.Tlsa;
import sluice.dns.Validated;

/**
 * DANE for SMTP (RFC 7672 2.2): TLSA records apply to an MX host only when its MX RRset, its address records and the
 * TLSA RRset all validate; a bogus or failed answer on the way makes the host unusable (defer, never plaintext).
 */
public final class Dane implements DaneLookup {
    private final SecureResolver dns;
    private final int port;
    private final Clock clock;

    Dane(SecureResolver dns, int port, Clock clock) {
        this.dns = dns;
        this.port = port;
        this.clock = clock;
    }

    /**
     * DANE over {@code config}'s DNS servers, timeout, trust anchor and {@code mx_port} (whether {@code dane = "off"}
     * is the caller's choice: it uses {@link DaneLookup#off()} then).
     *
     * @throws IOException the trust anchor file cannot be read
     */
    public static Dane create(DeliveryConfig config, Clock clock) throws IOException {
        SecureResolver dns = SecureResolver.create(config.dnsServers(), config.dnsTimeout(),
                config.transit().dnssecTrustAnchor(), clock);
        return new Dane(dns, config.mxPort(), clock);
    }

    /** DANE over a given resolver, asking TLSA for {@code port} (the MX port actually used). */
    public static Dane over(SecureResolver dns, int port, Clock clock) {
        return new Dane(dns, port, clock);
    }

    /** Validated answers asked upstream, by status. */
    public sluice.dns.DnssecStats stats() {
        return dns.stats();
    }

    /** In words, for {@code sluice doctor}: whether DNSSEC validation works with the configured servers. */
    public String state() {
        return dns.dnssecState();
    }

    @Override
    public DaneVerdict forHost(String domain, String mxHost) {
        try {
            return decide(lower(domain), lower(mxHost));
        } catch (RuntimeException e) {
            return new DaneVerdict.Unusable(ResultType.TLSA_INVALID, "dane: internal error: " + e); // never throws
        }
    }

    /** The domain's MX records validated with DNSSEC (RFC 8689 4.2.1: REQUIRETLS may then trust Web PKI for them). */
    @Override
    public boolean mxSecure(String domain) {
        try {
            return dns.dnssecAvailable() && dns.mx(lower(domain)) instanceof Validated.Data<List<String>> d && d.secure();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private DaneVerdict decide(String domain, String host) {
        if (!dns.dnssecAvailable()) {
            return new DaneVerdict.NotApplicable("dane: DNSSEC unavailable (" + dns.dnssecState() + ")");
        }
        DaneVerdict mx = mxVerdict(domain, host);
        if (mx != null) return mx;
        Validated<List<InetAddress>> addresses = dns.addresses(host);
        switch (addresses) {
            case Validated.Bogus<List<InetAddress>> b -> {
                return new DaneVerdict.Unusable(ResultType.DNSSEC_INVALID, "dane: address records of " + host + " are bogus: " + b.why());
            }
            case Validated.Failed<List<InetAddress>> f -> {
                return new DaneVerdict.Unusable(ResultType.DNSSEC_INVALID, "dane: address lookup of " + host + " failed: " + f.why());
            }
            case Validated.Empty<List<InetAddress>> e -> {
                return new DaneVerdict.NotApplicable("dane: " + host + " has no address records");
            }
            case Validated.Data<List<InetAddress>> d when !d.secure() -> {
                return new DaneVerdict.NotApplicable("dane: address records of " + host + " are not DNSSEC-signed"
                        + (d.aliases().isEmpty() ? "" : " (CNAME to " + d.owner() + ")"));
            }
            case Validated.Data<List<InetAddress>> d -> {
                return tlsaVerdict(domain, host, d.aliases().isEmpty() ? List.of(host) : List.of(d.owner(), host));
            }
        }
    }

    /** Null when DANE may go on with {@code host}; otherwise why not (RFC 7672 2.2.1). */
    private DaneVerdict mxVerdict(String domain, String host) {
        return switch (dns.mx(domain)) {
            case Validated.Bogus<List<String>> b ->
                    new DaneVerdict.Unusable(ResultType.DNSSEC_INVALID, "dane: MX records of " + domain + " are bogus: " + b.why());
            case Validated.Failed<List<String>> f ->
                    new DaneVerdict.Unusable(ResultType.DNSSEC_INVALID, "dane: MX lookup of " + domain + " failed: " + f.why());
            case Validated.Empty<List<String>> e when !e.secure() ->
                    new DaneVerdict.NotApplicable("dane: the absence of MX records of " + domain + " is not DNSSEC-signed");
            case Validated.Empty<List<String>> e -> host.equals(domain) ? null // RFC 5321 5.1 implicit MX, denial signed
                    : new DaneVerdict.NotApplicable("dane: " + domain + " has no MX records, and " + host + " is not " + domain);
            case Validated.Data<List<String>> d when !d.secure() ->
                    new DaneVerdict.NotApplicable("dane: MX records of " + domain + " are not DNSSEC-signed");
            case Validated.Data<List<String>> d -> d.value().contains(host) ? null
                    : new DaneVerdict.NotApplicable("dane: " + host + " is not in the signed MX records of " + domain);
        };
    }

    /**
     * TLSA at the CNAME-expanded name first, then at the MX host name (RFC 7672 2.2.3); {@code bases} is that order.
     * The reference identifiers of DANE-TA are the base the records were found at, the MX host name and the domain.
     */
    private DaneVerdict tlsaVerdict(String domain, String host, List<String> bases) {
        for (String base : bases) {
            String where = "_" + port + "._tcp." + base;
            switch (dns.tlsa(base, port)) {
                case Validated.Bogus<List<Tlsa>> b -> {
                    return new DaneVerdict.Unusable(ResultType.TLSA_INVALID, "dane: TLSA records at " + where + " are bogus: " + b.why());
                }
                case Validated.Failed<List<Tlsa>> f -> {
                    return new DaneVerdict.Unusable(ResultType.TLSA_INVALID, "dane: TLSA lookup at " + where + " failed: " + f.why());
                }
                case Validated.Empty<List<Tlsa>> e -> {
                    // none here: try the next base name
                }
                case Validated.Data<List<Tlsa>> d when !d.secure() -> {
                    // unsigned TLSA records are no DANE: try the next base name
                }
                case Validated.Data<List<Tlsa>> d -> {
                    return verdict(d.value(), where, names(base, host, domain));
                }
            }
        }
        return new DaneVerdict.NotApplicable("dane: no signed TLSA records at _" + port + "._tcp." + String.join(" or _" + port + "._tcp.", bases));
    }

    private DaneVerdict verdict(List<Tlsa> records, String where, Set<String> names) {
        List<Tlsa> usable = records.stream().filter(TlsaMatch::usable).toList();
        if (usable.isEmpty()) {
            return new DaneVerdict.EncryptOnly("dane: no usable TLSA records at " + where + " ("
                    + records.stream().map(Tlsa::toString).collect(Collectors.joining(", ")) + "): TLS without authentication");
        }
        String summary = usable.stream().map(Tlsa::toString).collect(Collectors.joining(", "));
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new DaneTrustManager(usable, names, clock)}, null);
            return new DaneVerdict.Authenticate(context, summary);
        } catch (GeneralSecurityException e) {
            return new DaneVerdict.Unusable(ResultType.VALIDATION_FAILURE, "dane: TLS context: " + e.getMessage());
        }
    }

    private static Set<String> names(String base, String host, String domain) {
        return Set.copyOf(new LinkedHashSet<>(List.of(base, host, domain)));
    }

    private static String lower(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }
}

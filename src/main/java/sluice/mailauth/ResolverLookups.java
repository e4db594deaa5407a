package sluice.mailauth;

import java.net.InetAddress;
import sluice.dns.AddressAnswer;
import sluice.dns.MxAnswer;
import sluice.dns.MxHost;
import sluice.dns.PtrAnswer;
import sluice.dns.Resolver;
import sluice.dns.TxtAnswer;

/** {@link DnsLookups} over Sluice's caching {@link Resolver}. */
public final class ResolverLookups implements DnsLookups {
    private final Resolver resolver;

    public ResolverLookups(Resolver resolver) {
        this.resolver = resolver;
    }

    @Override
    public Answer<String> txt(String name) {
        return switch (resolver.txt(name)) {
            case TxtAnswer.Records records -> new Answer.Found<>(records.strings());
            case TxtAnswer.NoRecords none -> new Answer.Empty<>(false);
            case TxtAnswer.NoSuchDomain nx -> new Answer.Empty<>(true);
            case TxtAnswer.TempFail failed -> new Answer.TempFail<>(failed.detail());
        };
    }

    @Override
    public Answer<InetAddress> addresses(String host, boolean ipv6) {
        return switch (ipv6 ? resolver.ipv6(host) : resolver.ipv4(host)) {
            case AddressAnswer.Addresses found -> new Answer.Found<>(found.list());
            case AddressAnswer.NoAddresses none -> new Answer.Empty<>(false);
            case AddressAnswer.NoSuchDomain nx -> new Answer.Empty<>(true);
            case AddressAnswer.TempFail failed -> new Answer.TempFail<>(failed.detail());
        };
    }

    @Override
    public Answer<String> mx(String domain) {
        return switch (resolver.mx(domain)) {
            // RFC 7208 5.4: the mx mechanism never uses the implicit MX of RFC 5321
            case MxAnswer.Hosts hosts when hosts.implicit() -> new Answer.Empty<>(false);
            case MxAnswer.Hosts hosts -> new Answer.Found<>(hosts.hosts().stream().map(MxHost::host).toList());
            case MxAnswer.NullMx nullMx -> new Answer.Found<>(java.util.List.of());
            case MxAnswer.NoSuchDomain nx -> new Answer.Empty<>(nx.detail().startsWith("NXDOMAIN"));
            case MxAnswer.TempFail failed -> new Answer.TempFail<>(failed.detail());
        };
    }

    @Override
    public Answer<String> ptr(InetAddress address) {
        return switch (resolver.ptr(address)) {
            case PtrAnswer.Names names -> new Answer.Found<>(names.hosts());
            case PtrAnswer.NoRecords none -> new Answer.Empty<>(false);
            case PtrAnswer.NoSuchDomain nx -> new Answer.Empty<>(true);
            case PtrAnswer.TempFail failed -> new Answer.TempFail<>(failed.detail());
        };
    }
}

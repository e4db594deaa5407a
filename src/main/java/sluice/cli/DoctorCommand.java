package sluice.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sluice.config.Config;
import sluice.config.DkimConfig;
import sluice.config.IpLiterals;
import sluice.dns.MxAnswer;
import sluice.dns.MxHost;
import sluice.dns.Resolver;
import sluice.transit.Dane;
import sluice.transit.StsAdvice;
import sluice.mailauth.DkimKeys;
import sluice.mailauth.DomainDoctor;

@Command(name = "doctor", description = "Check a sending domain's DNS: MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, PTR, DNSBLs.")
final class DoctorCommand implements Callable<Integer> {
    @Mixin Options options;

    @Parameters(paramLabel = "DOMAIN")
    String domain;

    @Option(names = "--ip", paramLabel = "ADDRESS", description = "an egress IP of this server (repeatable)")
    List<String> ips = new ArrayList<>();

    @Option(names = "--dnsbl", paramLabel = "ZONE", split = ",",
            description = "DNS blocklists to query (default zen.spamhaus.org, bl.spamcop.net, b.barracudacentral.org)")
    List<String> dnsbls;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Config config = options.load();
        List<InetAddress> egress = new ArrayList<>();
        for (String ip : ips) {
            InetAddress a = IpLiterals.toAddress(ip);
            if (a == null) throw new Failures.UserError(2, "--ip " + ip + ": not an IP address");
            egress.add(a);
        }
        List<DomainDoctor.Selector> selectors = new ArrayList<>();
        String d = domain.toLowerCase(Locale.ROOT);
        for (DkimConfig k : config.dkim()) {
            if (!k.domain().equals(d)) continue;
            try {
                selectors.add(new DomainDoctor.Selector(k.selector(),
                        DkimKeys.txtRecord(DkimKeys.publicKey(DkimKeys.load(k.keyFile())))));
            } catch (java.io.IOException e) {
                throw new Failures.UserError(1, "dkim key " + k.keyFile() + ": " + sluice.observe.FailureText.of(e));
            }
        }
        Resolver resolver = Resolver.create(config.delivery().dnsServers(), config.delivery().dnsTimeout(), Clock.systemUTC());
        // One question first: a resolver that does not answer is one line, not a FAIL (and a timeout) per check.
        String silence = resolver.silence(d);
        if (silence != null) {
            throw new Failures.UserError(1, "doctor: " + silence + "; nothing checked ("
                    + (config.delivery().dnsServers().isEmpty() ? "the system's resolvers, from /etc/resolv.conf"
                    : "[delivery] dns_servers") + ")");
        }
        DomainDoctor doctor = new DomainDoctor(resolver, config.hostname(), Clock.systemUTC());
        List<String> zones = dnsbls == null ? DomainDoctor.DEFAULT_DNSBLS : dnsbls;
        DomainDoctor.Finding dnssec = dnssec(config);
        if (json) {
            List<DomainDoctor.Finding> findings = new ArrayList<>(doctor.examine(d, egress, selectors, zones));
            findings.add(dnssec);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("domain", d);
            out.put("ok", findings.stream().noneMatch(f -> f.status() == DomainDoctor.Status.FAIL));
            List<Map<String, Object>> list = new ArrayList<>();
            for (DomainDoctor.Finding f : findings) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("check", f.check());
                m.put("status", f.status().name().toLowerCase(Locale.ROOT));
                m.put("detail", f.detail());
                m.put("fix", f.fix());
                list.add(m);
            }
            out.put("checks", list);
            StsAdvice advice = advice(resolver, d, config.hostname());
            Map<String, Object> publish = new LinkedHashMap<>();
            publish.put("mta_sts_policy_url", advice.policyUrl());
            publish.put("mta_sts_policy", advice.policyFile());
            publish.put("records", List.of(advice.stsRecord(), advice.tlsRptRecord()));
            out.put("publish", publish);
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
            return out.get("ok") == Boolean.TRUE ? 0 : 1;
        }
        System.out.println("sluice doctor " + d);
        // Each finding is printed as soon as it is known: the output itself shows the progress.
        List<DomainDoctor.Finding> findings = doctor.examine(d, egress, selectors, zones, f -> {
            System.out.printf("%-4s  %-7s %s%n", f.status(), f.check(), f.detail());
            if (f.fix() != null) System.out.printf("%-4s  %-7s fix: %s%n", "", "", f.fix());
            System.out.flush();
        });
        System.out.printf("%-4s  %-7s %s%n", dnssec.status(), dnssec.check(), dnssec.detail());
        if (dnssec.fix() != null) System.out.printf("%-4s  %-7s fix: %s%n", "", "", dnssec.fix());
        System.out.println();
        advice(resolver, d, config.hostname()).lines().forEach(System.out::println);
        System.out.println();
        long fails = findings.stream().filter(f -> f.status() == DomainDoctor.Status.FAIL).count();
        long warns = findings.stream().filter(f -> f.status() == DomainDoctor.Status.WARN).count()
                + (dnssec.status() == DomainDoctor.Status.WARN ? 1 : 0);
        System.out.println(fails + " failed, " + warns + " warning(s)");
        boolean failed = fails > 0;
        return failed ? 1 : 0;
    }

    /**
     * Whether this server can use DANE: DNSSEC validation through the configured resolvers works (a resolver that
     * strips signatures leaves DANE off; outbound mail still flows).
     */
    private static DomainDoctor.Finding dnssec(Config config) {
        if (!config.delivery().transit().daneOn()) {
            return new DomainDoctor.Finding("DNSSEC", DomainDoctor.Status.PASS, "DANE off ([delivery] dane = \"off\")", null);
        }
        try {
            Dane dane = Dane.create(config.delivery(), Clock.systemUTC());
            dane.forHost("invalid", "invalid"); // the first use checks the resolvers once
            String state = dane.state();
            boolean on = state.startsWith("DNSSEC validation on");
            return new DomainDoctor.Finding("DNSSEC", on ? DomainDoctor.Status.PASS : DomainDoctor.Status.WARN,
                    state + (on ? " (outbound DANE works)" : ""),
                    on ? null : "point [delivery] dns_servers at a validating-capable recursive resolver (e.g. a local unbound)");
        } catch (java.io.IOException e) {
            return new DomainDoctor.Finding("DNSSEC", DomainDoctor.Status.FAIL, "[delivery] dnssec_trust_anchor: "
                    + sluice.observe.FailureText.of(e), "give a file of DS or DNSKEY records, or remove the key");
        }
    }

    /** The MTA-STS policy and TXT records to publish, for the domain's MX hosts (or this host when it has none). */
    private static StsAdvice advice(Resolver resolver, String domain, String hostname) {
        List<String> mx = resolver.mx(domain) instanceof MxAnswer.Hosts h && !h.implicit()
                ? h.hosts().stream().map(MxHost::host).toList() : List.of(hostname);
        return StsAdvice.forDomain(domain, mx, Clock.systemUTC().instant());
    }
}

package sluice.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sluice.config.Config;
import sluice.config.IpLiterals;
import sluice.delivery.PortProbe;
import sluice.delivery.PortReport;
import sluice.delivery.SubmissionAdvice;
import sluice.dns.AddressAnswer;
import sluice.dns.Resolver;

/** {@code sluice probe HOST}: what each mail port of a server offers, and which one to submit on. */
@Command(name = "probe", description = "Test the mail ports of a server (no mail, no credentials sent) and recommend the submission port.")
final class ProbeCommand implements Callable<Integer> {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m)?");

    @Mixin Options options;

    @Parameters(paramLabel = "HOST", description = "an IP address or a host name (resolved with [delivery] dns_servers)")
    String host;

    @Option(names = "--ports", split = ",", paramLabel = "PORT", description = "ports to test (default: 25,465,587,2525)")
    List<Integer> ports = new ArrayList<>(List.of(25, 465, 587, 2525));

    @Option(names = "--timeout", paramLabel = "DURATION", description = "limit for each step: 500ms, 5s, 1m (default: 5s)")
    String timeout = "5s";

    @Option(names = "--json", description = "print one JSON object (shape in docs/commands.md)")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Duration limit = parseDuration(timeout);
        for (int p : ports) if (p < 1 || p > 65535) throw new Failures.UserError(2, "not a port: " + p);
        Config config = options.load();
        InetAddress address = resolve(config, limit);
        PortProbe probe = new PortProbe(config.hostname(), limit, PortProbe.jdkTrustStore(), Clock.systemUTC());
        List<PortReport> reports = probeAll(probe, address);
        SubmissionAdvice.Recommendation advice = SubmissionAdvice.recommend(reports);
        if (json) {
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(toJson(address, reports, advice)));
        } else {
            ProbeReportText.print(System.out, host, address, limit, reports, advice);
        }
        return advice.port() == null ? 1 : 0;
    }

    /** Every port at once, each on its own virtual thread: filtered ports cost one timeout, not one each. */
    private List<PortReport> probeAll(PortProbe probe, InetAddress address) throws InterruptedException {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<PortReport>> futures = new ArrayList<>();
            for (int port : ports.stream().distinct().toList()) futures.add(pool.submit(() -> probe.probe(address, host, port)));
            List<PortReport> out = new ArrayList<>();
            for (Future<PortReport> f : futures) {
                try {
                    out.add(f.get());
                } catch (ExecutionException e) {
                    throw new IllegalStateException("probe failed: " + sluice.observe.FailureText.of(e.getCause()), e.getCause());
                }
            }
            return out;
        }
    }

    /** An IP literal as is; a name through Sluice's resolver (never the system's), IPv4 first. */
    private InetAddress resolve(Config config, Duration limit) {
        InetAddress literal = IpLiterals.toAddress(host);
        if (literal != null) return literal;
        // RFC 6761: localhost is the loopback, and DNS servers are not asked about it.
        if (host.equalsIgnoreCase("localhost") || host.equalsIgnoreCase("localhost.")) return InetAddress.getLoopbackAddress();
        Resolver resolver = Resolver.create(config.delivery().dnsServers(), config.delivery().dnsTimeout(), Clock.systemUTC());
        String silence = resolver.silence(host);
        if (silence != null) throw new Failures.UserError(1, "probe: cannot look up " + host + ": " + silence);
        return switch (resolver.addresses(host)) {
            // IPv4 first: a probe from a host without IPv6 routing would otherwise report every port unreachable.
            case AddressAnswer.Addresses a -> a.list().stream().filter(i -> i instanceof Inet4Address).findFirst()
                    .orElse(a.list().get(0));
            case AddressAnswer.NoSuchDomain n -> throw new Failures.UserError(1, host + ": no such domain (" + n.detail() + ")");
            case AddressAnswer.NoAddresses n -> throw new Failures.UserError(1, host + ": no A or AAAA records");
            case AddressAnswer.TempFail t -> throw new Failures.UserError(1, host + ": DNS lookup failed (" + t.detail() + ")");
        };
    }

    static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new Failures.UserError(2, "--timeout: expected a positive duration like 500ms, 5s or 1m, not \"" + text + "\"");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofSeconds(n);
        };
    }

    private ObjectNode toJson(InetAddress address, List<PortReport> reports, SubmissionAdvice.Recommendation advice) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("host", host);
        root.put("address", address.getHostAddress());
        ArrayNode list = root.putArray("ports");
        for (PortReport r : reports) {
            ObjectNode p = list.addObject();
            p.put("port", r.port());
            p.put("status", r.status().label());
            p.put("error", r.error());
            p.put("banner", r.banner());
            putMillis(p, "connect_ms", r.connectMs());
            putMillis(p, "banner_ms", r.bannerMs());
            if (r.tls() == null) {
                p.putNull("tls");
            } else {
                PortReport.Tls t = r.tls();
                ObjectNode tls = p.putObject("tls");
                tls.put("mode", t.mode());
                tls.put("version", t.version());
                tls.put("cipher", t.cipher());
                tls.put("subject", t.subject());
                tls.put("issuer", t.issuer());
                tls.put("not_after", t.notAfter() == null ? null : t.notAfter().toString());
                if (t.ok()) {
                    tls.put("days_left", t.daysLeft());
                    tls.put("hostname_match", t.hostnameMatch());
                    tls.put("trusted", t.trusted());
                } else {
                    tls.putNull("days_left");
                    tls.putNull("hostname_match");
                    tls.putNull("trusted");
                }
                tls.put("trust_error", t.trustError());
                tls.put("handshake_ms", t.handshakeMs());
                tls.put("error", t.error());
            }
            r.extensions().forEach(p.putArray("extensions")::add);
            r.extensionsAfterTls().forEach(p.putArray("extensions_after_tls")::add);
            r.authBeforeTls().forEach(p.putArray("auth_before_tls")::add);
            r.authAfterTls().forEach(p.putArray("auth_after_tls")::add);
            p.put("usable_for_submission", r.port() != 25 && r.usableForSubmission());
            r.problems().forEach(p.putArray("problems")::add);
        }
        ObjectNode rec = root.putObject("recommendation");
        if (advice.port() == null) rec.putNull("port");
        else rec.put("port", advice.port());
        rec.put("reason", advice.reason());
        return root;
    }

    private static void putMillis(ObjectNode node, String field, long ms) {
        if (ms < 0) node.putNull(field);
        else node.put(field, ms);
    }
}

package sluice.transit;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * What an operator publishes so that others deliver to their domain under MTA-STS (RFC 8461 3) and send them TLS
 * reports (RFC 8460 3): the policy file, in testing mode to start (failures are reported, mail still flows), and the
 * two TXT records. {@code sluice doctor} prints it.
 *
 * @param policyUrl  where the policy file is served
 * @param policyFile the file's text (CRLF line ends, as RFC 8461 3.2 writes them)
 * @param stsRecord  the {@code _mta-sts} TXT record, whole ("NAME. IN TXT \"…\"")
 * @param tlsRptRecord the {@code _smtp._tls} TXT record, whole
 */
public record StsAdvice(String policyUrl, String policyFile, String stsRecord, String tlsRptRecord) {
    /** A day: short while testing, so a mistake in the file does not stay in senders' caches for long. */
    public static final long TESTING_MAX_AGE = 86_400;
    /** What to move to with enforce: two weeks, longer than most outages of a policy host. */
    public static final long ENFORCE_MAX_AGE = 1_209_600;
    private static final DateTimeFormatter ID = DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);

    /**
     * @param mxHosts the domain's MX host names (each becomes an {@code mx:} line)
     * @param now     makes the policy id (RFC 8461 3.1: 1 to 32 letters and digits, changed with every new policy)
     */
    public static StsAdvice forDomain(String domain, List<String> mxHosts, Instant now) {
        StringBuilder file = new StringBuilder("version: STSv1\r\nmode: testing\r\n");
        for (String mx : mxHosts) file.append("mx: ").append(mx.endsWith(".") ? mx.substring(0, mx.length() - 1) : mx).append("\r\n");
        file.append("max_age: ").append(TESTING_MAX_AGE).append("\r\n");
        return new StsAdvice("https://mta-sts." + domain + "/.well-known/mta-sts.txt", file.toString(),
                "_mta-sts." + domain + ". IN TXT \"v=STSv1; id=" + ID.format(now) + "\"",
                "_smtp._tls." + domain + ". IN TXT \"v=TLSRPTv1; rua=mailto:tls-reports@" + domain + "\"");
    }

    /** The advice as the doctor prints it. */
    public List<String> lines() {
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        out.add("To publish MTA-STS and TLS-RPT, serve " + policyUrl);
        out.add("  (HTTPS with a certificate valid for " + java.net.URI.create(policyUrl).getHost()
                + ", Content-Type text/plain, no redirect):");
        policyFile.lines().forEach(l -> out.add("    " + l));
        out.add("and add these TXT records:");
        out.add("    " + stsRecord);
        out.add("    " + tlsRptRecord);
        out.add("Once the TLS reports show no failures: mode: enforce, max_age: " + ENFORCE_MAX_AGE
                + ", and a new id in the _mta-sts record (senders refetch the policy when the id changes).");
        return out;
    }
}

package sluice.mailauth;

import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;
import sluice.mailauth.DmarcResult.Result;
import sluice.mailauth.DnsLookups.Answer;

/**
 * DMARC policy evaluation (RFC 7489): finds the policy record of the RFC 5322.From domain (falling back to its
 * organisational domain), checks SPF and DKIM identifier alignment, and picks the disposition for a failing message.
 * Blocks on DNS; never throws for anything a remote domain publishes.
 */
public final class Dmarc {
    private final DnsLookups dns;
    private final RandomGenerator random;

    /** {@code random} draws the pct= sample; inject a seeded one in tests. */
    public Dmarc(DnsLookups dns, RandomGenerator random) {
        this.dns = dns;
        this.random = random;
    }

    /**
     * Evaluates the message whose From domain is {@code fromDomain}; {@code spf} is the SPF result for the MAIL
     * FROM identity (its domain the MAIL FROM domain); {@code dkimPasses} one entry per verified DKIM signature.
     */
    public DmarcResult evaluate(String fromDomain, SpfResult spf, List<DkimPass> dkimPasses) {
        String from = fromDomain == null ? "" : OrganizationalDomain.normalized(fromDomain);
        if (!SpfEvaluator.isValidDomain(from)) {
            return new DmarcResult(Result.PERMERROR, "none", from, from, false, false, "");
        }
        String org = OrganizationalDomain.of(from);
        Found found;
        try {
            found = discover(from, org);
        } catch (TemporaryFailure e) {
            return new DmarcResult(Result.TEMPERROR, "none", from, org, false, false, "");
        }
        if (found == null) {
            return new DmarcResult(Result.NONE, "none", from, org, false, false, "");
        }
        DmarcRecord record = found.record();
        boolean spfAligned = spf != null && spf.result() == SpfResult.Result.PASS && spf.domain() != null
                && aligned(spf.domain(), from, record.strictSpf());
        boolean dkimAligned = dkimPasses.stream().anyMatch(d -> aligned(d.domain(), from, record.strictDkim()));
        if (spfAligned || dkimAligned) {
            return new DmarcResult(Result.PASS, "none", from, org, spfAligned, dkimAligned, record.text());
        }
        String policy = found.atOrgDomain() && record.subdomainPolicy().isPresent()
                ? record.subdomainPolicy().get() : record.policy();
        return new DmarcResult(Result.FAIL, sampled(policy, record.pct()), from, org, false, false, record.text());
    }

    /** RFC 7489 3.1: strict alignment wants the same name, relaxed the same organisational domain. */
    static boolean aligned(String identifier, String fromDomain, boolean strict) {
        String a = OrganizationalDomain.normalized(identifier);
        String b = OrganizationalDomain.normalized(fromDomain);
        return strict ? a.equals(b) : OrganizationalDomain.of(a).equals(OrganizationalDomain.of(b));
    }

    /** RFC 7489 6.6.4: a message outside the pct= sample gets the next less strict policy. */
    private String sampled(String policy, int pct) {
        if (pct >= 100 || random.nextInt(100) < pct) {
            return policy;
        }
        return switch (policy) {
            case "reject" -> "quarantine";
            default -> "none";
        };
    }

    private record Found(DmarcRecord record, boolean atOrgDomain) {}

    private static final class TemporaryFailure extends Exception {
        private static final long serialVersionUID = 1L;

        TemporaryFailure() {
            super(null, null, false, false);
        }
    }

    /** RFC 7489 6.6.3: _dmarc.<from>, then _dmarc.<org> if the first has no DMARC record at all. */
    private Found discover(String from, String org) throws TemporaryFailure {
        Optional<List<String>> atFrom = records("_dmarc." + from);
        if (atFrom.isPresent()) {
            return single(atFrom.get(), false);
        }
        if (org.equals(from)) {
            return null;
        }
        return records("_dmarc." + org).map(records -> single(records, true)).orElse(null);
    }

    /** The v=DMARC1 records at {@code name}, empty if there are none. */
    private Optional<List<String>> records(String name) throws TemporaryFailure {
        List<String> records = switch (dns.txt(name)) {
            case Answer.Found<String> found -> found.values().stream().filter(DmarcRecord::isDmarc1).toList();
            case Answer.Empty<String> empty -> List.of();
            case Answer.TempFail<String> failed -> throw new TemporaryFailure();
        };
        return records.isEmpty() ? Optional.empty() : Optional.of(records);
    }

    /** Several records, or an invalid one, mean no DMARC for this message. */
    private static Found single(List<String> records, boolean atOrgDomain) {
        if (records.size() != 1) {
            return null;
        }
        return DmarcRecord.parse(records.get(0)).map(r -> new Found(r, atOrgDomain)).orElse(null);
    }
}

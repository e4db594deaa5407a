package sluice.transit;

import java.time.LocalDate;
import java.util.List;

/**
 * One policy domain's TLS results of one UTC day, as a report is made from them (RFC 8460 4.4): a snapshot of the
 * {@link TlsReportBook}'s counters.
 */
public record DayCounts(LocalDate day, String domain, List<Policy> policies) {
    public DayCounts {
        policies = List.copyOf(policies);
    }

    /**
     * Sessions under one policy.
     *
     * @param type    "sts", "tlsa" or "no-policy-found"
     * @param mxHost  the MX host a "tlsa" or "no-policy-found" entry is about; "" for "sts" (its patterns say)
     */
    public record Policy(String type, List<String> strings, String mxHost, long successes, long failures,
                         List<Failure> details) {
        public Policy {
            strings = List.copyOf(strings);
            details = List.copyOf(details);
        }
    }

    /** Failed sessions alike in type, addresses, host and reason; a null field is absent from the report. */
    public record Failure(ResultType type, String sendingIp, String receivingIp, String mxHost, String reason,
                          long count) {}

    public long successes() {
        return policies.stream().mapToLong(Policy::successes).sum();
    }

    public long failures() {
        return policies.stream().mapToLong(Policy::failures).sum();
    }
}

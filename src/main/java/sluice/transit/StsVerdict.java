package sluice.transit;

/** The MTA-STS policy in force for a destination domain. */
public sealed interface StsVerdict {
    /** No policy: no {@code _mta-sts} record (or MTA-STS off), or a "none" policy. */
    record None(String why) implements StsVerdict {}

    /**
     * The domain announces a policy that could not be had and none is cached: delivery goes on as without one
     * (RFC 8461 5), and the failure is reported.
     */
    record Failed(ResultType type, String detail) implements StsVerdict {}

    /** An enforce or testing policy, fresh or cached. */
    record InForce(StsPolicy policy) implements StsVerdict {}
}

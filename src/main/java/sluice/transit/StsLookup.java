package sluice.transit;

/** The MTA-STS policy of a destination domain; may block on DNS and HTTPS (bounded) and never throws. */
@FunctionalInterface
public interface StsLookup {
    StsVerdict policyFor(String domain);

    /** MTA-STS off. */
    static StsLookup off() {
        return domain -> new StsVerdict.None("mta_sts = off");
    }
}

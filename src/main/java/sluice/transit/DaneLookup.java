package sluice.transit;

/** DANE for one MX host of a destination domain; blocks on DNS (bounded by its timeout) and never throws. */
@FunctionalInterface
public interface DaneLookup {
    DaneVerdict forHost(String domain, String mxHost);

    /** The domain's MX answer validated with DNSSEC (REQUIRETLS may then verify MX hosts by Web PKI). */
    default boolean mxSecure(String domain) {
        return false;
    }

    /** DANE off: every host {@link DaneVerdict.NotApplicable}. */
    static DaneLookup off() {
        return (domain, host) -> new DaneVerdict.NotApplicable("dane = off");
    }
}

package sluice.mailauth;

/**
 * The outcome of an SPF check (RFC 7208 2.6). {@code domain} is the domain checked (the MAIL FROM domain, or the
 * HELO name for a null reverse path); {@code explanation} is the expanded exp= text for a fail when the domain
 * publishes one, otherwise a short reason; {@code mechanism} is the top-level term that decided ("-all",
 * "include:_spf.example.com", "default" when nothing matched), empty for none, temperror and permerror.
 */
public record SpfResult(Result result, String domain, String explanation, String mechanism) {

    /** The same result reported for {@code other} (the top-level domain when an include or redirect decided). */
    SpfResult withDomain(String other) {
        return new SpfResult(result, other, explanation, mechanism);
    }

    public enum Result {
        NONE, NEUTRAL, PASS, FAIL, SOFTFAIL, TEMPERROR, PERMERROR;

        /** The lower-case name used in Received-SPF and Authentication-Results. */
        public String keyword() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}

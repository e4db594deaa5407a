package sluice.mailauth;

/**
 * The DMARC verdict for one message (RFC 7489). {@code policy} is the disposition to apply: for a fail, p= (or sp=
 * for a subdomain whose record came from the organisational domain) after pct= sampling; "none" otherwise.
 * {@code record} is the policy record used ("" when there was none); {@code orgDomain} the organisational domain of
 * the From domain.
 */
public record DmarcResult(Result result, String policy, String fromDomain, String orgDomain, boolean spfAligned,
        boolean dkimAligned, String record) {

    public enum Result {
        PASS, FAIL, NONE, TEMPERROR, PERMERROR;

        /** The lower-case name used in Authentication-Results. */
        public String keyword() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}

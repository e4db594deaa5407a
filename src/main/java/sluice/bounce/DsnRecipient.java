package sluice.bounce;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One recipient's lines in a delivery status notification (RFC 3464 2.3).
 *
 * @param finalRecipient the address the report is about, without angle brackets
 * @param originalRecipient the ORCPT parameter as stored, {@code addrtype;addr} (e.g. {@code rfc822;bob@x.test}), or null
 * @param action what happened to the recipient
 * @param status the enhanced status code (RFC 3463), e.g. {@code 5.1.1}
 * @param remoteMta the host name of the server that gave the diagnostic, or null
 * @param diagnostic the remote reply, e.g. {@code 550 5.1.1 no such user}, or null
 * @param lastAttempt when delivery was last attempted, or null to leave the field out
 * @param willRetryUntil for DELAYED: when the queue gives up, or null
 */
public record DsnRecipient(
        String finalRecipient,
        String originalRecipient,
        Action action,
        String status,
        String remoteMta,
        String diagnostic,
        Instant lastAttempt,
        Instant willRetryUntil) {

    /** The action-field values of RFC 3464 2.3.3. */
    public enum Action {
        FAILED, DELAYED, DELIVERED, RELAYED, EXPANDED;

        /** The lower-case keyword written in the report. */
        public String keyword() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static final Pattern STATUS = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");

    public DsnRecipient {
        Objects.requireNonNull(finalRecipient, "finalRecipient");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(status, "status");
        if (!STATUS.matcher(status).matches()) {
            throw new IllegalArgumentException("not an enhanced status code: " + status);
        }
    }
}

package sluice.config;

import java.util.List;

/**
 * Checks on mail received on {@code mx} listeners, and what happens to suppressed recipients.
 *
 * @param verify            check SPF, DKIM and DMARC and add an Authentication-Results header
 * @param dmarcReject       what a DMARC failure under {@code p=reject} gets: "reject" ({@code 550 5.7.1}) or
 *                          "header" (accepted, the result only in Authentication-Results)
 * @param suppression       what a submission to a suppressed recipient gets: "refuse" ({@code 550 5.7.1} at RCPT)
 *                          or "drop" (accepted, not delivered, logged as {@code suppressed})
 * @param dnsbl             DNS blocklist zones asked about each client connecting to an {@code mx} listener
 *                          (trusted networks excepted); a listed client gets {@code 554 5.7.1} and is closed
 */
public record MailauthConfig(boolean verify, String dmarcReject, String suppression, List<String> dnsbl) {
    public MailauthConfig {
        dnsbl = List.copyOf(dnsbl);
    }
}

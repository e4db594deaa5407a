package sluice.policy;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Where an entry lives: sending domain (or {@code "*"}) and recipient address, both lower-cased (compared
 * case-insensitively, as every ESP does). Stored as the key {@code domain \0 address} (UTF-8), so one domain's
 * entries sort together and a page of the list is one range scan.
 */
record SuppressionKey(String domain, String address) {
    private static final int MAX_ADDRESS = 320;
    private static final java.util.regex.Pattern DOMAIN = java.util.regex.Pattern.compile("[\\p{L}\\p{N}_.-]+");

    /**
     * @throws IllegalArgumentException for an address or domain that cannot be one (the message says which)
     */
    static SuppressionKey of(String senderDomain, String recipient) {
        String domain = senderDomain == null || senderDomain.isBlank() ? SuppressionList.ALL_SENDERS : senderDomain.strip();
        domain = domain.toLowerCase(Locale.ROOT);
        if (!domain.equals(SuppressionList.ALL_SENDERS) && !DOMAIN.matcher(domain).matches()) {
            throw new IllegalArgumentException("not a domain: \"" + sluice.smtp.ReplyText.forLog(senderDomain, 80)
                    + "\" (a sending domain or *)");
        }
        String address = recipient == null ? "" : recipient.strip();
        if (address.startsWith("<") && address.endsWith(">")) address = address.substring(1, address.length() - 1);
        int at = address.lastIndexOf('@');
        if (at <= 0 || at == address.length() - 1 || address.length() > MAX_ADDRESS
                || address.codePoints().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw new IllegalArgumentException("not an address: \"" + sluice.smtp.ReplyText.forLog(recipient, 80)
                    + "\" (user@domain)");
        }
        return new SuppressionKey(domain, address.toLowerCase(Locale.ROOT));
    }

    /** For lookups: no validation (an address that cannot be stored is simply not found). */
    static SuppressionKey lookup(String domain, String lowerAddress) {
        return new SuppressionKey(domain, lowerAddress);
    }

    byte[] bytes() {
        return (domain + '\0' + address).getBytes(StandardCharsets.UTF_8);
    }

    static SuppressionKey fromBytes(byte[] key) {
        String s = new String(key, StandardCharsets.UTF_8);
        int nul = s.indexOf('\0');
        if (nul < 0) throw new IllegalArgumentException("suppression key without a separator");
        return new SuppressionKey(s.substring(0, nul), s.substring(nul + 1));
    }

    /** The 64 bits the in-memory index keeps (see {@link SuppressionIndex}). */
    long fingerprint() {
        return fingerprint(bytes());
    }

    static long fingerprint(byte[] key) {
        return Hashing.murmur3_128().hashBytes(key).asLong();
    }

    /** The paging cursor of the API: {@code domain:address} (a domain never holds a colon). */
    String cursor() {
        return domain + ":" + address;
    }

    /** @throws IllegalArgumentException when {@code cursor} is not one {@link #cursor()} made */
    static SuppressionKey fromCursor(String cursor) {
        int colon = cursor.indexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("after: expected DOMAIN:ADDRESS as X-Next-After gives it");
        return new SuppressionKey(cursor.substring(0, colon).toLowerCase(Locale.ROOT),
                cursor.substring(colon + 1).toLowerCase(Locale.ROOT));
    }
}

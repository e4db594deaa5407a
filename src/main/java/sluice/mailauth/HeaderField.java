package sluice.mailauth;

import java.util.Locale;

/**
 * One header field as it appears in the message: {@code raw} is the whole field (name, colon, value and any folding
 * CRLFs), without the final CRLF. Bytes are kept as ISO-8859-1 chars so 8-bit headers survive unchanged.
 */
record HeaderField(String raw) {

    String name() {
        int colon = raw.indexOf(':');
        return (colon < 0 ? raw : raw.substring(0, colon)).strip();
    }

    String lowerName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Everything after the colon, folding included. */
    String value() {
        int colon = raw.indexOf(':');
        return colon < 0 ? "" : raw.substring(colon + 1);
    }
}

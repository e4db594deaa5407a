package sluice.smtp;

import java.util.Locale;

/** The two halves of an address as stored (already parsed: the last {@code @} separates them). */
public final class Addresses {
    private Addresses() {}

    /** The domain of an address, lower-cased ("" when there is none, as for the null sender). */
    public static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    /** The local part of an address, as written (the whole string when there is no {@code @}). */
    public static String localPartOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? address : address.substring(0, at);
    }
}

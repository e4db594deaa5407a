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

    /**
     * The one form in which local identities are compared and stored: user names (users.json, AUTH, API keys),
     * local recipients, alias keys and targets, catch-alls, may-send-as patterns and Maildir directories. The whole
     * address is lower-cased: domains are case-insensitive (RFC 5321 2.4), and local parts of local users are too,
     * as Postfix and Dovecot ({@code auth_username_format = %Lu}) treat them by default. Remote recipients are never
     * rewritten with it; it only decides who is who here.
     */
    public static String canonical(String address) {
        return address.toLowerCase(Locale.ROOT);
    }

    /** The local part of an address, as written (the whole string when there is no {@code @}). */
    public static String localPartOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? address : address.substring(0, at);
    }
}

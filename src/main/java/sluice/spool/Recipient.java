package sluice.spool;

/**
 * One recipient of a spooled message and where it stands.
 *
 * @param orcpt  DSN ORCPT parameter as received, or null
 * @param notifyOn DSN NOTIFY parameter as received (e.g. "SUCCESS,FAILURE"), or null
 */
public record Recipient(String address, String orcpt, String notifyOn, RecipientState state, int attempts, String lastError) {

    public static Recipient pending(String address, String orcpt, String notifyOn) {
        return new Recipient(address, orcpt, notifyOn, RecipientState.PENDING, 0, null);
    }
}

package sluice.spool;

/** Where one recipient stands. Every recipient ends in exactly one of the final states. */
public enum RecipientState {
    PENDING, DELIVERED, BOUNCED, EXPIRED;

    public boolean isFinal() {
        return this != PENDING;
    }
}

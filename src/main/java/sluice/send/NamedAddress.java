package sluice.send;

import sluice.smtp.Mailbox;

/** A mailbox with its display name (null when none), as in {@code Alice <alice@example.test>}. */
record NamedAddress(String name, Mailbox mailbox) {
    /** How it is written in a header field: the name as a phrase (encoded or quoted as needed), then the address. */
    String header() {
        return name == null || name.isBlank() ? mailbox.address()
                : HeaderText.phrase(name.strip()) + " <" + mailbox.address() + ">";
    }
}

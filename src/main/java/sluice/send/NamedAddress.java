package sluice.send;

import sluice.smtp.Mailbox;
import sluice.smtp.NamedMailbox;

/** A mailbox with its display name (null when none), as in {@code Alice <alice@example.test>}. */
record NamedAddress(String name, Mailbox mailbox) {
    static NamedAddress of(NamedMailbox m) {
        return new NamedAddress(m.name(), m.mailbox());
    }

    /** How it is written in a header field: the name as a phrase (encoded or quoted as needed), then the address. */
    String header() {
        return name == null || name.isBlank() ? mailbox.address()
                : HeaderText.phrase(name.strip()) + " <" + mailbox.address() + ">";
    }
}

package sluice.send;

import java.nio.charset.StandardCharsets;
import org.apache.james.mime4j.codec.EncoderUtil;
import sluice.smtp.Mailbox;
import sluice.smtp.NamedMailbox;

/** A mailbox with its display name (null when none), as in {@code Alice <alice@example.test>}. */
record NamedAddress(String name, Mailbox mailbox) {
    static NamedAddress of(NamedMailbox m) {
        return new NamedAddress(m.name(), m.mailbox());
    }

    /**
     * How it is written in a header field: the name as a phrase (atoms as they are, a quoted string when it has
     * specials, UTF-8 encoded-words when it is not ASCII or has a word too long for a line: mime4j's), then the
     * address as given.
     */
    String header() {
        if (name == null || name.isBlank()) return mailbox.address();
        String n = name.strip();
        // a word too long to fold (5,000 x) is encoded too: encoded-words are short and fold between them
        String phrase = !EncoderUtil.hasToBeEncoded(n, 0) ? EncoderUtil.encodeAddressDisplayName(n)
                : EncoderUtil.encodeEncodedWord(n, EncoderUtil.Usage.WORD_ENTITY, 0, StandardCharsets.UTF_8, null);
        return phrase + " <" + mailbox.address() + ">";
    }
}

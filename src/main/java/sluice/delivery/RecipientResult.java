package sluice.delivery;

import sluice.smtp.Reply;

/** What became of one recipient: the reply that decided it (the server's, or a synthetic one). */
public record RecipientResult(OutboundRecipient recipient, Reply reply) {
    public boolean delivered() {
        return reply.code() / 100 == 2;
    }

    public boolean permanent() {
        return reply.code() / 100 == 5;
    }
}

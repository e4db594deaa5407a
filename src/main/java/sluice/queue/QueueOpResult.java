package sluice.queue;

/** What an operator's action on a queued message did. */
public sealed interface QueueOpResult {
    record Done(String detail) implements QueueOpResult {}

    record NotFound() implements QueueOpResult {}

    /** The message is being delivered right now; the action can be repeated in a moment. */
    record Busy() implements QueueOpResult {}

    record Failed(String reason) implements QueueOpResult {}
}

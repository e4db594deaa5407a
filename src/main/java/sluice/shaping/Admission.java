package sluice.shaping;

import sluice.delivery.Job;

/** Shaping's answer to "may this job be attempted now?". */
public sealed interface Admission {
    /** Yes: attempt {@code job} (now carrying its source and limits) and report its outcomes to {@code lease}. */
    record Go(Job job, Lease lease) implements Admission {}

    /**
     * Not now: ask again at {@code untilMillis} (epoch millis). Nothing is held meanwhile: no worker, no
     * connection, no attempt counted. {@code reason} says which limit, for logs and tests.
     */
    record Wait(long untilMillis, String reason) implements Admission {}
}

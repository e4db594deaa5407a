package sluice.shaping;

import java.util.List;
import sluice.delivery.Outcome;

/**
 * An admitted attempt's hold on its lane (a connection slot). {@link #done} is called once, with the attempt's
 * outcomes: it frees the slot and feeds the remote's replies to adaptive backoff.
 */
public final class Lease {
    /** For attempts no lane governs (local delivery). */
    public static final Lease NONE = new Lease(null, null);

    private final Shaper shaper;
    private final Lane lane;
    private boolean done;

    Lease(Shaper shaper, Lane lane) {
        this.shaper = shaper;
        this.lane = lane;
    }

    public void done(List<Outcome> outcomes) {
        if (lane == null) return;
        synchronized (this) {
            if (done) throw new IllegalStateException("a lease is given back once");
            done = true;
        }
        shaper.finished(lane, outcomes);
    }
}

package sluice.delivery;

import java.util.List;

/** Sends each job to the transport for its kind of destination: local Maildir or remote SMTP. */
public final class Transports implements Transport {
    private final Transport local;
    private final Transport remote;

    public Transports(Transport local, Transport remote) {
        this.local = local;
        this.remote = remote;
    }

    @Override
    public List<Outcome> deliver(Job job, byte[] data) {
        return job.destination() instanceof Destination.Local ? local.deliver(job, data) : remote.deliver(job, data);
    }
}

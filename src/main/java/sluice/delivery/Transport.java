package sluice.delivery;

import java.util.List;

/**
 * Delivers jobs and reports one outcome per recipient. Blocking; called from virtual threads, several at a
 * time for the same destination (up to the destination's connection limit).
 */
public interface Transport {
    List<Outcome> deliver(Job job, byte[] data);
}

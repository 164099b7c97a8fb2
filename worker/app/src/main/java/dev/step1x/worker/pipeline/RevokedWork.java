package dev.step1x.worker.pipeline;

import dev.step1x.worker.batching.Batcher;
import dev.step1x.worker.metrics.WorkerMeters;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests of partitions this worker lost in a rebalance. Their answers would not be committed here and the new
 * owner runs them anyway, so what has not started is given up (not answered, not committed): the queued ones when
 * the partitions are revoked, and any that reach a batch later (from a prefetch thread). A batch already on the
 * device finishes and publishes; its results are identical for the new owner, who reuses the output object.
 */
public final class RevokedWork {

    private static final Logger log = LoggerFactory.getLogger(RevokedWork.class);

    private final Batcher<Prepared> batcher;
    private final Answerer answerer;
    private final MeterRegistry meters;

    public RevokedWork(Batcher<Prepared> batcher, Answerer answerer, MeterRegistry meters) {
        this.batcher = batcher;
        this.answerer = answerer;
        this.meters = meters;
    }

    /** Gives up the queued requests whose partitions were revoked; returns how many. */
    public int dropQueued() {
        List<Prepared> revoked = batcher.removeIf(p -> p.accepted().delivery().completion().revoked());
        int dropped = 0;
        for (Prepared p : revoked) {
            if (answerer.giveUpIfRevoked(p.accepted())) {
                dropped++;
            } else {
                batcher.add(p); // a redelivery attached to it is still owned here: it runs after all
            }
        }
        count(dropped);
        if (dropped > 0) {
            log.info("rebalance: {} queued requests of revoked partitions given up (their new owners run them)",
                    dropped);
        }
        return dropped;
    }

    /** The items of a batch this worker still owns; those of revoked partitions are given up. */
    List<Prepared> keepOwned(List<Prepared> items) {
        List<Prepared> owned = new ArrayList<>(items.size());
        for (Prepared p : items) {
            if (!answerer.giveUpIfRevoked(p.accepted())) {
                owned.add(p);
            }
        }
        count(items.size() - owned.size());
        return owned.size() == items.size() ? items : owned;
    }

    private void count(int dropped) {
        if (dropped > 0) {
            WorkerMeters.REVOKED_DROPPED.counter(meters).increment(dropped);
        }
    }
}

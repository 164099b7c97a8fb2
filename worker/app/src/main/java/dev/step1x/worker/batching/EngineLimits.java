package dev.step1x.worker.batching;

import dev.step1x.engine.pipeline.BucketKey;
import dev.step1x.engine.pipeline.EditEngine;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The engine's own cap on requests per batch ({@link EditEngine#maxBatchRequests}, from its memory plan),
 * known once the engine is open; until then there is no cap from the engine.
 */
public final class EngineLimits {

    private final AtomicReference<EditEngine> engine = new AtomicReference<>();
    /** Per bucket: the most rows known to fit after a batch of that bucket ran out of device memory. */
    private final Map<BucketKey, Integer> learned = new ConcurrentHashMap<>();

    public void engineReady(EditEngine e) {
        engine.set(e);
    }

    /** Requests of {@code key} one batch may hold (0: not even one fits the device). */
    public int maxRequests(BucketKey key) {
        EditEngine e = engine.get();
        int planned = e == null ? Integer.MAX_VALUE : e.maxBatchRequests(key);
        Integer known = learned.get(key);
        return known == null ? planned : Math.min(planned, known);
    }

    /**
     * A batch of {@code rows} requests of {@code key} ran out of device memory: from now on batches of that
     * bucket hold at most half as many (at least 1; a lone request that does not fit fails on its own).
     *
     * @return the new cap
     */
    public int outOfMemory(BucketKey key, int rows) {
        int cap = Math.max(1, rows / 2);
        return learned.merge(key, cap, Math::min);
    }

    /** The configured rows capped by the engine, at least 1 (requests that cannot fit are refused earlier). */
    public int cap(BucketKey key, int configuredRows) {
        return Math.max(1, Math.min(configuredRows, maxRequests(key)));
    }
}

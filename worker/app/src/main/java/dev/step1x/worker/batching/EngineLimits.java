package dev.step1x.worker.batching;

import dev.step1x.engine.pipeline.BucketKey;
import dev.step1x.engine.pipeline.EditEngine;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The engine's own cap on requests per batch ({@link EditEngine#maxBatchRequests}, from its memory plan),
 * known once the engine is open; until then there is no cap from the engine.
 */
public final class EngineLimits {

    private final AtomicReference<EditEngine> engine = new AtomicReference<>();

    public void engineReady(EditEngine e) {
        engine.set(e);
    }

    /** Requests of {@code key} one batch may hold (0: not even one fits the device). */
    public int maxRequests(BucketKey key) {
        EditEngine e = engine.get();
        return e == null ? Integer.MAX_VALUE : e.maxBatchRequests(key);
    }

    /** The configured rows capped by the engine, at least 1 (requests that cannot fit are refused earlier). */
    public int cap(BucketKey key, int configuredRows) {
        return Math.max(1, Math.min(configuredRows, maxRequests(key)));
    }
}

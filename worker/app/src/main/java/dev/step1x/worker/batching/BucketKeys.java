package dev.step1x.worker.batching;

import dev.step1x.engine.pipeline.BucketKey;

/** Batching arithmetic on {@link BucketKey}s (their wire form is {@link BucketKey#toString()}). */
public final class BucketKeys {

    private BucketKeys() {}

    /** Relative compute cost of one row: pixels x steps, 1.0 for a 1024² 28-step row. */
    public static double rowCost(BucketKey key) {
        return (double) key.height() * key.width() / (1024.0 * 1024.0) * key.steps() / 28.0;
    }
}

package dev.step1x.worker.pipeline;

import java.util.random.RandomGenerator;

/**
 * How long a request parked by an S3 failure waits before it is tried again: the configured retry delay,
 * doubled with each wait up to the maximum, and drawn at random from the upper half of that ("equal jitter"),
 * so that the requests of a fleet parked by one outage do not all come back in the same instant.
 */
final class ParkingDelay {

    private ParkingDelay() {}

    /** Milliseconds before try number {@code waits + 1} ({@code waits} = waits so far, from 0). */
    static long millis(StorageRetry.Settings s, int waits, RandomGenerator random) {
        long base = Math.max(1, s.retryDelay().toMillis());
        long cap = Math.max(base, s.maxRetryDelay().toMillis());
        long full = waits >= 62 ? cap : Math.min(cap, base << Math.min(waits, 30));
        return full / 2 + random.nextLong(full - full / 2 + 1);
    }
}

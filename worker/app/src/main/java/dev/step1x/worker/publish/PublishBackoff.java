package dev.step1x.worker.publish;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * "Full jitter" exponential backoff: before retry {@code n} (1 for the first) wait a uniformly random time in
 * {@code [0, min(max, initial * 2^(n-1))]}. The randomness spreads the retries of many workers that lost the same
 * broker at the same moment, so they do not all come back in step.
 */
public record PublishBackoff(Duration initial, Duration max) {

    public PublishBackoff {
        if (initial == null || initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("publish retry backoff: the initial delay must be positive, got " + initial);
        }
        if (max == null || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("publish retry backoff: the maximum (" + max
                    + ") must be at least the initial delay (" + initial + ")");
        }
    }

    /** The cap on the wait before retry {@code retry}, before jitter. */
    public long ceilingMillis(int retry) {
        int doublings = Math.max(0, Math.min(30, retry - 1));
        return Math.min(max.toMillis(), initial.toMillis() << doublings);
    }

    /** The wait before retry {@code retry} (1 for the first), in milliseconds. */
    public long delayMillis(int retry, RandomGenerator random) {
        return random.nextLong(ceilingMillis(retry) + 1);
    }

    public long delayMillis(int retry) {
        return delayMillis(retry, ThreadLocalRandom.current());
    }
}

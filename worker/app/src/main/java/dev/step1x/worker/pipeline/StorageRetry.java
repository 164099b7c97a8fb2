package dev.step1x.worker.pipeline;

import dev.step1x.contracts.ErrorCode;
import dev.step1x.worker.publish.Threads;
import dev.step1x.worker.storage.StorageException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * S3 failed beyond the retry of one call: the request is parked and the failed step tried again after a randomised,
 * growing wait ({@link ParkingDelay}). While the bucket's circuit breaker is open (an outage) the request waits for
 * as long as the outage lasts: its record stays uncommitted and it is not answered, unless its deadline passes
 * (EXPIRED). With the breaker closed (S3 failing for this request only, or below the breaker's threshold) it is
 * answered STORAGE_UNAVAILABLE after {@code maxRounds}. Nothing is dead-lettered. Shared by the prefetch (reads) and
 * the finisher (writes).
 */
public final class StorageRetry implements AutoCloseable {

    /**
     * {@code worker.storage.outage.*}.
     *
     * @param retryDelay the first wait; each later one doubles, up to {@code maxRetryDelay}
     * @param maxRounds failures with the breaker closed before the request is answered STORAGE_UNAVAILABLE
     */
    public record Settings(Duration retryDelay, Duration maxRetryDelay, int maxRounds) {}

    /**
     * What a request has met so far.
     *
     * @param rounds failures counted against {@code maxRounds} (not those while the bucket's breaker is open)
     * @param waits waits so far (the parking delay grows with them)
     */
    record Outages(int rounds, int waits) {
        static final Outages NONE = new Outages(0, 0);
    }

    /** What a parked step does next. */
    interface Step {
        /** Tries again, having met {@code outages} so far. */
        void again(Outages outages);

        /** The outage lasted too long, or the deadline passed: answer with this failure. */
        void fail(RequestFailure f);

        /** The worker is stopping: give the request up unanswered. */
        void abandon();
    }

    private static final Logger log = LoggerFactory.getLogger(StorageRetry.class);

    private final Settings settings;
    private final Clock clock;
    private final ScheduledExecutorService parked = Executors.newSingleThreadScheduledExecutor(Threads.named("storage-retry"));
    private volatile boolean stopping;

    public StorageRetry(Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * A transient failure of {@code what}, a request that has met {@code before} so far.
     *
     * @param deadline the request's deadline, or null
     */
    void park(String what, Outages before, Instant deadline, StorageException e, Step step) {
        if (stopping) {
            step.abandon();
            return;
        }
        if (deadline != null && !clock.instant().isBefore(deadline)) {
            step.fail(new RequestFailure(ErrorCode.DEADLINE_EXCEEDED, "the deadline " + deadline
                    + " passed while S3 was unavailable: " + e.getMessage()));
            return;
        }
        Outages now = new Outages(e.breakerOpen() ? before.rounds() : before.rounds() + 1, before.waits() + 1);
        if (now.rounds() >= settings.maxRounds()) {
            step.fail(new RequestFailure(ErrorCode.STORAGE_UNAVAILABLE, "S3 unavailable after " + now.rounds()
                    + " rounds of retries: " + e.getMessage()));
            return;
        }
        long delay = ParkingDelay.millis(settings, before.waits(), ThreadLocalRandom.current());
        if (now.waits() == 1) {
            log.warn("{}: S3 unavailable{}, parked (first retry in {} ms, growing to at most {}): {}", what,
                    e.breakerOpen() ? " (circuit breaker open: waiting for the outage to end)" : "", delay,
                    settings.maxRetryDelay(), e.getMessage());
        } else {
            log.debug("{}: S3 still unavailable (wait {}, round {} of {})", what, now.waits(), now.rounds(),
                    settings.maxRounds());
        }
        try {
            parked.schedule(() -> {
                if (stopping) {
                    step.abandon();
                } else {
                    step.again(now);
                }
            }, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException ex) {
            step.abandon();
        }
    }

    /** Parked requests are given up from now on. */
    public void stop() {
        stopping = true;
    }

    @Override
    public void close() {
        stopping = true;
        parked.shutdownNow();
    }
}

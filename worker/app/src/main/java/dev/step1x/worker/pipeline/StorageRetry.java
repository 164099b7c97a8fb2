package dev.step1x.worker.pipeline;

import dev.step1x.contracts.ErrorCode;
import dev.step1x.worker.publish.Threads;
import dev.step1x.worker.storage.StorageException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An S3 outage (retries spent, or the circuit open) parks the request and tries the failed step again after
 * {@code retryDelay}, at most {@code maxRounds} times; only then is it answered STORAGE_UNAVAILABLE. Nothing is
 * dead-lettered. Shared by the prefetch (reads) and the finisher (writes).
 */
public final class StorageRetry implements AutoCloseable {

    /** {@code worker.storage.outage.*}. */
    public record Settings(Duration retryDelay, int maxRounds) {}

    /** What a parked step does next. */
    interface Step {
        /** Tries again; {@code round} counts the outages this request has met so far. */
        void again(int round);

        /** The outage lasted too long: answer with this failure. */
        void fail(RequestFailure f);

        /** The worker is stopping: give the request up unanswered. */
        void abandon();
    }

    private static final Logger log = LoggerFactory.getLogger(StorageRetry.class);

    private final Settings settings;
    private final ScheduledExecutorService parked = Executors.newSingleThreadScheduledExecutor(Threads.named("storage-retry"));
    private volatile boolean stopping;

    public StorageRetry(Settings settings) {
        this.settings = settings;
    }

    /** A transient failure of {@code what} in the request's {@code round}th outage (1 for the first). */
    void park(String what, int round, StorageException e, Step step) {
        if (stopping) {
            step.abandon();
            return;
        }
        if (round >= settings.maxRounds()) {
            step.fail(new RequestFailure(ErrorCode.STORAGE_UNAVAILABLE, "S3 unavailable after " + round
                    + " rounds of retries: " + e.getMessage()));
            return;
        }
        if (round == 1) {
            log.warn("{}: S3 unavailable, parked (retried every {}, at most {} rounds): {}", what,
                    settings.retryDelay(), settings.maxRounds(), e.getMessage());
        } else {
            log.debug("{}: S3 still unavailable (round {} of {})", what, round, settings.maxRounds());
        }
        try {
            parked.schedule(() -> {
                if (stopping) {
                    step.abandon();
                } else {
                    step.again(round);
                }
            }, settings.retryDelay().toMillis(), TimeUnit.MILLISECONDS);
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

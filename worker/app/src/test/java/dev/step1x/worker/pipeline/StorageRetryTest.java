package dev.step1x.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.contracts.ErrorCode;
import dev.step1x.worker.storage.StorageException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Parking after S3 failures: rounds count only with the breaker closed, and the deadline ends the wait. */
class StorageRetryTest {

    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    final StorageRetry retry = new StorageRetry(new StorageRetry.Settings(Duration.ofMillis(1), Duration.ofMillis(4), 3),
            Clock.fixed(NOW, ZoneOffset.UTC));

    @AfterEach
    void close() {
        retry.close();
    }

    /** What the parked step did: tried again (with its outages) or was answered. */
    record Outcome(StorageRetry.Outages again, RequestFailure failure, boolean abandoned) {}

    Outcome park(StorageRetry.Outages before, Instant deadline, StorageException e) throws Exception {
        CompletableFuture<Outcome> out = new CompletableFuture<>();
        retry.park("r-1", before, deadline, e, new StorageRetry.Step() {
            @Override
            public void again(StorageRetry.Outages now) {
                out.complete(new Outcome(now, null, false));
            }

            @Override
            public void fail(RequestFailure f) {
                out.complete(new Outcome(null, f, false));
            }

            @Override
            public void abandon() {
                out.complete(new Outcome(null, null, true));
            }
        });
        return out.get(5, TimeUnit.SECONDS);
    }

    static StorageException failure(boolean breakerOpen) {
        return new StorageException(StorageException.Kind.TRANSIENT, "HTTP 503 SlowDown", null, breakerOpen);
    }

    @Test
    void failuresWithTheBreakerClosedEndInStorageUnavailableAfterMaxRounds() throws Exception {
        Outcome first = park(StorageRetry.Outages.NONE, null, failure(false));
        assertThat(first.again()).isEqualTo(new StorageRetry.Outages(1, 1));
        Outcome second = park(first.again(), null, failure(false));
        assertThat(second.again()).isEqualTo(new StorageRetry.Outages(2, 2));
        Outcome third = park(second.again(), null, failure(false));
        assertThat(third.failure().code()).isEqualTo(ErrorCode.STORAGE_UNAVAILABLE);
        assertThat(third.failure().getMessage()).startsWith("S3 unavailable after 3 rounds of retries: HTTP 503");
    }

    @Test
    void whileTheBreakerIsOpenTheRequestWaitsWithoutCountingRounds() throws Exception {
        StorageRetry.Outages o = new StorageRetry.Outages(2, 2);
        for (int i = 0; i < 10; i++) {
            Outcome waited = park(o, null, failure(true));
            assertThat(waited.again()).as("wait %d", i).isNotNull();
            assertThat(waited.again().rounds()).isEqualTo(2);
            o = waited.again();
        }
        assertThat(o.waits()).isEqualTo(12);
    }

    @Test
    void aPassedDeadlineEndsTheWaitAsExpired() throws Exception {
        Outcome late = park(StorageRetry.Outages.NONE, NOW, failure(true));
        assertThat(late.failure().code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
        assertThat(late.failure().getMessage()).contains("passed while S3 was unavailable");
        assertThat(park(StorageRetry.Outages.NONE, NOW.plusSeconds(1), failure(true)).again()).isNotNull();
    }

    @Test
    void aStoppingWorkerGivesParkedRequestsUp() throws Exception {
        retry.stop();
        assertThat(park(StorageRetry.Outages.NONE, null, failure(false)).abandoned()).isTrue();
    }
}

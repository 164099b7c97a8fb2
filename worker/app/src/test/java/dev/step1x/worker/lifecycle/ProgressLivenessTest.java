package dev.step1x.worker.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/** Liveness follows denoising steps, not batch time: a long batch that advances is alive, a stuck step is not. */
class ProgressLivenessTest {

    final AtomicLong nanos = new AtomicLong(1_000);
    final ProgressWatch watch = new ProgressWatch(nanos::get);
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final HealthIndicator liveness = WorkerHealth.liveness(failure::get, watch::stalledNanos, watch,
            () -> Duration.ofSeconds(10));

    void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    Status status() {
        return liveness.health(true).getStatus();
    }

    @Test
    void aBatchOfManyMinutesStaysLiveWhileItsStepsFinish() {
        watch.batchStarted();
        advance(Duration.ofSeconds(8)); // the stages before the first step
        watch.stage("denoise");
        for (int step = 1; step <= 100; step++) {
            advance(Duration.ofSeconds(3));
            watch.step(step, 100);
            assertThat(status()).as("step %d, %d s into the batch", step, watch.batchNanos() / 1_000_000_000)
                    .isEqualTo(Status.UP);
        }
        assertThat(watch.batchNanos()).as("the batch ran far beyond the stall limit").isGreaterThan(
                Duration.ofSeconds(300).toNanos());
        assertThat(liveness.health(true).getDetails()).containsEntry("steps", 100L).containsEntry("limitMs", 10_000L);
        watch.batchEnded();
        assertThat(watch.batchNanos()).isZero();
        assertThat(status()).isEqualTo(Status.UP);
    }

    @Test
    void aStepThatNeverFinishesFailsLivenessAfterTheLimit() {
        watch.batchStarted();
        watch.step(1, 28);
        advance(Duration.ofSeconds(9));
        assertThat(status()).isEqualTo(Status.UP);
        advance(Duration.ofSeconds(2));
        assertThat(status()).as("11 s without a step").isEqualTo(Status.DOWN);
        assertThat(liveness.health(true).getDetails()).containsEntry("stalledMs", 11_000L);
        watch.step(2, 28);
        assertThat(status()).as("it moved again").isEqualTo(Status.UP);
    }

    @Test
    void anIdleLoopIsLiveWhileItPollsAndAFailedEngineIsNot() {
        for (int i = 0; i < 100; i++) {
            advance(Duration.ofMillis(250));
            watch.beat();
        }
        assertThat(status()).isEqualTo(Status.UP);
        failure.set(new IllegalStateException("engine gone"));
        assertThat(status()).isEqualTo(Status.DOWN);
    }
}

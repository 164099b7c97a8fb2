package dev.step1x.worker.lifecycle;

import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** Health of the engine: readiness (loaded and warmed up) and liveness (the inference loop progresses). */
public final class WorkerHealth {

    private WorkerHealth() {}

    /** UP once the engine is open and the warm-up batch ran. In the readiness group. */
    public static HealthIndicator readiness(InferenceLoop loop) {
        return () -> {
            if (loop.failure() != null) {
                return Health.down().withDetail("error", String.valueOf(loop.failure())).build();
            }
            if (!loop.isReady()) {
                return Health.outOfService().withDetail("engine", "loading or warming up").build();
            }
            return Health.up().withDetail("engine", loop.engineDescription())
                    .withDetail("simulated", loop.isSimulated()).build();
        };
    }

    /**
     * DOWN when the engine failed or the loop has not progressed for {@code limit}: no poll for work and no denoising
     * step finished. A batch that runs long but keeps finishing steps stays UP. The limit is read at each probe (it
     * may follow the learned step time). In the liveness group.
     */
    public static HealthIndicator liveness(InferenceLoop loop, Supplier<Duration> limit) {
        return liveness(loop::failure, loop::stalledNanos, loop.progress(), limit);
    }

    /** Liveness from its parts: the engine's failure, the stall, the progress shown in the details. */
    static HealthIndicator liveness(Supplier<Throwable> failure, LongSupplier stalledNanos, ProgressWatch progress,
            Supplier<Duration> limit) {
        return () -> {
            Throwable failed = failure.get();
            if (failed != null) {
                return Health.down().withDetail("error", String.valueOf(failed)).build();
            }
            long stalled = stalledNanos.getAsLong();
            Duration max = limit.get();
            Health.Builder h = stalled > max.toNanos() ? Health.down() : Health.up();
            return h.withDetail("stalledMs", stalled / 1_000_000).withDetail("limitMs", max.toMillis())
                    .withDetail("batchMs", progress.batchNanos() / 1_000_000).withDetail("steps", progress.steps())
                    .build();
        };
    }
}

package dev.step1x.worker.lifecycle;

import dev.step1x.worker.batching.Batcher;
import dev.step1x.worker.ingest.ConsumptionGate;
import dev.step1x.worker.ingest.IngestHandler;
import dev.step1x.worker.ingest.OffsetTracker;
import dev.step1x.worker.pipeline.Answerer;
import dev.step1x.worker.pipeline.Finisher;
import dev.step1x.worker.pipeline.Prefetch;
import dev.step1x.worker.pipeline.Prepared;
import dev.step1x.worker.pipeline.StorageRetry;
import dev.step1x.worker.publish.ResultSink;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;

/**
 * Graceful shutdown (SIGTERM, spot notice, context close). Stopped before the input binding: it pauses
 * consumption, stops taking records, lets the batch in flight finish within {@code drain-grace}, waits for
 * its uploads and result publishes (whose completion acknowledges exactly the completed offsets), gives up
 * what was queued (uncommitted, so redelivered to the next owner), and only then lets the binding stop,
 * which commits the acknowledged offsets and leaves the group.
 */
public final class DrainLifecycle implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(DrainLifecycle.class);

    /** Stops before the input binding (Integer.MAX_VALUE - 1000); higher phases stop first. */
    public static final int PHASE = Integer.MAX_VALUE - 500;

    /** The stages the drain stops, in the order requests flow through them. */
    public record Stages(IngestHandler ingest, Prefetch prefetch, StorageRetry storageRetry, Batcher<Prepared> batcher,
            InferenceLoop loop, Finisher finisher, Answerer answerer, ResultSink sink) {}

    private final Duration grace;
    private final ConsumptionGate gate;
    private final Stages stages;
    private final OffsetTracker<?> tracker;
    private final ApplicationContext context;
    private volatile boolean running;

    /** @param grace how long the batch in flight may take to finish, publish and commit */
    public DrainLifecycle(Duration grace, ConsumptionGate gate, Stages stages, OffsetTracker<?> tracker,
            ApplicationContext context) {
        this.grace = grace;
        this.gate = gate;
        this.stages = stages;
        this.tracker = tracker;
        this.context = context;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        if (!running) {
            return;
        }
        running = false;
        long t0 = System.nanoTime();
        long deadline = t0 + grace.toNanos();
        log.info("draining: consumption paused, finishing the batch in flight (grace {})", grace);
        AvailabilityChangeEvent.publish(context, ReadinessState.REFUSING_TRAFFIC);
        gate.pause(ConsumptionGate.Reason.DRAINING);
        stages.ingest().drain();
        stages.prefetch().stopAccepting();
        stages.storageRetry().stop();
        stages.batcher().setFlushing(true);
        try {
            boolean loopDone = stages.loop().stopAndWait(deadline);
            List<Prepared> queued = stages.batcher().drainAll();
            queued.forEach(p -> stages.answerer().abandon(p.accepted()));
            boolean uploadsDone = stages.finisher().awaitIdle(deadline);
            while (stages.sink().pending() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            log.info("drained in {} ms: batch finished {}, uploads finished {}, publishes pending {}, {} queued "
                    + "requests given up, {} records left uncommitted", (System.nanoTime() - t0) / 1_000_000, loopDone,
                    uploadsDone, stages.sink().pending(), queued.size(), tracker.inFlight());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}

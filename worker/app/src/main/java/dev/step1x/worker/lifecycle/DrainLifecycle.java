package dev.step1x.worker.lifecycle;

import dev.step1x.worker.config.WorkerProperties;
import dev.step1x.worker.ingest.ConsumptionGate;
import dev.step1x.worker.ingest.IngestHandler;
import dev.step1x.worker.ingest.OffsetTracker;
import dev.step1x.worker.pipeline.EditPipeline;
import dev.step1x.worker.publish.ResultSink;
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

    private final WorkerProperties props;
    private final ConsumptionGate gate;
    private final IngestHandler ingest;
    private final InferenceLoop loop;
    private final EditPipeline pipeline;
    private final ResultSink sink;
    private final OffsetTracker<?> tracker;
    private final ApplicationContext context;
    private volatile boolean running;

    public DrainLifecycle(WorkerProperties props, ConsumptionGate gate, IngestHandler ingest, InferenceLoop loop,
            EditPipeline pipeline, ResultSink sink, OffsetTracker<?> tracker, ApplicationContext context) {
        this.props = props;
        this.gate = gate;
        this.ingest = ingest;
        this.loop = loop;
        this.pipeline = pipeline;
        this.sink = sink;
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
        long deadline = t0 + props.getLifecycle().getDrainGrace().toNanos();
        log.info("draining: consumption paused, finishing the batch in flight (grace {})",
                props.getLifecycle().getDrainGrace());
        AvailabilityChangeEvent.publish(context, ReadinessState.REFUSING_TRAFFIC);
        gate.pause(ConsumptionGate.Reason.DRAINING);
        ingest.drain();
        pipeline.stopAccepting();
        try {
            boolean loopDone = loop.stopAndWait(deadline);
            int abandoned = pipeline.abandonQueued();
            boolean uploadsDone = pipeline.awaitUploads(deadline);
            while (sink.pending() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            log.info("drained in {} ms: batch finished {}, uploads finished {}, publishes pending {}, {} queued "
                    + "requests given up, {} records left uncommitted", (System.nanoTime() - t0) / 1_000_000, loopDone,
                    uploadsDone, sink.pending(), abandoned, tracker.inFlight());
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

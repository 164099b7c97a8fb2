package dev.step1x.worker.lifecycle;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.image.ImageEncoding;
import dev.step1x.engine.image.ImageFiles;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.pipeline.EditEngine;
import dev.step1x.engine.pipeline.EditInput;
import dev.step1x.engine.pipeline.EditOutput;
import dev.step1x.worker.batching.Batcher;
import dev.step1x.worker.engine.EngineFactory;
import dev.step1x.worker.engine.EngineSettings;
import dev.step1x.worker.ingest.ConsumptionGate;
import dev.step1x.worker.pipeline.BatchRunner;
import dev.step1x.worker.pipeline.Prepared;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The one thread that owns the engine: it opens the engine, runs one warm-up batch, opens the consumption
 * gate, then loops taking batches from the batcher and running them ({@link BatchRunner}). Liveness follows its
 * progress: each poll for work while idle, and each denoising step (and stage) the engine reports while a batch
 * runs, so a long batch that advances stays live and one stuck in a step does not; the warm-up drives readiness.
 */
public final class InferenceLoop implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(InferenceLoop.class);

    /** Starts before the input binding (whose phase is Integer.MAX_VALUE - 1000). */
    public static final int PHASE = Integer.MAX_VALUE - 2000;

    private final EngineSettings settings;
    private final EngineFactory.Setup setup;
    private final Map<String, Path> adapters;
    private final Batcher<Prepared> batcher;
    private final BatchRunner runner;
    private final ConsumptionGate gate;
    private volatile Thread thread;
    private volatile EditEngine engine;
    private volatile boolean simulated;
    private volatile boolean ready;
    private volatile Throwable failure;
    private volatile boolean stopRequested;
    private final ProgressWatch progress = new ProgressWatch(System::nanoTime);
    private volatile String engineDescription = "not loaded";

    /**
     * @param setup the checked engine settings ({@link EngineFactory#check})
     * @param adapters the per-request adapters the engine registers: catalog name to checked file
     */
    public InferenceLoop(EngineSettings settings, EngineFactory.Setup setup, Map<String, Path> adapters,
            Batcher<Prepared> batcher, BatchRunner runner, ConsumptionGate gate) {
        this.settings = settings;
        this.setup = setup;
        this.adapters = Map.copyOf(adapters);
        this.batcher = batcher;
        this.runner = runner;
        this.gate = gate;
        gate.pause(ConsumptionGate.Reason.WARMING_UP);
    }

    @Override
    public void start() {
        if (thread != null) {
            return;
        }
        Thread t = new Thread(this::run, "step1x-inference");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    private void run() {
        try {
            EngineFactory.Opened opened = EngineFactory.open(setup, settings, adapters);
            engine = opened.engine();
            simulated = opened.simulated();
            engineDescription = engine.describe();
            runner.engineReady(engine);
            if (simulated) {
                log.warn("engine open: {} -- SIMULATED: outputs are not Step1X-Edit edits", engineDescription);
            } else {
                log.info("engine open: {}", engineDescription);
            }
            if (settings.warmup().enabled()) {
                warmUp();
            }
            ready = true;
            gate.resume(ConsumptionGate.Reason.WARMING_UP);
        } catch (Throwable e) {
            failure = e;
            log.error("the engine could not be opened or warmed up; the worker is not live", e);
            return;
        }
        while (!stopRequested) {
            progress.beat();
            try {
                Batcher.Batch<Prepared> b = batcher.poll(Duration.ofMillis(250));
                if (b == null) {
                    continue;
                }
                progress.batchStarted();
                runner.run(b, progress);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Throwable e) {
                log.error("inference loop error", e);
            } finally {
                progress.batchEnded();
            }
        }
        log.info("inference loop stopped");
    }

    /**
     * One request's whole image path, before the worker reports ready: a synthetic picture encoded and decoded as an
     * input would be, resized to its bucket, one engine batch, resized back and encoded. Besides the engine's own
     * warm-up this compiles the CPU stages' hot loops (decoder, Pillow resizes, encoder), which a restarted worker
     * otherwise runs interpreted on its first backlog.
     */
    private void warmUp() throws java.io.IOException {
        long t0 = System.nanoTime();
        EngineSettings.Warmup w = settings.warmup();
        int size = 64;
        byte[] data = new byte[size * size * 3];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        RgbImage picture = ImageFiles.decode(ImageEncoding.PNG.encode(new RgbImage(size, size, data)), size * size);
        EditInput in = new EditInput(picture, "warm-up", "", w.sizeLevel(), w.steps(), 6.0f, 0L,
                setup.warmupVersion()).resizedToBucket();
        List<EditOutput> out = engine.edit(List.of(in));
        if (out.size() != 1) {
            throw new IllegalStateException("warm-up batch returned " + out.size() + " outputs");
        }
        out.get(0).finish(ImageEncoding.PNG);
        log.info("warm-up batch ({}) ran in {} ms", in.bucket(), (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Stops taking batches and waits (up to the deadline) for the batch in flight to finish.
     *
     * @return true when the loop ended in time
     */
    public boolean stopAndWait(long deadlineNanos) throws InterruptedException {
        stopRequested = true;
        Thread t = thread;
        if (t == null) {
            return true;
        }
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
            t.join(Math.max(1, left / 1_000_000));
        }
        return !t.isAlive();
    }

    @Override
    public void stop() {
        stopRequested = true;
    }

    @Override
    public boolean isRunning() {
        return thread != null && !stopRequested;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    public boolean isReady() {
        return ready;
    }

    public Throwable failure() {
        return failure;
    }

    public boolean isSimulated() {
        return simulated;
    }

    /** The model version the warm-up batch runs on. */
    public ModelVersion warmupVersion() {
        return setup.warmupVersion();
    }

    public String engineDescription() {
        return engineDescription;
    }

    /**
     * Nanoseconds since the loop last made progress: a poll for work, or a denoising step or stage of the running
     * batch (0 before the engine is ready: loading and the warm-up have their own start-up probe).
     */
    public long stalledNanos() {
        return ready ? progress.stalledNanos() : 0;
    }

    /** The loop's progress: batch time and steps reported so far. */
    public ProgressWatch progress() {
        return progress;
    }

    /** Closes the engine (context shutdown). */
    public void closeEngine() {
        EditEngine e = engine;
        if (e != null) {
            try {
                e.close();
            } catch (RuntimeException ex) {
                log.warn("closing the engine: {}", ex.toString());
            }
        }
    }

    /** The engine, once it is open (metrics read its memory figures from other threads). */
    public java.util.Optional<EditEngine> engine() {
        return java.util.Optional.ofNullable(engine);
    }
}

package dev.step1x.worker.config;

import dev.step1x.contracts.ModelVersion;
import dev.step1x.engine.runtime.NativeHeap;
import dev.step1x.engine.runtime.ProcessMemory;
import dev.step1x.worker.batching.BatchTimeBudget;
import dev.step1x.worker.batching.Batcher;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.lora.LoraTargets;
import dev.step1x.worker.engine.AdapterCatalog;
import dev.step1x.worker.engine.EngineConfigurationException;
import dev.step1x.worker.engine.EngineFactory;
import dev.step1x.worker.storage.ObjectStore;
import dev.step1x.worker.engine.EngineSettings;
import dev.step1x.worker.engine.WorkerIdentity;
import dev.step1x.worker.ingest.ConsumptionGate;
import dev.step1x.worker.ingest.IngestHandler;
import dev.step1x.worker.ingest.OffsetTracker;
import dev.step1x.worker.lifecycle.DrainLifecycle;
import dev.step1x.engine.pipeline.EditEngine;
import dev.step1x.worker.lifecycle.InferenceLoop;
import dev.step1x.worker.lifecycle.WorkerHealth;
import dev.step1x.worker.metrics.WorkerMeters;
import dev.step1x.worker.metrics.WorkerStats;
import dev.step1x.worker.pipeline.Answerer;
import dev.step1x.worker.pipeline.BatchRunner;
import dev.step1x.worker.pipeline.Finisher;
import dev.step1x.worker.pipeline.Prefetch;
import dev.step1x.worker.pipeline.Prepared;
import dev.step1x.worker.pipeline.StorageRetry;
import dev.step1x.worker.publish.MetricsSnapshotter;
import dev.step1x.worker.publish.ResultSink;
import dev.step1x.worker.publish.Threads;
import dev.step1x.worker.spot.SpotWatcherSettings;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.support.Acknowledgment;

/** Wires the engine and its thread, the drain on shutdown, health, the gauges and the metrics snapshot. */
@Configuration(proxyBeanMethods = false)
public class LifecycleConfiguration {

    private static final Logger log = LoggerFactory.getLogger(LifecycleConfiguration.class);

    /** The largest adapter file fetched from S3: what one Java array holds (a rank-128 full-DiT LoRA is ~1.3 GB). */
    private static final long MAX_ADAPTER_BYTES = Integer.MAX_VALUE - 16;

    @Bean
    EngineSettings engineSettings(WorkerProperties props) {
        return props.getEngine().toSettings(props.getLora().deviceBytes());
    }

    /**
     * The engine settings, checked before anything connects: no model directory, one that does not open, or a
     * configured model version it lacks stops the start-up here (see EngineConfigurationFailureAnalyzer).
     */
    @Bean
    EngineFactory.Setup engineSetup(EngineSettings settings) {
        EngineFactory.Setup setup = EngineFactory.check(settings);
        if (setup.simulated()) {
            String line = "*".repeat(100);
            log.warn(line);
            log.warn("* worker.engine.mode=simulated: the SIMULATED stand-in engine answers every request. Its outputs");
            log.warn("* are colour-inverted inputs, NOT Step1X-Edit edits. Every result carries worker.simulated=true and");
            log.warn("* the gauge step1x_engine_simulated is 1. For tests and demos only; never on real traffic.");
            log.warn(line);
        } else {
            log.info("engine: model directory {} (versions {}; warm-up on {})", setup.model().root(),
                    setup.versions(), setup.warmupVersion());
        }
        return setup;
    }

    @Bean
    WorkerIdentity workerIdentity(EngineFactory.Setup setup, EngineSettings settings, WorkerProperties props) {
        return EngineFactory.identity(setup, settings, props.resolvedId());
    }

    @Bean(destroyMethod = "closeEngine")
    InferenceLoop inferenceLoop(EngineSettings settings, EngineFactory.Setup setup, AdapterCatalog adapters,
            Batcher<Prepared> batcher, BatchRunner runner, ConsumptionGate gate) {
        return new InferenceLoop(settings, setup, adapters.ready(), batcher, runner, gate);
    }

    /**
     * The per-request adapters ({@code worker.lora.catalog.*}), fetched and checked against the model's DiT before
     * the worker joins the consumer group: a bad name stops the start-up; an adapter that does not fit is logged and
     * its requests are answered ADAPTER_INCOMPATIBLE.
     */
    @Bean
    AdapterCatalog adapterCatalog(WorkerProperties props, EngineFactory.Setup setup, ObjectStore store) {
        LoraProperties lora = props.getLora();
        if (lora.getCatalog() == null || lora.getCatalog().isEmpty()) {
            return AdapterCatalog.empty();
        }
        LoraTargets targets = setup.model() == null ? null
                : Step1XEdit.loraTargets(setup.model().ditParams(), setup.model().connectorConfig());
        AdapterCatalog catalog;
        try {
            catalog = AdapterCatalog.resolve(lora.getCatalog(), lora.getDownloadDir(),
                    (bucket, key) -> store.get(bucket, key, null, MAX_ADAPTER_BYTES), targets);
        } catch (IllegalArgumentException e) {
            throw new EngineConfigurationException(e.getMessage(),
                    "Name catalog entries worker.lora.catalog.NAME with NAME of 1-64 of a-z 0-9 . _ - and give each "
                    + "s3://bucket/key or a file path.", e);
        }
        catalog.incompatible().forEach(i -> log.warn("{}; its requests are answered ADAPTER_INCOMPATIBLE", i.message()));
        log.info("adapter catalog: {} ready of {} ({})", catalog.ready().size(), catalog.names().size(),
                String.join(", ", catalog.names()));
        return catalog;
    }

    @Bean
    DrainLifecycle drainLifecycle(WorkerProperties props, ConsumptionGate gate, IngestHandler ingest,
            Prefetch prefetch, StorageRetry storageRetry, Batcher<Prepared> batcher, InferenceLoop loop,
            Finisher finisher, Answerer answerer, ResultSink sink, OffsetTracker<Acknowledgment> tracker,
            ApplicationContext context) {
        return new DrainLifecycle(props.drainGrace(), gate, new DrainLifecycle.Stages(ingest,
                prefetch, storageRetry, batcher, loop, finisher, answerer, sink), tracker, context);
    }

    @Bean
    HealthIndicator engineHealthIndicator(InferenceLoop loop) {
        return WorkerHealth.readiness(loop);
    }

    @Bean
    HealthIndicator inferenceLoopHealthIndicator(InferenceLoop loop, WorkerProperties props, BatchTimeBudget budget) {
        return WorkerHealth.liveness(loop, () -> props.livenessStallTimeout(budget));
    }

    /** Watching for a spot interruption notice, which drains like SIGTERM (started by the application's main). */
    @Bean
    SpotWatcherSettings spotWatcherSettings(WorkerProperties props) {
        return props.getLifecycle().getSpotWatcher().toSettings();
    }

    /** Gauges, the backpressure check and the WorkerMetrics snapshot, on one small scheduler. */
    @Bean(destroyMethod = "shutdownNow")
    ScheduledExecutorService workerScheduler(WorkerProperties props, MeterRegistry meters, Batcher<Prepared> batcher,
            OffsetTracker<Acknowledgment> tracker, ConsumptionGate gate, IngestHandler ingest, WorkerStats stats,
            WorkerIdentity identity, ResultSink sink, Clock clock, InferenceLoop loop) {
        double simulated = identity.simulated() ? 1 : 0;
        Gauge.builder(WorkerMeters.ENGINE_SIMULATED.meterName(), () -> simulated)
                .description(WorkerMeters.ENGINE_SIMULATED.description()).register(meters);
        Gauge.builder(WorkerMeters.PENDING_REQUESTS.meterName(), batcher, Batcher::depth)
                .description(WorkerMeters.PENDING_REQUESTS.description()).register(meters);
        Gauge.builder(WorkerMeters.IN_FLIGHT.meterName(), tracker, OffsetTracker::inFlight)
                .description(WorkerMeters.IN_FLIGHT.description()).register(meters);
        Gauge.builder(WorkerMeters.NATIVE_MEMORY.meterName(), ProcessMemory::residentBytes)
                .description(WorkerMeters.NATIVE_MEMORY.description()).baseUnit("bytes").register(meters);
        Gauge.builder(WorkerMeters.NATIVE_HEAP.meterName(), () -> known(NativeHeap.inUseBytes()))
                .description(WorkerMeters.NATIVE_HEAP.description()).baseUnit("bytes").register(meters);
        Gauge.builder(WorkerMeters.ENGINE_LIVE_TENSORS.meterName(), loop,
                        l -> known(l.engine().map(EditEngine::liveTensors).orElse(-1L)))
                .description(WorkerMeters.ENGINE_LIVE_TENSORS.description()).register(meters);
        Gauge.builder(WorkerMeters.ENGINE_DEVICE_MEMORY.meterName(), loop,
                        l -> known(l.engine().map(EditEngine::deviceMemoryInUse).orElse(-1L)))
                .description(WorkerMeters.ENGINE_DEVICE_MEMORY.description()).baseUnit("bytes").register(meters);
        for (ConsumptionGate.Reason r : ConsumptionGate.Reason.values()) {
            Gauge.builder(WorkerMeters.CONSUMPTION_PAUSED.meterName(), gate, g -> g.isPaused(r) ? 1 : 0)
                    .description(WorkerMeters.CONSUMPTION_PAUSED.description())
                    .tag("reason", r.name().toLowerCase(Locale.ROOT)).register(meters);
        }
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(Threads.named("scheduler"));
        s.scheduleWithFixedDelay(ingest::relieve, 100, 100, TimeUnit.MILLISECONDS);
        long every = props.getMetrics().getSnapshotInterval().toMillis();
        if (every > 0) {
            MetricsSnapshotter snap = new MetricsSnapshotter(identity, newestServed(props), stats, batcher, sink, clock);
            s.scheduleAtFixedRate(snap, every, every, TimeUnit.MILLISECONDS);
        }
        return s;
    }

    /** An engine figure for a gauge: NaN where the engine reports -1 (not tracked, or not on this device). */
    private static double known(long figure) {
        return figure < 0 ? Double.NaN : figure;
    }

    /** The model version a snapshot names: the last one configured, v1.1 when none is. */
    private static ModelVersion newestServed(WorkerProperties props) {
        List<String> versions = props.getEngine().getModelVersions();
        return ModelVersion.fromWire(versions.isEmpty() ? "v1.1" : versions.get(versions.size() - 1));
    }
}

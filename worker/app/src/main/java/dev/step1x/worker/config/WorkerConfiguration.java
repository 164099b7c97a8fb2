package dev.step1x.worker.config;

import dev.step1x.worker.batching.Batcher;
import dev.step1x.worker.batching.BucketKeys;
import dev.step1x.worker.batching.EngineLimits;
import dev.step1x.worker.engine.EngineFactory;
import dev.step1x.worker.engine.SimulatedEditEngine;
import dev.step1x.worker.ingest.ConsumptionGate;
import dev.step1x.worker.ingest.IngestHandler;
import dev.step1x.worker.ingest.OffsetTracker;
import dev.step1x.worker.lifecycle.DrainLifecycle;
import dev.step1x.worker.lifecycle.InferenceLoop;
import dev.step1x.worker.lifecycle.WorkerHealth;
import dev.step1x.worker.metrics.MetricsSnapshotter;
import dev.step1x.worker.metrics.WorkerMeters;
import dev.step1x.worker.metrics.WorkerStats;
import dev.step1x.worker.pipeline.EditPipeline;
import dev.step1x.worker.pipeline.InputInspector;
import dev.step1x.worker.pipeline.WorkItem;
import dev.step1x.worker.publish.ResultSink;
import dev.step1x.worker.publish.StreamBridgeResultSink;
import dev.step1x.worker.publish.Threads;
import dev.step1x.worker.storage.BucketBreakers;
import dev.step1x.worker.storage.ObjectStore;
import dev.step1x.worker.storage.ResilientObjectStore;
import dev.step1x.worker.storage.S3ObjectStore;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.cloud.stream.binder.kafka.KafkaBindingRebalanceListener;
import org.springframework.cloud.stream.binder.kafka.KafkaListenerContainerCustomizer;
import org.springframework.cloud.stream.binder.kafka.support.ConsumerConfigCustomizer;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.kafka.support.Acknowledgment;
import org.springframework.messaging.Message;
import software.amazon.awssdk.services.s3.S3Client;

/** Wires the worker: storage, batching, the pipeline, the Kafka binding's consumer, lifecycle and metrics. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(WorkerProperties.class)
public class WorkerConfiguration {

    private static final Logger log = LoggerFactory.getLogger(WorkerConfiguration.class);

    @Bean
    Clock workerClock() {
        return Clock.systemUTC();
    }

    // ------------------------------------------------------------------ storage

    @Bean(destroyMethod = "close")
    S3Client s3Client(WorkerProperties props) {
        return S3ObjectStore.client(props.getStorage());
    }

    /**
     * The S3 store behind Resilience4j: the retry {@code s3}, one circuit breaker per bucket from the shared
     * config {@code s3}, the bulkhead {@code s3}; the registries and their metrics come from Resilience4j's Spring
     * Boot integration ({@code resilience4j.*} properties in application.properties). While any bucket's breaker
     * is open, consumption pauses (nothing is dead-lettered; parked requests wait for the bucket).
     */
    @Bean
    ResilientObjectStore objectStore(S3Client s3, WorkerProperties props, MeterRegistry meters, ConsumptionGate gate,
            RetryRegistry retries, CircuitBreakerRegistry breakers, BulkheadRegistry bulkheads, Environment env) {
        RenamedSettings.check(env);
        BucketBreakers perBucket = new BucketBreakers(breakers, outage -> {
            if (outage) {
                gate.pause(ConsumptionGate.Reason.STORAGE_OUTAGE);
            } else {
                gate.resume(ConsumptionGate.Reason.STORAGE_OUTAGE);
            }
        });
        return new ResilientObjectStore(new S3ObjectStore(s3, props.getStorage()), retries.retry("s3"), perBucket,
                bulkheads.bulkhead("s3"), meters);
    }

    // ------------------------------------------------------------------ pipeline

    @Bean
    ConsumptionGate consumptionGate() {
        return new ConsumptionGate();
    }

    @Bean
    OffsetTracker<Acknowledgment> offsetTracker() {
        return new OffsetTracker<>(Acknowledgment::acknowledge);
    }

    @Bean
    WorkerStats workerStats() {
        return new WorkerStats();
    }

    @Bean
    EngineLimits engineLimits() {
        return new EngineLimits();
    }

    @Bean
    Batcher<WorkItem> batcher(WorkerProperties props, Clock clock, EngineLimits limits) {
        WorkerProperties.Batching b = props.getBatching();
        double quantum = b.getDrrQuantum() > 0 ? b.getDrrQuantum() : b.getMaxBatchRows();
        return new Batcher<>(key -> {
            Integer override = b.getMaxRowsByBucket().get(key.toString());
            if (override != null) {
                return limits.cap(key, override);
            }
            int rows = b.getMaxBatchRows();
            if (b.getMaxBatchPixels() > 0) {
                rows = (int) Math.min(rows, Math.max(1, b.getMaxBatchPixels() / ((long) key.height() * key.width())));
            }
            // the engine's memory plan caps what the configuration allows
            return limits.cap(key, rows);
        }, b.getMaxDelay(), quantum, System::nanoTime, clock);
    }

    @Bean(destroyMethod = "close")
    StreamBridgeResultSink resultSink(StreamBridge bridge, WorkerProperties props) {
        return new StreamBridgeResultSink(bridge, props.resolvedId(), Math.max(2, props.getBatching().getUploadThreads()));
    }

    @Bean(destroyMethod = "close")
    EditPipeline editPipeline(WorkerProperties props, ObjectStore store, Batcher<WorkItem> batcher, ResultSink sink,
            WorkerStats stats, MeterRegistry meters, Clock clock, EngineLimits limits) {
        return new EditPipeline(props, store, new InputInspector(props.getLimits()), batcher, sink, stats, meters, clock,
                limits);
    }

    @Bean
    IngestHandler ingestHandler(OffsetTracker<Acknowledgment> tracker, ConsumptionGate gate, EditPipeline pipeline,
            ResultSink sink, WorkerStats stats, MeterRegistry meters, WorkerProperties props) {
        return new IngestHandler(tracker, gate, pipeline, sink, stats, meters, props.getBatching().getMaxInFlight());
    }

    /** The request binding's function (spring.cloud.function.definition=ingest). */
    @Bean
    Consumer<Message<byte[]>> ingest(IngestHandler handler) {
        return handler::accept;
    }

    // ------------------------------------------------------------------ Kafka

    @Bean
    ConsumerConfigCustomizer workerConsumerConfig(WorkerProperties props) {
        return KafkaCustomizations.consumerConfig(props);
    }

    @Bean
    KafkaListenerContainerCustomizer workerContainerCustomizer(WorkerProperties props, ConsumptionGate gate,
            @Value("${spring.cloud.stream.bindings.ingest-in-0.destination:image-edit.requests}") String destination) {
        return KafkaCustomizations.container(props, gate, destination);
    }

    @Bean
    KafkaBindingRebalanceListener workerRebalanceListener(OffsetTracker<Acknowledgment> tracker) {
        return KafkaCustomizations.rebalance(tracker);
    }

    // ------------------------------------------------------------------ lifecycle and health

    /**
     * The engine settings, checked before anything connects: no model directory, one that does not open, or a
     * configured model version it lacks stops the start-up here (see EngineConfigurationFailureAnalyzer).
     */
    @Bean
    EngineFactory.Setup engineSetup(WorkerProperties props) {
        EngineFactory.Setup setup = EngineFactory.check(props.getEngine());
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

    @Bean(destroyMethod = "closeEngine")
    InferenceLoop inferenceLoop(WorkerProperties props, EngineFactory.Setup setup, EditPipeline pipeline,
            ConsumptionGate gate) {
        return new InferenceLoop(props, setup, pipeline, gate);
    }

    @Bean
    DrainLifecycle drainLifecycle(WorkerProperties props, ConsumptionGate gate, IngestHandler ingest, InferenceLoop loop,
            EditPipeline pipeline, ResultSink sink, OffsetTracker<Acknowledgment> tracker, ApplicationContext context) {
        return new DrainLifecycle(props, gate, ingest, loop, pipeline, sink, tracker, context);
    }

    @Bean
    HealthIndicator engineHealthIndicator(InferenceLoop loop) {
        return WorkerHealth.readiness(loop);
    }

    @Bean
    HealthIndicator inferenceLoopHealthIndicator(InferenceLoop loop, WorkerProperties props) {
        return WorkerHealth.liveness(loop, props);
    }

    // ------------------------------------------------------------------ metrics

    /** Gauges, the backpressure check and the WorkerMetrics snapshot, on one small scheduler. */
    @Bean(destroyMethod = "shutdownNow")
    ScheduledExecutorService workerScheduler(WorkerProperties props, MeterRegistry meters, Batcher<WorkItem> batcher,
            OffsetTracker<Acknowledgment> tracker, ConsumptionGate gate, IngestHandler ingest, WorkerStats stats,
            EditPipeline pipeline, ResultSink sink, Clock clock, EngineFactory.Setup engine) {
        double simulated = engine.simulated() ? 1 : 0;
        Gauge.builder(WorkerMeters.ENGINE_SIMULATED.meterName(), () -> simulated)
                .description(WorkerMeters.ENGINE_SIMULATED.description()).register(meters);
        Gauge.builder(WorkerMeters.PENDING_REQUESTS.meterName(), batcher, Batcher::depth)
                .description(WorkerMeters.PENDING_REQUESTS.description()).register(meters);
        Gauge.builder(WorkerMeters.IN_FLIGHT.meterName(), tracker, OffsetTracker::inFlight)
                .description(WorkerMeters.IN_FLIGHT.description()).register(meters);
        Gauge.builder(WorkerMeters.NATIVE_MEMORY.meterName(), SimulatedEditEngine::residentBytes)
                .description(WorkerMeters.NATIVE_MEMORY.description()).baseUnit("bytes").register(meters);
        for (ConsumptionGate.Reason r : ConsumptionGate.Reason.values()) {
            Gauge.builder(WorkerMeters.CONSUMPTION_PAUSED.meterName(), gate, g -> g.isPaused(r) ? 1 : 0)
                    .description(WorkerMeters.CONSUMPTION_PAUSED.description()).tag("reason", r.name().toLowerCase())
                    .register(meters);
        }
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(Threads.named("scheduler"));
        s.scheduleWithFixedDelay(ingest::relieve, 100, 100, TimeUnit.MILLISECONDS);
        long every = props.getMetrics().getSnapshotInterval().toMillis();
        if (every > 0) {
            MetricsSnapshotter snap = new MetricsSnapshotter(props, stats, pipeline, sink, clock);
            s.scheduleAtFixedRate(snap, every, every, TimeUnit.MILLISECONDS);
        }
        return s;
    }
}

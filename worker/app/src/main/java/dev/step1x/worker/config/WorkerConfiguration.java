package dev.step1x.worker.config;

import dev.step1x.worker.batching.BatchTimeBudget;
import dev.step1x.worker.batching.Batcher;
import dev.step1x.worker.batching.EngineLimits;
import dev.step1x.worker.engine.WorkerIdentity;
import dev.step1x.worker.ingest.ConsumptionGate;
import dev.step1x.worker.engine.AdapterCatalog;
import dev.step1x.worker.metrics.CpuMeter;
import dev.step1x.worker.metrics.WorkerStats;
import dev.step1x.worker.pipeline.Answerer;
import dev.step1x.worker.pipeline.BatchRunner;
import dev.step1x.worker.pipeline.Deliveries;
import dev.step1x.worker.pipeline.Finisher;
import dev.step1x.worker.pipeline.InputInspector;
import dev.step1x.worker.pipeline.Intake;
import dev.step1x.worker.pipeline.OutputLocations;
import dev.step1x.worker.pipeline.Prefetch;
import dev.step1x.worker.pipeline.Prepared;
import dev.step1x.worker.pipeline.RequestPolicy;
import dev.step1x.worker.pipeline.RevokedWork;
import dev.step1x.worker.pipeline.RequestStarts;
import dev.step1x.worker.pipeline.StorageRetry;
import dev.step1x.worker.publish.ResultSink;
import dev.step1x.worker.publish.StreamBridgeResultSink;
import dev.step1x.worker.storage.BucketBreakers;
import dev.step1x.worker.storage.ObjectStore;
import dev.step1x.worker.storage.ResilientObjectStore;
import dev.step1x.worker.storage.S3ObjectStore;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Wires the worker's request path: S3, batching and the pipeline's stages (intake, prefetch, batcher, batch runner,
 * finisher, answerer), each built with its own settings. {@link IngestConfiguration} wires Kafka around it,
 * {@link LifecycleConfiguration} the engine, shutdown, health and metrics.
 */
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
        return S3ObjectStore.client(props.getStorage().toS3Settings());
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
        return new ResilientObjectStore(new S3ObjectStore(s3, props.getStorage().toS3Settings()), retries.retry("s3"),
                perBucket, bulkheads.bulkhead("s3"), meters);
    }

    // ------------------------------------------------------------------ the stages

    @Bean
    WorkerStats workerStats() {
        return new WorkerStats();
    }

    @Bean
    CpuMeter cpuMeter(MeterRegistry meters) {
        CpuMeter cpu = new CpuMeter();
        cpu.bindTo(meters);
        return cpu;
    }

    @Bean
    EngineLimits engineLimits() {
        return new EngineLimits();
    }

    /** The batch time budget; its rate is learned from the engine's batches (see BatchTimeBudget). */
    @Bean
    BatchTimeBudget batchTimeBudget(WorkerProperties props) {
        BatchTimeBudget budget = new BatchTimeBudget(props.batchTimeBudget());
        log.info("batch time budget {} s at {} s per row-step-megapixel to start with; drain grace {} s, "
                + "max.poll.interval.ms {}", props.getBatching().getBatchTimeBudget().toSeconds(),
                budget.secondsPerStepMegapixel(), props.drainGrace().toSeconds(), props.maxPollIntervalMs());
        return budget;
    }

    /**
     * Rows per batch: the per-bucket override or max-batch-rows, capped by the pixel budget, then by the time budget
     * (fewer rows when steps or pixels are high) and the engine's memory plan; at least 1 (a lone request over the
     * time budget is refused when its batch comes up, one over the memory plan in the prefetch).
     */
    @Bean
    Batcher<Prepared> batcher(WorkerProperties props, Clock clock, EngineLimits limits, BatchTimeBudget budget) {
        BatchingProperties b = props.getBatching();
        double quantum = b.getDrrQuantum() > 0 ? b.getDrrQuantum() : b.getMaxBatchRows();
        return new Batcher<>(key -> {
            Integer override = b.getMaxRowsByBucket().get(key.toString());
            int rows = override != null ? override : b.getMaxBatchRows();
            if (override == null && b.getMaxBatchPixels() > 0) {
                rows = (int) Math.min(rows, Math.max(1, b.getMaxBatchPixels() / ((long) key.height() * key.width())));
            }
            rows = Math.min(rows, Math.max(1, budget.maxRows(key)));
            // the engine's memory plan caps what the configuration allows
            return limits.cap(key, rows);
        }, b.getMaxDelay(), quantum, System::nanoTime, clock);
    }

    @Bean(destroyMethod = "close")
    StreamBridgeResultSink resultSink(StreamBridge bridge, WorkerProperties props, CpuMeter cpu, MeterRegistry meters,
            Environment env) {
        return new StreamBridgeResultSink(bridge, props.resolvedId(), Math.max(2, props.getBatching().getUploadThreads()),
                cpu, meters, props.getPublish().toBackoff(), deadLetterMaxRecordBytes(env));
    }

    /** The dead-letter producer's max.request.size: its binding's own setting, else the binder's, else Kafka's default. */
    static int deadLetterMaxRecordBytes(Environment env) {
        String binding = env.getProperty("spring.cloud.stream.kafka.bindings." + StreamBridgeResultSink.DLQ_BINDING
                + ".producer.configuration.max.request.size");
        String binder = env.getProperty("spring.cloud.stream.kafka.binder.producer-properties.max.request.size");
        String value = binding != null ? binding : binder;
        if (value == null) {
            return StreamBridgeResultSink.DEFAULT_MAX_RECORD_BYTES;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("max.request.size of the dead-letter producer is not a whole number of "
                    + "bytes: '" + value + "'", e);
        }
    }

    @Bean
    Deliveries deliveries(WorkerProperties props) {
        return new Deliveries(props.getLifecycle().getResultCacheSize());
    }

    /** Crash-loop protection: each request's starts counted in a marker object beside its output. */
    @Bean(destroyMethod = "close")
    RequestStarts requestStarts(WorkerProperties props, ObjectStore store, CpuMeter cpu) {
        return new RequestStarts(props.getPoison().toSettings(), store, cpu);
    }

    @Bean
    Answerer answerer(Deliveries deliveries, ResultSink sink, WorkerIdentity identity, WorkerStats stats,
            MeterRegistry meters, CpuMeter cpu, Clock clock, RequestStarts starts) {
        return new Answerer(deliveries, sink, identity, stats, meters, cpu, clock, starts);
    }

    @Bean(destroyMethod = "close")
    StorageRetry storageRetry(WorkerProperties props, Clock clock) {
        return new StorageRetry(props.getStorage().getOutage().toSettings(), clock);
    }

    @Bean(destroyMethod = "close")
    Finisher finisher(WorkerProperties props, ObjectStore store, StorageRetry retry, Answerer answerer,
            MeterRegistry meters, CpuMeter cpu) {
        return new Finisher(props.getOutput().toFinisherSettings(props.getBatching().getUploadThreads()), store, retry,
                answerer, meters, cpu);
    }

    @Bean
    RevokedWork revokedWork(Batcher<Prepared> batcher, Answerer answerer, MeterRegistry meters) {
        return new RevokedWork(batcher, answerer, meters);
    }

    @Bean
    BatchRunner batchRunner(EngineLimits limits, BatchTimeBudget budget, RevokedWork revoked, Finisher finisher,
            Answerer answerer, WorkerStats stats, MeterRegistry meters, RequestStarts starts) {
        return new BatchRunner(limits, budget, revoked, finisher, answerer, stats, meters, starts);
    }

    @Bean(destroyMethod = "close")
    Prefetch prefetch(WorkerProperties props, ObjectStore store, EngineLimits limits, Batcher<Prepared> batcher,
            StorageRetry retry, Answerer answerer, MeterRegistry meters, CpuMeter cpu, Clock clock,
            AdapterCatalog adapters, RequestStarts starts) {
        RequestPolicy policy = new RequestPolicy(new RequestPolicy.Settings(
                List.copyOf(props.getStorage().getAllowedInputBuckets()),
                List.copyOf(props.getEngine().getModelVersions()), adapters), clock);
        return new Prefetch(new Prefetch.Settings(props.getBatching().getPrefetchThreads(),
                props.getLimits().getMaxInputBytes()), store, policy, starts,
                new InputInspector(props.getLimits().toInspectorSettings()), limits, batcher, retry, answerer, meters,
                cpu);
    }

    @Bean
    Intake intake(WorkerProperties props, Deliveries deliveries, Answerer answerer, Prefetch prefetch, Clock clock,
            CpuMeter cpu) {
        return new Intake(new OutputLocations(props.getStorage().toOutputLocationSettings()), deliveries, answerer,
                prefetch, clock, cpu);
    }
}

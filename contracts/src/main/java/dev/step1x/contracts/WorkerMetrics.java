package dev.step1x.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A periodic snapshot one worker publishes on {@link Topics#METRICS}, keyed by {@link #workerId()}. Mirrors
 * {@code schemas/worker-metrics-v1.schema.json}. Counters are deltas over the window ending at
 * {@link #timestamp()}, so snapshots of many workers can be summed; gauges are sampled at the timestamp.
 *
 * @param schemaVersion always {@value #SCHEMA_VERSION}
 * @param workerId      worker instance id
 * @param timestamp     end of the window
 * @param windowSeconds window length in seconds
 * @param modelVersion  model version served
 * @param engineVersion build version
 * @param counters      events in the window
 * @param device        the device, sampled at the timestamp
 * @param queue         queued requests, sampled at the timestamp
 * @param latencyMs     end-to-end latency percentiles of the window ({@code null} if nothing completed)
 * @param throughput    per-second rates over the window
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WorkerMetrics(
        int schemaVersion,
        String workerId,
        Instant timestamp,
        double windowSeconds,
        ModelVersion modelVersion,
        String engineVersion,
        Counters counters,
        Device device,
        Queue queue,
        Latency latencyMs,
        Throughput throughput) {

    public static final int SCHEMA_VERSION = 1;

    /**
     * Events within the window.
     *
     * @param requests     results published, by status
     * @param batches      tensor batches run
     * @param deadLettered records written to the dead-letter topic
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Counters(RequestCounts requests, long batches, long deadLettered) {
    }

    /** Results published within the window, by {@link ResultStatus}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RequestCounts(long succeeded, long failed, long rejected, long expired) {

        /** Sum over all statuses. */
        public long total() {
            return succeeded + failed + rejected + expired;
        }
    }

    /**
     * The device, sampled at the timestamp.
     *
     * @param name             e.g. {@code cuda:0 NVIDIA H100 80GB HBM3} or {@code cpu}
     * @param memoryUsedBytes  device memory in use, {@code null} if not reported
     * @param memoryTotalBytes device memory in total, {@code null} if not reported
     * @param dutyCycle        busy fraction of the window 0..1, {@code null} if not measured
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Device(String name, Long memoryUsedBytes, Long memoryTotalBytes, Double dutyCycle) {
    }

    /**
     * Requests accepted but not yet run.
     *
     * @param depth   over all buckets
     * @param buckets per batching bucket key (non-empty buckets only), {@code null} if not broken down
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Queue(long depth, Map<String, Long> buckets) {
        public Queue {
            buckets = buckets == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(buckets));
        }
    }

    /** Latency percentiles in milliseconds. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Latency(double p50, double p90, double p99, double max) {
    }

    /** Rates per second over the window. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Throughput(double requestsPerSecond, double batchesPerSecond) {
    }
}

package dev.step1x.worker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * Every meter the worker registers, in one place. Names follow Triton's where the meaning matches
 * ({@code nv_inference_queue_duration_us} becomes {@code step1x_inference_queue_duration_seconds}, and so on),
 * in Prometheus base units; average batch size is {@code inference_count / inference_exec_count} as in
 * Triton. Tags have low cardinality only (stage, status, code, op, bucket).
 */
public enum WorkerMeters {
    /** Timer: waiting time of a request before its batch started (record timestamp to batch start, less fetch and decode). Triton: nv_inference_queue_duration_us. */
    QUEUE_DURATION("step1x.inference.queue.duration", "Time a request waited before its batch ran"),
    /** Timer, tag stage: fetch, decode, resize, compute, mllm, vae_encode, denoise, vae_decode, encode, upload. Triton: nv_inference_compute_*_duration_us. */
    STAGE_DURATION("step1x.inference.stage.duration", "Time per pipeline stage (batch stages: per batch)"),
    /** Timer: record timestamp to result published. Triton: nv_inference_request_duration_us. */
    REQUEST_DURATION("step1x.inference.request.duration", "End-to-end time of a request"),
    /** Summary (histogram): rows per batch, tag bucket. */
    BATCH_ROWS("step1x.inference.batch.rows", "Requests per engine batch"),
    /** Summary: rows / the bucket's max rows. */
    BATCH_FILL_RATIO("step1x.inference.batch.fill.ratio", "Batch fill ratio (rows / max rows of the bucket)"),
    /** Counter: batches re-run in parts after the engine failed on them (halves after out of memory, else rows alone). */
    BATCH_SPLITS("step1x.inference.batch.splits", "Batches re-run in parts after an engine failure"),
    /**
     * Counter: queued requests of revoked partitions given up before they ran (not answered, not committed here;
     * the partitions' new owners run them).
     */
    REVOKED_DROPPED("step1x.inference.revoked.dropped", "Queued requests of revoked partitions given up unrun"),
    /** Counter: requests inferred (rows). Triton: nv_inference_count. */
    INFERENCE_COUNT("step1x.inference.count", "Requests run by the engine"),
    /** Counter: engine batches. Triton: nv_inference_exec_count. */
    INFERENCE_EXEC_COUNT("step1x.inference.exec.count", "Engine batches run"),
    /** Counter, tags status and code: results published. Triton: nv_inference_request_success / _failure. */
    RESULTS("step1x.inference.results", "Results published, by status and error code"),
    /**
     * Counter, tag outcome: output objects that already existed when a request came (again): {@code reused}
     * (answered from it, not computed), {@code lost_race} (computed, but another run created the object first;
     * answered from that one), {@code conflict} (made for other request contents: REJECTED).
     */
    EXISTING_OUTPUTS("step1x.outputs.existing", "Requests whose output object already existed, by outcome"),
    /** Counter, tag code: records written to the dead-letter topic. */
    DEAD_LETTERS("step1x.inference.dead.letters", "Records dead-lettered, by error code"),
    /**
     * Counter, tags kind (result, dead-letter) and reason (the Kafka exception's simple class name, e.g.
     * NotEnoughReplicasException, TimeoutException): sends that failed with a retriable error and are retried.
     */
    PUBLISH_RETRIES("step1x.publish.retries", "Publish attempts that failed with a retriable error and were retried"),
    /**
     * Counter, tags kind, reason (e.g. RecordTooLargeException) and outcome: {@code replaced} (a truncated dead letter
     * or a FAILED result was sent instead) or {@code dropped} (answered nowhere; the record is committed so that its
     * partition moves on).
     */
    PUBLISH_FAILURES("step1x.publish.failures", "Sends that failed terminally, by what was sent instead"),
    /** Gauge: requests accepted and waiting for a batch. Triton: nv_inference_pending_request_count. */
    PENDING_REQUESTS("step1x.inference.pending.request.count", "Requests queued for a batch"),
    /** Gauge: Kafka records taken and not yet committed. */
    IN_FLIGHT("step1x.worker.in.flight", "Records taken from Kafka and not yet committed"),
    /** Timer, tags op (get, head, put) and outcome. */
    S3_REQUEST_DURATION("step1x.s3.request.duration", "S3 call latency (each attempt)"),
    /** Counter, tags op and kind (not_found, access_denied, too_large, transient, circuit_open, ...). */
    S3_ERRORS("step1x.s3.errors", "S3 call failures"),
    /** Gauge: resident set size of the process (heap + native, e.g. libtorch). */
    NATIVE_MEMORY("step1x.process.resident.memory", "Resident memory of the worker process in bytes"),
    /** Gauge: tensors the engine holds (weights, adapters, a batch in flight); NaN when the engine does not count them. */
    ENGINE_LIVE_TENSORS("step1x.engine.live.tensors", "Tensors the engine holds now (flat between batches, or a batch leaked)"),
    /** Gauge: bytes in use on the engine's GPU as the driver reports them; NaN on the CPU. */
    ENGINE_DEVICE_MEMORY("step1x.engine.device.memory.used", "GPU memory in use on the engine's device in bytes"),
    /** Gauge: bytes malloc has handed out and not had back (glibc mallinfo2; libtorch's host tensors included); NaN elsewhere. */
    NATIVE_HEAP("step1x.process.native.heap.in.use", "Bytes of native (malloc) memory in use by the worker process"),
    /** Gauge: the engine's peak resident memory seen during the last batch. */
    ENGINE_PEAK_MEMORY("step1x.engine.peak.memory", "Peak resident memory during the last engine batch in bytes"),
    /** Gauge: 1 when the simulated stand-in engine answers requests (worker.engine.mode=simulated), else 0. */
    ENGINE_SIMULATED("step1x.engine.simulated", "1 when the simulated stand-in engine answers requests (its outputs are not model edits)"),
    /** Gauge: 1 while consumption is paused, tag reason. */
    CONSUMPTION_PAUSED("step1x.worker.consumption.paused", "1 while the request consumer is paused, by reason"),
    /** Function counter, tag part (decode, resize, encode, hash, json, s3, kafka): CPU seconds ({@link CpuMeter}). */
    CPU("step1x.worker.cpu", "Worker CPU time by part of the request path");

    private final String name;
    private final String description;

    WorkerMeters(String name, String description) {
        this.name = name;
        this.description = description;
    }

    public String meterName() {
        return name;
    }

    public String description() {
        return description;
    }

    public Timer timer(MeterRegistry r, String... tags) {
        return Timer.builder(name).description(description).tags(tags).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
                .register(r);
    }

    public Counter counter(MeterRegistry r, String... tags) {
        return Counter.builder(name).description(description).tags(tags).register(r);
    }

    public DistributionSummary summary(MeterRegistry r, double[] slos, String... tags) {
        return DistributionSummary.builder(name).description(description).tags(tags).serviceLevelObjectives(slos)
                .register(r);
    }
}

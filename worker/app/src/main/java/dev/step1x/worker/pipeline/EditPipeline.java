package dev.step1x.worker.pipeline;

import dev.step1x.contracts.ContractJson;
import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditParams;
import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.ImageFormat;
import dev.step1x.contracts.OutputSpec;
import dev.step1x.contracts.ResultStatus;
import dev.step1x.contracts.Timings;
import dev.step1x.contracts.ValidationResult;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.image.ImageFiles;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.pipeline.BucketKey;
import dev.step1x.engine.pipeline.EditEngine;
import dev.step1x.engine.pipeline.EditInput;
import dev.step1x.engine.pipeline.EditOutput;
import dev.step1x.engine.pipeline.ImageEncoding;
import dev.step1x.worker.batching.Batcher;
import dev.step1x.worker.batching.EngineLimits;
import dev.step1x.worker.batching.BucketKeys;
import dev.step1x.worker.config.WorkerProperties;
import dev.step1x.worker.engine.EngineFactory;
import dev.step1x.worker.ingest.OffsetTracker;
import dev.step1x.worker.metrics.WorkerMeters;
import dev.step1x.worker.metrics.WorkerStats;
import dev.step1x.worker.publish.ResultSink;
import dev.step1x.worker.publish.Threads;
import dev.step1x.worker.storage.ObjectStore;
import dev.step1x.worker.storage.StorageException;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stages of one request after ingest: fetch and check the input (prefetch threads, overlapping the
 * engine), queue it in its bucket, run batches (called by the single inference thread), upload outputs and
 * publish results (upload threads). A result is published before its record is acknowledged; duplicate
 * deliveries of a request are answered with the identical result bytes. The output object is made once
 * ({@link OutputObjects}): a request whose output already exists is answered from it without being computed.
 */
public final class EditPipeline {

    private static final Logger log = LoggerFactory.getLogger(EditPipeline.class);

    /** Static facts about this worker that go into every result ({@code simulated}: the stand-in engine). */
    public record WorkerIdentity(String id, String device, String engineVersion, boolean simulated) {}

    private record Duplicate(OffsetTracker<?>.Ticket ticket, int attempt, String traceparent) {}

    private final WorkerProperties props;
    private final ObjectStore store;
    private final InputInspector inspector;
    private final Batcher<WorkItem> batcher;
    private final ResultSink sink;
    private final WorkerStats stats;
    private final MeterRegistry meters;
    private final Clock clock;
    private final ResultCache cache;
    private final OutputLocations locations;
    private final OutputObjects outputs;
    private final ContractValidator validator = ContractValidator.shared();
    private final Map<String, List<Duplicate>> inFlightById = new HashMap<>();
    private final ExecutorService prefetch;
    private final ExecutorService upload;
    private final ScheduledExecutorService parked;
    private final AtomicInteger pendingUploads = new AtomicInteger();
    private final AtomicLong peakNative = new AtomicLong();
    private volatile WorkerIdentity identity;
    private volatile EditEngine engine;
    private final EngineLimits limits;
    private volatile boolean stopping;

    public EditPipeline(WorkerProperties props, ObjectStore store, InputInspector inspector, Batcher<WorkItem> batcher,
            ResultSink sink, WorkerStats stats, MeterRegistry meters, Clock clock, EngineLimits limits) {
        this.limits = limits;
        this.props = props;
        this.store = store;
        this.inspector = inspector;
        this.batcher = batcher;
        this.sink = sink;
        this.stats = stats;
        this.meters = meters;
        this.clock = clock;
        this.cache = new ResultCache(props.getLifecycle().getResultCacheSize());
        this.locations = new OutputLocations(props.getStorage());
        this.outputs = new OutputObjects(store);
        this.prefetch = Executors.newFixedThreadPool(props.getBatching().getPrefetchThreads(), Threads.named("prefetch"));
        this.upload = Executors.newFixedThreadPool(props.getBatching().getUploadThreads(), Threads.named("upload"));
        this.parked = Executors.newSingleThreadScheduledExecutor(Threads.named("storage-retry"));
        boolean simulated = EngineFactory.simulatedRequested(props.getEngine());
        this.identity = new WorkerIdentity(props.resolvedId(),
                simulated ? EngineFactory.simulatedDevice(props.getEngine()) : "cpu",
                "unknown", simulated);
        io.micrometer.core.instrument.Gauge.builder(WorkerMeters.ENGINE_PEAK_MEMORY.meterName(), peakNative, AtomicLong::get)
                .description(WorkerMeters.ENGINE_PEAK_MEMORY.description()).baseUnit("bytes").register(meters);
    }

    /** Called once the engine is open (by the inference thread). */
    public void engineReady(EditEngine e, WorkerIdentity id) {
        this.engine = e;
        limits.engineReady(e);
        this.identity = id;
    }

    public WorkerIdentity identity() {
        return identity;
    }

    public Batcher<WorkItem> batcher() {
        return batcher;
    }

    // ------------------------------------------------------------------ ingest side

    /**
     * A valid request (defaults applied) taken from Kafka. Answers it from the cache, attaches it to an
     * identical delivery in flight, rejects or expires it, or sends it to the prefetch threads.
     */
    public void accept(OffsetTracker<?>.Ticket ticket, EditRequest request, byte[] payload, long recordTimestampMs,
            int attempt, String traceparent) {
        String hash = sha256(payload);
        String id = request.requestId();
        ResultCache.Cached cached = cache.get(id, hash);
        if (cached != null) {
            log.debug("{}: duplicate delivery answered from the result cache", id);
            sink.result(id, cached.resultJson(), cached.attempt(), traceparent).thenRun(ticket::complete);
            return;
        }
        WorkItem item = new WorkItem(ticket, request, hash, recordTimestampMs, attempt, traceparent);
        synchronized (inFlightById) {
            // by id and bytes: another request under the same id is not this one's duplicate (REQUEST_ID_CONFLICT)
            List<Duplicate> dups = inFlightById.get(item.inFlightKey());
            if (dups != null) {
                log.debug("{}: duplicate delivery attached to the one in flight", id);
                dups.add(new Duplicate(ticket, attempt, traceparent));
                return;
            }
            inFlightById.put(item.inFlightKey(), new ArrayList<>());
        }
        // where the output goes is checked before any S3 call is made for the request
        RequestFailure location = locations.refuse(request);
        if (location != null) {
            fail(item, location, null, null);
            return;
        }
        submitPrefetch(item);
    }

    /**
     * Answers the request from the output object an earlier run made for it, if there is one (not computed again).
     * Before the deadline and policy checks: a redelivery of a finished request gets its result even when its
     * deadline has passed, its input is gone or its model version is no longer served.
     */
    private boolean answeredFromExistingOutput(WorkItem item) throws RequestFailure {
        EditResult.OutputRef existing;
        try {
            existing = outputs.existing(item.request);
        } catch (RequestFailure conflict) {
            WorkerMeters.EXISTING_OUTPUTS.counter(meters, "outcome", "conflict").increment();
            throw conflict;
        }
        if (existing == null) {
            return false;
        }
        log.info("{}: answered from its existing output s3://{}/{} (not computed again)", item, existing.bucket(),
                existing.key());
        WorkerMeters.EXISTING_OUTPUTS.counter(meters, "outcome", "reused").increment();
        double total = Math.max(0, clock.millis() - item.recordTimestampMs);
        answer(item, EditResult.succeeded(item.request, existing, timings(null, null, null, null, null, total), null,
                workerInfo(item.request.params().modelVersion()), item.attempt, clock.instant()));
        return true;
    }

    /** Input allow-list, served model versions and the deadline; null when the request may run. */
    RequestFailure checkPolicy(EditRequest r) {
        WorkerProperties.Storage s = props.getStorage();
        if (r.input() != null && !allowed(s.getAllowedInputBuckets(), r.input().bucket())) {
            return new RequestFailure(ErrorCode.BUCKET_NOT_ALLOWED, "input bucket '" + r.input().bucket()
                    + "' is not on this worker's allow-list");
        }
        if (r.deadline() != null && !clock.instant().isBefore(r.deadline())) {
            return new RequestFailure(ErrorCode.DEADLINE_EXCEEDED, "the deadline " + r.deadline()
                    + " passed before the request was taken");
        }
        String version = r.params().modelVersion().wire();
        if (!props.getEngine().getModelVersions().contains(version)) {
            return new RequestFailure(ErrorCode.MODEL_VERSION_UNAVAILABLE, "model version " + version
                    + " is not served here (served: " + props.getEngine().getModelVersions() + ")");
        }
        return null;
    }

    private static boolean allowed(List<String> list, String bucket) {
        return list.contains("*") || list.contains(bucket);
    }

    /** Answers a request that never became a {@link WorkItem} (invalid or unparseable with a usable id). */
    public CompletableFuture<Void> reject(String requestId, ErrorCode code, String message, long recordTimestampMs,
            int attempt, String traceparent, Map<String, String> metadata) {
        double total = Math.max(0, clock.millis() - recordTimestampMs);
        EditResult r = EditResult.unsuccessful(requestId, code, message, timings(null, null, null, null, null, total),
                null, workerInfo(EditParams.DEFAULT_MODEL_VERSION), attempt, clock.instant(), metadata);
        byte[] json = serialize(r);
        count(r, total);
        return sink.result(requestId, json, attempt, traceparent);
    }

    // ------------------------------------------------------------------ prefetch: fetch, check, decode

    private void submitPrefetch(WorkItem item) {
        try {
            prefetch.execute(() -> prepare(item));
        } catch (RejectedExecutionException e) {
            abandon(item);
        }
    }

    void prepare(WorkItem item) {
        if (stopping) {
            abandon(item);
            return;
        }
        EditRequest r = item.request;
        try {
            if (answeredFromExistingOutput(item)) {
                return;
            }
            RequestFailure policy = checkPolicy(r);
            if (policy != null) {
                throw policy;
            }
            long t0 = System.nanoTime();
            byte[] bytes = fetch(r);
            long t1 = System.nanoTime();
            item.fetchMs = (t1 - t0) / 1e6;
            WorkerMeters.STAGE_DURATION.timer(meters, "stage", "fetch").record(t1 - t0, TimeUnit.NANOSECONDS);
            RgbImage image = inspector.inspect(bytes);
            EditParams p = r.params();
            ModelVersion version = ModelVersion.parse(p.modelVersion().wire());
            try {
                item.input = new EditInput(image, r.instruction(), r.negativePrompt(), p.sizeLevel(), p.steps(),
                        p.guidanceScale().floatValue(), p.seed(), version, encoding(r.output()));
                // the engine's own key (BucketKey.of, or its aspect-snapped form), so a batch always agrees with it
                item.bucket = engine.bucketOf(item.input);
            } catch (IllegalArgumentException e) {
                throw new RequestFailure(ErrorCode.UNSUPPORTED_FORMAT, "image " + image.width() + "x" + image.height()
                        + " cannot be resized for size level " + p.sizeLevel() + ": " + e.getMessage());
            }
            if (limits.maxRequests(item.bucket) < 1) {
                throw new RequestFailure(ErrorCode.DOES_NOT_FIT_DEVICE, "bucket " + item.bucket
                        + " does not fit this worker's device memory even alone");
            }
            long t2 = System.nanoTime();
            item.decodeMs = (t2 - t1) / 1e6;
            WorkerMeters.STAGE_DURATION.timer(meters, "stage", "decode").record(t2 - t1, TimeUnit.NANOSECONDS);
            item.readyNanos = t2;
            if (stopping) {
                abandon(item);
                return;
            }
            batcher.add(item);
        } catch (StorageException e) {
            storageTrouble(item, e, () -> submitPrefetch(item));
        } catch (RequestFailure f) {
            fail(item, f, null, null);
        } catch (RuntimeException | OutOfMemoryError e) {
            log.error("{}: unexpected error while preparing", item, e);
            fail(item, new RequestFailure(ErrorCode.INTERNAL_ERROR, "preparing the input failed: " + e), null, null);
        }
    }

    private byte[] fetch(EditRequest r) throws RequestFailure {
        long maxBytes = props.getLimits().getMaxInputBytes();
        try {
            if (!r.isChained()) {
                return store.get(r.input().bucket(), r.input().key(), r.input().versionId(), maxBytes);
            }
            // Edit chain: the earlier request's output, by its deterministic key, in this request's output
            // bucket and key prefix (png first, then jpeg).
            OutputSpec out = r.output();
            for (ImageFormat f : List.of(ImageFormat.PNG, ImageFormat.JPEG)) {
                String key = out.keyPrefix() + r.previousRequestId() + "." + f.extension();
                if (store.exists(out.bucket(), key)) {
                    return store.get(out.bucket(), key, null, maxBytes);
                }
            }
            throw new RequestFailure(ErrorCode.PREVIOUS_RESULT_NOT_FOUND, "no output of request '"
                    + r.previousRequestId() + "' at s3://" + out.bucket() + "/" + out.keyPrefix() + r.previousRequestId()
                    + ".{png,jpg} (not run yet, or it did not succeed)");
        } catch (StorageException e) {
            if (e.kind() == StorageException.Kind.TRANSIENT) {
                throw e;
            }
            throw new RequestFailure(e.kind().code(), e.getMessage());
        }
    }

    private static ImageEncoding encoding(OutputSpec out) {
        return out.format() == ImageFormat.JPEG ? ImageEncoding.jpeg(out.jpegQuality()) : ImageEncoding.PNG;
    }

    /**
     * S3 failed beyond the retry of one call: park the request and try again after a randomised, growing wait
     * ({@link ParkingDelay}). While the bucket's circuit breaker is open (an outage) the request waits for as long
     * as the outage lasts: its record stays uncommitted and it is not answered, unless its deadline passes. With
     * the breaker closed (S3 failing for this request only, or below the breaker's threshold) it is answered
     * STORAGE_UNAVAILABLE after max-rounds.
     */
    private void storageTrouble(WorkItem item, StorageException e, Runnable again) {
        WorkerProperties.Outage o = props.getStorage().getOutage();
        if (stopping) {
            abandon(item);
            return;
        }
        Instant deadline = item.request.deadline();
        if (deadline != null && !clock.instant().isBefore(deadline)) {
            fail(item, new RequestFailure(ErrorCode.DEADLINE_EXCEEDED, "the deadline " + deadline
                    + " passed while S3 was unavailable: " + e.getMessage()), null, null);
            return;
        }
        int round = e.breakerOpen() ? item.storageRounds : ++item.storageRounds;
        if (round >= o.getMaxRounds()) {
            fail(item, new RequestFailure(ErrorCode.STORAGE_UNAVAILABLE, "S3 unavailable after " + round
                    + " rounds of retries: " + e.getMessage()), null, null);
            return;
        }
        long delay = ParkingDelay.millis(o, item.storageWaits++, java.util.concurrent.ThreadLocalRandom.current());
        if (item.storageWaits == 1) {
            log.warn("{}: S3 unavailable{}, parked (first retry in {} ms, growing to at most {}): {}", item,
                    e.breakerOpen() ? " (circuit breaker open: waiting for the outage to end)" : "", delay,
                    o.getMaxRetryDelay(), e.getMessage());
        } else {
            log.debug("{}: S3 still unavailable (wait {}, round {} of {})", item, item.storageWaits, round,
                    o.getMaxRounds());
        }
        try {
            parked.schedule(() -> {
                if (stopping) {
                    abandon(item);
                } else {
                    again.run();
                }
            }, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException ex) {
            abandon(item);
        }
    }

    // ------------------------------------------------------------------ inference (the one engine thread)

    /** A Java heap exhaustion, or a device allocation failure as libtorch words it ("CUDA out of memory"). */
    static boolean isOutOfMemory(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof OutOfMemoryError || String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT)
                    .contains("out of memory")) {
                return true;
            }
        }
        return false;
    }

    /** Runs one batch on the engine; called only by the inference thread. */
    public void runBatch(Batcher.Batch<WorkItem> batch) {
        for (WorkItem x : batch.expired()) {
            fail(x, new RequestFailure(ErrorCode.DEADLINE_EXCEEDED, "the deadline " + x.request.deadline()
                    + " passed while the request was queued"), null, null);
        }
        if (batch.isEmpty()) {
            return;
        }
        List<WorkItem> items = batch.items();
        long start = System.nanoTime();
        List<EditOutput> outputs;
        try {
            outputs = engine.edit(items.stream().map(i -> i.input).toList());
            if (outputs.size() != items.size()) {
                throw new IllegalStateException("engine returned " + outputs.size() + " outputs for " + items.size());
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            boolean oom = isOutOfMemory(e);
            if (items.size() > 1 && oom) {
                // the memory plan was too optimistic: halve this bucket's batches from now on, and run this one in halves
                int cap = limits.outOfMemory(batch.key(), items.size());
                int half = (items.size() + 1) / 2;
                log.warn("batch of {} in {} ran out of device memory ({}); running it as {} + {}, batches of this "
                        + "bucket now hold at most {}", items.size(), batch.key(), e.toString(), half,
                        items.size() - half, cap);
                WorkerMeters.BATCH_SPLITS.counter(meters).increment();
                runBatch(new Batcher.Batch<>(batch.key(), items.subList(0, half), batch.maxRows(), List.of()));
                runBatch(new Batcher.Batch<>(batch.key(), items.subList(half, items.size()), batch.maxRows(), List.of()));
                return;
            }
            if (items.size() > 1) {
                // not memory: find the request that breaks the engine without failing the others
                log.warn("batch of {} in {} failed ({}); running its rows alone", items.size(), batch.key(), e.toString());
                WorkerMeters.BATCH_SPLITS.counter(meters).increment();
                for (WorkItem x : items) {
                    runBatch(new Batcher.Batch<>(batch.key(), List.of(x), batch.maxRows(), List.of()));
                }
                return;
            }
            log.error("{}: engine failed", items.get(0), e);
            fail(items.get(0), new RequestFailure(oom ? ErrorCode.DOES_NOT_FIT_DEVICE : ErrorCode.ENGINE_ERROR,
                    "the engine failed: " + e), batchInfo(batch.key(), 1), start);
            return;
        }
        long nanos = System.nanoTime() - start;
        int rows = items.size();
        stats.batch(rows, nanos);
        WorkerMeters.INFERENCE_EXEC_COUNT.counter(meters).increment();
        WorkerMeters.INFERENCE_COUNT.counter(meters).increment(rows);
        WorkerMeters.BATCH_ROWS.summary(meters, rowSlos(), "bucket", batch.key().toString()).record(rows);
        WorkerMeters.BATCH_FILL_RATIO.summary(meters, new double[] {0.25, 0.5, 0.75, 1.0}).record(
                (double) rows / Math.max(1, batch.maxRows()));
        WorkerMeters.STAGE_DURATION.timer(meters, "stage", "compute").record(nanos, TimeUnit.NANOSECONDS);
        Map<String, Double> stages = outputs.get(0).stageMillis();
        for (String s : List.of("mllm", "vaeEncode", "denoise", "vaeDecode", "encode")) {
            Double ms = stages == null ? null : stages.get(s);
            if (ms != null) {
                WorkerMeters.STAGE_DURATION.timer(meters, "stage", snake(s)).record((long) (ms * 1e6), TimeUnit.NANOSECONDS);
            }
        }
        peakNative.set(outputs.get(0).peakNativeBytes());
        EditResult.BatchInfo info = batchInfo(batch.key(), rows);
        for (int i = 0; i < rows; i++) {
            WorkItem item = items.get(i);
            EditOutput out = outputs.get(i);
            double queueMs = queueMs(item, start);
            WorkerMeters.QUEUE_DURATION.timer(meters).record((long) (queueMs * 1e6), TimeUnit.NANOSECONDS);
            pendingUploads.incrementAndGet();
            try {
                upload.execute(() -> {
                    try {
                        finish(item, out, info, queueMs);
                    } finally {
                        pendingUploads.decrementAndGet();
                    }
                });
            } catch (RejectedExecutionException e) {
                pendingUploads.decrementAndGet();
                abandon(item);
            }
        }
    }

    private static double[] rowSlos() {
        return new double[] {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64};
    }

    private static String snake(String camel) {
        return camel.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private double queueMs(WorkItem item, long batchStartNanos) {
        double inKafka = Math.max(0, item.receivedEpochMs - item.recordTimestampMs);
        double inWorker = (batchStartNanos - item.receivedNanos) / 1e6 - item.fetchMs - item.decodeMs;
        return Math.max(0, inKafka + inWorker);
    }

    // ------------------------------------------------------------------ upload and answer

    private void finish(WorkItem item, EditOutput out, EditResult.BatchInfo info, double queueMs) {
        EditRequest r = item.request;
        try {
            byte[] bytes = out.encoded();
            String contentType = out.contentType();
            long e0 = System.nanoTime();
            if (bytes == null) { // the engine returned pixels only
                ImageEncoding enc = encoding(r.output());
                bytes = enc.format() == ImageEncoding.Format.PNG
                        ? ImageFiles.encode(out.image(), ImageFiles.Format.PNG, 0)
                        : ImageFiles.encode(out.image(), ImageFiles.Format.JPEG, enc.jpegQuality());
                contentType = enc.format().contentType();
            }
            double extraEncodeMs = (System.nanoTime() - e0) / 1e6;
            long u0 = System.nanoTime();
            OutputObjects.Written written = outputs.create(r, bytes, contentType, out.image().width(),
                    out.image().height());
            if (!written.ours()) {
                log.info("{}: another run created s3://{}/{} first; answered from that object", item,
                        written.output().bucket(), written.output().key());
                WorkerMeters.EXISTING_OUTPUTS.counter(meters, "outcome", "lost_race").increment();
            }
            long u1 = System.nanoTime();
            WorkerMeters.STAGE_DURATION.timer(meters, "stage", "upload").record(u1 - u0, TimeUnit.NANOSECONDS);
            Map<String, Double> st = out.stageMillis() == null ? Map.of() : out.stageMillis();
            double total = Math.max(0, clock.millis() - item.recordTimestampMs);
            Double encodeMs = st.get("encode") == null ? (extraEncodeMs > 0 ? extraEncodeMs : null)
                    : st.get("encode") + extraEncodeMs;
            Timings t = new Timings(round(queueMs), round(item.fetchMs), round(item.decodeMs), round(st.get("mllm")),
                    round(st.get("vaeEncode")), round(st.get("denoise")), round(st.get("vaeDecode")), round(encodeMs),
                    round((u1 - u0) / 1e6), round(total));
            EditResult result = EditResult.succeeded(r, written.output(), t, info,
                    workerInfo(r.params().modelVersion()), item.attempt, clock.instant());
            answer(item, result);
        } catch (RequestFailure conflict) {
            WorkerMeters.EXISTING_OUTPUTS.counter(meters, "outcome", "conflict").increment();
            fail(item, conflict, info, null);
        } catch (StorageException e) {
            if (e.kind() == StorageException.Kind.TRANSIENT) {
                storageTrouble(item, e, () -> upload.execute(() -> finish(item, out, info, queueMs)));
            } else {
                fail(item, new RequestFailure(e.kind() == StorageException.Kind.ACCESS_DENIED
                        ? ErrorCode.ACCESS_DENIED : ErrorCode.STORAGE_UNAVAILABLE, e.getMessage()), info, null);
            }
        } catch (IOException | RuntimeException e) {
            log.error("{}: unexpected error while finishing", item, e);
            fail(item, new RequestFailure(ErrorCode.INTERNAL_ERROR, "writing the output failed: " + e), info, null);
        }
    }

    /** Answers a work item with a failure result. */
    void fail(WorkItem item, RequestFailure f, EditResult.BatchInfo batch, Long batchStartNanos) {
        double total = Math.max(0, clock.millis() - item.recordTimestampMs);
        Timings t = timings(batchStartNanos == null ? null : queueMs(item, batchStartNanos),
                item.fetchMs > 0 ? item.fetchMs : null, item.decodeMs > 0 ? item.decodeMs : null, null, null, total);
        EditRequest r = item.request;
        EditResult.ErrorDetail d = EditResult.ErrorDetail.of(f.code(), f.getMessage());
        if (f.retryable() != null) {
            d = new EditResult.ErrorDetail(d.code(), d.message(), f.retryable());
        }
        EditResult result = new EditResult(EditResult.SCHEMA_VERSION, r.requestId(), f.code().status(), null, d, t,
                batch, workerInfo(r.params().modelVersion()), item.attempt, clock.instant(), r.metadata());
        answer(item, result);
    }

    private void answer(WorkItem item, EditResult result) {
        byte[] json = serialize(result);
        String id = item.request.requestId();
        boolean fin = result.isSucceeded() || !result.error().retryable();
        if (fin) {
            cache.put(id, new ResultCache.Cached(item.payloadHash, json, item.attempt));
        }
        count(result, result.timings() == null || result.timings().total() == null ? 0 : result.timings().total());
        List<Duplicate> dups;
        synchronized (inFlightById) {
            dups = inFlightById.remove(item.inFlightKey());
        }
        sink.result(id, json, item.attempt, item.traceparent).thenRun(item.ticket::complete);
        if (dups != null) {
            for (Duplicate d : dups) {
                sink.result(id, json, item.attempt, d.traceparent()).thenRun(d.ticket()::complete);
            }
        }
    }

    /** Gives a work item up without answering it: its record stays uncommitted and is redelivered. */
    void abandon(WorkItem item) {
        List<Duplicate> dups;
        synchronized (inFlightById) {
            dups = inFlightById.remove(item.inFlightKey());
        }
        item.ticket.abandon();
        if (dups != null) {
            dups.forEach(d -> d.ticket().abandon());
        }
    }

    private void count(EditResult r, double totalMs) {
        String code = r.error() == null ? "none" : r.error().code().name();
        WorkerMeters.RESULTS.counter(meters, "status", r.status().name(), "code", code).increment();
        if (r.status() != ResultStatus.SUCCEEDED || totalMs > 0) {
            WorkerMeters.REQUEST_DURATION.timer(meters, "status", r.status().name())
                    .record((long) (totalMs * 1e6), TimeUnit.NANOSECONDS);
        }
        stats.result(r.status(), totalMs);
    }

    private byte[] serialize(EditResult r) {
        ValidationResult v = validator.validateValue(r);
        if (!v.valid()) {
            // A bug in the worker: say so in a result that does validate rather than publish garbage.
            log.error("result for {} does not validate: {}", r.requestId(), v);
            EditResult fallback = EditResult.unsuccessful(r.requestId(), ErrorCode.INTERNAL_ERROR,
                    "the worker built an invalid result: " + v, null, null, r.worker(), r.attempt(), r.completedAt(),
                    r.metadata());
            return ContractJson.toBytes(fallback);
        }
        return ContractJson.toBytes(r);
    }

    private EditResult.WorkerInfo workerInfo(dev.step1x.contracts.ModelVersion v) {
        WorkerIdentity w = identity;
        return new EditResult.WorkerInfo(w.id(), v, w.device(), w.engineVersion(), w.simulated());
    }

    private static EditResult.BatchInfo batchInfo(BucketKey key, int rows) {
        return new EditResult.BatchInfo(rows, key.toString());
    }

    private static Timings timings(Double queue, Double fetch, Double decode, Double upload, Double encode, double total) {
        return new Timings(round(queue), round(fetch), round(decode), null, null, null, null, round(encode),
                round(upload), round(total));
    }

    private static Double round(Double ms) {
        return ms == null ? null : Math.round(Math.max(0, ms) * 100) / 100.0;
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest(bytes));
    }

    private static byte[] digest(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes == null ? new byte[0] : bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ shutdown

    /** Stop taking new work into the pipeline (queued and parked requests are given up). */
    public void stopAccepting() {
        stopping = true;
        batcher.setFlushing(true);
    }

    /** Gives up everything still queued for a batch (their records are redelivered). */
    public int abandonQueued() {
        List<WorkItem> queued = batcher.drainAll();
        queued.forEach(this::abandon);
        return queued.size();
    }

    /** Waits for the uploads (and their publishes) of batches that already ran. */
    public boolean awaitUploads(long deadlineNanos) throws InterruptedException {
        while (pendingUploads.get() > 0) {
            if (System.nanoTime() > deadlineNanos) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    public void close() {
        stopping = true;
        prefetch.shutdownNow();
        parked.shutdownNow();
        upload.shutdown();
    }

    static String utf8(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}

package dev.step1x.worker.pipeline;

import dev.step1x.contracts.EditParams;
import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.ImageFormat;
import dev.step1x.contracts.OutputSpec;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.pipeline.AdapterRef;
import dev.step1x.engine.pipeline.EditInput;
import dev.step1x.worker.batching.Batcher;
import dev.step1x.worker.batching.EngineLimits;
import dev.step1x.worker.metrics.CpuMeter;
import dev.step1x.worker.metrics.WorkerMeters;
import dev.step1x.worker.publish.Threads;
import dev.step1x.worker.storage.ObjectStore;
import dev.step1x.worker.storage.StorageException;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The second stage, on its own threads while the engine runs other batches: first answers the request from its
 * existing output object if an earlier run made one ({@link OutputReuse}), then checks the {@link RequestPolicy}
 * and the deadline, and how often the request was started without an answer ({@link RequestStarts}), reads the
 * input from S3 (or the earlier output of an edit chain), checks and decodes it ({@link InputInspector}), resizes
 * it to its bucket so the device thread does not, and queues it in the {@link Batcher}. S3 trouble parks the
 * request ({@link StorageRetry}) and runs all of this again afterwards.
 */
public final class Prefetch implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Prefetch.class);

    /**
     * @param threads how many inputs are fetched and decoded at once
     * @param maxInputBytes the largest input object read
     */
    public record Settings(int threads, long maxInputBytes) {}

    private final Settings settings;
    private final ObjectStore store;
    private final OutputReuse reuse;
    private final RequestPolicy policy;
    private final RequestStarts starts;
    private final InputInspector inspector;
    private final EngineLimits limits;
    private final Batcher<Prepared> batcher;
    private final StorageRetry retry;
    private final Answerer answerer;
    private final MeterRegistry meters;
    private final CpuMeter cpu;
    private final ExecutorService pool;
    private volatile boolean stopping;

    public Prefetch(Settings settings, ObjectStore store, RequestPolicy policy, RequestStarts starts,
            InputInspector inspector, EngineLimits limits, Batcher<Prepared> batcher, StorageRetry retry,
            Answerer answerer, MeterRegistry meters, CpuMeter cpu) {
        this.settings = settings;
        this.store = store;
        this.reuse = new OutputReuse(new OutputObjects(store), answerer, meters, cpu);
        this.policy = policy;
        this.starts = starts;
        this.inspector = inspector;
        this.limits = limits;
        this.batcher = batcher;
        this.retry = retry;
        this.answerer = answerer;
        this.meters = meters;
        this.cpu = cpu;
        this.pool = Executors.newFixedThreadPool(settings.threads(), Threads.named("prefetch"));
    }

    /** Prepares a request on a prefetch thread. */
    void submit(Accepted a) {
        submit(a, StorageRetry.Outages.NONE);
    }

    private void submit(Accepted a, StorageRetry.Outages outages) {
        try {
            pool.execute(() -> prepare(a, outages));
        } catch (RejectedExecutionException e) {
            answerer.abandon(a);
        }
    }

    private void prepare(Accepted a, StorageRetry.Outages outages) {
        if (stopping) {
            answerer.abandon(a);
            return;
        }
        try {
            if (reuse.answered(a)) {
                return;
            }
            RequestFailure refused = policy.refuse(a.request());
            if (refused != null) {
                throw refused;
            }
            starts.check(a);
            long t0 = System.nanoTime();
            byte[] bytes = fetch(a.request());
            long t1 = System.nanoTime();
            EditInput input = decodeAndResize(a.request(), bytes);
            long t2 = System.nanoTime();
            WorkerMeters.STAGE_DURATION.timer(meters, "stage", "fetch").record(t1 - t0, TimeUnit.NANOSECONDS);
            WorkerMeters.STAGE_DURATION.timer(meters, "stage", "decode").record(t2 - t1, TimeUnit.NANOSECONDS);
            if (limits.maxRequests(input.bucket()) < 1) {
                throw new RequestFailure(ErrorCode.DOES_NOT_FIT_DEVICE, "bucket " + input.bucket()
                        + " does not fit this worker's device memory even alone");
            }
            if (stopping) {
                answerer.abandon(a);
                return;
            }
            batcher.add(new Prepared(a, input, (t1 - t0) / 1e6, (t2 - t1) / 1e6));
        } catch (StorageException e) {
            retry.park(a.toString(), outages, a.request().deadline(), e, new StorageRetry.Step() {
                @Override
                public void again(StorageRetry.Outages now) {
                    submit(a, now);
                }

                @Override
                public void fail(RequestFailure f) {
                    answerer.failed(a, f);
                }

                @Override
                public void abandon() {
                    answerer.abandon(a);
                }
            });
        } catch (RequestFailure f) {
            answerer.failed(a, f);
        } catch (RuntimeException | OutOfMemoryError e) {
            log.error("{}: unexpected error while preparing", a, e);
            answerer.failed(a, new RequestFailure(ErrorCode.INTERNAL_ERROR, "preparing the input failed: " + e));
        }
    }

    /** The input's bytes; a transient S3 failure is thrown as is (an outage), any other is the request's failure. */
    private byte[] fetch(EditRequest r) throws RequestFailure {
        long c0 = CpuMeter.start();
        try {
            if (!r.isChained()) {
                return store.get(r.input().bucket(), r.input().key(), r.input().versionId(), settings.maxInputBytes());
            }
            // Edit chain: the earlier request's output, by its deterministic key, in this request's output
            // bucket and key prefix (png first, then jpeg).
            OutputSpec out = r.output();
            for (ImageFormat f : List.of(ImageFormat.PNG, ImageFormat.JPEG)) {
                String key = out.keyPrefix() + r.previousRequestId() + "." + f.extension();
                if (store.exists(out.bucket(), key)) {
                    return store.get(out.bucket(), key, null, settings.maxInputBytes());
                }
            }
            throw new RequestFailure(ErrorCode.PREVIOUS_RESULT_NOT_FOUND, "no output of request '"
                    + r.previousRequestId() + "' at s3://" + out.bucket() + "/" + out.keyPrefix()
                    + r.previousRequestId() + ".{png,jpg} (not run yet, or it did not succeed)");
        } catch (StorageException e) {
            if (e.kind() == StorageException.Kind.TRANSIENT) {
                throw e;
            }
            throw new RequestFailure(e.kind().code(), e.getMessage());
        } finally {
            cpu.stop(CpuMeter.Part.S3, c0);
        }
    }

    /** Decoded, checked and resized to its bucket (step 1 of the edit, here rather than on the device thread). */
    private EditInput decodeAndResize(EditRequest r, byte[] bytes) throws RequestFailure {
        long c0 = CpuMeter.start();
        RgbImage image = inspector.inspect(bytes);
        c0 = cpu.stop(CpuMeter.Part.DECODE, c0);
        EditParams p = r.params();
        try {
            EditInput input = new EditInput(image, r.instruction(), r.negativePrompt(), p.sizeLevel(), p.steps(),
                    p.guidanceScale().floatValue(), p.seed(), ModelVersion.parse(p.modelVersion().wire()));
            if (p.adapter() != null) {
                // the name was checked against the catalog at intake; requests of any adapter share a bucket
                input = input.withAdapter(new AdapterRef(p.adapter().name(), p.adapter().scale().floatValue()));
            }
            return input.resizedToBucket();
        } catch (IllegalArgumentException e) {
            throw new RequestFailure(ErrorCode.UNSUPPORTED_FORMAT, "image " + image.width() + "x" + image.height()
                    + " cannot be resized for size level " + p.sizeLevel() + ": " + e.getMessage());
        } finally {
            cpu.stop(CpuMeter.Part.RESIZE, c0);
        }
    }

    /** Takes no more work: what arrives from now on, or comes back from an outage, is given up. */
    public void stopAccepting() {
        stopping = true;
    }

    @Override
    public void close() {
        stopping = true;
        pool.shutdownNow();
    }
}

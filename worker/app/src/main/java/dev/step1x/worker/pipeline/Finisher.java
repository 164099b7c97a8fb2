package dev.step1x.worker.pipeline;

import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.ImageFormat;
import dev.step1x.contracts.OutputSpec;
import dev.step1x.engine.image.ImageEncoding;
import dev.step1x.engine.image.OutputImages;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.worker.metrics.CpuMeter;
import dev.step1x.worker.metrics.WorkerMeters;
import dev.step1x.worker.publish.Threads;
import dev.step1x.worker.storage.ObjectStore;
import dev.step1x.worker.storage.StorageException;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stage after the device, on its own threads: brings each output back to its input's size and encodes it
 * ({@link OutputImages}, as the command line does), writes it to S3 under the request's deterministic key, and
 * hands it to the {@link Answerer}. An S3 outage parks the output (it is kept) and tries the write again.
 */
public final class Finisher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Finisher.class);

    /**
     * @param threads outputs encoded and written at once
     * @param pngLevel zlib level of PNG outputs (0 stored, 1 fastest compression, ... 9)
     */
    public record Settings(int threads, int pngLevel) {
        public Settings {
            ImageEncoding.png(pngLevel); // checks the range
        }
    }

    private final Settings settings;
    private final ObjectStore store;
    private final StorageRetry retry;
    private final Answerer answerer;
    private final MeterRegistry meters;
    private final CpuMeter cpu;
    private final ExecutorService pool;
    private final AtomicInteger pending = new AtomicInteger();

    public Finisher(Settings settings, ObjectStore store, StorageRetry retry, Answerer answerer, MeterRegistry meters,
            CpuMeter cpu) {
        this.settings = settings;
        this.store = store;
        this.retry = retry;
        this.answerer = answerer;
        this.meters = meters;
        this.cpu = cpu;
        this.pool = Executors.newFixedThreadPool(settings.threads(), Threads.named("finisher"));
    }

    /** Finishes a row on a finisher thread (called by the batch runner). */
    void submit(Edited e) {
        submit(e, 0);
    }

    private void submit(Edited e, int outages) {
        pending.incrementAndGet();
        try {
            pool.execute(() -> {
                try {
                    finish(e, outages);
                } finally {
                    pending.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException ex) {
            pending.decrementAndGet();
            answerer.abandon(e.accepted());
        }
    }

    private void finish(Edited e, int outages) {
        EditRequest r = e.accepted().request();
        try {
            long e0 = System.nanoTime();
            ImageEncoding encoding = encoding(r.output());
            byte[] bytes = encode(e, encoding);
            long c0 = CpuMeter.start();
            String sha = Hashing.sha256Hex(bytes);
            c0 = cpu.stop(CpuMeter.Part.HASH, c0);
            long u0 = System.nanoTime();
            String key = r.outputKey();
            String contentType = encoding.contentType();
            String etag;
            try {
                etag = store.put(r.output().bucket(), key, bytes, contentType,
                        Map.of("sha256", sha, "request-id", r.requestId()));
            } finally {
                cpu.stop(CpuMeter.Part.S3, c0);
            }
            long u1 = System.nanoTime();
            WorkerMeters.STAGE_DURATION.timer(meters, "stage", "encode").record(u0 - e0, TimeUnit.NANOSECONDS);
            WorkerMeters.STAGE_DURATION.timer(meters, "stage", "upload").record(u1 - u0, TimeUnit.NANOSECONDS);
            EditResult.OutputRef ref = new EditResult.OutputRef(r.output().bucket(), key, etag, sha,
                    e.output().inputWidth(), e.output().inputHeight(), contentType);
            answerer.succeeded(new Stored(e, ref, (u0 - e0) / 1e6, (u1 - u0) / 1e6));
        } catch (StorageException ex) {
            if (ex.kind() == StorageException.Kind.TRANSIENT) {
                parkAfterOutage(e, outages + 1, ex);
            } else {
                answerer.failed(e, new RequestFailure(ex.kind() == StorageException.Kind.ACCESS_DENIED
                        ? ErrorCode.ACCESS_DENIED : ErrorCode.STORAGE_UNAVAILABLE, ex.getMessage()));
            }
        } catch (IOException | RuntimeException ex) {
            log.error("{}: unexpected error while finishing", e.accepted(), ex);
            answerer.failed(e, new RequestFailure(ErrorCode.INTERNAL_ERROR, "writing the output failed: " + ex));
        }
    }

    /** The picture at the input's size, as PNG or JPEG bytes. */
    private byte[] encode(Edited e, ImageEncoding encoding) throws IOException {
        long c0 = CpuMeter.start();
        RgbImage out = OutputImages.toInputSize(e.output().image(), e.output().inputWidth(), e.output().inputHeight());
        c0 = cpu.stop(CpuMeter.Part.RESIZE, c0);
        try {
            return encoding.encode(out);
        } finally {
            cpu.stop(CpuMeter.Part.ENCODE, c0);
        }
    }

    /** The engine's encoding of the contract's output format (PNG at this worker's zlib level). */
    ImageEncoding encoding(OutputSpec out) {
        return out.format() == ImageFormat.JPEG ? ImageEncoding.jpeg(out.jpegQuality())
                : ImageEncoding.png(settings.pngLevel());
    }

    private void parkAfterOutage(Edited e, int round, StorageException ex) {
        retry.park(e.accepted().toString(), round, ex, new StorageRetry.Step() {
            @Override
            public void again(int r) {
                submit(e, r);
            }

            @Override
            public void fail(RequestFailure f) {
                answerer.failed(e, f);
            }

            @Override
            public void abandon() {
                answerer.abandon(e.accepted());
            }
        });
    }

    /**
     * Waits until every row handed over so far is answered (or parked), up to the deadline.
     *
     * @return true when nothing is left
     */
    public boolean awaitIdle(long deadlineNanos) throws InterruptedException {
        while (pending.get() > 0) {
            if (System.nanoTime() > deadlineNanos) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}

package dev.step1x.worker.pipeline;

import dev.step1x.contracts.EditRequest;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stage after the device, on its own threads: brings each output back to its input's size and encodes it
 * ({@link OutputImages}, as the command line does), creates it in S3 under the request's deterministic key with a
 * conditional write ({@link OutputObjects#create}: the object is made once and never overwritten), and hands it to
 * the {@link Answerer}. If another run created the object first (HTTP 412), the answer is that object, not these
 * bytes; an object made there for other request contents makes the request REJECTED / REQUEST_ID_CONFLICT. An S3
 * outage parks the output (it is kept) and tries the write again.
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
    private final OutputObjects outputs;
    private final StorageRetry retry;
    private final Answerer answerer;
    private final MeterRegistry meters;
    private final CpuMeter cpu;
    private final ExecutorService pool;
    private final AtomicInteger pending = new AtomicInteger();

    public Finisher(Settings settings, ObjectStore store, StorageRetry retry, Answerer answerer, MeterRegistry meters,
            CpuMeter cpu) {
        this.settings = settings;
        this.outputs = new OutputObjects(store);
        this.retry = retry;
        this.answerer = answerer;
        this.meters = meters;
        this.cpu = cpu;
        this.pool = Executors.newFixedThreadPool(settings.threads(), Threads.named("finisher"));
    }

    /** Finishes a row on a finisher thread (called by the batch runner). */
    void submit(Edited e) {
        submit(e, StorageRetry.Outages.NONE);
    }

    private void submit(Edited e, StorageRetry.Outages outages) {
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

    private void finish(Edited e, StorageRetry.Outages outages) {
        EditRequest r = e.accepted().request();
        try {
            long e0 = System.nanoTime();
            ImageEncoding encoding = encoding(r.output());
            byte[] bytes = encode(e, encoding);
            long c0 = CpuMeter.start();
            String sha = Hashing.sha256Hex(bytes);
            c0 = cpu.stop(CpuMeter.Part.HASH, c0);
            long u0 = System.nanoTime();
            OutputObjects.Written written;
            try {
                written = outputs.create(r, bytes, sha, encoding.contentType(), e.output().inputWidth(),
                        e.output().inputHeight());
            } finally {
                cpu.stop(CpuMeter.Part.S3, c0);
            }
            if (!written.ours()) {
                log.info("{}: another run created s3://{}/{} first; answered from that object", e.accepted(),
                        written.output().bucket(), written.output().key());
                WorkerMeters.EXISTING_OUTPUTS.counter(meters, "outcome", "lost_race").increment();
            }
            long u1 = System.nanoTime();
            WorkerMeters.STAGE_DURATION.timer(meters, "stage", "encode").record(u0 - e0, TimeUnit.NANOSECONDS);
            WorkerMeters.STAGE_DURATION.timer(meters, "stage", "upload").record(u1 - u0, TimeUnit.NANOSECONDS);
            answerer.succeeded(new Stored(e, written.output(), (u0 - e0) / 1e6, (u1 - u0) / 1e6));
        } catch (RequestFailure conflict) {
            WorkerMeters.EXISTING_OUTPUTS.counter(meters, "outcome", "conflict").increment();
            answerer.failed(e, conflict);
        } catch (StorageException ex) {
            if (ex.kind() == StorageException.Kind.TRANSIENT) {
                parkAfterOutage(e, outages, ex);
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

    private void parkAfterOutage(Edited e, StorageRetry.Outages before, StorageException ex) {
        retry.park(e.accepted().toString(), before, e.accepted().request().deadline(), ex, new StorageRetry.Step() {
            @Override
            public void again(StorageRetry.Outages now) {
                submit(e, now);
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

package dev.step1x.worker.pipeline;

import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.worker.batching.Batcher;
import dev.step1x.worker.metrics.CpuMeter;
import dev.step1x.worker.publish.Threads;
import dev.step1x.worker.storage.ObjectStore;
import dev.step1x.worker.storage.StorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Crash-loop protection: how often a request was started on the device without being answered, counted where it
 * survives the process. A request that kills the worker (a native crash, a heap exhaustion) is redelivered to the
 * next worker, which dies too; the attempt header cannot tell, since the producer sets it. So each request has a
 * small marker object beside its output ({@link #markerKey}: the output key plus {@value #MARKER_SUFFIX}, under
 * the same allowed prefix, through the same S3 layer), written with the count just before the request's batch
 * starts.
 *
 * <p>The count is read after {@link OutputReuse} (a request with an output never needs it) by one HEAD; a request
 * started {@code maxStarts} times is answered FAILED / {@link ErrorCode#REPEATED_CRASH} without running. A crash
 * kills every row of its batch, so innocent rows are counted too: a request started before runs <em>alone</em>,
 * where it either clears itself (answered) or keeps counting by itself. After a FAILED answer of a request that
 * has a marker, the marker is deleted (a producer's later retry starts afresh); after a REPEATED_CRASH answer it is
 * kept (a redelivery is answered again without running); after SUCCEEDED it is left (the output answers every
 * later delivery first) and expires with the output bucket's lifecycle rule.
 */
public final class RequestStarts implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RequestStarts.class);

    static final String MARKER_SUFFIX = ".starts";
    static final String STARTS = "starts";
    static final String CONTENT_TYPE = "text/plain";

    /** @param maxStarts starts without an answer after which a request is not run again; 0: the count is off */
    public record Settings(int maxStarts) {
        public Settings {
            if (maxStarts < 0) {
                throw new IllegalArgumentException("maxStarts must be >= 0 (0: off), got " + maxStarts);
            }
        }

        boolean on() {
            return maxStarts > 0;
        }
    }

    /** What is known of a request in this process: starts by earlier processes, and whether it started here. */
    private static final class Starts {
        final int earlier;
        volatile boolean startedHere;

        Starts(int earlier) {
            this.earlier = earlier;
        }

        boolean hasMarker() {
            return earlier > 0 || startedHere;
        }
    }

    private final Settings settings;
    private final ObjectStore store;
    private final CpuMeter cpu;
    private final Map<Accepted, Starts> known = new ConcurrentHashMap<>();
    /** Writes the markers of a batch's rows in parallel, and deletes markers after FAILED answers. */
    private final ExecutorService io = Executors.newFixedThreadPool(4, Threads.named("start-count"));

    /** @param cpu where the marker calls' CPU time is counted (as S3) */
    public RequestStarts(Settings settings, ObjectStore store, CpuMeter cpu) {
        this.settings = settings;
        this.store = store;
        this.cpu = cpu;
    }

    /** The marker object's key: beside the output, under the same prefix. */
    static String markerKey(EditRequest r) {
        return r.outputKey() + MARKER_SUFFIX;
    }

    /**
     * Reads the request's start count (one HEAD; nothing when the count is off) before it is prepared. A transient
     * S3 failure is thrown as is (the caller parks the request).
     *
     * @throws RequestFailure REPEATED_CRASH when it was started {@code maxStarts} times without an answer, or the
     *     code of a permanent S3 refusal
     */
    void check(Accepted a) throws RequestFailure {
        if (!settings.on()) {
            return;
        }
        EditRequest r = a.request();
        Optional<ObjectStore.StoredObject> marker;
        long c0 = CpuMeter.start();
        try {
            marker = store.head(r.output().bucket(), markerKey(r));
        } catch (StorageException e) {
            if (e.kind() == StorageException.Kind.TRANSIENT) {
                throw e;
            }
            throw new RequestFailure(e.kind().code(), "reading the start count: " + e.getMessage());
        } finally {
            cpu.stop(CpuMeter.Part.S3, c0);
        }
        int earlier = marker.map(m -> startsFor(r, m)).orElse(0);
        if (earlier >= settings.maxStarts()) {
            log.error("{}: started {} times and never answered (the workers running it died); answered {} instead "
                    + "of running it again", a, earlier, ErrorCode.REPEATED_CRASH);
            known.put(a, new Starts(earlier));
            throw new RequestFailure(ErrorCode.REPEATED_CRASH, "started " + earlier + " times (worker.poison."
                    + "max-starts=" + settings.maxStarts() + ") and the worker died each time before answering; not "
                    + "run again. Send it under a new requestId once the cause is found");
        }
        if (earlier > 0) {
            log.warn("{}: started {} times before without an answer (a worker died running it); it runs alone", a,
                    earlier);
        }
        known.put(a, new Starts(earlier));
    }

    /** The count in a marker made for this request's contents; 0 for one made for other contents under its id. */
    private static int startsFor(EditRequest r, ObjectStore.StoredObject marker) {
        Map<String, String> md = marker.metadata();
        if (!r.requestId().equals(md.get(OutputObjects.REQUEST_ID))
                || !OutputObjects.payloadSha256(r).equals(md.get(OutputObjects.PAYLOAD_SHA256))) {
            return 0;
        }
        try {
            return Math.max(0, Integer.parseInt(md.getOrDefault(STARTS, "0")));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Called by the batch runner just before a batch runs. A batch of several rows holding a request started before
     * is split: each such request runs alone, the others together ({@code run} runs each part, which comes back
     * here); null is returned. Otherwise each row's marker is written with its count + 1 (once per process: a
     * batch run again in parts is not counted again) and the batch is returned to run.
     */
    public Batcher.Batch<Prepared> starting(Batcher.Batch<Prepared> batch, Consumer<Batcher.Batch<Prepared>> run) {
        if (!settings.on() || batch.isEmpty()) {
            return batch;
        }
        List<Prepared> items = batch.items();
        if (items.size() > 1 && items.stream().anyMatch(p -> starts(p).earlier > 0)) {
            List<Prepared> fresh = new ArrayList<>();
            for (Prepared p : items) {
                if (starts(p).earlier > 0) {
                    run.accept(new Batcher.Batch<>(batch.key(), List.of(p), batch.maxRows(), List.of()));
                } else {
                    fresh.add(p);
                }
            }
            if (!fresh.isEmpty()) {
                run.accept(new Batcher.Batch<>(batch.key(), fresh, batch.maxRows(), List.of()));
            }
            return null;
        }
        // the rows' markers are written at once (one S3 round trip before the batch, not one per row)
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (Prepared p : items) {
            Starts s = starts(p);
            if (!s.startedHere) {
                s.startedHere = true;
                writes.add(items.size() == 1 ? CompletableFuture.completedFuture(write(p.accepted(), s.earlier + 1))
                        : writeAsync(p.accepted(), s.earlier + 1));
            }
        }
        writes.forEach(CompletableFuture::join);
        return batch;
    }

    private Starts starts(Prepared p) {
        return known.computeIfAbsent(p.accepted(), a -> new Starts(0));
    }

    private CompletableFuture<Void> writeAsync(Accepted a, int count) {
        try {
            return CompletableFuture.supplyAsync(() -> write(a, count), io);
        } catch (RejectedExecutionException stopping) {
            return CompletableFuture.completedFuture(write(a, count));
        }
    }

    /** Writes the marker; an S3 failure is logged and the request runs unprotected (availability first). */
    private Void write(Accepted a, int count) {
        EditRequest r = a.request();
        long c0 = CpuMeter.start();
        try {
            store.replace(r.output().bucket(), markerKey(r), new byte[0], CONTENT_TYPE, Map.of(
                    OutputObjects.REQUEST_ID, r.requestId(), OutputObjects.PAYLOAD_SHA256,
                    OutputObjects.payloadSha256(r), STARTS, Integer.toString(count)));
        } catch (RuntimeException e) {
            log.warn("{}: could not write its start count {} (it runs without crash-loop protection): {}", a, count,
                    e.toString());
        } finally {
            cpu.stop(CpuMeter.Part.S3, c0);
        }
        return null;
    }

    /**
     * The request was answered: its marker is deleted (after SUCCEEDED the output answers every later delivery; after
     * FAILED, EXPIRED or REJECTED a retry by the producer starts afresh), except after REPEATED_CRASH: that one is
     * kept so that a redelivery is answered again without running. Nothing but outputs stays in the output bucket.
     */
    void answered(Accepted a, EditResult result) {
        Starts s = known.remove(a);
        if (s == null || !s.hasMarker()
                || (!result.isSucceeded() && result.error().code() == ErrorCode.REPEATED_CRASH)) {
            return;
        }
        EditRequest r = a.request();
        try {
            io.execute(() -> {
                try {
                    store.delete(r.output().bucket(), markerKey(r));
                } catch (StorageException e) {
                    log.warn("{}: could not delete its start count marker (a retry of it will run alone): {}", a,
                            e.getMessage());
                }
            });
        } catch (RejectedExecutionException e) {
            log.debug("{}: stopping; its start count marker is left", a);
        }
    }

    /** The request was given up without an answer (shutdown): its count stays as it is. */
    void abandoned(Accepted a) {
        known.remove(a);
    }

    @Override
    public void close() {
        io.shutdown();
    }
}

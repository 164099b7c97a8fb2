package dev.step1x.worker.publish;

import dev.step1x.contracts.ContractJson;
import dev.step1x.contracts.Headers;
import dev.step1x.contracts.WorkerMetrics;
import dev.step1x.worker.metrics.CpuMeter;
import dev.step1x.worker.metrics.WorkerMeters;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.messaging.Message;
import org.springframework.messaging.support.MessageBuilder;

/**
 * Publishes through Spring Cloud Stream output bindings ({@code results-out-0}, {@code dlq-out-0},
 * {@code metrics-out-0}) whose Kafka producers are synchronous ({@code producer.sync=true}): a send returns
 * only when the broker acknowledged it, so a completed future means durable. Sends run on a small pool.
 *
 * <p>A failed send is classified ({@link PublishFailure}). A retriable failure (broker away, not enough in-sync
 * replicas, timeouts, anything not known to be terminal) is retried after a full-jitter backoff
 * ({@link PublishBackoff}) until it succeeds or the sink is closed; the record then stays uncommitted and is
 * redelivered. A terminal failure would be retried forever, its ticket would never complete, and its partition's
 * commits would stop for good; so it takes the terminal path instead:
 * <ul>
 *   <li>a dead letter too large for the producer is sent again with its value cut to fit
 *       ({@link Headers#DLQ_TRUNCATED}, the original size and SHA-256 in headers, the reason kept);</li>
 *   <li>a result that cannot be sent is replaced by a FAILED result for the same request ({@code INTERNAL_ERROR},
 *       not retryable, saying why; the request's metadata dropped, as it is what can make a result large);</li>
 *   <li>if the replacement fails terminally too (or none can be made), the failure is logged at ERROR and counted
 *       ({@code step1x_publish_failures_total{outcome="dropped"}}) and the future completes normally, so the
 *       partition moves on. This is the one case where a record is answered nowhere. A valid request cannot get
 *       here through its size (every field of a valid request is bounded, so its result stays far below the
 *       producer's limit); it takes a topic the worker may not write to, or an invalid topic name, which the
 *       retry counters and the stalled-partition alert make visible.</li>
 * </ul>
 */
public final class StreamBridgeResultSink implements ResultSink, AutoCloseable {

    public static final String RESULTS_BINDING = "results-out-0";
    public static final String DLQ_BINDING = "dlq-out-0";
    public static final String METRICS_BINDING = "metrics-out-0";

    /** The producer's default max.request.size. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 1_048_576;

    private static final Logger log = LoggerFactory.getLogger(StreamBridgeResultSink.class);

    /** The metric tag of what was being published. */
    enum Kind {
        RESULT("result"), DEAD_LETTER("dead-letter");

        final String tag;

        Kind(String tag) {
            this.tag = tag;
        }
    }

    /** Makes the message sent instead of one that failed terminally, or returns null when there is none. */
    @FunctionalInterface
    private interface Replacement {
        Message<byte[]> after(PublishFailure failure);
    }

    private final StreamBridge bridge;
    private final String workerId;
    private final CpuMeter cpu;
    private final MeterRegistry meters;
    private final PublishBackoff backoff;
    private final DeadLetterMessages deadLetters;
    private final ExecutorService pool;
    private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closed;

    /**
     * @param maxRecordBytes the dead-letter producer's max.request.size: what a truncated dead letter must fit in
     */
    public StreamBridgeResultSink(StreamBridge bridge, String workerId, int threads, CpuMeter cpu, MeterRegistry meters,
            PublishBackoff backoff, int maxRecordBytes) {
        this.bridge = bridge;
        this.workerId = workerId;
        this.cpu = cpu;
        this.meters = meters;
        this.backoff = backoff;
        this.deadLetters = new DeadLetterMessages(workerId, maxRecordBytes);
        this.pool = Executors.newFixedThreadPool(threads, Threads.named("publish"));
    }

    @Override
    public CompletableFuture<Void> result(String requestId, byte[] resultJson, int attempt, String traceparent) {
        Message<byte[]> message = resultMessage(requestId, resultJson, attempt, traceparent);
        return send(RESULTS_BINDING, Kind.RESULT, message, "result " + requestId,
                failure -> unpublishableResult(requestId, resultJson, attempt, traceparent, failure));
    }

    private Message<byte[]> resultMessage(String requestId, byte[] resultJson, int attempt, String traceparent) {
        MessageBuilder<byte[]> m = MessageBuilder.withPayload(resultJson)
                .setHeader(KafkaHeaders.KEY, utf8(requestId))
                .setHeader(Headers.REQUEST_ID, utf8(requestId))
                .setHeader(Headers.SCHEMA_VERSION, utf8("1"))
                .setHeader(Headers.CONTENT_TYPE, utf8(Headers.JSON_CONTENT_TYPE))
                .setHeader(Headers.ATTEMPT, utf8(Integer.toString(attempt)))
                .setHeader(Headers.WORKER_ID, utf8(workerId));
        if (traceparent != null) {
            m.setHeader(Headers.TRACEPARENT, utf8(traceparent));
        }
        return m.build();
    }

    /** The FAILED result sent instead of one that cannot be published, or null when none can be made. */
    private Message<byte[]> unpublishableResult(String requestId, byte[] resultJson, int attempt, String traceparent,
            PublishFailure failure) {
        byte[] failed = UnpublishableResult.replacement(requestId, resultJson, failure);
        return failed == null ? null : resultMessage(requestId, failed, attempt, traceparent);
    }

    @Override
    public CompletableFuture<Void> deadLetter(DeadLetter d) {
        byte[] value = d.value() == null ? new byte[0] : d.value();
        return send(DLQ_BINDING, Kind.DEAD_LETTER, deadLetters.message(d, value, false),
                "dead letter " + d.topic() + "-" + d.partition() + "@" + d.offset(),
                failure -> failure.tooLarge() ? deadLetters.truncated(d, value) : null);
    }

    @Override
    public void metrics(String id, WorkerMetrics snapshot) {
        long c0 = CpuMeter.start();
        byte[] json = ContractJson.toBytes(snapshot);
        cpu.stop(CpuMeter.Part.JSON, c0);
        Message<byte[]> m = MessageBuilder.withPayload(json)
                .setHeader(KafkaHeaders.KEY, utf8(id))
                .setHeader(Headers.SCHEMA_VERSION, utf8("1"))
                .setHeader(Headers.CONTENT_TYPE, utf8(Headers.JSON_CONTENT_TYPE))
                .setHeader(Headers.WORKER_ID, utf8(id))
                .build();
        pool.execute(() -> {
            try {
                bridge.send(METRICS_BINDING, m);
            } catch (RuntimeException e) {
                log.warn("metrics snapshot not published: {}", e.toString());
            }
        });
    }

    private CompletableFuture<Void> send(String binding, Kind kind, Message<byte[]> first, String what,
            Replacement replacement) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        pending.incrementAndGet();
        done.whenComplete((v, e) -> pending.decrementAndGet());
        pool.execute(() -> {
            Message<byte[]> message = first;
            boolean replaced = false;
            int retry = 0;
            while (true) {
                long c0 = CpuMeter.start();
                try {
                    if (!bridge.send(binding, message)) {
                        throw new IllegalStateException("StreamBridge refused the message");
                    }
                    cpu.stop(CpuMeter.Part.KAFKA, c0);
                    done.complete(null);
                    return;
                } catch (RuntimeException e) {
                    cpu.stop(CpuMeter.Part.KAFKA, c0);
                    PublishFailure failure = PublishFailure.classify(e);
                    if (failure.terminal()) {
                        Message<byte[]> instead = replaced ? null : replacementOrNull(replacement, failure, what);
                        countTerminal(kind, failure, instead == null ? "dropped" : "replaced");
                        if (instead != null) {
                            log.error("publishing {} failed terminally ({}: {}); sending a replacement", what,
                                    failure.reason(), failure.cause().getMessage());
                            message = instead;
                            replaced = true;
                            retry = 0;
                            continue;
                        }
                        log.error("DROPPED: {} cannot be published ({}: {}){}; its record is committed unanswered so "
                                + "that its partition moves on", what, failure.reason(), failure.cause().getMessage(),
                                replaced ? " and neither can its replacement" : "", e);
                        done.complete(null);
                        return;
                    }
                    if (closed) {
                        done.completeExceptionally(e);
                        return;
                    }
                    retry++;
                    WorkerMeters.PUBLISH_RETRIES.counter(meters, "kind", kind.tag, "reason", failure.reason())
                            .increment();
                    long wait = backoff.delayMillis(retry);
                    if (retry == 1 || retry % 10 == 0) {
                        log.warn("publishing {} failed (retry {}), retrying in {} ms: {}", what, retry, wait,
                                e.toString());
                    }
                    try {
                        Thread.sleep(wait);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        done.completeExceptionally(ie);
                        return;
                    }
                }
            }
        });
        return done;
    }

    /** The replacement, or null when making it failed (the send must still end, or its ticket never completes). */
    private static Message<byte[]> replacementOrNull(Replacement replacement, PublishFailure failure, String what) {
        try {
            return replacement.after(failure);
        } catch (RuntimeException e) {
            log.error("no replacement for {} could be made: {}", what, e.toString());
            return null;
        }
    }

    private void countTerminal(Kind kind, PublishFailure failure, String outcome) {
        WorkerMeters.PUBLISH_FAILURES.counter(meters, "kind", kind.tag, "reason", failure.reason(), "outcome", outcome)
                .increment();
    }

    @Override
    public int pending() {
        return pending.get();
    }

    /** Waits until every queued send finished (or the timeout passed). */
    public void close(Duration timeout) {
        closed = true;
        pool.shutdown();
        try {
            if (!pool.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String cut(String s, int max) {
        if (s == null) {
            return "";
        }
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

}

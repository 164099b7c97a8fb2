package dev.step1x.worker.publish;

import dev.step1x.contracts.ContractJson;
import dev.step1x.contracts.Headers;
import dev.step1x.contracts.WorkerMetrics;
import dev.step1x.worker.metrics.CpuMeter;
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
 * only when the broker acknowledged it, so a completed future means durable. Sends run on a small pool;
 * a failed send is retried with backoff until it succeeds or the sink is closed (the record then stays
 * uncommitted and is redelivered).
 */
public final class StreamBridgeResultSink implements ResultSink, AutoCloseable {

    public static final String RESULTS_BINDING = "results-out-0";
    public static final String DLQ_BINDING = "dlq-out-0";
    public static final String METRICS_BINDING = "metrics-out-0";

    private static final Logger log = LoggerFactory.getLogger(StreamBridgeResultSink.class);

    private final StreamBridge bridge;
    private final String workerId;
    private final CpuMeter cpu;
    private final ExecutorService pool;
    private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closed;

    public StreamBridgeResultSink(StreamBridge bridge, String workerId, int threads, CpuMeter cpu) {
        this.bridge = bridge;
        this.workerId = workerId;
        this.cpu = cpu;
        this.pool = Executors.newFixedThreadPool(threads, Threads.named("publish"));
    }

    @Override
    public CompletableFuture<Void> result(String requestId, byte[] resultJson, int attempt, String traceparent) {
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
        return send(RESULTS_BINDING, m.build(), "result " + requestId);
    }

    @Override
    public CompletableFuture<Void> deadLetter(DeadLetter d) {
        MessageBuilder<byte[]> m = MessageBuilder.withPayload(d.value() == null ? new byte[0] : d.value());
        d.originalHeaders().forEach(m::setHeader);
        if (d.key() != null) {
            m.setHeader(KafkaHeaders.KEY, d.key());
        }
        m.setHeader(Headers.DLQ_REASON, utf8(cut(d.reason(), 4000)))
                .setHeader(Headers.DLQ_ERROR_CODE, utf8(d.code().name()))
                .setHeader(Headers.ORIGINAL_TOPIC, utf8(d.topic()))
                .setHeader(Headers.ORIGINAL_PARTITION, utf8(Integer.toString(d.partition())))
                .setHeader(Headers.ORIGINAL_OFFSET, utf8(Long.toString(d.offset())))
                .setHeader(Headers.ORIGINAL_TIMESTAMP, utf8(Long.toString(d.timestamp())))
                .setHeader(Headers.WORKER_ID, utf8(workerId));
        return send(DLQ_BINDING, m.build(), "dead letter " + d.topic() + "-" + d.partition() + "@" + d.offset());
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

    private CompletableFuture<Void> send(String binding, Message<byte[]> message, String what) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        pending.incrementAndGet();
        done.whenComplete((v, e) -> pending.decrementAndGet());
        pool.execute(() -> {
            long backoff = 100;
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
                    if (closed) {
                        done.completeExceptionally(e);
                        return;
                    }
                    log.warn("publishing {} failed, retrying in {} ms: {}", what, backoff, e.toString());
                    try {
                        Thread.sleep(backoff);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        done.completeExceptionally(ie);
                        return;
                    }
                    backoff = Math.min(10_000, backoff * 2);
                }
            }
        });
        return done;
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

    private static String cut(String s, int max) {
        if (s == null) {
            return "";
        }
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

}

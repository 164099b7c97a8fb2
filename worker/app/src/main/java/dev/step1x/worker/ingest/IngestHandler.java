package dev.step1x.worker.ingest;

import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.Headers;
import dev.step1x.contracts.ParseResult;
import dev.step1x.contracts.ValidationResult;
import dev.step1x.contracts.Violation;
import dev.step1x.worker.metrics.CpuMeter;
import dev.step1x.worker.metrics.WorkerMeters;
import dev.step1x.worker.metrics.WorkerStats;
import dev.step1x.worker.pipeline.Answerer;
import dev.step1x.worker.pipeline.Delivery;
import dev.step1x.worker.pipeline.Intake;
import dev.step1x.worker.publish.DeadLetter;
import dev.step1x.worker.publish.ResultSink;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.support.Acknowledgment;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHeaders;

/**
 * The request binding's consumer ({@code ingest-in-0}, record mode, manual acknowledgment). It never
 * blocks and never throws: each record gets a ticket in the {@link OffsetTracker}, is parsed and validated
 * against the contract, and is either answered at once (REJECTED with INVALID_REQUEST plus a dead-letter
 * copy; unparseable records dead-lettered with the reason in headers) or handed to the pipeline's {@link Intake}
 * with its ticket as the {@link dev.step1x.worker.pipeline.Completion}. The offset is acknowledged only once the
 * answer is durable. Above {@code max-in-flight} records the
 * consumer is paused (it keeps polling, so the group membership is kept).
 */
public final class IngestHandler implements Consumer<Message<byte[]>> {

    private static final Logger log = LoggerFactory.getLogger(IngestHandler.class);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private final OffsetTracker<Acknowledgment> tracker;
    private final ConsumptionGate gate;
    private final Intake intake;
    private final Answerer answerer;
    private final ResultSink sink;
    private final WorkerStats stats;
    private final MeterRegistry meters;
    private final CpuMeter cpu;
    private final int maxInFlight;
    private final ContractValidator validator = ContractValidator.shared();
    private volatile boolean draining;

    /** @param maxInFlight records taken and not committed at which consumption pauses */
    public IngestHandler(OffsetTracker<Acknowledgment> tracker, ConsumptionGate gate, Intake intake, Answerer answerer,
            ResultSink sink, WorkerStats stats, MeterRegistry meters, CpuMeter cpu, int maxInFlight) {
        this.tracker = tracker;
        this.gate = gate;
        this.intake = intake;
        this.answerer = answerer;
        this.sink = sink;
        this.stats = stats;
        this.meters = meters;
        this.cpu = cpu;
        this.maxInFlight = maxInFlight;
    }

    /** From now on records are not taken (they stay uncommitted and go to the next owner). */
    public void drain() {
        draining = true;
    }

    @Override
    public void accept(Message<byte[]> message) {
        if (draining) {
            return; // delivered from a poll that started before the pause: leave it uncommitted
        }
        long c0 = CpuMeter.start();
        try {
            take(message);
        } finally {
            cpu.consumerWork(c0);
        }
    }

    private void take(Message<byte[]> message) {
        MessageHeaders h = message.getHeaders();
        String topic = h.get(KafkaHeaders.RECEIVED_TOPIC, String.class);
        Integer partition = h.get(KafkaHeaders.RECEIVED_PARTITION, Integer.class);
        Long offset = h.get(KafkaHeaders.OFFSET, Long.class);
        Long ts = h.get(KafkaHeaders.RECEIVED_TIMESTAMP, Long.class);
        Acknowledgment ack = h.get(KafkaHeaders.ACKNOWLEDGMENT, Acknowledgment.class);
        long timestamp = ts == null ? System.currentTimeMillis() : ts;
        OffsetTracker<Acknowledgment>.Ticket ticket = tracker.register(
                new TopicPartition(topic == null ? "unknown" : topic, partition == null ? 0 : partition),
                offset == null ? -1 : offset, ack);
        try {
            handle(message, ticket, topic, partition == null ? 0 : partition, offset == null ? -1 : offset, timestamp);
        } catch (RuntimeException | Error e) {
            // Never let a record escape unanswered: that would stall its partition's commits.
            log.error("unexpected error handling {}", ticket, e);
            String id = header(h, Headers.REQUEST_ID);
            deadLetter(message, ticket.partition().topic(), ticket.partition().partition(), ticket.offset(), timestamp,
                    ErrorCode.INTERNAL_ERROR, "the worker failed on this record: " + e)
                    .thenRun(ticket::complete);
            if (id != null) {
                log.warn("record {} with requestId {} dead-lettered after an internal error", ticket, id);
            }
        }
        if (tracker.inFlight() >= maxInFlight) {
            gate.pause(ConsumptionGate.Reason.BACKPRESSURE);
        }
    }

    /** Called when records complete: lets consumption resume under half the in-flight limit. */
    public void relieve() {
        if (tracker.inFlight() <= maxInFlight / 2 && gate.isPaused(ConsumptionGate.Reason.BACKPRESSURE)) {
            gate.resume(ConsumptionGate.Reason.BACKPRESSURE);
        }
    }

    private void handle(Message<byte[]> message, OffsetTracker<Acknowledgment>.Ticket ticket, String topic,
            int partition, long offset, long timestamp) {
        MessageHeaders h = message.getHeaders();
        byte[] payload = message.getPayload();
        int attempt = parseAttempt(header(h, Headers.ATTEMPT));
        String traceparent = header(h, Headers.TRACEPARENT);
        long c0 = CpuMeter.start();
        ParseResult<EditRequest> parsed = validator.parseRequest(payload);
        cpu.stop(CpuMeter.Part.JSON, c0);
        ValidationResult v = parsed.validation();
        switch (v.outcome()) {
            case VALID -> {
                EditRequest request = parsed.orElseThrow().withDefaults();
                intake.accept(request, payload, timestamp, new Delivery(ticket, attempt, traceparent));
            }
            case INVALID -> {
                String id = v.requestId().orElse(null);
                String reason = summary(v);
                CompletableFuture<Void> dl = deadLetter(message, topic, partition, offset, timestamp,
                        ErrorCode.INVALID_REQUEST, reason);
                if (id == null) {
                    id = usableId(header(h, Headers.REQUEST_ID));
                }
                if (id == null) {
                    log.info("invalid request without a usable requestId at {}: dead-lettered only", ticket);
                    dl.thenRun(ticket::complete);
                    return;
                }
                CompletableFuture<Void> answered = answerer.reject(id, ErrorCode.INVALID_REQUEST, reason, timestamp,
                        attempt, traceparent);
                CompletableFuture.allOf(dl, answered).thenRun(ticket::complete);
            }
            case UNPARSEABLE -> {
                String reason = summary(v);
                CompletableFuture<Void> dl = deadLetter(message, topic, partition, offset, timestamp,
                        ErrorCode.UNPARSEABLE_REQUEST, reason);
                String id = usableId(header(h, Headers.REQUEST_ID));
                if (id == null) {
                    dl.thenRun(ticket::complete);
                    return;
                }
                CompletableFuture<Void> answered = answerer.reject(id, ErrorCode.UNPARSEABLE_REQUEST, reason,
                        timestamp, attempt, traceparent);
                CompletableFuture.allOf(dl, answered).thenRun(ticket::complete);
            }
        }
    }

    private CompletableFuture<Void> deadLetter(Message<byte[]> message, String topic, int partition, long offset,
            long timestamp, ErrorCode code, String reason) {
        MessageHeaders h = message.getHeaders();
        Object key = h.get(KafkaHeaders.RECEIVED_KEY);
        byte[] keyBytes = key instanceof byte[] b ? b : key == null ? null : key.toString().getBytes(StandardCharsets.UTF_8);
        Map<String, byte[]> original = new LinkedHashMap<>();
        h.forEach((name, value) -> {
            if (name.startsWith("kafka_") || name.startsWith("spring_") || name.equals("id") || name.equals("timestamp")
                    || name.equals("contentType") || name.startsWith("x-dlq-") || name.startsWith("x-original-")
                    || name.equals("deliveryAttempt") || name.equals("target-protocol")) {
                return;
            }
            if (value instanceof byte[] b) {
                original.put(name, b);
            } else if (value instanceof String s) {
                original.put(name, s.getBytes(StandardCharsets.UTF_8));
            }
        });
        stats.deadLettered();
        WorkerMeters.DEAD_LETTERS.counter(meters, "code", code.name()).increment();
        log.info("dead-lettering {}-{}@{} ({}): {}", topic, partition, offset, code, reason);
        return sink.deadLetter(new DeadLetter(message.getPayload(), keyBytes, original, code, reason,
                topic == null ? "unknown" : topic, partition, offset, timestamp));
    }

    private static String summary(ValidationResult v) {
        String s = v.violations().stream().map(Violation::message).collect(Collectors.joining("; "));
        return s.isBlank() ? v.outcome().name() : s;
    }

    static String header(MessageHeaders h, String name) {
        Object v = h.get(name);
        if (v instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        return v == null ? null : v.toString();
    }

    private static String usableId(String s) {
        return s != null && ID.matcher(s).matches() ? s : null;
    }

    private static int parseAttempt(String s) {
        try {
            int a = s == null ? 1 : Integer.parseInt(s.trim());
            return Math.max(1, a);
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}

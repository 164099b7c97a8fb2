package dev.step1x.loadtest.check;

import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.Headers;
import dev.step1x.contracts.ParseResult;
import dev.step1x.contracts.WorkerMetrics;
import dev.step1x.loadtest.env.Cluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a scenario's result, dead-letter and metrics topics from the beginning on a background thread and
 * keeps every record (no consumer group: assigned partitions, nothing committed).
 */
public final class ResultCollector implements AutoCloseable {

    /** One record of the results topic, parsed when it validates. */
    public record Received(String key, byte[] value, EditResult result, String invalid, long timestampMs,
            int partition, long offset, long receivedAtMs) {}

    /** One dead letter: the request id header and the reason code. */
    public record DeadLettered(String requestId, String code, long timestampMs) {}

    /** One worker metrics snapshot with its record timestamp. */
    public record MetricsSample(WorkerMetrics metrics, long timestampMs) {}

    private final List<Received> results = new CopyOnWriteArrayList<>();
    private final List<DeadLettered> deadLetters = new CopyOnWriteArrayList<>();
    private final List<MetricsSample> metrics = new CopyOnWriteArrayList<>();
    private final Map<String, Long> firstResultAt = new ConcurrentHashMap<>();
    private final Set<String> invalidRecords = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private final Cluster.Topics topics;
    private volatile Consumer<String> onFirstResult = id -> { };
    private volatile boolean running = true;
    private volatile long lastPollMs;

    public ResultCollector(String bootstrap, Cluster.Topics topics) {
        this.topics = topics;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p);
        List<TopicPartition> parts = new ArrayList<>();
        for (String t : List.of(topics.results(), topics.dlq(), topics.metrics())) {
            c.partitionsFor(t, Duration.ofSeconds(30)).forEach(i -> parts.add(new TopicPartition(t, i.partition())));
        }
        c.assign(parts);
        c.seekToBeginning(parts);
        thread = new Thread(() -> {
            try (c) {
                while (running) {
                    try {
                        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                            take(r);
                        }
                        lastPollMs = System.currentTimeMillis();
                    } catch (RuntimeException e) {
                        if (running) {
                            sleep(200); // broker away (the restart scenario): keep trying
                        }
                    }
                }
            }
        }, "result-collector");
        thread.setDaemon(true);
        thread.start();
    }

    /** Called with the requestId of each first result (closed-loop pacing). */
    public void onFirstResult(Consumer<String> listener) {
        this.onFirstResult = listener;
    }

    private void take(ConsumerRecord<byte[], byte[]> r) {
        long now = System.currentTimeMillis();
        if (r.topic().equals(topics.results())) {
            String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
            ParseResult<EditResult> p = ContractValidator.shared().parseResult(r.value());
            EditResult res = p.valid() ? p.orElseThrow() : null;
            String invalid = p.valid() ? null : p.validation().toString();
            results.add(new Received(key, r.value(), res, invalid, r.timestamp(), r.partition(), r.offset(), now));
            String id = res != null ? res.requestId() : key;
            if (id != null && firstResultAt.putIfAbsent(id, r.timestamp()) == null) {
                onFirstResult.accept(id);
            }
        } else if (r.topic().equals(topics.dlq())) {
            deadLetters.add(new DeadLettered(header(r, Headers.REQUEST_ID), header(r, Headers.DLQ_ERROR_CODE), r.timestamp()));
        } else {
            ParseResult<WorkerMetrics> p = ContractValidator.shared().parseMetrics(r.value());
            if (p.valid()) {
                metrics.add(new MetricsSample(p.orElseThrow(), r.timestamp()));
            } else {
                invalidRecords.add(r.topic() + "@" + r.partition() + ":" + r.offset());
            }
        }
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    public List<Received> results() {
        return List.copyOf(results);
    }

    public List<DeadLettered> deadLetters() {
        return List.copyOf(deadLetters);
    }

    public List<MetricsSample> metrics() {
        return List.copyOf(metrics);
    }

    /** Metrics records that did not validate. */
    public Set<String> invalidMetrics() {
        return Set.copyOf(invalidRecords);
    }

    /** Whether any result (valid or not) has arrived for {@code requestId}. */
    public boolean answered(String requestId) {
        return firstResultAt.containsKey(requestId);
    }

    public int answeredCount() {
        return firstResultAt.size();
    }

    /** Number of result records received (duplicates included). */
    public int resultRecords() {
        return results.size();
    }

    /** Epoch ms of the collector's last successful poll (it is caught up to about then). */
    public long lastPollMs() {
        return lastPollMs;
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

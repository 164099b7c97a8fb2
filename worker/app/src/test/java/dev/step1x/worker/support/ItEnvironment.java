package dev.step1x.worker.support;

import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.Headers;
import dev.step1x.contracts.ParseResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * The real servers the integration tests share (one per JVM): a KRaft Kafka broker from the Kafka jars
 * (spring-kafka-test's EmbeddedKafkaKraftBroker) and S3Proxy in a child JVM, both on 127.0.0.1. Each test
 * class uses its own topics and starts workers as full Spring Boot applications ({@link Workers}). Nothing here
 * needs the worker's classes, so the submit module's tests share these servers too.
 */
public final class ItEnvironment {

    public static final String INPUTS = "inputs";
    public static final String OUTPUTS = "outputs";

    private static EmbeddedKafkaKraftBroker broker;
    private static LocalS3Proxy s3proxy;
    private static S3Client s3;

    private ItEnvironment() {}

    public static synchronized void start() {
        if (broker == null) {
            EmbeddedKafkaKraftBroker b = new EmbeddedKafkaKraftBroker(1, 3);
            b.brokerProperty("log.dirs", System.getProperty("java.io.tmpdir") + "/kraft-" + System.nanoTime());
            b.afterPropertiesSet();
            broker = b;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    b.destroy();
                } catch (RuntimeException ignored) {
                    // the broker's temp dirs may already be gone
                }
            }));
        }
        if (s3proxy == null) {
            s3proxy = LocalS3Proxy.start();
            Runtime.getRuntime().addShutdownHook(new Thread(s3proxy::close));
            s3 = s3proxy.client();
            s3.createBucket(CreateBucketRequest.builder().bucket(INPUTS).build());
            s3.createBucket(CreateBucketRequest.builder().bucket(OUTPUTS).build());
            s3.createBucket(CreateBucketRequest.builder().bucket("not-allowed-bucket").build());
        }
    }

    public static String brokers() {
        return broker.getBrokersAsString();
    }

    public static S3Client s3() {
        return s3;
    }

    public static LocalS3Proxy s3proxy() {
        return s3proxy;
    }

    public static void put(String bucket, String key, byte[] bytes) {
        s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key).build(), RequestBody.fromBytes(bytes));
    }

    /** Topics of one test: {@code <prefix>.requests|results|dlq|metrics}. */
    public record Topics(String requests, String results, String dlq, String metrics) {
        public static Topics of(String prefix, int partitions) {
            Topics t = new Topics(prefix + ".requests", prefix + ".results", prefix + ".dlq", prefix + ".metrics");
            broker.addTopics(new NewTopic(t.requests, partitions, (short) 1), new NewTopic(t.results, partitions, (short) 1),
                    new NewTopic(t.dlq, 1, (short) 1), new NewTopic(t.metrics, 1, (short) 1));
            return t;
        }
    }

    /**
     * Properties of a worker wired to the shared servers and the given topics. No engine is chosen: the worker's
     * default (model mode, which needs worker.engine.model-dir) applies unless the caller adds
     * {@code worker.engine.mode=simulated} or a model directory.
     */
    public static List<String> workerArgs(Topics t, String... extra) {
        List<String> p = new ArrayList<>(List.of(
                "spring.cloud.stream.kafka.binder.brokers=" + brokers(),
                "spring.cloud.stream.bindings.ingest-in-0.destination=" + t.requests(),
                "spring.cloud.stream.bindings.results-out-0.destination=" + t.results(),
                "spring.cloud.stream.bindings.dlq-out-0.destination=" + t.dlq(),
                "spring.cloud.stream.bindings.metrics-out-0.destination=" + t.metrics(),
                "server.port=0",
                "worker.storage.allowed-input-buckets=" + INPUTS,
                "worker.storage.allowed-output-buckets=" + OUTPUTS,
                "worker.kafka.poll-timeout=200ms",
                // The binder's lag gauge, denied: its first computation (1 s after binding) can deadlock with the
                // binder's close (KafkaBinderMetrics 5.0.4: close holds its lock and clears the map whose entry the
                // computation holds while waiting for that lock); tests open and close many short-lived workers.
                "management.metrics.enable.spring.cloud.stream.binder.kafka.offset=false",
                "logging.level.org.apache.kafka=WARN",
                "logging.level.org.springframework.kafka=WARN",
                "logging.level.org.springframework.cloud.stream=WARN"));
        p.addAll(s3proxy.workerProperties());
        p.addAll(List.of(extra));
        return p;
    }

    public static KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(p);
    }

    /** Sends a request value keyed by requestId (null key if null), with optional headers. */
    public static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, String json,
            Map<String, String> headers) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, null,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                json == null ? null : json.getBytes(StandardCharsets.UTF_8));
        headers.forEach((k, v) -> r.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        try {
            producer.send(r).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a topic from the beginning in the background and keeps every record. */
    public static final class Collector implements AutoCloseable {
        private final List<ConsumerRecord<byte[], byte[]>> records = new CopyOnWriteArrayList<>();
        private final Thread thread;
        private volatile boolean running = true;

        public Collector(String topic) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers());
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p);
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).collect(Collectors.toList());
            c.assign(parts);
            c.seekToBeginning(parts);
            thread = new Thread(() -> {
                try (c) {
                    while (running) {
                        c.poll(Duration.ofMillis(100)).forEach(records::add);
                    }
                }
            }, "collector-" + topic);
            thread.setDaemon(true);
            thread.start();
        }

        public List<ConsumerRecord<byte[], byte[]>> records() {
            return List.copyOf(records);
        }

        /** Results by requestId (every delivery). */
        public Map<String, List<EditResult>> results() {
            Map<String, List<EditResult>> m = new ConcurrentHashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                ParseResult<EditResult> p = ContractValidator.shared().parseResult(r.value());
                if (!p.valid()) {
                    throw new AssertionError("published result does not validate: " + p.validation());
                }
                EditResult e = p.orElseThrow();
                m.computeIfAbsent(e.requestId(), k -> new CopyOnWriteArrayList<>()).add(e);
            }
            return m;
        }

        /** The first result of each requestId. */
        public Map<String, EditResult> firstResults() {
            Map<String, EditResult> m = new HashMap<>();
            results().forEach((k, v) -> m.put(k, v.get(0)));
            return m;
        }

        @Override
        public void close() {
            running = false;
        }
    }

    public static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** Header names used in assertions. */
    public static final String DLQ_CODE = Headers.DLQ_ERROR_CODE;
}

package dev.step1x.submit;

import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.Headers;
import dev.step1x.contracts.ParseResult;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Sending the requests (keyed by requestId, acks=all) and reading their results back. */
final class KafkaExchange {

    /** A result and when it arrived (nanoTime). */
    record Answer(EditResult result, long atNanos) {}

    private final Properties common;
    private final String requestTopic;
    private final String resultTopic;
    private final PrintWriter out;

    /** @param common the client settings of the command line (bootstrap, security) */
    KafkaExchange(Properties common, String requestTopic, String resultTopic, PrintWriter out) {
        this.common = common;
        this.requestTopic = requestTopic;
        this.resultTopic = resultTopic;
        this.out = out;
    }

    /** Sends each request and waits for the broker's acknowledgement, printing where it went. */
    void send(List<Sent> requests) throws InterruptedException {
        Properties pp = new Properties();
        pp.putAll(common);
        pp.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, Submit.NAME);
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        pp.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
            for (Sent s : requests) {
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(requestTopic, utf8(s.id()), s.json());
                r.headers().add(Headers.REQUEST_ID, utf8(s.id()))
                        .add(Headers.SCHEMA_VERSION, utf8("1"))
                        .add(Headers.CONTENT_TYPE, utf8(Headers.JSON_CONTENT_TYPE));
                RecordMetadata md;
                try {
                    md = producer.send(r).get();
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    throw new IllegalStateException("sending " + s.id() + " to " + requestTopic + " failed: "
                            + e.getMessage() + " (is --bootstrap reachable with these security settings, and does the "
                            + "topic exist?)", e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("sending " + s.id() + " to " + requestTopic + " failed: "
                            + e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage(), e.getCause());
                }
                s.ackNanos()[0] = System.nanoTime();
                out.printf("sent %s to %s-%d@%d%n", s.id(), md.topic(), md.partition(), md.offset());
            }
        }
    }

    /** A consumer on every partition of the results topic, positioned at the end (before anything is sent). */
    KafkaConsumer<byte[], byte[]> resultsConsumer() {
        Properties cp = new Properties();
        cp.putAll(common);
        cp.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, Submit.NAME + "-results");
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false); // no group: nothing to commit, no group ACL needed
        cp.putIfAbsent(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false); // a mistyped name is an error
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp);
        try {
            List<PartitionInfo> infos = c.partitionsFor(resultTopic);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("results topic " + resultTopic + " does not exist (--results-topic)");
            }
            List<TopicPartition> parts = infos.stream().map(p -> new TopicPartition(resultTopic, p.partition()))
                    .toList();
            c.assign(parts);
            c.seekToEnd(parts);
            parts.forEach(c::position); // resolve the end now, before sending
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** The first result of each sent request that arrives within {@code seconds}. */
    Map<String, Answer> await(KafkaConsumer<byte[], byte[]> consumer, Map<String, Sent> sent, long seconds) {
        Map<String, Answer> answers = new LinkedHashMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        while (answers.size() < sent.size() && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(250))) {
                ParseResult<EditResult> p = ContractValidator.shared().parseResult(r.value());
                if (!p.valid()) {
                    continue; // somebody else's record, or not a result of this contract
                }
                EditResult res = p.orElseThrow();
                if (sent.containsKey(res.requestId()) && !answers.containsKey(res.requestId())) {
                    answers.put(res.requestId(), new Answer(res, System.nanoTime()));
                }
            }
        }
        return answers;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

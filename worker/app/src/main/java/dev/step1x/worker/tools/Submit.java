package dev.step1x.worker.tools;

import dev.step1x.contracts.ContractJson;
import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.Headers;
import dev.step1x.contracts.ParseResult;
import dev.step1x.contracts.Topics;
import dev.step1x.contracts.ValidationResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import tools.jackson.databind.JsonNode;

/**
 * {@code bin/step1x-submit}: sends EditRequests from JSON files (one object, or an array of objects, per
 * file) to any Kafka cluster, keyed by requestId, after validating them against the contract; with
 * {@code --wait SECONDS} it then prints the results that arrive for them.
 */
public final class Submit {

    private Submit() {}

    public static void main(String[] args) throws Exception {
        String bootstrap = System.getenv().getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
        String topic = Topics.REQUESTS;
        String resultsTopic = Topics.RESULTS;
        long waitSeconds = 0;
        boolean validate = true;
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--bootstrap", "-b" -> bootstrap = args[++i];
                case "--topic" -> topic = args[++i];
                case "--results-topic" -> resultsTopic = args[++i];
                case "--wait" -> waitSeconds = Long.parseLong(args[++i]);
                case "--no-validate" -> validate = false;
                case "--help", "-h" -> {
                    usage();
                    return;
                }
                default -> files.add(Path.of(args[i]));
            }
        }
        if (files.isEmpty()) {
            usage();
            System.exit(2);
        }
        Map<String, byte[]> requests = new LinkedHashMap<>();
        for (Path f : files) {
            for (byte[] value : read(f)) {
                ParseResult<?> p = ContractValidator.shared().parseRequest(value);
                ValidationResult v = p.validation();
                if (validate && !v.valid()) {
                    System.err.println(f + ": not a valid EditRequest (use --no-validate to send it anyway):");
                    v.violations().forEach(x -> System.err.println("  " + x.message()));
                    System.exit(2);
                }
                String id = v.requestId().orElse("no-id-" + requests.size());
                requests.put(id, value);
            }
        }
        KafkaConsumer<byte[], byte[]> consumer = waitSeconds > 0 ? resultsConsumer(bootstrap, resultsTopic) : null;
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
            for (Map.Entry<String, byte[]> e : requests.entrySet()) {
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, utf8(e.getKey()), e.getValue());
                r.headers().add(Headers.REQUEST_ID, utf8(e.getKey()))
                        .add(Headers.SCHEMA_VERSION, utf8("1"))
                        .add(Headers.CONTENT_TYPE, utf8(Headers.JSON_CONTENT_TYPE));
                var md = producer.send(r).get();
                System.out.printf("sent %s to %s-%d@%d%n", e.getKey(), md.topic(), md.partition(), md.offset());
            }
        }
        if (consumer == null) {
            return;
        }
        Map<String, EditResult> seen = new LinkedHashMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(waitSeconds).toNanos();
        try (consumer) {
            while (seen.size() < requests.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    ParseResult<EditResult> p = ContractValidator.shared().parseResult(r.value());
                    if (p.valid() && requests.containsKey(p.orElseThrow().requestId())
                            && !seen.containsKey(p.orElseThrow().requestId())) {
                        EditResult res = p.orElseThrow();
                        seen.put(res.requestId(), res);
                        System.out.println(new String(ContractJson.toBytes(res), StandardCharsets.UTF_8));
                    }
                }
            }
        }
        if (seen.size() < requests.size()) {
            System.err.printf("%d of %d results arrived within %d s%n", seen.size(), requests.size(), waitSeconds);
            System.exit(1);
        }
    }

    private static KafkaConsumer<byte[], byte[]> resultsConsumer(String bootstrap, String topic) {
        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp);
        List<TopicPartition> parts = c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition()))
                .toList();
        c.assign(parts);
        c.seekToEnd(parts);
        parts.forEach(c::position); // resolve the end now, before sending
        return c;
    }

    static List<byte[]> read(Path f) throws IOException {
        byte[] bytes = Files.readAllBytes(f);
        JsonNode node = ContractJson.mapper().readTree(bytes);
        List<byte[]> out = new ArrayList<>();
        if (node != null && node.isArray()) {
            for (JsonNode n : node) {
                out.add(ContractJson.mapper().writeValueAsBytes(n));
            }
        } else {
            out.add(bytes);
        }
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void usage() {
        System.out.println("""
                Usage: bin/step1x-submit [--bootstrap HOST:PORT] [--topic T] [--wait SECONDS] [--results-topic T]
                                         [--no-validate] FILE.json...
                Sends each EditRequest (a JSON object, or an array of them, per file) keyed by its requestId.
                --bootstrap      Kafka bootstrap servers (default $KAFKA_BOOTSTRAP_SERVERS or localhost:9092)
                --topic          request topic (default image-edit.requests)
                --wait SECONDS   then print the results for the sent requests (exit 1 if some are missing)
                --no-validate    send files that do not validate against the EditRequest schema""");
    }
}

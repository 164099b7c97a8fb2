package dev.step1x.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.Headers;
import dev.step1x.contracts.ResultStatus;
import dev.step1x.worker.support.ItEnvironment;
import dev.step1x.worker.support.ItEnvironment.Collector;
import dev.step1x.worker.support.Workers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A 1.5 MB invalid request that the request topic accepts (its max.message.bytes is raised) but whose dead letter
 * the worker's producer can never send whole (max.request.size 1 MiB): the request is answered REJECTED, its dead
 * letter goes out truncated with the original size and SHA-256, and the partition commits past it, so the small
 * request behind it is committed too. Before publish failures were classified, the dead letter was retried forever
 * and the partition's commits stopped.
 */
class OversizedRecordIT {

    @Test
    void anOversizedInvalidRecordIsAnsweredDeadLetteredTruncatedAndCommitted() throws Exception {
        ItEnvironment.start();
        ItEnvironment.Topics topics = ItEnvironment.Topics.of("oversized-it", 1);
        String group = "oversized-it-workers";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ItEnvironment.brokers()))) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topics.requests()),
                    List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", Integer.toString(2 << 20)),
                            AlterConfigOp.OpType.SET)))).all().get();
            byte[] big = ("{\"requestId\":\"big-1\",\"padding\":\"" + "x".repeat(1_500_000) + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            try (Collector results = new Collector(topics.results()); Collector dlq = new Collector(topics.dlq());
                    KafkaProducer<byte[], byte[]> producer = largeRecordProducer()) {
                producer.send(new ProducerRecord<>(topics.requests(), "big-1".getBytes(StandardCharsets.UTF_8), big)).get();
                producer.send(new ProducerRecord<>(topics.requests(), "small-1".getBytes(StandardCharsets.UTF_8),
                        "{\"requestId\":\"small-1\"}".getBytes(StandardCharsets.UTF_8))).get();
                ConfigurableApplicationContext worker = Workers.start(ItEnvironment.workerArgs(topics,
                        "spring.cloud.stream.bindings.ingest-in-0.group=" + group, "worker.engine.mode=simulated",
                        "worker.engine.warmup.enabled=false", "worker.metrics.snapshot-interval=0s"));
                try {
                    await().atMost(Duration.ofSeconds(60)).until(() -> results.results().keySet()
                            .containsAll(List.of("big-1", "small-1")) && dlq.records().size() >= 2);
                    EditResult answer = results.firstResults().get("big-1");
                    assertThat(answer.status()).isEqualTo(ResultStatus.REJECTED);
                    assertThat(answer.error().code()).isEqualTo(ErrorCode.INVALID_REQUEST);

                    ConsumerRecord<byte[], byte[]> letter = dlq.records().stream()
                            .filter(r -> "big-1".equals(ItEnvironment.header(r, Headers.REQUEST_ID))
                                    || Arrays.equals("big-1".getBytes(StandardCharsets.UTF_8), r.key()))
                            .findFirst().orElseThrow();
                    assertThat(ItEnvironment.header(letter, Headers.DLQ_TRUNCATED)).isEqualTo("true");
                    assertThat(ItEnvironment.header(letter, Headers.DLQ_ORIGINAL_SIZE)).isEqualTo(Integer.toString(big.length));
                    assertThat(ItEnvironment.header(letter, Headers.DLQ_ORIGINAL_SHA256)).isEqualTo(HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(big)));
                    assertThat(ItEnvironment.header(letter, Headers.DLQ_REASON)).isNotBlank();
                    assertThat(letter.value().length).isBetween(1_000_000, 1_048_576);
                    assertThat(Arrays.equals(letter.value(), 0, letter.value().length, big, 0, letter.value().length))
                            .as("the truncated value is a prefix of the original").isTrue();

                    TopicPartition p0 = new TopicPartition(topics.requests(), 0);
                    await().atMost(Duration.ofSeconds(20)).until(() -> {
                        OffsetAndMetadata c = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                                .get().get(p0);
                        return c != null && c.offset() == 2;
                    });
                    System.out.printf("oversized: %d-byte record answered %s, dead letter of %d bytes (truncated), "
                            + "partition committed to 2%n", big.length, answer.status(), letter.value().length);
                } finally {
                    worker.close();
                }
            }
        }
    }

    private static KafkaProducer<byte[], byte[]> largeRecordProducer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ItEnvironment.brokers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20);
        return new KafkaProducer<>(p);
    }
}

package dev.step1x.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ResultStatus;
import dev.step1x.worker.WorkerApplication;
import dev.step1x.worker.support.Images;
import dev.step1x.worker.support.Requests;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * The happy path against containers (Kafka + MinIO) where Docker exists; skipped cleanly without Docker
 * (the in-JVM KRaft broker and S3Proxy tests cover the same ground everywhere).
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainersHappyPathIT {

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka-native:3.8.0");

    @Container
    static final MinIOContainer MINIO = new MinIOContainer("minio/minio:RELEASE.2024-10-13T13-34-11Z");

    @Test
    void requestsSucceedAgainstKafkaAndMinioContainers() throws Exception {
        String brokers = KAFKA.getBootstrapServers();
        try (AdminClient admin = AdminClient.create(Map.of("bootstrap.servers", brokers))) {
            admin.createTopics(List.of(new NewTopic("tc.requests", 2, (short) 1), new NewTopic("tc.results", 2, (short) 1),
                    new NewTopic("tc.dlq", 1, (short) 1), new NewTopic("tc.metrics", 1, (short) 1))).all().get();
        }
        try (S3Client s3 = S3Client.builder().endpointOverride(URI.create(MINIO.getS3URL())).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(MINIO.getUserName(),
                        MINIO.getPassword())))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build()) {
            s3.createBucket(b -> b.bucket("inputs"));
            s3.createBucket(b -> b.bucket("outputs"));
            s3.putObject(PutObjectRequest.builder().bucket("inputs").key("in/landscape.png").build(),
                    RequestBody.fromBytes(Images.sample(Images.LANDSCAPE_PNG)));
            s3.putObject(PutObjectRequest.builder().bucket("inputs").key("in/portrait.jpg").build(),
                    RequestBody.fromBytes(Images.sample(Images.PORTRAIT_JPEG)));
        }
        String[] args = {
            "--spring.cloud.stream.kafka.binder.brokers=" + brokers,
            "--spring.cloud.stream.bindings.ingest-in-0.destination=tc.requests",
            "--spring.cloud.stream.bindings.results-out-0.destination=tc.results",
            "--spring.cloud.stream.bindings.dlq-out-0.destination=tc.dlq",
            "--spring.cloud.stream.bindings.metrics-out-0.destination=tc.metrics",
            "--server.port=0",
            "--worker.engine.mode=simulated",
            "--worker.storage.endpoint=" + MINIO.getS3URL(),
            "--worker.storage.path-style=true",
            "--worker.storage.access-key=" + MINIO.getUserName(),
            "--worker.storage.secret-key=" + MINIO.getPassword(),
            "--worker.storage.allowed-input-buckets=inputs",
            "--worker.storage.allowed-output-buckets=outputs"};
        try (ConfigurableApplicationContext worker = new SpringApplicationBuilder(WorkerApplication.class).run(args)) {
            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
            pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            List<String> ids = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
                for (int i = 0; i < 8; i++) {
                    String id = "tc-" + i;
                    ids.add(id);
                    String json = Requests.edit(id, i % 2 == 0 ? "in/landscape.png" : "in/portrait.jpg", "make it blue", 512);
                    producer.send(new ProducerRecord<>("tc.requests", id.getBytes(StandardCharsets.UTF_8),
                            json.getBytes(StandardCharsets.UTF_8))).get();
                }
            }
            Properties cp = new Properties();
            cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
            cp.put(ConsumerConfig.GROUP_ID_CONFIG, "tc-test");
            cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            List<EditResult> results = new CopyOnWriteArrayList<>();
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
                consumer.subscribe(List.of("tc.results"));
                await().atMost(Duration.ofSeconds(120)).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> results.add(
                            dev.step1x.contracts.ContractValidator.shared().parseResult(r.value()).orElseThrow()));
                    return results.stream().map(EditResult::requestId).distinct().count() >= ids.size();
                });
            }
            assertThat(results).allSatisfy(r -> assertThat(r.status()).isEqualTo(ResultStatus.SUCCEEDED));
        }
    }
}

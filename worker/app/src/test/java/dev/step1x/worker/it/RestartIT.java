package dev.step1x.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ResultStatus;
import dev.step1x.contracts.Topics;
import dev.step1x.worker.support.Images;
import dev.step1x.worker.support.ItEnvironment;
import dev.step1x.worker.support.Workers;
import dev.step1x.worker.support.ItEnvironment.Collector;
import dev.step1x.worker.support.Requests;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;

/**
 * A worker is stopped in the middle of a stream (graceful drain: the batch in flight finishes, what was
 * queued is given up uncommitted) and a new one takes over: every request gets a SUCCEEDED result, a
 * request answered twice has the same output object, and in the end the group has committed everything.
 */
class RestartIT {

    @Test
    void workerRestartedMidStreamLosesNoRequest() throws Exception {
        ItEnvironment.start();
        ItEnvironment.Topics topics = ItEnvironment.Topics.of("restart-it", 3);
        ItEnvironment.put(ItEnvironment.INPUTS, "restart/landscape.png", Images.sample(Images.LANDSCAPE_PNG));
        ItEnvironment.put(ItEnvironment.INPUTS, "restart/portrait.jpg", Images.sample(Images.PORTRAIT_JPEG));
        List<String> args = ItEnvironment.workerArgs(topics,
                "worker.engine.mode=simulated",
                "worker.engine.simulated.base=150ms",
                "worker.engine.simulated.per-row=20ms",
                "worker.batching.max-batch-rows=4",
                "worker.batching.max-delay=100ms",
                "worker.lifecycle.drain-grace=10s",
                "worker.metrics.snapshot-interval=0s");
        int n = 40;
        List<String> ids = new ArrayList<>();
        try (Collector results = new Collector(topics.results());
                KafkaProducer<byte[], byte[]> producer = ItEnvironment.producer()) {
            ConfigurableApplicationContext first = Workers.start(append(args, "worker.id=restart-a"));
            for (int i = 0; i < n; i++) {
                String id = "restart-" + i;
                ids.add(id);
                ItEnvironment.send(producer, topics.requests(), id, Requests.edit(id,
                        i % 2 == 0 ? "restart/landscape.png" : "restart/portrait.jpg", "Add a red balloon", 512), Map.of());
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> results.results().size() >= 8);
            first.close(); // SIGTERM-like: drain, publish, commit, leave the group
            int answeredByFirst = results.results().size();
            assertThat(answeredByFirst).as("the first worker was stopped mid-stream").isLessThan(n);

            ConfigurableApplicationContext second = Workers.start(append(args, "worker.id=restart-b"));
            try {
                await().atMost(Duration.ofSeconds(90)).until(() -> results.results().keySet().containsAll(ids));
                Map<String, List<EditResult>> all = results.results();
                for (String id : ids) {
                    List<EditResult> rs = all.get(id);
                    assertThat(rs).allSatisfy(r -> assertThat(r.status()).isEqualTo(ResultStatus.SUCCEEDED));
                    Set<String> shas = rs.stream().map(r -> r.output().sha256()).collect(Collectors.toSet());
                    assertThat(shas).as(id + " answered " + rs.size() + " times: one output").hasSize(1);
                    byte[] obj = ItEnvironment.s3().getObjectAsBytes(GetObjectRequest.builder()
                            .bucket(ItEnvironment.OUTPUTS).key(rs.get(0).output().key()).build()).asByteArray();
                    assertThat(WorkerIT.sha256(obj)).isEqualTo(rs.get(0).output().sha256());
                }
                Set<String> workers = ids.stream().map(id -> all.get(id).get(0).worker().id()).collect(Collectors.toSet());
                assertThat(workers).containsExactlyInAnyOrder("restart-a", "restart-b");
                System.out.printf("restart: first worker answered %d of %d, second the rest; %d results in all%n",
                        answeredByFirst, n, all.values().stream().mapToInt(List::size).sum());
                // everything is eventually committed
                await().atMost(Duration.ofSeconds(30)).until(() -> lag(topics.requests()) == 0);
            } finally {
                second.close();
            }
        }
    }

    static long lag(String topic) throws Exception {
        try (AdminClient admin = AdminClient.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                ItEnvironment.brokers()))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(Topics.WORKER_GROUP)
                    .partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, OffsetSpec> spec = new java.util.HashMap<>();
            for (int p = 0; p < 3; p++) {
                spec.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(spec).all().get();
            long lag = 0;
            for (var e : ends.entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                lag += e.getValue().offset() - (c == null ? 0 : c.offset());
            }
            return lag;
        }
    }

    static List<String> append(List<String> args, String... more) {
        List<String> l = new ArrayList<>(args);
        l.addAll(List.of(more));
        return l;
    }
}

package dev.step1x.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.ResultStatus;
import dev.step1x.worker.pipeline.OutputObjects;
import dev.step1x.worker.support.Images;
import dev.step1x.worker.support.ItEnvironment;
import dev.step1x.worker.support.ItEnvironment.Collector;
import dev.step1x.worker.support.ItEnvironment.Topics;
import dev.step1x.worker.support.Workers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The per-request start count on a real broker and S3Proxy: the marker object beside the output is what a crashed
 * worker leaves behind (written here by the test, as the crash itself would end the test's JVM; the load scenario
 * {@code poison-crash-loop} crashes real worker processes). A request whose marker says it was started
 * {@code max-starts} times is answered FAILED / REPEATED_CRASH without running; one started once before runs alone
 * while the requests sent with it share a batch.
 */
class RequestStartsIT {

    static Topics topics;
    static KafkaProducer<byte[], byte[]> producer;
    static Collector results;

    @BeforeAll
    static void start() {
        ItEnvironment.start();
        topics = Topics.of("request-starts-it", 1);
        producer = ItEnvironment.producer();
        results = new Collector(topics.results());
    }

    @AfterAll
    static void stop() {
        if (producer != null) {
            producer.close();
        }
        if (results != null) {
            results.close();
        }
    }

    static ConfigurableApplicationContext worker() {
        return Workers.start(ItEnvironment.workerArgs(topics,
                "worker.engine.mode=simulated",
                "worker.engine.model-versions=v1.1",
                "worker.engine.simulated.base=20ms",
                "worker.engine.simulated.per-row=5ms",
                // long enough that requests sent together share a batch
                "worker.batching.max-delay=1500ms",
                "worker.batching.max-batch-rows=8",
                "worker.poison.max-starts=3",
                "worker.metrics.snapshot-interval=0s"));
    }

    static String request(String id, String inputKey) {
        return """
                {"schemaVersion":1,"requestId":"%s","input":{"bucket":"%s","key":"%s"},"instruction":"make it snowy",
                 "params":{"sizeLevel":512},"output":{"bucket":"%s","keyPrefix":"starts/"}}
                """.formatted(id, ItEnvironment.INPUTS, inputKey, ItEnvironment.OUTPUTS);
    }

    /** The marker a worker writes when the request's batch starts, as a crashed worker leaves it. */
    static void putMarker(String json, int starts) {
        EditRequest r = ContractValidator.shared().parseRequest(json).orElseThrow().withDefaults();
        ItEnvironment.s3().putObject(p -> p.bucket(ItEnvironment.OUTPUTS).key(r.outputKey() + ".starts")
                .contentType("text/plain").metadata(Map.of("request-id", r.requestId(),
                        "payload-sha256", OutputObjects.payloadSha256(r), "starts", Integer.toString(starts))),
                RequestBody.empty());
    }

    static HeadObjectResponse head(String key) {
        try {
            return ItEnvironment.s3().headObject(h -> h.bucket(ItEnvironment.OUTPUTS).key(key));
        } catch (NoSuchKeyException e) {
            return null;
        }
    }

    void send(String id, String json) {
        ItEnvironment.send(producer, topics.requests(), id, json, Map.of());
    }

    EditResult awaitResult(String id) {
        await().atMost(Duration.ofSeconds(60)).until(() -> !results.results().getOrDefault(id, List.of()).isEmpty());
        return results.results().get(id).get(0);
    }

    @Test
    void aRequestStartedMaxStartsTimesIsAnsweredRepeatedCrashWithoutRunning() {
        String input = "starts/poison-" + System.nanoTime() + ".png";
        ItEnvironment.put(ItEnvironment.INPUTS, input, Images.sample(Images.SQUARE_PNG));
        String poison = request("starts-poison", input);
        putMarker(poison, 3);
        // a marker made for other contents under the same requestId does not count
        String other = request("starts-other-contents", input);
        putMarker(other.replace("make it snowy", "make it rainy"), 3);
        ConfigurableApplicationContext worker = worker();
        try {
            send("starts-poison", poison);
            send("starts-other-contents", other);
            EditResult refused = awaitResult("starts-poison");
            assertThat(refused.status()).isEqualTo(ResultStatus.FAILED);
            assertThat(refused.error().code()).isEqualTo(ErrorCode.REPEATED_CRASH);
            assertThat(refused.error().retryable()).isFalse();
            assertThat(refused.error().message()).contains("started 3 times").contains("max-starts=3");
            assertThat(refused.batch()).as("not run").isNull();
            assertThat(head("starts/starts-poison.png")).as("no output").isNull();
            assertThat(head("starts/starts-poison.png.starts").metadata())
                    .as("kept: a redelivery is answered again without running").containsEntry("starts", "3");

            EditResult fresh = awaitResult("starts-other-contents");
            assertThat(fresh.status()).as(String.valueOf(fresh.error())).isEqualTo(ResultStatus.SUCCEEDED);
            // a marker written for other contents counts 0; the one written for this run goes with the answer
            await().atMost(Duration.ofSeconds(10)).until(() -> head("starts/starts-other-contents.png.starts") == null);
        } finally {
            worker.close();
        }
    }

    @Test
    void aRequestStartedBeforeRunsAloneAndTheOthersShareABatch() {
        String input = "starts/alone-" + System.nanoTime() + ".png";
        ItEnvironment.put(ItEnvironment.INPUTS, input, Images.sample(Images.SQUARE_PNG));
        String restarted = request("starts-restarted", input);
        putMarker(restarted, 1);
        ConfigurableApplicationContext worker = worker();
        try {
            send("starts-restarted", restarted);
            for (int i = 0; i < 3; i++) {
                send("starts-fresh-" + i, request("starts-fresh-" + i, input));
            }
            EditResult alone = awaitResult("starts-restarted");
            assertThat(alone.status()).as(String.valueOf(alone.error())).isEqualTo(ResultStatus.SUCCEEDED);
            assertThat(alone.batch().rows()).as("a request started before runs alone").isEqualTo(1);
            for (int i = 0; i < 3; i++) {
                EditResult f = awaitResult("starts-fresh-" + i);
                assertThat(f.status()).as(String.valueOf(f.error())).isEqualTo(ResultStatus.SUCCEEDED);
                assertThat(f.batch().rows()).as("the fresh requests sent with it share a batch").isEqualTo(3);
            }
            // after SUCCEEDED the markers are deleted: the output answers any later delivery first
            for (String id : List.of("starts-restarted", "starts-fresh-0", "starts-fresh-1", "starts-fresh-2")) {
                await().atMost(Duration.ofSeconds(10)).until(() -> head("starts/" + id + ".png.starts") == null);
            }
        } finally {
            worker.close();
        }
    }
}

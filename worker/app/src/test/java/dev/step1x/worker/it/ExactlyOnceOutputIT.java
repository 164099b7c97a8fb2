package dev.step1x.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.ResultStatus;
import dev.step1x.worker.support.Images;
import dev.step1x.worker.support.ItEnvironment;
import dev.step1x.worker.support.ItEnvironment.Collector;
import dev.step1x.worker.support.ItEnvironment.Topics;
import dev.step1x.worker.support.Workers;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Output objects are made once per requestId, on a real broker and S3Proxy, with the simulated engine's outputs
 * varying per run (so a request computed twice would show as another sha256): a redelivery is answered from the
 * existing object even after its deadline and after its input is gone, a worker with an empty result cache does
 * the same, another request under a used requestId is REJECTED and the object stays, and an output key prefix
 * outside the bucket's allow-list is REJECTED.
 */
class ExactlyOnceOutputIT {

    static Topics topics;
    static KafkaProducer<byte[], byte[]> producer;
    static Collector results;

    @BeforeAll
    static void start() {
        ItEnvironment.start();
        topics = Topics.of("exactly-once-it", 2);
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
                "worker.engine.simulated.vary-per-run=true",
                "worker.engine.model-versions=v1.1",
                "worker.engine.simulated.base=20ms",
                "worker.engine.simulated.per-row=5ms",
                "worker.batching.max-delay=50ms",
                "worker.storage.output-prefixes." + ItEnvironment.OUTPUTS + "=once/,edits/",
                "worker.metrics.snapshot-interval=0s"));
    }

    static String request(String id, String inputKey, String instruction, String keyPrefix, String deadline,
            String note) {
        return """
                {"schemaVersion":1,"requestId":"%s","input":{"bucket":"%s","key":"%s"},"instruction":"%s",
                 "params":{"sizeLevel":512},"output":{"bucket":"%s","keyPrefix":"%s"}%s,"metadata":{"note":"%s"}}
                """.formatted(id, ItEnvironment.INPUTS, inputKey, instruction, ItEnvironment.OUTPUTS, keyPrefix,
                deadline == null ? "" : ",\"deadline\":\"" + deadline + "\"", note);
    }

    void send(String id, String json) {
        ItEnvironment.send(producer, topics.requests(), id, json, Map.of());
    }

    List<EditResult> awaitResults(String id, int n) {
        await().atMost(Duration.ofSeconds(60)).until(() -> results.results().getOrDefault(id, List.of()).size() >= n);
        return results.results().get(id);
    }

    @Test
    void anOutputIsMadeOnceAndAnswersEveryLaterDeliveryOfItsRequest() throws Exception {
        String input = "once/input-" + System.nanoTime() + ".png";
        ItEnvironment.put(ItEnvironment.INPUTS, input, Images.sample(Images.LANDSCAPE_PNG));
        String id = "once-1";
        String deadline = Instant.now().plusSeconds(30).toString();
        ConfigurableApplicationContext worker = worker();
        EditResult first;
        try {
            send(id, request(id, input, "make it snowy", "once/", deadline, "first"));
            first = awaitResults(id, 1).get(0);
            assertThat(first.status()).as(String.valueOf(first.error())).isEqualTo(ResultStatus.SUCCEEDED);
            assertThat(first.batch()).as("computed").isNotNull();
            String key = first.output().key();
            assertThat(sha256(objectBytes(key))).isEqualTo(first.output().sha256());

            // Late redelivery: the deadline has passed and the input is gone. Other metadata makes other record
            // bytes, so the result cache does not answer it: the output object does, without computing.
            ItEnvironment.s3().deleteObject(d -> d.bucket(ItEnvironment.INPUTS).key(input));
            send(id, request(id, input, "make it snowy", "once/", "2020-01-01T00:00:00Z", "late"));
            EditResult late = awaitResults(id, 2).get(1);
            assertThat(late.status()).as(String.valueOf(late.error())).isEqualTo(ResultStatus.SUCCEEDED);
            assertThat(late.batch()).as("answered from the object, not computed").isNull();
            assertThat(late.output().key()).isEqualTo(key);
            assertThat(late.output().sha256()).isEqualTo(first.output().sha256());
            assertThat(late.metadata()).containsEntry("note", "late");

            // Another request under the same requestId: REJECTED, the object is not touched.
            send(id, request(id, input, "make it rainy", "once/", null, "other"));
            EditResult conflict = awaitResults(id, 3).get(2);
            assertThat(conflict.status()).isEqualTo(ResultStatus.REJECTED);
            assertThat(conflict.error().code()).isEqualTo(ErrorCode.REQUEST_ID_CONFLICT);
            assertThat(conflict.error().retryable()).isFalse();
            assertThat(conflict.error().message()).contains(key);
            assertThat(sha256(objectBytes(key))).isEqualTo(first.output().sha256());
        } finally {
            worker.close();
        }

        // A fresh worker (empty result cache) gets the very first record bytes again: answered from the object.
        ConfigurableApplicationContext again = worker();
        try {
            send(id, request(id, input, "make it snowy", "once/", deadline, "first"));
            EditResult repeat = awaitResults(id, 4).get(3);
            assertThat(repeat.status()).isEqualTo(ResultStatus.SUCCEEDED);
            assertThat(repeat.batch()).isNull();
            assertThat(repeat.output().sha256()).isEqualTo(first.output().sha256());
        } finally {
            again.close();
        }
    }

    @Test
    void anOutputKeyPrefixOutsideTheBucketsAllowListIsRejected() {
        ItEnvironment.put(ItEnvironment.INPUTS, "once/prefix.png", Images.sample(Images.SQUARE_PNG));
        ConfigurableApplicationContext worker = worker();
        try {
            send("prefix-public", request("prefix-public", "once/prefix.png", "x", "public/", null, "p"));
            send("prefix-dots", request("prefix-dots", "once/prefix.png", "x", "edits/../public/", null, "p"));
            send("prefix-allowed", request("prefix-allowed", "once/prefix.png", "x", "edits/sub/", null, "p"));
            EditResult outside = awaitResults("prefix-public", 1).get(0);
            assertThat(outside.status()).isEqualTo(ResultStatus.REJECTED);
            assertThat(outside.error().code()).isEqualTo(ErrorCode.OUTPUT_PREFIX_NOT_ALLOWED);
            assertThat(outside.error().message()).contains("public/").contains("[once/, edits/]");
            EditResult dots = awaitResults("prefix-dots", 1).get(0);
            assertThat(dots.error().code()).isEqualTo(ErrorCode.OUTPUT_PREFIX_NOT_ALLOWED);
            assertThat(dots.error().message()).contains("'..' path segment");
            EditResult allowed = awaitResults("prefix-allowed", 1).get(0);
            assertThat(allowed.status()).isEqualTo(ResultStatus.SUCCEEDED);
            assertThat(allowed.output().key()).isEqualTo("edits/sub/prefix-allowed.png");
            assertThat(ItEnvironment.s3().listObjectsV2(l -> l.bucket(ItEnvironment.OUTPUTS).prefix("public/"))
                    .contents()).isEmpty();
        } finally {
            worker.close();
        }
    }

    static byte[] objectBytes(String key) {
        return ItEnvironment.s3().getObjectAsBytes(g -> g.bucket(ItEnvironment.OUTPUTS).key(key)).asByteArray();
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}

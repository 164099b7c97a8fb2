package dev.step1x.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.Headers;
import dev.step1x.contracts.ResultStatus;
import dev.step1x.worker.metrics.WorkerStats;
import dev.step1x.worker.support.Images;
import dev.step1x.worker.support.ItEnvironment;
import dev.step1x.worker.support.Workers;
import dev.step1x.worker.support.ItEnvironment.Collector;
import dev.step1x.worker.support.ItEnvironment.Topics;
import dev.step1x.worker.support.Requests;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;

/**
 * One worker (the simulated engine, asked for by name) against a real KRaft broker and a real S3Proxy: the happy path over two
 * resolutions with real batches, every invalid-input class with its own code while valid traffic goes on,
 * duplicates, edit chains, health and metrics.
 */
class WorkerIT {

    static Topics topics;
    static ConfigurableApplicationContext worker;
    static KafkaProducer<byte[], byte[]> producer;
    static Collector results;
    static Collector dlq;
    static Collector metrics;

    @BeforeAll
    static void start() {
        ItEnvironment.start();
        topics = Topics.of("worker-it", 3);
        ItEnvironment.put(ItEnvironment.INPUTS, "in/landscape.png", Images.sample(Images.LANDSCAPE_PNG));
        ItEnvironment.put(ItEnvironment.INPUTS, "in/portrait.jpg", Images.sample(Images.PORTRAIT_JPEG));
        ItEnvironment.put(ItEnvironment.INPUTS, "in/bomb.png", Images.pngBomb(30_000, 30_000));
        ItEnvironment.put(ItEnvironment.INPUTS, "in/corrupt.png", Images.corruptPng());
        ItEnvironment.put(ItEnvironment.INPUTS, "in/scan-bomb.jpg", Images.jpegScanBomb(300));
        ItEnvironment.put(ItEnvironment.INPUTS, "in/ztxt-bomb.png", Images.pngMetadataBomb("zTXt", 64 << 20));
        ItEnvironment.put(ItEnvironment.INPUTS, "in/image.gif", Images.gif());
        ItEnvironment.put(ItEnvironment.INPUTS, "in/oriented.webp", Images.sample(Images.ORIENTED_WEBP));
        byte[] portrait = Images.sample(Images.PORTRAIT_JPEG);
        ItEnvironment.put(ItEnvironment.INPUTS, "in/truncated.jpg", java.util.Arrays.copyOf(portrait, portrait.length / 2));
        ItEnvironment.put(ItEnvironment.INPUTS, "in/huge.png", new byte[300_000]);
        worker = Workers.start(ItEnvironment.workerArgs(topics,
                "worker.id=worker-it-1",
                "worker.engine.mode=simulated",
                "worker.engine.model-versions=v1.1",
                "worker.engine.simulated.base=60ms",
                "worker.engine.simulated.per-row=10ms",
                "worker.batching.max-batch-rows=4",
                "worker.batching.max-delay=300ms",
                "worker.limits.max-input-bytes=200000",
                "worker.limits.max-pixels=4194304",
                "worker.metrics.snapshot-interval=1s"));
        producer = ItEnvironment.producer();
        results = new Collector(topics.results());
        dlq = new Collector(topics.dlq());
        metrics = new Collector(topics.metrics());
    }

    @AfterAll
    static void stop() {
        if (producer != null) {
            producer.close();
        }
        if (worker != null) {
            worker.close();
        }
        for (Collector c : new Collector[] {results, dlq, metrics}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void requestsOverTwoResolutionsSucceedInRealBatches() throws Exception {
        int n = 24;
        List<String> ids = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            String id = "happy-" + i;
            ids.add(id);
            boolean landscape = i % 2 == 0;
            String instruction = i % 3 == 0 ? "把房子涂成蓝色" : "Make the house blue and keep the sky";
            ItEnvironment.send(producer, topics.requests(), id, Requests.edit(id,
                    landscape ? "in/landscape.png" : "in/portrait.jpg", instruction, 512), Map.of());
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> results.results().keySet().containsAll(ids));
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, EditResult> byId = results.firstResults();
        List<EditResult> mine = ids.stream().map(byId::get).toList();
        assertThat(mine).allSatisfy(r -> assertThat(r.status()).as(r.requestId() + " " + r.error())
                .isEqualTo(ResultStatus.SUCCEEDED));
        Set<String> buckets = mine.stream().map(r -> r.batch().bucketKey()).collect(Collectors.toSet());
        assertThat(buckets).hasSize(2);
        int maxRows = mine.stream().mapToInt(r -> r.batch().rows()).max().orElse(0);
        assertThat(maxRows).as("batches really formed").isGreaterThan(1);
        for (EditResult r : mine) {
            ResponseBytes<GetObjectResponse> obj = ItEnvironment.s3().getObjectAsBytes(GetObjectRequest.builder()
                    .bucket(r.output().bucket()).key(r.output().key()).build());
            assertThat(sha256(obj.asByteArray())).isEqualTo(r.output().sha256());
            assertThat(obj.response().contentType()).isEqualTo("image/png");
            assertThat(r.output().key()).isEqualTo("edits/" + r.requestId() + ".png");
            assertThat(r.timings().total()).isNotNull();
            assertThat(r.worker().simulated()).as("the simulated engine's results say so").isTrue();
        }
        EditResult landscape = byId.get("happy-0");
        assertThat(landscape.output().width()).isEqualTo(320);
        assertThat(landscape.output().height()).isEqualTo(240);
        double meanRows = mine.stream().mapToInt(r -> r.batch().rows()).average().orElse(0);
        System.out.printf("happy path: %d requests in %.2f s = %.1f requests/s; mean rows per request's batch %.2f "
                + "(max rows 4); buckets %s%n", n, seconds, n / seconds, meanRows, buckets);
    }

    @Test
    void everyInvalidInputGetsItsOwnCodeWhileValidTrafficContinues() throws Exception {
        record Case(String id, String json, Map<String, String> headers, ErrorCode code, ResultStatus status) {}
        String past = Instant.now().minusSeconds(60).toString();
        List<Case> cases = List.of(
                new Case("bad-json", "{\"schemaVersion\":1, \"requestId\": ", Map.of(Headers.REQUEST_ID, "bad-json"),
                        ErrorCode.UNPARSEABLE_REQUEST, ResultStatus.REJECTED),
                new Case("bad-version", Requests.edit("bad-version", "in/landscape.png", "x", 512)
                        .replace("\"schemaVersion\":1", "\"schemaVersion\":2"), Map.of(), ErrorCode.INVALID_REQUEST,
                        ResultStatus.REJECTED),
                new Case("bad-missing", Requests.edit("bad-missing", "in/landscape.png", "x", 512)
                        .replace("\"instruction\":\"x\",", ""), Map.of(), ErrorCode.INVALID_REQUEST, ResultStatus.REJECTED),
                new Case("bad-range", Requests.edit("bad-range", ItEnvironment.INPUTS, "in/landscape.png", "x", 512, 101,
                        ItEnvironment.OUTPUTS, "png"), Map.of(), ErrorCode.INVALID_REQUEST, ResultStatus.REJECTED),
                new Case("bad-empty-instruction", Requests.edit("bad-empty-instruction", "in/landscape.png", "", 512),
                        Map.of(), ErrorCode.INVALID_REQUEST, ResultStatus.REJECTED),
                new Case("bad-bucket", Requests.edit("bad-bucket", "not-allowed-bucket", "in/landscape.png", "x", 512, 28,
                        ItEnvironment.OUTPUTS, "png"), Map.of(), ErrorCode.BUCKET_NOT_ALLOWED, ResultStatus.REJECTED),
                new Case("bad-out-bucket", Requests.edit("bad-out-bucket", ItEnvironment.INPUTS, "in/landscape.png", "x",
                        512, 28, "not-allowed-bucket", "png"), Map.of(), ErrorCode.BUCKET_NOT_ALLOWED, ResultStatus.REJECTED),
                new Case("bad-model", Requests.withVersion("bad-model", "in/landscape.png", "v1.0"), Map.of(),
                        ErrorCode.MODEL_VERSION_UNAVAILABLE, ResultStatus.REJECTED),
                new Case("bad-missing-object", Requests.edit("bad-missing-object", "in/nope.png", "x", 512), Map.of(),
                        ErrorCode.INPUT_NOT_FOUND, ResultStatus.FAILED),
                new Case("bad-corrupt", Requests.edit("bad-corrupt", "in/corrupt.png", "x", 512), Map.of(),
                        ErrorCode.UNSUPPORTED_FORMAT, ResultStatus.FAILED),
                new Case("bad-gif", Requests.edit("bad-gif", "in/image.gif", "x", 512), Map.of(),
                        ErrorCode.UNSUPPORTED_FORMAT, ResultStatus.FAILED),
                new Case("bad-truncated", Requests.edit("bad-truncated", "in/truncated.jpg", "x", 512), Map.of(),
                        ErrorCode.UNSUPPORTED_FORMAT, ResultStatus.FAILED),
                new Case("bad-bomb", Requests.edit("bad-bomb", "in/bomb.png", "x", 512), Map.of(),
                        ErrorCode.TOO_MANY_PIXELS, ResultStatus.FAILED),
                new Case("bad-scan-bomb", Requests.edit("bad-scan-bomb", "in/scan-bomb.jpg", "x", 512), Map.of(),
                        ErrorCode.UNSUPPORTED_FORMAT, ResultStatus.FAILED),
                new Case("bad-ztxt-bomb", Requests.edit("bad-ztxt-bomb", "in/ztxt-bomb.png", "x", 512), Map.of(),
                        ErrorCode.UNSUPPORTED_FORMAT, ResultStatus.FAILED),
                new Case("bad-too-large", Requests.edit("bad-too-large", "in/huge.png", "x", 512), Map.of(),
                        ErrorCode.INPUT_TOO_LARGE, ResultStatus.FAILED),
                new Case("bad-expired", Requests.withDeadline("bad-expired", "in/landscape.png", past), Map.of(),
                        ErrorCode.DEADLINE_EXCEEDED, ResultStatus.EXPIRED),
                new Case("bad-chain", Requests.chained("bad-chain", "never-ran", "again"), Map.of(),
                        ErrorCode.PREVIOUS_RESULT_NOT_FOUND, ResultStatus.FAILED));
        List<String> valid = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            ItEnvironment.send(producer, topics.requests(), c.id(), c.json(), c.headers());
            String ok = "mixed-ok-" + i;
            valid.add(ok);
            ItEnvironment.send(producer, topics.requests(), ok, Requests.edit(ok, "in/portrait.jpg", "brighten", 512), Map.of());
        }
        // not JSON at all and no usable id: dead-lettered only
        ItEnvironment.send(producer, topics.requests(), "junk", "\u0000\u0001 not json", Map.of());
        List<String> all = new ArrayList<>(valid);
        cases.forEach(c -> all.add(c.id()));
        await().atMost(Duration.ofSeconds(60)).until(() -> results.results().keySet().containsAll(all));
        Map<String, EditResult> byId = results.firstResults();
        for (Case c : cases) {
            EditResult r = byId.get(c.id());
            assertThat(r.status()).as(c.id()).isEqualTo(c.status());
            assertThat(r.error().code()).as(c.id() + ": " + r.error().message()).isEqualTo(c.code());
        }
        assertThat(byId.get("bad-range").error().message()).contains("$.params.steps");
        assertThat(byId.get("bad-missing").error().message()).contains("instruction");
        assertThat(byId.get("bad-version").error().message()).contains("schemaVersion");
        assertThat(byId.get("bad-bomb").error().message()).contains("not decoded");
        assertThat(byId.get("bad-scan-bomb").error().message()).contains("more than 100 scans");
        assertThat(byId.get("bad-ztxt-bomb").error().message()).contains("decompression bomb");
        assertThat(byId.get("bad-truncated").error().message()).contains("JPEG file is truncated");
        for (String ok : valid) {
            assertThat(byId.get(ok).status()).as(ok).isEqualTo(ResultStatus.SUCCEEDED);
        }
        // dead letters: the unparseable records (with and without id) and the schema-invalid ones, with reasons
        await().atMost(Duration.ofSeconds(20)).until(() -> dlq.records().size() >= 6);
        Map<String, String> codes = dlq.records().stream().collect(Collectors.toMap(
                r -> r.key() == null ? "null" : new String(r.key()), r -> ItEnvironment.header(r, Headers.DLQ_ERROR_CODE),
                (a, b) -> a));
        assertThat(codes).containsEntry("junk", "UNPARSEABLE_REQUEST").containsEntry("bad-json", "UNPARSEABLE_REQUEST")
                .containsEntry("bad-range", "INVALID_REQUEST").containsEntry("bad-version", "INVALID_REQUEST");
        ConsumerRecord<byte[], byte[]> junk = dlq.records().stream()
                .filter(r -> r.key() != null && new String(r.key()).equals("junk")).findFirst().orElseThrow();
        assertThat(new String(junk.value())).isEqualTo("\u0000\u0001 not json");
        assertThat(ItEnvironment.header(junk, Headers.DLQ_REASON)).isNotBlank();
        assertThat(ItEnvironment.header(junk, Headers.ORIGINAL_TOPIC)).isEqualTo(topics.requests());
        assertThat(ItEnvironment.header(junk, Headers.ORIGINAL_OFFSET)).isNotBlank();
    }

    /** A WebP input with EXIF orientation 6 (stored 32x16) is edited as displayed: the output is 16x32. */
    @Test
    void webpInputIsEditedInItsDisplayedOrientation() throws Exception {
        ItEnvironment.send(producer, topics.requests(), "webp-1",
                Requests.edit("webp-1", "in/oriented.webp", "make it blue", 512), Map.of());
        await().atMost(Duration.ofSeconds(30)).until(() -> results.results().containsKey("webp-1"));
        EditResult r = results.firstResults().get("webp-1");
        assertThat(r.status()).as(String.valueOf(r.error())).isEqualTo(ResultStatus.SUCCEEDED);
        assertThat(r.output().width()).isEqualTo(16);
        assertThat(r.output().height()).isEqualTo(32);
    }

    @Test
    void sameRequestIdTwiceGivesOneObjectAndEqualResults() throws Exception {
        String json = Requests.edit("dup-1", "in/landscape.png", "add a rainbow", 768);
        ItEnvironment.send(producer, topics.requests(), "dup-1", json, Map.of());
        ItEnvironment.send(producer, topics.requests(), "dup-1", json, Map.of());
        await().atMost(Duration.ofSeconds(30)).until(() -> results.results().getOrDefault("dup-1", List.of()).size() >= 2);
        // and once more after the first answer (served from the worker's result cache)
        ItEnvironment.send(producer, topics.requests(), "dup-1", json, Map.of());
        await().atMost(Duration.ofSeconds(30)).until(() -> results.results().getOrDefault("dup-1", List.of()).size() >= 3);
        List<EditResult> rs = results.results().get("dup-1");
        assertThat(rs).allSatisfy(r -> assertThat(r).isEqualTo(rs.get(0)));
        assertThat(rs.get(0).status()).isEqualTo(ResultStatus.SUCCEEDED);
        // one output object; its start-count marker is deleted after the answer (off the request path, so awaited)
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(ItEnvironment.s3().listObjectsV2(
                ListObjectsV2Request.builder().bucket(ItEnvironment.OUTPUTS).prefix("edits/dup-1").build()).contents()
                .stream().map(o -> o.key()).toList()).containsExactly("edits/dup-1.png"));
    }

    @Test
    void chainedRequestEditsTheEarlierOutput() throws Exception {
        ItEnvironment.send(producer, topics.requests(), "chain-1",
                Requests.edit("chain-1", "in/landscape.png", "make it winter", 512), Map.of());
        await().atMost(Duration.ofSeconds(30)).until(() -> results.results().containsKey("chain-1"));
        ItEnvironment.send(producer, topics.requests(), "chain-2",
                Requests.chained("chain-2", "chain-1", "现在加上雪"), Map.of());
        await().atMost(Duration.ofSeconds(30)).until(() -> results.results().containsKey("chain-2"));
        EditResult first = results.firstResults().get("chain-1");
        EditResult second = results.firstResults().get("chain-2");
        assertThat(second.status()).as(String.valueOf(second.error())).isEqualTo(ResultStatus.SUCCEEDED);
        assertThat(second.output().width()).isEqualTo(first.output().width());
        // the simulated engine inverts colours: editing the inverted image twice gives the original back
        assertThat(second.output().sha256()).isNotEqualTo(first.output().sha256());
    }

    @Test
    void healthAndMetricsAreExposed() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> !metrics.records().isEmpty());
        for (ConsumerRecord<byte[], byte[]> r : metrics.records()) {
            assertThat(ContractValidator.shared().parseMetrics(r.value()).valid()).isTrue();
        }
        String port = worker.getEnvironment().getProperty("local.server.port");
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"status\":\"UP\"");
        HttpResponse<String> live = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/actuator/health/liveness")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(live.statusCode()).isEqualTo(200);
        // make sure at least one batch ran before looking at the batch meters
        ItEnvironment.send(producer, topics.requests(), "metrics-1",
                Requests.edit("metrics-1", "in/portrait.jpg", "x", 512), Map.of());
        await().atMost(Duration.ofSeconds(30)).until(() -> results.results().containsKey("metrics-1"));
        String prom = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(prom).contains("step1x_inference_queue_duration_seconds", "step1x_inference_stage_duration_seconds",
                "step1x_inference_batch_rows", "step1x_inference_batch_fill_ratio", "step1x_inference_results_total",
                "step1x_s3_request_duration_seconds", "step1x_worker_in_flight", "step1x_process_resident_memory",
                "step1x_inference_pending_request_count", "resilience4j_circuitbreaker_state",
                "application=\"step1x-edit-worker\"");
        assertThat(prom).containsPattern("(?m)^step1x_engine_simulated\\{[^}]*\\} 1\\.0$");
        // every result this worker published, successes and rejections alike, carries the marker
        assertThat(results.firstResults().values()).isNotEmpty().allSatisfy(r -> assertThat(r.worker().simulated())
                .as(r.requestId()).isTrue());
        for (ConsumerRecord<byte[], byte[]> r : metrics.records()) {
            assertThat(ContractValidator.shared().parseMetrics(r.value()).orElseThrow().device().name())
                    .contains("simulated");
        }
        assertThat(WorkerStats.quantile(List.of(1.0, 2.0, 3.0), 0.5)).isEqualTo(2.0);
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}

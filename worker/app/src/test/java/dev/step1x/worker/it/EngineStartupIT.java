package dev.step1x.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ResultStatus;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.pipeline.BucketKey;
import dev.step1x.engine.pipeline.DemoModel;
import dev.step1x.engine.pipeline.ModelDirectory;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.tokenizer.TestTokenizer;
import dev.step1x.worker.engine.EngineConfigurationException;
import dev.step1x.worker.lifecycle.InferenceLoop;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The worker's engine settings are safe by default: without a model directory it does not start (and says
 * which property to set), a model directory that does not open or lacks a configured version stops it with
 * the reason, the simulated engine runs only when named and marks what it produces, and the warm-up runs on
 * a version the directory has. Real Spring Boot starts against the shared KRaft broker and S3Proxy; the model
 * cases use the demo model (tiny random weights, written here) on the CPU.
 */
class EngineStartupIT {

    @TempDir
    static Path tmp;
    static Topics topics;
    static Path v11Only;

    @BeforeAll
    static void start() throws Exception {
        ItEnvironment.start();
        topics = Topics.of("engine-startup-it", 1);
        ItEnvironment.put(ItEnvironment.INPUTS, "in/landscape.png", Images.sample(Images.LANDSCAPE_PNG));
        // the demo model with only the v1.1 DiT
        v11Only = tmp.resolve("demo-v11-only");
        DemoModel.write(EngineRuntime.startDefault(), v11Only, TestTokenizer.path());
        Files.delete(v11Only.resolve(ModelDirectory.DIT_V10));
    }

    @AfterAll
    static void stop() {
        // servers are shared by the JVM (ItEnvironment)
    }

    private static Throwable refusal(String... extra) {
        Throwable t = catchThrowable(() -> Workers.start(ItEnvironment.workerArgs(topics, extra)).close());
        assertThat(t).as("the worker must not start").isNotNull();
        Throwable c = t;
        while (c != null && !(c instanceof EngineConfigurationException)) {
            c = c.getCause();
        }
        assertThat(c).as("an EngineConfigurationException in %s", t).isNotNull();
        return c;
    }

    @Test
    void withoutAModelDirectoryTheWorkerRefusesToStartAndNamesTheProperty() {
        Throwable e = refusal("worker.id=no-model-dir");
        assertThat(e.getMessage())
                .startsWith("worker.engine.model-dir is not set")
                .contains("worker.engine.mode=model (the default)")
                .doesNotContain("\n");
        assertThat(((EngineConfigurationException) e).action())
                .contains("worker.engine.model-dir=", "worker.engine.mode=simulated");
    }

    @Test
    void aModelDirectoryThatDoesNotOpenStopsTheStartWithItsProblems() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty-model"));
        Throwable e = refusal("worker.engine.model-dir=" + empty);
        assertThat(e.getMessage()).startsWith("worker.engine.model-dir=" + empty + " does not open")
                .contains("no DiT checkpoint", ModelDirectory.VAE + " is missing", ModelDirectory.QWEN_DIR);
        assertThat(e.getCause()).isInstanceOf(ModelDirectory.InvalidModelDirectoryException.class);
        assertThat(((ModelDirectory.InvalidModelDirectoryException) e.getCause()).problems()).hasSizeGreaterThan(1);
    }

    @Test
    void aQwenDirectoryElsewhereIsTakenFromQwenDir() {
        Throwable e = refusal("worker.engine.model-dir=" + v11Only, "worker.engine.model-versions=v1.1",
                "worker.engine.qwen-dir=" + tmp.resolve("no-qwen-here"));
        assertThat(e.getMessage()).contains("worker.engine.qwen-dir=" + tmp.resolve("no-qwen-here"), "no-qwen-here");
    }

    @Test
    void anUnknownModeIsRefused() {
        Throwable e = refusal("worker.engine.mode=auto");
        assertThat(e.getMessage()).startsWith("worker.engine.mode='auto' is not a mode");
    }

    @Test
    void aConfiguredVersionTheDirectoryLacksIsRefusedByName() {
        Throwable e = refusal("worker.engine.model-dir=" + v11Only, "worker.engine.model-versions=v1.0,v1.1");
        assertThat(e.getMessage()).startsWith("worker.engine.model-versions=v1.0,v1.1 asks for v1.0,")
                .contains("(it has: v1.1)");
    }

    @Test
    void theSimulatedEngineRunsOnlyWhenNamedAndItsResultsSaySo() throws Exception {
        Topics own = Topics.of("engine-startup-simulated", 1);
        try (ConfigurableApplicationContext worker = Workers.start(ItEnvironment.workerArgs(own,
                "worker.id=simulated-by-name", "worker.engine.mode=simulated", "worker.engine.model-versions=v1.1"));
                Collector results = new Collector(own.results());
                KafkaProducer<byte[], byte[]> producer = ItEnvironment.producer()) {
            InferenceLoop loop = worker.getBean(InferenceLoop.class);
            await().atMost(Duration.ofSeconds(60)).until(() -> loop.isReady() || loop.failure() != null);
            assertThat(loop.isSimulated()).isTrue();
            // no sizeLevel: the request's default, 1024
            String id = "simulated-default-size";
            ItEnvironment.send(producer, own.requests(), id, """
                    {"schemaVersion":1,"requestId":"%s","input":{"bucket":"%s","key":"in/landscape.png"},
                     "instruction":"make it blue","output":{"bucket":"%s","keyPrefix":"edits/"}}
                    """.formatted(id, ItEnvironment.INPUTS, ItEnvironment.OUTPUTS), Map.of());
            await().atMost(Duration.ofSeconds(60)).until(() -> results.results().containsKey(id));
            EditResult r = results.firstResults().get(id);
            assertThat(r.status()).as(String.valueOf(r.error())).isEqualTo(ResultStatus.SUCCEEDED);
            assertThat(r.worker().simulated()).isTrue();
            assertThat(r.worker().device()).contains("simulated");
            assertThat(r.batch().bucketKey())
                    .isEqualTo(BucketKey.of(320, 240, 1024, ModelVersion.V1_1, 28).toString())
                    .isNotEqualTo(BucketKey.of(320, 240, 512, ModelVersion.V1_1, 28).toString());
            assertThat(prometheus(worker)).containsPattern("(?m)^step1x_engine_simulated\\{[^}]*\\} 1\\.0$");
        }
    }

    @Test
    void theModelWorkerWarmsUpOnAVersionItsDirectoryHasAndItsResultsAreNotMarked() throws Exception {
        Topics own = Topics.of("engine-startup-model", 1);
        List<String> args = new ArrayList<>(ItEnvironment.workerArgs(own,
                "worker.id=demo-v11", "worker.engine.model-dir=" + v11Only, "worker.engine.model-versions=v1.1",
                "worker.batching.batch-time-budget=10m"));
        try (ConfigurableApplicationContext worker = Workers.start(args);
                Collector results = new Collector(own.results());
                KafkaProducer<byte[], byte[]> producer = ItEnvironment.producer()) {
            InferenceLoop loop = worker.getBean(InferenceLoop.class);
            assertThat(loop.warmupVersion()).isEqualTo(ModelVersion.V1_1);
            await().atMost(Duration.ofMinutes(5)).until(() -> loop.isReady() || loop.failure() != null);
            assertThat(loop.failure()).isNull();
            assertThat(loop.isSimulated()).isFalse();
            assertThat(prometheus(worker)).containsPattern("(?m)^step1x_engine_simulated\\{[^}]*\\} 0\\.0$");
            String id = "demo-one-step";
            ItEnvironment.send(producer, own.requests(), id, Requests.edit(id, ItEnvironment.INPUTS,
                    "in/landscape.png", "make it blue", 512, 1, ItEnvironment.OUTPUTS, "png"), Map.of());
            await().atMost(Duration.ofMinutes(5)).until(() -> results.results().containsKey(id));
            EditResult r = results.firstResults().get(id);
            assertThat(r.status()).as(String.valueOf(r.error())).isEqualTo(ResultStatus.SUCCEEDED);
            assertThat(r.worker().simulated()).as("a model result carries no simulated marker").isNull();
            assertThat(r.batch().bucketKey()).startsWith("v1.1:");
        }
    }

    private static String prometheus(ConfigurableApplicationContext worker) throws Exception {
        String port = worker.getEnvironment().getProperty("local.server.port");
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}

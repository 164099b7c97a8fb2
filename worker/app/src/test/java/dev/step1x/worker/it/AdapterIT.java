package dev.step1x.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.ResultStatus;
import dev.step1x.engine.image.ImageFiles;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.pipeline.DemoModel;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.tokenizer.TestTokenizer;
import dev.step1x.worker.lifecycle.InferenceLoop;
import dev.step1x.worker.support.Images;
import dev.step1x.worker.support.ItEnvironment;
import dev.step1x.worker.support.ItEnvironment.Collector;
import dev.step1x.worker.support.ItEnvironment.Topics;
import dev.step1x.worker.support.Workers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * Per-request LoRA adapters through the real worker on the demo model: one batch mixes a request with adapter a
 * (a file), one with adapter b (downloaded from S3 at start-up) and one without; each output equals the same
 * request run alone, and the three differ. A name outside the catalog is REJECTED (ADAPTER_UNKNOWN), a catalog entry
 * that is not a LoRA for this DiT is FAILED (ADAPTER_INCOMPATIBLE), both without stopping the worker.
 */
class AdapterIT {

    @TempDir
    static Path tmp;
    static Path model;

    @BeforeAll
    static void start() throws Exception {
        ItEnvironment.start();
        ItEnvironment.put(ItEnvironment.INPUTS, "in/adapters.png", Images.sample(Images.LANDSCAPE_PNG));
        model = tmp.resolve("demo");
        DemoModel.write(EngineRuntime.startDefault(), model, TestTokenizer.path());
        Path b = model.resolve(DemoModel.ADAPTER_DIR).resolve("demo-style-b.safetensors");
        ItEnvironment.s3().putObject(PutObjectRequest.builder().bucket(ItEnvironment.INPUTS)
                .key("adapters/demo-style-b.safetensors").build(), RequestBody.fromFile(b));
        // a LoRA-shaped name whose file is the VAE: header read, no lora_unet module, refused with its reason
        Files.copy(model.resolve("vae.safetensors"), tmp.resolve("not-a-lora.safetensors"));
    }

    private static String request(String id, String adapterJson) {
        return """
                {"schemaVersion":1,"requestId":"%s","input":{"bucket":"%s","key":"in/adapters.png"},
                 "instruction":"make it blue","params":{"sizeLevel":512,"steps":2,"seed":7%s},
                 "output":{"bucket":"%s","keyPrefix":"adapters/"}}
                """.formatted(id, ItEnvironment.INPUTS, adapterJson == null ? "" : ",\"adapter\":" + adapterJson,
                ItEnvironment.OUTPUTS);
    }

    private static RgbImage output(EditResult r) throws Exception {
        byte[] png = ItEnvironment.s3().getObjectAsBytes(GetObjectRequest.builder().bucket(r.output().bucket())
                .key(r.output().key()).build()).asByteArray();
        return ImageFiles.decode(png, Long.MAX_VALUE);
    }

    /** Fraction of equal bytes, after asserting none differs by more than 1 (the golden sets' uint8 rule). */
    private static double exactFraction(RgbImage a, RgbImage b) {
        assertThat(b.width()).isEqualTo(a.width());
        assertThat(b.height()).isEqualTo(a.height());
        int exact = 0;
        for (int i = 0; i < a.data().length; i++) {
            int d = Math.abs((a.data()[i] & 0xff) - (b.data()[i] & 0xff));
            assertThat(d).as("byte %d", i).isLessThanOrEqualTo(1);
            exact += d == 0 ? 1 : 0;
        }
        return exact / (double) a.data().length;
    }

    @Test
    void aBatchMixingTwoAdaptersAndNoneEqualsEachRequestAloneAndBadAdaptersAreAnswered() throws Exception {
        Topics topics = Topics.of("adapter-it", 1);
        Path loras = model.resolve(DemoModel.ADAPTER_DIR);
        List<String> args = new ArrayList<>(ItEnvironment.workerArgs(topics,
                "worker.id=adapters", "worker.engine.model-dir=" + model, "worker.engine.model-versions=v1.1",
                "worker.batching.batch-time-budget=10m", "worker.batching.max-delay=3s",
                "worker.lora.catalog.demo-style-a=" + loras.resolve("demo-style-a.safetensors"),
                "worker.lora.catalog.demo-style-b=s3://" + ItEnvironment.INPUTS + "/adapters/demo-style-b.safetensors",
                "worker.lora.catalog.broken=" + tmp.resolve("not-a-lora.safetensors"),
                "worker.lora.download-dir=" + tmp.resolve("downloads"), "worker.lora.cache-size=64MB"));
        try (ConfigurableApplicationContext worker = Workers.start(args);
                Collector results = new Collector(topics.results());
                KafkaProducer<byte[], byte[]> producer = ItEnvironment.producer()) {
            InferenceLoop loop = worker.getBean(InferenceLoop.class);
            await().atMost(Duration.ofMinutes(5)).until(() -> loop.isReady() || loop.failure() != null);
            assertThat(loop.failure()).isNull();
            assertThat(tmp.resolve("downloads").resolve("demo-style-b.safetensors")).exists();

            Map<String, String> adapters = Map.of(
                    "none", "null",
                    "a", "{\"name\":\"demo-style-a\"}",
                    "b", "{\"name\":\"demo-style-b\",\"scale\":0.8}");
            // together: sent at once, one bucket, so they share a batch (and the two bad ones are answered at intake)
            for (String k : List.of("none", "a", "b")) {
                ItEnvironment.send(producer, topics.requests(), "mixed-" + k,
                        request("mixed-" + k, k.equals("none") ? null : adapters.get(k)), Map.of());
            }
            ItEnvironment.send(producer, topics.requests(), "unknown", request("unknown", "{\"name\":\"oil-paint\"}"), Map.of());
            ItEnvironment.send(producer, topics.requests(), "broken", request("broken", "{\"name\":\"broken\"}"), Map.of());
            await().atMost(Duration.ofMinutes(5)).until(() -> results.results().keySet()
                    .containsAll(List.of("mixed-none", "mixed-a", "mixed-b", "unknown", "broken")));
            // alone: one at a time
            for (String k : List.of("none", "a", "b")) {
                String id = "alone-" + k;
                ItEnvironment.send(producer, topics.requests(), id, request(id, k.equals("none") ? null : adapters.get(k)),
                        Map.of());
                await().atMost(Duration.ofMinutes(5)).until(() -> results.results().containsKey(id));
            }
            Map<String, EditResult> r = results.firstResults();

            EditResult unknown = r.get("unknown");
            assertThat(unknown.status()).isEqualTo(ResultStatus.REJECTED);
            assertThat(unknown.error().code()).isEqualTo(ErrorCode.ADAPTER_UNKNOWN);
            assertThat(unknown.error().message()).contains("oil-paint").contains("broken, demo-style-a, demo-style-b");
            EditResult broken = r.get("broken");
            assertThat(broken.status()).isEqualTo(ResultStatus.FAILED);
            assertThat(broken.error().code()).isEqualTo(ErrorCode.ADAPTER_INCOMPATIBLE);
            assertThat(broken.error().message()).contains("'broken'").contains("not-a-lora.safetensors");

            for (String k : List.of("none", "a", "b")) {
                assertThat(r.get("mixed-" + k).status()).as(String.valueOf(r.get("mixed-" + k).error()))
                        .isEqualTo(ResultStatus.SUCCEEDED);
                assertThat(r.get("alone-" + k).status()).isEqualTo(ResultStatus.SUCCEEDED);
            }
            assertThat(r.get("mixed-a").batch().rows()).as("the three shared one batch").isEqualTo(3);
            assertThat(r.get("mixed-b").batch().rows()).isEqualTo(3);
            assertThat(r.get("alone-a").batch().rows()).isEqualTo(1);

            RgbImage none = output(r.get("mixed-none"));
            RgbImage a = output(r.get("mixed-a"));
            RgbImage b = output(r.get("mixed-b"));
            for (String k : List.of("none", "a", "b")) {
                double exact = exactFraction(output(r.get("mixed-" + k)), output(r.get("alone-" + k)));
                assertThat(exact).as("batched vs alone, %s", k).isGreaterThanOrEqualTo(0.99);
            }
            assertThat(a.data()).as("adapter a changes the picture").isNotEqualTo(none.data());
            assertThat(b.data()).as("adapter b changes the picture").isNotEqualTo(none.data());
            assertThat(a.data()).as("a and b differ").isNotEqualTo(b.data());
        }
    }
}

package dev.step1x.engine.parity;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.nn.Precision;
import dev.step1x.engine.parity.ParityRunner.Row;
import dev.step1x.engine.parity.ParityRunner.Status;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.WeightSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ParityRunnerTest {

    static EngineRuntime runtime;
    static final Path DIR = ParityPaths.defaultParityDir();

    @BeforeAll
    static void start() {
        runtime = EngineRuntime.startDefault();
    }

    private static ParityCase denoiseCase() throws Exception {
        return ParityCatalog.find(DIR, "denoise_cfg_v11");
    }

    @Test
    void catalogFindsEveryCaseOfBothSets() throws Exception {
        List<ParityCase> cases = ParityCatalog.cases(DIR);
        assertThat(cases).extracting(c -> c.set() + "/" + c.name()).containsExactly(
                "step1x/connector_forward", "step1x/denoise_cfg_v11", "step1x/dit_forward",
                "step1x/dit_forward_bf16weights", "step1x/resize_step1x", "step1x/sampler_end2end",
                "step1x/sampler_end2end_v11", "step1x/vae_roundtrip",
                "step1x_lora/lora_merge", "step1x_lora/lora_merge_split",
                "step1x_fp8/dit_forward_fp8", "step1x_fp8/fp8_convert",
                "qwen25vl/full_forward", "qwen25vl/full_forward_bang", "qwen25vl/full_forward_step1x",
                "qwen25vl/image_preprocess", "qwen25vl/image_preprocess_step1x", "qwen25vl/tokenize",
                "qwen25vl/vision_forward",
                "pipeline/edit_en", "pipeline/edit_en_batch", "pipeline/edit_zh", "pipeline/edit_zh_batch");
        ParityCase sampler = cases.stream().filter(c -> c.name().equals("sampler_end2end")).findFirst().orElseThrow();
        assertThat(sampler.outputs()).containsEntry("out.latents", new Tolerance(2e-4, 1e-4))
                .containsEntry("out.image_u8_hwc", Tolerance.UINT8_IMAGE);
        ParityCase full = cases.stream().filter(c -> c.name().equals("full_forward")).findFirst().orElseThrow();
        assertThat(full.outputs()).doesNotContainKeys("input_ids", "pixel_values")
                .containsEntry("position_ids", Tolerance.EXACT).containsEntry("last_hidden_state", Tolerance.abs(1e-4));
        ParityCase lora = cases.stream().filter(c -> c.name().equals("lora_merge")).findFirst().orElseThrow();
        assertThat(lora.outputs()).containsEntry("out.pred", Tolerance.of(5e-5))
                .containsEntry("out.merged.img_in.weight", Tolerance.abs(1e-6));
        ParityCase convert = cases.stream().filter(c -> c.name().equals("fp8_convert")).findFirst().orElseThrow();
        assertThat(convert.outputs()).containsEntry("out.bits", Tolerance.EXACT)
                .containsEntry("out.dequant", Tolerance.BITWISE).doesNotContainKey("in.values");
    }

    /** The pipeline set: every mid.* and out.* tensor at pipeline/README.md's acceptance; inputs are not outputs. */
    @Test
    void pipelineCasesCompareEveryIntermediateAtTheReadmeTolerances() throws Exception {
        ParityCase en = ParityCatalog.find(DIR, "edit_en");
        ParityCase batch = ParityCatalog.find(DIR, "edit_en_batch");
        assertThat(en.variant()).isEqualTo(ParityCase.SINGLE);
        assertThat(batch.variant()).isEqualTo(ParityCase.BATCH);
        assertThat(batch.file()).isEqualTo(en.file());
        assertThat(batch.outputs()).isEqualTo(en.outputs());
        assertThat(en.outputs().keySet()).allMatch(k -> k.startsWith("mid.") || k.startsWith("out."))
                .contains("mid.step3.latents", "mid.qwen.row1.last_hidden_state").doesNotContain("in.noise");
        assertThat(en.outputs())
                .containsEntry("mid.qwen.row0.input_ids", Tolerance.EXACT)
                .containsEntry("mid.qwen.row0.position_ids", Tolerance.EXACT)
                .containsEntry("mid.mask", Tolerance.EXACT)
                .containsEntry("mid.prepare.img_ids", Tolerance.EXACT)
                .containsEntry("mid.ref_image_u8_hwc", Tolerance.EXACT)
                .containsEntry("mid.qwen.processor_resized_u8_hwc", Tolerance.EXACT)
                .containsEntry("mid.timesteps", ParityCatalog.LAST_BIT)
                .containsEntry("mid.step2.t_vec", ParityCatalog.LAST_BIT)
                .containsEntry("mid.llm_embedding", new Tolerance(2e-4, 1e-4))
                .containsEntry("mid.step0.pred", new Tolerance(2e-4, 1e-4))
                .containsEntry("out.image_u8_hwc_bucket", Tolerance.UINT8_IMAGE)
                .containsEntry("out.image_u8_hwc", Tolerance.UINT8_IMAGE);
        // float16: the VAE encode stays float32, the text chain and the sampling get their own bounds
        assertThat(ParityCatalog.fp16Tolerance(en, "mid.ref_latents", en.outputs().get("mid.ref_latents")))
                .isEqualTo(new Tolerance(2e-4, 1e-4));
        assertThat(ParityCatalog.fp16Tolerance(en, "mid.llm_embedding", en.outputs().get("mid.llm_embedding")))
                .isEqualTo(ParityCatalog.FP16_TEXT_CHAIN);
        assertThat(ParityCatalog.fp16Tolerance(en, "mid.step3.latents", en.outputs().get("mid.step3.latents")))
                .isEqualTo(ParityCatalog.FP16_SAMPLER);
        assertThat(ParityCatalog.fp16Tolerance(en, "out.image_u8_hwc_bucket", Tolerance.UINT8_IMAGE))
                .isEqualTo(ParityCatalog.FP16_UINT8_IMAGE);
        assertThat(ParityCatalog.fp16Tolerance(en, "out.image_u8_hwc", Tolerance.UINT8_IMAGE))
                .isEqualTo(ParityCatalog.FP16_UINT8_RESIZED);
        assertThat(ParityCatalog.fp16Tolerance(en, "mid.qwen.row0.input_ids", Tolerance.EXACT)).isEqualTo(Tolerance.EXACT);
    }

    @Test
    void withoutComponentsWeightsPassAndEveryCaseIsNotImplemented() throws Exception {
        ParityRunner.Report report = new ParityRunner(runtime, Map.of()).run(DIR);
        List<Row> weights = report.rows().stream().filter(r -> r.caseName().startsWith("weights ")).toList();
        assertThat(weights).hasSize(6).allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(Status.PASS));
        int cases = ParityCatalog.cases(DIR).size(); // every golden case, one row each
        assertThat(cases).isGreaterThanOrEqualTo(23);
        assertThat(report.count(Status.NOT_IMPLEMENTED)).isEqualTo(cases);
        assertThat(report.failed()).isFalse();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        report.print(new PrintStream(buf, true, StandardCharsets.UTF_8));
        assertThat(buf.toString(StandardCharsets.UTF_8))
                .contains("max abs diff").contains("NOT IMPLEMENTED").contains("6 passed, 0 failed, " + cases + " not implemented");
    }

    /**
     * With the DiT, connector and Qwen in float16 every case passes its float16 tolerance, and the diffs of the
     * float16 model cases are real (non-zero, so the run did compute in float16) and within the documented bound.
     */
    @Test
    void everyCasePassesAtFloat16WithinTheFloat16Tolerances() throws Exception {
        ParityRunner.Report report = new ParityRunner(runtime, ParityComponents.registered(), Precision.FP16).run(DIR);
        report.rows().stream().filter(r -> r.status() != Status.PASS).forEach(System.out::println);
        assertThat(report.failed()).isFalse();
        assertThat(report.count(Status.NOT_IMPLEMENTED)).isZero();
        Row pred = report.rows().stream().filter(r -> r.caseName().equals("step1x/dit_forward")).findFirst().orElseThrow();
        assertThat(pred.tolerance()).isEqualTo(ParityCatalog.FP16_FORWARD.toString());
        assertThat(pred.maxAbsDiff()).isGreaterThan(1e-4).isLessThan(1e-2);
        Row vae = report.rows().stream().filter(r -> r.caseName().equals("step1x/vae_roundtrip")).findFirst().orElseThrow();
        assertThat(vae.tolerance()).isEqualTo(Tolerance.of(1e-4).toString()); // the VAE stays float32
        // the whole chain (Qwen, connector and DiT float16, VAE float32) through the production pipeline
        for (String name : List.of("pipeline/edit_en", "pipeline/edit_zh", "pipeline/edit_en_batch", "pipeline/edit_zh_batch")) {
            Row emb = row(report, name, "mid.llm_embedding");
            assertThat(emb.tolerance()).isEqualTo(ParityCatalog.FP16_TEXT_CHAIN.toString());
            assertThat(emb.maxAbsDiff()).as(name).isGreaterThan(1e-4); // really float16
            Row latents = report.rows().stream().filter(r -> r.caseName().equals(name) && r.tensor().matches("mid\\.step\\d+\\.latents"))
                    .reduce((a, b) -> b).orElseThrow();
            assertThat(latents.maxAbsDiff()).as(name).isGreaterThan(1e-4);
            assertThat(row(report, name, "mid.ref_latents").maxAbsDiff()).as(name).isLessThan(1e-4); // VAE float32
            assertThat(row(report, name, "out.image_u8_hwc").tolerance()).isEqualTo(ParityCatalog.FP16_UINT8_RESIZED.toString());
        }
    }

    private static Row row(ParityRunner.Report report, String caseName, String tensor) {
        return report.rows().stream().filter(r -> r.caseName().equals(caseName) && r.tensor().equals(tensor)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + caseName + " " + tensor));
    }

    @Test
    void onlyTheNamedCasesRunAndAnUnknownNameIsAnError() throws Exception {
        ParityRunner runner = new ParityRunner(runtime, ParityComponents.registered());
        ParityRunner.Report report = runner.run(DIR, java.util.Set.of("denoise_cfg_v11"));
        assertThat(report.rows()).singleElement().satisfies(r -> assertThat(r.caseName()).isEqualTo("step1x/denoise_cfg_v11"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> runner.run(DIR, java.util.Set.of("nope")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no parity case [nope]");
    }

    @Test
    void aComponentReproducingTheGoldenOutputPasses() throws Exception {
        ParityComponent echo = (manager, data) -> Map.of("out.img", data.tensor("out.img"));
        List<Row> rows = new ParityRunner(runtime, Map.of("denoise_cfg_v11", echo)).runCase(denoiseCase());
        assertThat(rows).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(Status.PASS);
            assertThat(r.maxAbsDiff()).isZero();
        });
    }

    @Test
    void aWrongOutputAMissingOutputAndAnExceptionFail() throws Exception {
        ParityComponent off = (manager, data) -> Map.of("out.img", data.tensor("out.img").add(1e-3f));
        Row wrong = new ParityRunner(runtime, Map.of("denoise_cfg_v11", off)).runCase(denoiseCase()).get(0);
        assertThat(wrong.status()).isEqualTo(Status.FAIL);
        assertThat(wrong.maxAbsDiff()).isGreaterThan(9e-4);

        ParityComponent none = (manager, data) -> Map.<String, NDArray>of();
        Row missing = new ParityRunner(runtime, Map.of("denoise_cfg_v11", none)).runCase(denoiseCase()).get(0);
        assertThat(missing.status()).isEqualTo(Status.FAIL);
        assertThat(missing.note()).contains("no such output");

        ParityComponent boom = (manager, data) -> {
            throw new IllegalStateException("kaputt");
        };
        Row thrown = new ParityRunner(runtime, Map.of("denoise_cfg_v11", boom)).runCase(denoiseCase()).get(0);
        assertThat(thrown.status()).isEqualTo(Status.FAIL);
        assertThat(thrown.note()).contains("IllegalStateException: kaputt");
    }

    /** A set-wide component serves every case of its set; a component's own comparisons become rows that can fail. */
    @Test
    void aSetWideComponentAndItsExtraChecksAreReported() throws Exception {
        ParityComponent echo = (manager, data) -> {
            NDArray img = data.tensor("out.img");
            data.addCheck("self ok", img, img, Tolerance.EXACT);
            data.addCheck("self off", img.add(1f), img, Tolerance.abs(0.5));
            return Map.of("out.img", img);
        };
        List<Row> rows = new ParityRunner(runtime, Map.of("step1x/*", echo)).runCase(denoiseCase());
        assertThat(rows).extracting(Row::tensor).containsExactly("out.img", "self ok", "self off");
        assertThat(rows).extracting(Row::status).containsExactly(Status.PASS, Status.PASS, Status.FAIL);
        // a component registered by name wins over the set-wide one
        ParityComponent none = (manager, data) -> Map.<String, NDArray>of();
        Row byName = new ParityRunner(runtime, Map.of("step1x/*", echo, "denoise_cfg_v11", none)).runCase(denoiseCase()).get(0);
        assertThat(byName.status()).isEqualTo(Status.FAIL);
    }

    @Test
    void aWeightFileThatDoesNotMatchItsConfigFailsByKey() {
        Path step1x = DIR.resolve("step1x");
        // dit_v11 has no connector.scale_factor: checked against the v1.0 tree it must fail and say so.
        WeightCheck check = new WeightCheck("step1x/dit_v11.safetensors as v1.0", step1x.resolve("dit_v11.safetensors"),
                () -> Step1XEdit.weightSpec(Step1XParams.fromJson(step1x.resolve("dit_config.json")),
                        Qwen2ConnectorConfig.fromJson(step1x.resolve("connector_config.json")), ModelVersion.V1_0));
        Row row = check.run(runtime);
        assertThat(row.status()).isEqualTo(Status.FAIL);
        assertThat(row.note()).contains("missing (1): connector.scale_factor");

        WeightCheck extra = new WeightCheck("step1x/dit.safetensors vs a bigger tree", step1x.resolve("dit.safetensors"),
                () -> WeightSpec.builder().add("img_in.weight", 32, 64).build());
        Row extraRow = extra.run(runtime);
        assertThat(extraRow.status()).isEqualTo(Status.FAIL);
        assertThat(extraRow.note()).contains("img_in.weight is [64, 64], expected [32, 64]")
                .contains("unused (120)");
    }
}

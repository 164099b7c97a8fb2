package dev.step1x.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.dit.DitOptions;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.lora.LoraMismatchException;
import dev.step1x.engine.lora.LoraSpec;
import dev.step1x.engine.lora.LoraTargets;
import dev.step1x.engine.lora.RandomLora;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.tokenizer.TestTokenizer;
import dev.step1x.engine.weights.DType;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-request LoRA adapters, merged LoRA, FP8 and DiT offload through the whole edit on the demo model. */
class Step1XEditPipelineLoraTest {

    @TempDir
    static Path tmp;
    static Path dir;
    static Path loraA;
    static Path loraB;

    @BeforeAll
    static void write() throws Exception {
        EngineRuntime rt = EngineRuntime.startDefault();
        dir = tmp.resolve("demo");
        ModelDirectory model = DemoModel.write(rt, dir, TestTokenizer.path());
        LoraTargets targets = Step1XEdit.loraTargets(model.ditParams(), model.connectorConfig());
        try (NDManager m = rt.newManager()) {
            loraA = RandomLora.write(m, targets, 4, 2f, 11, DType.BF16, tmp.resolve("a.safetensors"));
            loraB = RandomLora.write(m, targets, 8, 8f, 12, DType.F32, tmp.resolve("b.safetensors"));
        }
    }

    static EditInput input(int salt, String instruction, long seed, AdapterRef adapter) {
        RgbImage img = Step1XEditPipelineTest.picture(100, 150, salt);
        return new EditInput(img, instruction, "", 64, 3, 5f, seed, ModelVersion.V1_1, adapter, null);
    }

    static float[] generate(Step1XEditPipeline p, List<EditInput> in) {
        return p.generate(in, in.get(0).bucket(), new Step1XEditPipeline.StageClock(EditProgress.NONE));
    }

    static int nans(float[] a) {
        int n = 0;
        for (float v : a) {
            n += Float.isNaN(v) ? 1 : 0;
        }
        return n;
    }

    static double maxDiff(float[] a, int aOffset, float[] b, int bOffset, int n) {
        double max = 0;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, Math.abs(a[aOffset + i] - b[bOffset + i]));
        }
        return max;
    }

    /**
     * A batch mixing adapter a, adapter b (multiplier 0.8) and none: each request equals itself run alone with its
     * LoRA merged into the DiT at load (and alone with the adapter unmerged).
     */
    @Test
    void aBatchMixingTwoAdaptersAndNoneEqualsEachRequestAloneWithItsLoraMerged() throws Exception {
        EngineRuntime.Options rt = EngineRuntime.Options.defaults();
        List<EditInput> batch = List.of(input(0, "make it blue", 1, AdapterRef.of("a")),
                input(40, "add a hat", 2, new AdapterRef("b", 0.8f)), input(90, "make it red", 3, null));
        float[] mixed;
        float[] aAlone;
        float[] plainAlone;
        try (Step1XEditPipeline p = Step1XEditPipeline.open(dir, rt, DitOptions.defaults().withAdapterCacheBytes(64L << 20))) {
            p.adapters().register("a", loraA);
            p.adapters().register("b", loraB);
            mixed = generate(p, batch);
            aAlone = generate(p, List.of(batch.get(0)));
            plainAlone = generate(p, List.of(batch.get(2)));
            assertThat(p.adapters().residentNames()).containsExactlyInAnyOrder("a", "b");
            assertThat(p.adapters().residentBytes()).isPositive();
            assertThatThrownBy(() -> generate(p, List.of(input(0, "x", 1, AdapterRef.of("nope")))))
                    .hasMessageContaining("unknown LoRA adapter 'nope'");
        }
        int per = mixed.length / 3;
        float[] aMerged;
        float[] bMerged;
        try (Step1XEditPipeline p = Step1XEditPipeline.open(dir, rt, DitOptions.defaults().withLoras(List.of(LoraSpec.of(loraA))))) {
            aMerged = generate(p, List.of(batch.get(0).withAdapter(null)));
            assertThat(p.describe()).contains("1 LoRA merged");
        }
        try (Step1XEditPipeline p = Step1XEditPipeline.open(dir, rt,
                DitOptions.defaults().withLoras(List.of(new LoraSpec(loraB, 0.8f))))) {
            bMerged = generate(p, List.of(batch.get(1).withAdapter(null)));
        }
        assertThat(nans(mixed) + nans(aAlone) + nans(aMerged) + nans(bMerged)).isZero();
        double da = maxDiff(mixed, 0, aMerged, 0, per);
        double db = maxDiff(mixed, per, bMerged, 0, per);
        double dn = maxDiff(mixed, 2 * per, plainAlone, 0, per);
        System.out.printf("decoded [0,1] images, batch vs alone merged: a %.2e, b %.2e, none %.2e; unmerged alone a %.2e%n",
                da, db, dn, maxDiff(mixed, 0, aAlone, 0, per));
        assertThat(da).isLessThan(1e-4);
        assertThat(db).isLessThan(1e-4);
        assertThat(dn).isLessThan(1e-5);
        assertThat(maxDiff(mixed, 0, aAlone, 0, per)).isLessThan(1e-5);
        // the LoRAs change the pictures, so the comparisons can fail
        try (Step1XEditPipeline p = Step1XEditPipeline.open(dir, rt)) {
            float[] plainA = generate(p, List.of(batch.get(0).withAdapter(null)));
            assertThat(maxDiff(aMerged, 0, plainA, 0, per)).isGreaterThan(1e-3);
            assertThatThrownBy(() -> generate(p, List.of(batch.get(0)))).hasMessageContaining("disabled");
        }
    }

    /** Offloaded DiT blocks give the resident pictures exactly; FP8 weights run end to end and change them a little. */
    @Test
    void ditOffloadIsExactAndFp8RunsEndToEnd() throws Exception {
        EngineRuntime.Options rt = EngineRuntime.Options.defaults();
        List<EditInput> batch = List.of(input(5, "make it blue", 21, null), input(9, "把天空变成红色", 22, null));
        float[] resident;
        try (Step1XEditPipeline p = Step1XEditPipeline.open(dir, rt)) {
            resident = generate(p, batch);
        }
        try (Step1XEditPipeline p = Step1XEditPipeline.open(dir, rt, DitOptions.defaults().withOffload(true))) {
            assertThat(p.describe()).contains("blocks offloaded");
            assertThat(generate(p, batch)).containsExactly(resident);
        }
        try (Step1XEditPipeline p = Step1XEditPipeline.open(dir, rt, DitOptions.defaults().withFp8(true).withOffload(true))) {
            assertThat(p.describe()).contains("fp8 e4m3fn weights (saturate)");
            float[] fp8 = generate(p, batch);
            double d = maxDiff(fp8, 0, resident, 0, resident.length);
            System.out.printf("fp8 + offload vs dense fp32 decoded images: max |diff| %.3e%n", d);
            assertThat(d).isGreaterThan(1e-4).isLessThan(0.5);
            List<EditOutput> out = p.edit(batch);
            assertThat(out).hasSize(2);
        }
    }

    @Test
    void aLoraThatDoesNotFitIsRefusedAtOpen() {
        Path golden = dev.step1x.engine.TestPaths.parityDir().resolve("step1x_lora").resolve("lora.safetensors");
        // the golden LoRA fits the demo DiT (the parity shapes); the missing file is reported before anything loads
        assertThatThrownBy(() -> Step1XEditPipeline.open(dir, EngineRuntime.Options.defaults(),
                DitOptions.defaults().withLoras(List.of(LoraSpec.of(golden), LoraSpec.of(tmp.resolve("missing.safetensors"))))))
                .isInstanceOf(LoraMismatchException.class).hasMessageContaining("missing.safetensors");
    }

    /** The demo model comes with two adapters that fit its DiT; a second write keeps the files as they are. */
    @Test
    void theDemoModelsAdaptersFitItsDitAndAreWrittenOnce() throws Exception {
        ModelDirectory model = ModelDirectory.open(dir);
        LoraTargets targets = Step1XEdit.loraTargets(model.ditParams(), model.connectorConfig());
        java.util.Map<String, Path> files = DemoModel.writeAdapters(EngineRuntime.startDefault(), model);
        assertThat(files).containsOnlyKeys(DemoModel.ADAPTERS.keySet());
        for (var e : files.entrySet()) {
            assertThat(e.getValue()).isEqualTo(dir.resolve("loras").resolve(e.getKey() + ".safetensors"));
            try (var lora = dev.step1x.engine.lora.LoraFile.open(e.getValue())) {
                assertThat(lora.check(targets)).as(e.getKey()).isEmpty();
                assertThat(lora.modules().values()).allSatisfy(m -> assertThat(m.rank())
                        .isEqualTo(DemoModel.ADAPTERS.get(e.getKey()).longValue()));
            }
        }
        java.nio.file.attribute.FileTime written = java.nio.file.Files.getLastModifiedTime(files.get("demo-style-a"));
        DemoModel.writeAdapters(EngineRuntime.startDefault(), model);
        assertThat(java.nio.file.Files.getLastModifiedTime(files.get("demo-style-a"))).isEqualTo(written);
    }
}

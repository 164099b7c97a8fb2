package dev.step1x.engine.mllm.qwen25vl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.parity.ParityCase;
import dev.step1x.engine.parity.ParityCatalog;
import dev.step1x.engine.parity.ParityRunner;
import dev.step1x.engine.parity.TapRecorder;
import dev.step1x.engine.parity.TensorComparison;
import dev.step1x.engine.parity.Tolerance;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.SafetensorsFile;
import dev.step1x.engine.weights.WeightSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The vision tower against the golden Qwen2.5-VL cases (official code, float32, tiny config). */
class VisionForwardTest {

    private static final Tolerance TOL = Tolerance.abs(1e-4);

    static EngineRuntime runtime;
    static Qwen25VLConfig config;

    @BeforeAll
    static void start() throws Exception {
        runtime = EngineRuntime.startDefault();
        config = Qwen25VLConfig.fromJson(TestPaths.qwen25vl("config.json"));
    }

    private static Qwen25VisionTransformer load(NDManager m) throws Exception {
        return Qwen25VisionTransformer.load(m, TestPaths.qwen25vl("model.safetensors"), config.visionConfig(),
                DataType.FLOAT32);
    }

    @Test
    void goldenCasePassesThroughTheParityRunner() throws Exception {
        ParityCase c = ParityCatalog.find(TestPaths.parityDir(), VisionForwardParity.CASE);
        List<ParityRunner.Row> rows = new ParityRunner(runtime,
                Map.of(VisionForwardParity.CASE, VisionForwardParity.component())).runCase(c);
        new ParityRunner.Report(rows).print(System.out);
        assertThat(rows).extracting(ParityRunner.Row::tensor).containsExactlyInAnyOrder("patch_embed", "rot_pos_ids",
                "rotary_pos_emb", "window_index", "cu_window_seqlens_raw", "cu_window_seqlens", "cu_seqlens",
                "hidden_window_order", "rope_cos", "rope_sin", "block0_out", "block1_out", "block2_out", "block3_out",
                "merger_out_window_order", "output");
        assertThat(rows).allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(ParityRunner.Status.PASS));
    }

    @Test
    void step1xResolutionWithPartialWindowsMatchesTheFullForwardCase() throws Exception {
        // grid 28 x 40 -> merged 14 x 20 -> 4 x 6 windows, last column empty, bottom row partial
        try (NDManager m = runtime.newManager();
                SafetensorsFile pre = SafetensorsFile.open(TestPaths.qwen25vl("cases/image_preprocess_step1x.safetensors"));
                SafetensorsFile full = SafetensorsFile.open(TestPaths.qwen25vl("cases/full_forward_step1x.safetensors"))) {
            long[][] grid = VisionForwardParity.gridThw(pre.load(m, "image_grid_thw"));
            assertThat(grid).isDeepEqualTo(new long[][] {{1, 28, 40}});
            NDArray out = load(m).forward(pre.load(m, "pixel_values"), grid);
            check("full_forward_step1x/vision_output", out, full.load(m, "vision_output"));
        }
    }

    @Test
    void twoImagesAtOnceEqualEachImageAlone() throws Exception {
        try (NDManager m = runtime.newManager();
                SafetensorsFile a = SafetensorsFile.open(TestPaths.qwen25vl("cases/vision_forward.safetensors"));
                SafetensorsFile b = SafetensorsFile.open(TestPaths.qwen25vl("cases/image_preprocess_step1x.safetensors"))) {
            Qwen25VisionTransformer visual = load(m);
            NDArray pa = a.load(m, "pixel_values");
            NDArray pb = b.load(m, "pixel_values");
            long[] ga = {1, 8, 10};
            long[] gb = {1, 28, 40};
            NDArray both = visual.forward(pb.concat(pa, 0), new long[][] {gb, ga});
            NDArray alone = visual.forward(pb, new long[][] {gb}).concat(visual.forward(pa, new long[][] {ga}), 0);
            assertThat(both.getShape().getShape()).containsExactly(280 + 20, config.visionConfig().outHiddenSize());
            check("two images vs one at a time", both, alone);
            check("second image = vision_forward output", both.get("280:"), a.load(m, "output"));
        }
    }

    @Test
    void transposedImageAndVideoGridsRun() throws Exception {
        // a portrait grid (40 x 28) and a two-frame grid: shapes and finiteness; each frame of a still
        // video (identical frames) gives the same features as the single image
        try (NDManager m = runtime.newManager();
                SafetensorsFile a = SafetensorsFile.open(TestPaths.qwen25vl("cases/vision_forward.safetensors"))) {
            Qwen25VisionTransformer visual = load(m);
            NDArray pa = a.load(m, "pixel_values");
            NDArray portrait = visual.forward(pa, new long[][] {{1, 10, 8}});
            assertThat(portrait.getShape().getShape()).containsExactly(20, 40);
            assertThat(portrait.isNaN().any().getBoolean()).isFalse();
            NDArray video = visual.forward(pa.concat(pa, 0), new long[][] {{2, 8, 10}});
            check("frame 0 of a still video", video.get(":20"), a.load(m, "output"));
            check("frame 1 of a still video", video.get("20:"), a.load(m, "output"));
        }
    }

    @Test
    void intermediatesVariantReturnsTheSameOutput() throws Exception {
        try (NDManager m = runtime.newManager();
                SafetensorsFile a = SafetensorsFile.open(TestPaths.qwen25vl("cases/vision_forward.safetensors"))) {
            Qwen25VisionTransformer visual = load(m);
            NDArray pa = a.load(m, "pixel_values");
            long[][] grid = {{1, 8, 10}};
            TapRecorder mids = new TapRecorder(m);
            NDArray withMids = visual.forward(pa, grid, mids);
            assertThat(mids.tensors()).hasSize(15);
            assertThat(visual.forward(pa, grid).contentEquals(withMids)).isTrue();
        }
    }

    @Test
    void djlGeluIsTheErfForm() {
        try (NDManager m = runtime.newManager()) {
            float[] y = ai.djl.nn.Activation.gelu(m.create(new float[] {1f, -1f, 2f})).toFloatArray();
            // 0.5·x·(1 + erf(x/√2)); the tanh form gives 0.841192, -0.158808, 1.954598
            assertThat(y[0]).isCloseTo(0.8413447f, org.assertj.core.data.Offset.offset(1e-6f));
            assertThat(y[1]).isCloseTo(-0.1586553f, org.assertj.core.data.Offset.offset(1e-6f));
            assertThat(y[2]).isCloseTo(1.9544997f, org.assertj.core.data.Offset.offset(1e-6f));
        }
    }

    @Test
    void repeatedForwardsDoNotGrowTheLiveArrayCount() throws Exception {
        try (NDManager m = runtime.newManager();
                SafetensorsFile a = SafetensorsFile.open(TestPaths.qwen25vl("cases/vision_forward.safetensors"))) {
            Qwen25VisionTransformer visual = load(m);
            NDArray pa = a.load(m, "pixel_values");
            long[][] grid = {{1, 8, 10}};
            visual.forward(pa, grid).close(); // warm-up
            int before = ((BaseNDManager) m).getManagedArrays().size();
            float[] first = null;
            for (int i = 0; i < 20; i++) {
                try (NDArray out = visual.forward(pa, grid)) {
                    if (first == null) {
                        first = out.toFloatArray();
                    }
                }
            }
            assertThat(((BaseNDManager) m).getManagedArrays()).hasSize(before);
            NDArray kept = visual.forward(pa, grid);
            assertThat(((BaseNDManager) m).getManagedArrays()).hasSize(before + 1).contains(kept);
            assertThat(kept.toFloatArray()).containsExactly(first);
            assertThat(pa.isReleased()).isFalse();
            // with a tap: the output and the tap's copies, nothing else
            TapRecorder mids = new TapRecorder(m);
            visual.forward(pa, grid, mids);
            assertThat(((BaseNDManager) m).getManagedArrays()).hasSize(before + 2 + mids.tensors().size());
        }
    }

    @Test
    void visionSpecIsTheVisualPartOfTheModelSpec() {
        Qwen25VLConfig c = Qwen25VLConfig.qwen25Vl7BInstruct();
        WeightSpec visual = Qwen25VisionTransformer.weightSpec(c.visionConfig());
        assertThat(visual.size()).isEqualTo(390);
        Map<String, long[]> fromModel = new LinkedHashMap<>();
        Qwen25VLModel.weightSpec(c).shapes().forEach((k, v) -> {
            if (k.startsWith("visual.")) {
                fromModel.put(k, v);
            }
        });
        assertThat(visual.shapes().keySet()).containsExactlyElementsOf(fromModel.keySet());
        visual.shapes().forEach((k, v) -> assertThat(v).as(k).containsExactly(fromModel.get(k)));
        assertThat(visual.shapes().get("visual.blocks.0.attn.qkv.weight")).containsExactly(3840, 1280);
        assertThat(visual.shapes().get("visual.blocks.0.mlp.down_proj.bias")).containsExactly(1280);
        assertThat(visual.shapes().get("visual.merger.ln_q.weight")).containsExactly(1280);
    }

    private static void check(String name, NDArray actual, NDArray expected) {
        TensorComparison.Result r = TensorComparison.compare(actual, expected, TOL);
        System.out.printf(Locale.ROOT, "%-44s max abs diff %.3e  %s%n", name, r.maxAbsDiff(), r.pass() ? "PASS" : "FAIL");
        assertThat(r.pass()).as(name + ": " + r.note() + " (max abs diff " + r.maxAbsDiff() + ")").isTrue();
    }
}

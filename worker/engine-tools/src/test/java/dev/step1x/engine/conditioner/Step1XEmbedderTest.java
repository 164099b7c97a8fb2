package dev.step1x.engine.conditioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLConfig;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLModel;
import dev.step1x.engine.mllm.qwen25vl.VisionForwardParity;
import dev.step1x.engine.parity.TensorComparison;
import dev.step1x.engine.parity.Tolerance;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.SafetensorsFile;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Step1X-Edit's embedder front end (mask ids > 0, drop 217, keep 640) on the golden ids. */
class Step1XEmbedderTest {

    static EngineRuntime runtime;
    static Qwen25VLConfig config;

    @BeforeAll
    static void start() throws Exception {
        runtime = EngineRuntime.startDefault();
        config = Qwen25VLConfig.fromJson(TestPaths.qwen25vl("config.json"));
    }

    @Test
    void goldenEmbeddingsAndMasks() throws Exception {
        try (NDManager m = runtime.newManager();
                SafetensorsFile pre = SafetensorsFile.open(TestPaths.qwen25vl("cases/image_preprocess.safetensors"))) {
            Step1XEmbedder embedder = new Step1XEmbedder(Qwen25VLModel.load(m, TestPaths.qwen25vl("model.safetensors"), config));
            NDArray pixels = pre.load(m, "pixel_values");
            long[][] grid = VisionForwardParity.gridThw(pre.load(m, "image_grid_thw"));
            int[] expectedRows = {43, 38};
            String[] cases = {"full_forward", "full_forward_bang"};
            for (int i = 0; i < cases.length; i++) {
                try (SafetensorsFile f = SafetensorsFile.open(TestPaths.qwen25vl("cases/" + cases[i] + ".safetensors"))) {
                    NDArray ids = f.load(m, "input_ids");
                    Step1XEmbedder.Output o = embedder.embed(ids, pixels, grid);
                    assertThat(o.embs().getShape().getShape()).containsExactly(1, 640, config.hiddenSize());
                    assertThat(o.masks().getDataType()).isEqualTo(DataType.INT64);
                    assertThat(o.masks().contentEquals(f.load(m, "step1x_masks"))).as(cases[i]).isTrue();
                    assertThat(o.masks().sum().getLong()).isEqualTo(expectedRows[i]);
                    TensorComparison.Result r = TensorComparison.compare(o.embs(), f.load(m, "step1x_embs"),
                            Tolerance.abs(1e-4));
                    System.out.printf(Locale.ROOT, "%s step1x_embs max abs diff %.3e%n", cases[i], r.maxAbsDiff());
                    assertThat(r.pass()).as(cases[i] + " " + r.note()).isTrue();
                    // rows past n are exact zeros
                    assertThat(o.embs().get(new NDIndex("0, {}:", expectedRows[i])).abs().max().getFloat()).isZero();
                }
            }
        }
    }

    @Test
    void bangIsMaskedInTheModelButKeptInTheMask() throws Exception {
        try (NDManager m = runtime.newManager();
                SafetensorsFile f = SafetensorsFile.open(TestPaths.qwen25vl("cases/full_forward_bang.safetensors"))) {
            NDArray ids = f.load(m, "input_ids");
            NDArray mask = Step1XEmbedder.attentionMask(ids);
            long[] v = mask.toLongArray();
            assertThat(v[249]).isZero();
            assertThat(mask.sum().getLong()).isEqualTo(ids.getShape().get(1) - 1);
            assertThat(mask.contentEquals(f.load(m, "attention_mask"))).isTrue();
            assertThat(f.load(m, "step1x_masks").toLongArray()[249 - 217]).isEqualTo(1);
        }
    }

    @Test
    void severalPromptsShareTheImageAndStackInOrder() throws Exception {
        try (NDManager m = runtime.newManager();
                SafetensorsFile pre = SafetensorsFile.open(TestPaths.qwen25vl("cases/image_preprocess.safetensors"));
                SafetensorsFile a = SafetensorsFile.open(TestPaths.qwen25vl("cases/full_forward.safetensors"));
                SafetensorsFile b = SafetensorsFile.open(TestPaths.qwen25vl("cases/full_forward_bang.safetensors"))) {
            Step1XEmbedder embedder = new Step1XEmbedder(Qwen25VLModel.load(m, TestPaths.qwen25vl("model.safetensors"), config));
            NDArray pixels = pre.load(m, "pixel_values");
            long[][] grid = {{1, 8, 10}};
            Step1XEmbedder.Output both = embedder.embed(List.of(a.load(m, "input_ids"), b.load(m, "input_ids")), pixels, grid);
            assertThat(both.embs().getShape().getShape()).containsExactly(2, 640, config.hiddenSize());
            Step1XEmbedder.Output one = embedder.embed(b.load(m, "input_ids"), pixels, grid);
            assertThat(both.embs().get(1).contentEquals(one.embs().get(0))).isTrue();
            assertThat(both.masks().get(1).contentEquals(one.masks().get(0))).isTrue();
            assertThat(both.masks().get(0).contentEquals(a.load(m, "step1x_masks").get(0))).isTrue();
        }
    }

    @Test
    void keepsAtMostMaxLengthRowsAfterTheDrop() throws Exception {
        try (NDManager m = runtime.newManager();
                SafetensorsFile f = SafetensorsFile.open(TestPaths.qwen25vl("cases/full_forward.safetensors"))) {
            Qwen25VLModel model = Qwen25VLModel.load(m, TestPaths.qwen25vl("model.safetensors"), config);
            NDArray ids = f.load(m, "input_ids");
            NDArray pixels = f.load(m, "pixel_values");
            long[][] grid = {{1, 8, 10}};
            Step1XEmbedder small = new Step1XEmbedder(model, 8, 217);
            Step1XEmbedder.Output o = small.embed(ids, pixels, grid);
            assertThat(o.embs().getShape().getShape()).containsExactly(1, 8, config.hiddenSize());
            assertThat(o.masks().toLongArray()).containsOnly(1L);
            NDArray expected = f.load(m, "step1x_embs").get(new NDIndex(":, :8"));
            assertThat(o.embs().sub(expected).abs().max().getFloat()).isLessThan(1e-4f);
        }
    }

    @Test
    void rejectsPromptsShorterThanTheDrop() throws Exception {
        try (NDManager m = runtime.newManager()) {
            Step1XEmbedder embedder = new Step1XEmbedder(Qwen25VLModel.load(m, TestPaths.qwen25vl("model.safetensors"), config));
            NDArray ids = m.create(new long[] {9707, 11, 1879}).reshape(1, 3);
            assertThatThrownBy(() -> embedder.embed(ids, null, null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("217");
            Step1XEmbedder noDrop = new Step1XEmbedder(embedder.model(), 4, 0);
            Step1XEmbedder.Output o = noDrop.embed(ids, null, null);
            assertThat(o.masks().toLongArray()).containsExactly(1, 1, 1, 0);
        }
    }
}

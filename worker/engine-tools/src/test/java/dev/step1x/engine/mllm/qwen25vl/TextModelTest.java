package dev.step1x.engine.mllm.qwen25vl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.conditioner.Step1XEmbedder;
import dev.step1x.engine.parity.TapRecorder;
import dev.step1x.engine.parity.TensorComparison;
import dev.step1x.engine.parity.Tolerance;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.SafetensorsFile;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The decoder alone, from the golden {@code inputs_embeds} and {@code position_ids} of {@code full_forward}. */
class TextModelTest {

    private static final Tolerance TOL = Tolerance.abs(1e-4);

    static EngineRuntime runtime;
    static Qwen25VLConfig config;
    static SafetensorsFile golden;

    @BeforeAll
    static void start() throws Exception {
        runtime = EngineRuntime.startDefault();
        config = Qwen25VLConfig.fromJson(TestPaths.qwen25vl("config.json"));
        golden = SafetensorsFile.open(TestPaths.qwen25vl("cases/full_forward.safetensors"));
    }

    @AfterAll
    static void stop() throws Exception {
        golden.close();
    }

    @Test
    void decoderFromGoldenEmbeddingsMatchesEveryLayer() throws Exception {
        try (NDManager m = runtime.newManager()) {
            Qwen25VLModel model = Qwen25VLModel.load(m, TestPaths.qwen25vl("model.safetensors"), config);
            Qwen25VLTextModel text = model.textModel();
            NDArray embeds = golden.load(m, "inputs_embeds");
            NDArray pos = golden.load(m, "position_ids");

            Qwen2RotaryEmbedding.Tables streams = text.rotary().streams(pos);
            check(m, "text_rope_cos", streams.cos(), TOL);
            check(m, "text_rope_sin", streams.sin(), TOL);
            Qwen2RotaryEmbedding.Tables mrope = text.rotary().select(streams);
            check(m, "text_mrope_cos", mrope.cos(), TOL);
            check(m, "text_mrope_sin", mrope.sin(), TOL);

            TapRecorder shown = new TapRecorder(m);
            NDArray last = text.forward(embeds, pos, null, shown);
            for (int i = 0; i < config.numHiddenLayers(); i++) {
                check(m, "layer" + i + "_out", shown.tensor("layer" + i + "_out"), TOL);
            }
            // what the tap sees of the rotary tables is what the layers used
            assertThat(shown.tensor("text_rope_cos").contentEquals(streams.cos())).isTrue();
            assertThat(shown.tensor("text_mrope_sin").contentEquals(mrope.sin())).isTrue();
            assertThat(shown.tensors()).hasSize(4 + config.numHiddenLayers());
            check(m, "last_hidden_state", last, TOL);
            NDArray mask = golden.load(m, "attention_mask");
            check(m, "last_hidden_state_mask", text.forward(embeds, golden.load(m, "position_ids_mask"), mask), TOL);
            assertThat(text.forward(embeds, pos, null).contentEquals(last)).as("the tap changes nothing").isTrue();
        }
    }

    @Test
    void embeddingRowsAreTheWidenedBf16Table() throws Exception {
        try (NDManager m = runtime.newManager()) {
            Qwen25VLModel model = Qwen25VLModel.load(m, TestPaths.qwen25vl("model.safetensors"), config);
            NDArray ids = golden.load(m, "input_ids");
            NDArray embeds = model.textModel().embed(ids);
            NDArray expected = golden.load(m, "inputs_embeds");
            // Every non-image row is the embedding row itself, bit for bit.
            long[] flat = ids.toLongArray();
            float[] a = embeds.toFloatArray();
            float[] e = expected.toFloatArray();
            int h = config.hiddenSize();
            int textRows = 0;
            for (int r = 0; r < flat.length; r++) {
                if (flat[r] == config.imageTokenId()) {
                    continue;
                }
                textRows++;
                for (int c = 0; c < h; c++) {
                    assertThat(a[r * h + c]).as("row %d col %d", r, c).isEqualTo(e[r * h + c]);
                }
            }
            assertThat(textRows).isEqualTo(240);
        }
    }

    @Test
    void chunkedAttentionGivesTheSameHiddenState() throws Exception {
        try (NDManager m = runtime.newManager()) {
            Qwen25VLTextModel text = Qwen25VLModel.load(m, TestPaths.qwen25vl("model.safetensors"), config).textModel();
            NDArray embeds = golden.load(m, "inputs_embeds");
            NDArray pos = golden.load(m, "position_ids");
            text.setMaxScoreBytes(0);
            NDArray whole = text.forward(embeds, pos, null);
            text.setMaxScoreBytes(4L * 4 * 260 * 16); // 16 queries per block
            NDArray chunked = text.forward(embeds, pos, null);
            assertThat(whole.sub(chunked).abs().max().getFloat()).isLessThan(1e-6f);
        }
    }

    @Test
    void causalMaskUsesFloat32MinAndThePaddingMask() throws Exception {
        try (NDManager m = runtime.newManager()) {
            NDArray mask = m.create(new long[] {1, 0, 1}).reshape(1, 3);
            float[] v = Qwen25VLTextModel.causalMask(m, 1, 3, mask, DataType.FLOAT32).toFloatArray();
            float min = -Float.MAX_VALUE;
            assertThat(v).containsExactly(
                    0, min, min,
                    0, min, min,
                    0, min, 0);
            float[] plain = Qwen25VLTextModel.causalMask(m, 1, 2, null, DataType.FLOAT32).toFloatArray();
            assertThat(plain).containsExactly(0, min, 0, 0);
        }
    }

    @Test
    void aFullyMaskedQueryRowStaysFinite() throws Exception {
        try (NDManager m = runtime.newManager()) {
            Qwen25VLTextModel text = Qwen25VLModel.load(m, TestPaths.qwen25vl("model.safetensors"), config).textModel();
            NDArray ids = m.create(new long[] {151643, 151643, 9707, 1879, 0, 13}).reshape(1, 6);
            NDArray mask = m.create(new long[] {0, 0, 1, 1, 1, 1}).reshape(1, 6); // left padding
            RopeIndex.Result pos = RopeIndex.getRopeIndex(ids, null, mask, config);
            float[] h = text.forward(text.embed(ids), pos.positionIds(), mask).toFloatArray();
            for (float x : h) {
                assertThat(Float.isFinite(x)).isTrue();
            }
        }
    }

    @Test
    void aRightPaddedBatchOfTwoImagePromptsEqualsTheSingleRuns() throws Exception {
        try (NDManager m = runtime.newManager();
                SafetensorsFile bang = SafetensorsFile.open(TestPaths.qwen25vl("cases/full_forward_bang.safetensors"))) {
            Qwen25VLModel model = Qwen25VLModel.load(m, TestPaths.qwen25vl("model.safetensors"), config);
            NDArray ids0 = golden.load(m, "input_ids"); // L = 260
            NDArray ids1 = bang.load(m, "input_ids"); // L = 255, a '!' (id 0) masked at 249
            NDArray pixels = golden.load(m, "pixel_values");
            long[][] grid = {{1, 8, 10}};
            NDArray mask0 = Step1XEmbedder.attentionMask(ids0);
            NDArray mask1 = Step1XEmbedder.attentionMask(ids1);
            NDArray single0 = model.forward(ids0, mask0, pixels, grid);
            NDArray single1 = model.forward(ids1, mask1, pixels, grid);

            NDArray pad = m.full(new ai.djl.ndarray.types.Shape(1, 5), 151643L);
            NDArray ids = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(ids0,
                    ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(ids1, pad), 1)), 0);
            NDArray mask = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(mask0,
                    ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(mask1, pad.zerosLike()), 1)), 0);
            NDArray batch = model.forward(ids, mask, pixels.concat(pixels, 0), new long[][] {{1, 8, 10}, {1, 8, 10}});
            float d0 = batch.get(0).sub(single0.get(0)).abs().max().getFloat();
            float d1 = batch.get(new ai.djl.ndarray.index.NDIndex("1, :255")).sub(single1.get(0)).abs().max().getFloat();
            System.out.printf(Locale.ROOT, "batch vs single runs: row 0 %.3e, row 1 %.3e%n", d0, d1);
            assertThat(d0).isLessThan(1e-5f);
            assertThat(d1).isLessThan(1e-5f);
        }
    }

    @Test
    void repeatedForwardsLeaveNoLiveArrays() throws Exception {
        try (NDManager m = runtime.newManager()) {
            Qwen25VLModel model = Qwen25VLModel.load(m, TestPaths.qwen25vl("model.safetensors"), config);
            NDArray ids = golden.load(m, "input_ids");
            NDArray mask = golden.load(m, "attention_mask");
            NDArray pixels = golden.load(m, "pixel_values");
            long[][] grid = {{1, 8, 10}};
            Step1XEmbedder embedder = new Step1XEmbedder(model);
            model.forward(ids, mask, pixels, grid).close(); // warm-up
            int before = ((BaseNDManager) m).getManagedArrays().size();
            float[] first = null;
            for (int i = 0; i < 20; i++) {
                try (NDArray out = model.forward(ids, mask, pixels, grid)) {
                    if (first == null) {
                        first = out.toFloatArray();
                    }
                }
                Step1XEmbedder.Output e = embedder.embed(ids, pixels, grid);
                e.embs().close();
                e.masks().close();
                // a tap sees copies (which it owns): the forward itself leaves nothing behind
                try (NDManager shownOn = m.newSubManager()) {
                    model.forward(ids, null, pixels, grid, new TapRecorder(shownOn)).close();
                }
            }
            int after = ((BaseNDManager) m).getManagedArrays().size();
            assertThat(after).as("live arrays before %d, after 20 rounds %d", before, after).isEqualTo(before);
            try (NDArray again = model.forward(ids, mask, pixels, grid)) {
                assertThat(again.toFloatArray()).containsExactly(first);
            }
        }
    }

    private static void check(NDManager m, String name, NDArray actual, Tolerance tol) throws Exception {
        NDArray expected = golden.load(m, name);
        TensorComparison.Result r = TensorComparison.compare(actual, expected, tol);
        System.out.printf(Locale.ROOT, "decoder %-28s max abs diff %.3e  %s%n", name, r.maxAbsDiff(),
                r.pass() ? "PASS" : "FAIL");
        assertThat(r.pass()).as(name + ": " + r.note() + " (max abs diff " + r.maxAbsDiff() + ")").isTrue();
    }
}

package dev.step1x.engine.dit;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.RecordingTap;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.nn.LoadedParams;
import dev.step1x.engine.nn.Precision;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.Checkpoint;
import dev.step1x.engine.weights.SafetensorsFile;
import dev.step1x.engine.weights.StrictLoader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The DiT computing in float16: stays float16 inside, returns float32, and clamps its residual streams. */
class Step1XEditFp16Test {

    static final EngineRuntime RT = EngineRuntime.startDefault();
    static final Path SET = TestPaths.parityDir().resolve("step1x");

    private static Map<String, NDArray> weights(NDManager m, DataType type) throws Exception {
        Step1XParams p = Step1XParams.fromJson(SET.resolve("dit_config.json"));
        Qwen2ConnectorConfig c = Qwen2ConnectorConfig.fromJson(SET.resolve("connector_config.json"));
        try (Checkpoint ckpt = Checkpoint.open(SET.resolve("dit.safetensors"))) {
            return new HashMap<>(StrictLoader.loadAll(m, Step1XEdit.weightSpec(p, c, ModelVersion.V1_0), ckpt, type,
                    Set.of()));
        }
    }

    private static Step1XEdit dit(Map<String, NDArray> w) throws Exception {
        return new Step1XEdit(new LoadedParams(w), Step1XParams.fromJson(SET.resolve("dit_config.json")),
                Qwen2ConnectorConfig.fromJson(SET.resolve("connector_config.json")), ModelVersion.V1_0);
    }

    /** The forward's intermediates (as the DiT shows them to a tap), {@code pred} and the {@code golden} pred. */
    private static Map<String, NDArray> run(NDManager m, Step1XEdit dit) throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(SET.resolve("dit_forward.safetensors"))) {
            EmbedND.Rope pe = dit.rope(f.load(m, "in.txt_ids"), f.load(m, "in.img_ids"));
            RecordingTap tap = new RecordingTap(m);
            NDArray pred = dit.forward(f.load(m, "in.img"), pe, f.load(m, "in.timesteps"), f.load(m, "in.llm_embedding"),
                    f.load(m, "in.t_vec"), f.load(m, "in.mask"), tap);
            Map<String, NDArray> out = new HashMap<>(tap.tensors());
            out.put("pred", pred);
            out.put("golden", f.load(m, "out.pred"));
            return out;
        }
    }

    @Test
    void computesInFloat16InsideAndReturnsFloat32() throws Exception {
        try (NDManager m = RT.newManager()) {
            Step1XEdit dit = dit(weights(m, DataType.FLOAT16));
            assertThat(dit.dataType()).isEqualTo(DataType.FLOAT16);
            Map<String, NDArray> out = run(m, dit);
            // a silent promotion to float32 anywhere on the residual path would show here
            for (String mid : new String[] {"connector.txt", "img_in", "time_in", "txt_in",
                    "double_blocks.0.img", "double_blocks.0.txt", "single_blocks.0.out", "final_layer.in.vec"}) {
                assertThat(out.get(mid).getDataType()).as(mid).isEqualTo(DataType.FLOAT16);
            }
            NDArray pred = out.get("pred");
            assertThat(pred.getDataType()).isEqualTo(DataType.FLOAT32);
            double diff = pred.sub(out.get("golden")).abs().max().getFloat();
            // float16 keeps ~3 significant digits; the golden tensor is float32 and O(1)
            assertThat(diff).isGreaterThan(0).isLessThan(1e-2);
        }
    }

    /**
     * A double block whose MLP output overflows float16: clamped, the stream saturates at 65504 and the
     * forward stays finite; unclamped it would be inf, and the next LayerNorm turns inf into NaN.
     */
    @Test
    void overflowingResidualStreamIsClampedNotInfinite() throws Exception {
        try (NDManager m = RT.newManager()) {
            Map<String, NDArray> w = weights(m, DataType.FLOAT16);
            String bias = "double_blocks.0.img_mlp.2.bias";
            w.put(bias, w.get(bias).add(1e6f)); // add(1e6) in float16 gives +inf bias entries
            assertThat(w.get(bias).isInfinite().any().getBoolean()).isTrue();
            Map<String, NDArray> out = run(m, dit(w));
            NDArray stream = out.get("double_blocks.0.img");
            assertThat(stream.isInfinite().any().getBoolean()).isFalse();
            assertThat(stream.toType(DataType.FLOAT32, false).max().getFloat()).isEqualTo(Precision.FP16_MAX);
            NDArray pred = out.get("pred");
            assertThat(pred.isNaN().any().getBoolean()).isFalse();
            assertThat(pred.isInfinite().any().getBoolean()).isFalse();
        }
    }
}

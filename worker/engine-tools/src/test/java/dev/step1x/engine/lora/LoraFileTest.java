package dev.step1x.engine.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.Checkpoint;
import dev.step1x.engine.weights.DType;
import dev.step1x.engine.weights.SafetensorsFile;
import dev.step1x.engine.weights.SafetensorsWriter;
import dev.step1x.engine.weights.TensorInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraFileTest {

    static final EngineRuntime RT = EngineRuntime.startDefault();

    static Path lora(String file) {
        return TestPaths.parityDir().resolve("step1x_lora").resolve(file);
    }

    static LoraTargets tinyTargets() throws Exception {
        return Step1XEdit.loraTargets(Step1XParams.fromJson(TestPaths.step1x("dit_config.json")),
                Qwen2ConnectorConfig.fromJson(TestPaths.step1x("connector_config.json")));
    }

    /** The 32 module names of the README's table, in the official creation order's groups. */
    @Test
    void tinyDitTargetsAreTheOfficialThirtyTwoModules() throws Exception {
        LoraTargets t = tinyTargets();
        List<String> expected = new ArrayList<>();
        for (int b = 0; b < 2; b++) {
            for (String s : List.of("img", "txt")) {
                for (String layer : List.of("mod_lin", "attn_qkv", "attn_proj", "mlp_0", "mlp_2")) {
                    expected.add("lora_unet_double_blocks_" + b + "_" + s + "_" + layer);
                }
            }
        }
        for (int b = 0; b < 2; b++) {
            for (String layer : List.of("linear1", "linear2", "modulation_lin")) {
                expected.add("lora_unet_single_blocks_" + b + "_" + layer);
            }
        }
        expected.addAll(List.of("lora_unet_img_in", "lora_unet_time_in_in_layer", "lora_unet_time_in_out_layer",
                "lora_unet_vector_in_in_layer", "lora_unet_vector_in_out_layer", "lora_unet_txt_in"));
        assertThat(t.byName().keySet()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(t.byName().get("lora_unet_single_blocks_1_linear1").weightKey())
                .isEqualTo("single_blocks.1.linear1.weight");
        assertThat(t.byName().get("lora_unet_single_blocks_1_linear1").splits()).containsExactly(64, 64, 64, 256);
        assertThat(t.byName().get("lora_unet_double_blocks_0_txt_attn_qkv").splits()).containsExactly(64, 64, 64);
        assertThat(t.byName().get("lora_unet_img_in").splits()).isNull();
        assertThat(LoraTargets.isTargetKey("final_layer.linear.weight")).isFalse();
        assertThat(LoraTargets.isTargetKey("connector.S.input_embedder.weight")).isFalse();
    }

    @Test
    void fullSizeDitHas310Targets() {
        LoraTargets t = Step1XEdit.loraTargets(Step1XParams.official(), Qwen2ConnectorConfig.official());
        assertThat(t.size()).isEqualTo(19 * 10 + 38 * 3 + 6);
        assertThat(t.byWeightKey("single_blocks.37.linear1.weight").splits()).containsExactly(3072, 3072, 3072, 12288);
        assertThat(t.byName().keySet()).noneMatch(n -> n.contains("connector") || n.contains("final_layer"));
    }

    @Test
    void goldenFilesFitAndTextEncoderKeysAreIgnored() throws Exception {
        LoraTargets t = tinyTargets();
        try (LoraFile plain = LoraFile.open(lora("lora.safetensors")); LoraFile split = LoraFile.open(lora("lora_split.safetensors"))) {
            assertThat(plain.check(t)).isEmpty();
            assertThat(plain.modules()).hasSize(32);
            assertThat(plain.ignoredKeys()).isEmpty();
            assertThat(split.check(t)).isEmpty();
            assertThat(split.modules()).hasSize(32);
            assertThat(split.ignoredKeys()).hasSize(21).allMatch(k -> k.startsWith("lora_te_"));
            LoraFile.Module qkv = split.modules().get("lora_unet_double_blocks_0_img_attn_qkv");
            assertThat(qkv.rank()).isEqualTo(12);
            assertThat(split.scale(qkv)).isEqualTo(2f / 12);
            assertThat(split.scale(split.modules().get("lora_unet_single_blocks_1_linear1"))).isEqualTo(2f / 16);
            assertThat(plain.scale(plain.modules().get("lora_unet_txt_in"))).isEqualTo(0.5f);
        }
    }

    /** Every problem of a bad file comes back in one exception, and the good modules do not hide them. */
    @Test
    void aMismatchedFileIsRefusedWithEveryProblemListed(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("bad.safetensors");
        try (NDManager m = RT.newManager()) {
            SafetensorsWriter w = new SafetensorsWriter();
            // fine
            w.add("lora_unet_img_in.alpha", scalar(m, 4f), DType.F32);
            w.add("lora_unet_img_in.lora_down.weight", m.ones(new ai.djl.ndarray.types.Shape(4, 64)), DType.BF16);
            w.add("lora_unet_img_in.lora_up.weight", m.ones(new ai.djl.ndarray.types.Shape(64, 4)), DType.F16);
            // wrong shape (in 64 expected)
            w.add("lora_unet_txt_in.alpha", scalar(m, 4f), DType.F32);
            w.add("lora_unet_txt_in.lora_down.weight", m.ones(new ai.djl.ndarray.types.Shape(4, 64)), DType.F32);
            w.add("lora_unet_txt_in.lora_up.weight", m.ones(new ai.djl.ndarray.types.Shape(64, 4)), DType.F32);
            // missing alpha
            w.add("lora_unet_double_blocks_0_img_mlp_0.lora_down.weight", m.ones(new ai.djl.ndarray.types.Shape(4, 64)), DType.F32);
            w.add("lora_unet_double_blocks_0_img_mlp_0.lora_up.weight", m.ones(new ai.djl.ndarray.types.Shape(256, 4)), DType.F32);
            // never targeted, unknown to the DiT, other LoRA kinds, Qwen (te3), diffusers naming
            w.add("lora_unet_final_layer_linear.alpha", scalar(m, 1f), DType.F32);
            w.add("lora_unet_double_blocks_7_img_mlp_0.alpha", scalar(m, 1f), DType.F32);
            w.add("lora_unet_double_blocks_0_img_mlp_2.hada_w1_a", m.ones(new ai.djl.ndarray.types.Shape(4, 4)), DType.F32);
            w.add("lora_te3_model_layers_0_mlp_up_proj.alpha", scalar(m, 1f), DType.F32);
            w.add("transformer.single_transformer_blocks.0.attn.to_q.lora_A.weight", m.ones(new ai.djl.ndarray.types.Shape(4, 4)), DType.F32);
            // ignored like the official inference does
            w.add("lora_te_model_layers_0_mlp_up_proj.alpha", scalar(m, 1f), DType.F32);
            w.write(bad);
        }
        LoraTargets t = tinyTargets();
        assertThatThrownBy(() -> LoraMerge.open(List.of(LoraSpec.of(bad)), t))
                .isInstanceOf(LoraMismatchException.class)
                .satisfies(e -> {
                    List<String> p = ((LoraMismatchException) e).problems();
                    assertThat(p).hasSize(7);
                    assertThat(String.join("\n", p))
                            .contains("lora_unet_txt_in: lora_down [4, 64] and lora_up [64, 4] do not fit txt_in.weight [64, 128]")
                            .contains("lora_unet_double_blocks_0_img_mlp_0 has no lora_unet_double_blocks_0_img_mlp_0.alpha")
                            .contains("lora_unet_final_layer_linear is not a LoRA target")
                            .contains("lora_unet_double_blocks_7_img_mlp_0 is not a LoRA target")
                            .contains("unsupported suffix 'hada_w1_a'")
                            .contains("text-encoder (Qwen) LoRA")
                            .contains("transformer.single_transformer_blocks.0.attn.to_q.lora_A.weight' is not a kohya DiT LoRA key")
                            .doesNotContain("lora_unet_img_in:")
                            .doesNotContain("lora_te_model");
                });
    }

    /**
     * A file in the per-split form (what the trainer holds before saving) merges exactly like the re-combined file
     * the trainer saves: lora_split.safetensors taken apart into per-split factors gives the same weights.
     */
    @Test
    void perSplitFormMergesLikeTheRecombinedFile(@TempDir Path tmp) throws Exception {
        LoraTargets t = tinyTargets();
        Path perSplit = tmp.resolve("per_split.safetensors");
        try (NDManager m = RT.newManager(); SafetensorsFile f = SafetensorsFile.open(lora("lora_split.safetensors"))) {
            SafetensorsWriter w = new SafetensorsWriter();
            for (TensorInfo info : f.tensors().values()) {
                String key = info.name();
                String module = key.substring(0, key.indexOf('.'));
                LoraTargets.Target target = t.byName().get(module);
                if (target == null || target.splits() == null || key.endsWith(".alpha")) {
                    w.add(key, f.load(m, key), DType.F32);
                    continue;
                }
                NDArray whole = f.load(m, key);
                int n = target.splits().length;
                long r = (key.contains("lora_down") ? whole.getShape().get(0) : whole.getShape().get(1)) / n;
                long row = 0;
                for (int i = 0; i < n; i++) {
                    if (key.contains("lora_down")) {
                        w.add(module + ".lora_down." + i + ".weight", whole.get("{}:{}", i * r, (i + 1) * r), DType.F32);
                    } else {
                        long rows = target.splits()[i];
                        w.add(module + ".lora_up." + i + ".weight",
                                whole.get("{}:{}, {}:{}", row, row + rows, i * r, (i + 1) * r), DType.F32);
                        row += rows;
                    }
                }
            }
            w.write(perSplit);
        }
        try (NDManager m = RT.newManager(); Checkpoint base = Checkpoint.open(TestPaths.step1x("dit.safetensors"));
                LoraMerge combined = LoraMerge.open(List.of(LoraSpec.of(lora("lora_split.safetensors"))), t);
                LoraMerge split = LoraMerge.open(List.of(LoraSpec.of(perSplit)), t);
                LoraFile sf = LoraFile.open(perSplit)) {
            assertThat(sf.modules().get("lora_unet_single_blocks_0_linear1").isSplit()).isTrue();
            assertThat(split.mergedKeys()).isEqualTo(combined.mergedKeys()).hasSize(32);
            for (String key : List.of("double_blocks.0.img_attn.qkv.weight", "single_blocks.1.linear1.weight",
                    "double_blocks.1.txt_attn.proj.weight")) {
                NDArray w = base.load(m, key, DataType.FLOAT32);
                assertThat(split.merge(key, w).toFloatArray()).as(key).containsExactly(combined.merge(key, w).toFloatArray());
            }
        }
    }

    /** The multiplier scales the delta (the golden set's multiplier is 1.0 and cannot tell). */
    @Test
    void multiplierScalesTheDelta() throws Exception {
        LoraTargets t = tinyTargets();
        String key = "double_blocks.0.img_attn.qkv.weight";
        try (NDManager m = RT.newManager(); Checkpoint base = Checkpoint.open(TestPaths.step1x("dit.safetensors"));
                LoraMerge one = LoraMerge.open(List.of(LoraSpec.of(lora("lora.safetensors"))), t);
                LoraMerge half = LoraMerge.open(List.of(new LoraSpec(lora("lora.safetensors"), 0.5f)), t);
                LoraMerge twice = LoraMerge.open(List.of(LoraSpec.of(lora("lora.safetensors")),
                        new LoraSpec(lora("lora.safetensors"), -1f)), t)) {
            NDArray w = base.load(m, key, DataType.FLOAT32);
            NDArray d1 = one.merge(key, w).sub(w);
            NDArray dh = half.merge(key, w).sub(w);
            assertThat(d1.abs().max().getFloat()).isGreaterThan(0.05f);
            assertThat(dh.mul(2).sub(d1).abs().max().getFloat()).isLessThan(1e-6f);
            // +1 then -1: back to the base within float32 rounding
            assertThat(twice.merge(key, w).sub(w).abs().max().getFloat()).isLessThan(1e-6f);
        }
    }

    /** Per merged weight, the Frobenius norm of merged - base equals the golden mid.delta_fro.* (all 32 modules). */
    @Test
    void everyModuleIsMergedByTheRightAmount() throws Exception {
        LoraTargets t = tinyTargets();
        for (String[] c : new String[][] {{"lora.safetensors", "lora_merge.safetensors"},
            {"lora_split.safetensors", "lora_merge_split.safetensors"}}) {
            try (NDManager m = RT.newManager(); Checkpoint base = Checkpoint.open(TestPaths.step1x("dit.safetensors"));
                    LoraMerge merge = LoraMerge.open(List.of(LoraSpec.of(lora(c[0]))), t);
                    SafetensorsFile golden = SafetensorsFile.open(lora(c[1]))) {
                int checked = 0;
                for (String name : golden.tensors().keySet()) {
                    if (!name.startsWith("mid.delta_fro.")) {
                        continue;
                    }
                    String key = name.substring("mid.delta_fro.".length());
                    NDArray w = base.load(m, key, DataType.FLOAT32);
                    float[] d = merge.merge(key, w).sub(w).toFloatArray();
                    double fro = 0;
                    for (float v : d) {
                        fro += (double) v * v;
                    }
                    double expected = golden.load(m, name).toFloatArray()[0];
                    assertThat(Math.sqrt(fro)).as(key).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5 * expected));
                    checked++;
                }
                assertThat(checked).isEqualTo(32);
            }
        }
    }

    @Test
    void specParsesFileAndMultiplier() {
        assertThat(LoraSpec.parse("/a/b.safetensors:0.75")).isEqualTo(new LoraSpec(Path.of("/a/b.safetensors"), 0.75f));
        assertThat(LoraSpec.parse("/a/b.safetensors")).isEqualTo(new LoraSpec(Path.of("/a/b.safetensors"), 1f));
        assertThat(LoraSpec.parse("c:/x.safetensors").multiplier()).isEqualTo(1f);
    }

    private static NDArray scalar(NDManager m, float v) {
        return m.create(v);
    }
}

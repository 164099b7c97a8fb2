package dev.step1x.engine.mllm.qwen25vl;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.step1x.engine.SpecAssert;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.weights.Checkpoint;
import dev.step1x.engine.weights.DType;
import dev.step1x.engine.weights.StrictLoader;
import dev.step1x.engine.weights.TensorInfo;
import dev.step1x.engine.weights.WeightSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Qwen25VLModelWeightSpecTest {

    @Test
    void tinySpecFromParityConfigMatchesParityWeights() throws Exception {
        WeightSpec spec = Qwen25VLModel.weightSpec(Qwen25VLConfig.fromJson(TestPaths.qwen25vl("config.json")));

        SpecAssert.assertSameKeysAndShapes(spec, SpecAssert.safetensorsShapes(TestPaths.qwen25vl("model.safetensors")),
                "qwen25vl/model.safetensors");
        assertThat(spec.size()).isEqualTo(80);
    }

    @Test
    void tinySpecFollowsTheSummaryInOrder() throws Exception {
        JsonObject weights = JsonParser.parseString(Files.readString(TestPaths.qwen25vl("summary.json")))
                .getAsJsonObject().getAsJsonObject("weights");
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : weights.entrySet()) {
            var dims = e.getValue().getAsJsonArray().get(1).getAsJsonArray();
            long[] s = new long[dims.size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = dims.get(i).getAsLong();
            }
            shapes.put(e.getKey(), s);
        }
        WeightSpec spec = Qwen25VLModel.weightSpec(Qwen25VLConfig.fromJson(TestPaths.qwen25vl("config.json")));

        SpecAssert.assertSameKeysAndShapes(spec, shapes, "qwen25vl/summary.json weights");
        assertThat(spec.shapes().keySet()).containsExactlyElementsOf(shapes.keySet());
    }

    @Test
    void fullSize7BSpec() {
        Qwen25VLConfig c = Qwen25VLConfig.qwen25Vl7BInstruct();
        WeightSpec spec = Qwen25VLModel.weightSpec(c);

        // text 2 + 28 * 12 = 338, visual 1 + 32 * 12 + 5 = 390; the hub file adds lm_head (729).
        assertThat(spec.shapes().keySet().stream().filter(k -> k.startsWith("model."))).hasSize(338);
        assertThat(spec.shapes().keySet().stream().filter(k -> k.startsWith("visual."))).hasSize(390);
        assertThat(spec.size()).isEqualTo(728);
        // With the [152064, 3584] LM head this is the published 8.29 B (8,292,166,656) of Qwen2.5-VL-7B-Instruct.
        assertThat(spec.numParams() + 152_064L * 3584).isEqualTo(8_292_166_656L);
        assertThat(spec.shapes()).doesNotContainKey(Qwen25VLModel.LM_HEAD_KEY);
        assertThat(Qwen25VLModel.ignorableKeys(c)).containsExactly("lm_head.weight");

        assertThat(spec.shapes().get("model.layers.27.self_attn.k_proj.weight")).containsExactly(512, 3584);
        assertThat(spec.shapes().get("model.layers.0.mlp.down_proj.weight")).containsExactly(3584, 18944);
        assertThat(spec.shapes().get("visual.patch_embed.proj.weight")).containsExactly(1280, 3, 2, 14, 14);
        assertThat(spec.shapes().get("visual.blocks.31.mlp.gate_proj.weight")).containsExactly(3420, 1280);
        assertThat(spec.shapes().get("visual.merger.mlp.0.weight")).containsExactly(5120, 5120);
        assertThat(spec.shapes().get("visual.merger.mlp.2.weight")).containsExactly(3584, 5120);
        assertThat(spec.shapes()).doesNotContainKey("model.layers.0.self_attn.o_proj.bias")
                .doesNotContainKey("visual.patch_embed.proj.bias")
                .doesNotContainKey("visual.merger.ln_q.bias");
    }

    @Test
    void lmHeadIsIgnoredWhenPresentAndNotRequiredWhenAbsent() throws Exception {
        Qwen25VLConfig c = Qwen25VLConfig.fromJson(TestPaths.qwen25vl("config.json"));
        WeightSpec spec = Qwen25VLModel.weightSpec(c);
        Path file = TestPaths.qwen25vl("model.safetensors");
        try (Checkpoint ckpt = Checkpoint.open(file)) {
            // The tiny file has no lm_head, like a tied checkpoint.
            StrictLoader.Report absent = StrictLoader.check(spec, ckpt.tensors(), "tiny", Qwen25VLModel.ignorableKeys(c));
            assertThat(absent.ok()).as(absent.describe()).isTrue();
            assertThat(absent.ignored()).isEmpty();

            // The 7B file has an untied lm_head: skipped, not reported as unused.
            Map<String, TensorInfo> withHead = new LinkedHashMap<>(ckpt.tensors());
            withHead.put(Qwen25VLModel.LM_HEAD_KEY, new TensorInfo(Qwen25VLModel.LM_HEAD_KEY, DType.BF16,
                    new long[] {c.vocabSize(), c.hiddenSize()}, 0, 0, file));
            StrictLoader.Report present = StrictLoader.check(spec, withHead, "tiny + lm_head", Qwen25VLModel.ignorableKeys(c));
            assertThat(present.ok()).as(present.describe()).isTrue();
            assertThat(present.ignored()).containsExactly("lm_head.weight");
            StrictLoader.Report strict = StrictLoader.check(spec, withHead, "tiny + lm_head", Set.of());
            assertThat(strict.unused()).containsExactly("lm_head.weight");
        }
    }

    @Test
    void legacyKeyMapsNewTransformersNames() {
        assertThat(Qwen25VLModel.legacyKey("model.language_model.layers.3.mlp.up_proj.weight"))
                .isEqualTo("model.layers.3.mlp.up_proj.weight");
        assertThat(Qwen25VLModel.legacyKey("model.visual.blocks.0.attn.qkv.bias")).isEqualTo("visual.blocks.0.attn.qkv.bias");
        assertThat(Qwen25VLModel.legacyKey("model.norm.weight")).isEqualTo("model.norm.weight");
        assertThat(Qwen25VLModel.legacyKey("visual.merger.ln_q.weight")).isEqualTo("visual.merger.ln_q.weight");
        assertThat(Qwen25VLModel.legacyKey("lm_head.weight")).isEqualTo("lm_head.weight");
    }
}

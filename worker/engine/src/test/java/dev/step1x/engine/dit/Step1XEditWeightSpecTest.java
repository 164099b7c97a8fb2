package dev.step1x.engine.dit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.engine.InvalidConfigException;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.SpecAssert;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.weights.WeightSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Step1XEditWeightSpecTest {

    private static final String V10_FILE = "step1x-edit-i1258.safetensors";

    @Test
    void fullSizeV10MatchesTheReleasedCheckpointKeys() throws Exception {
        SpecAssert.Official official = SpecAssert.official(TestPaths.step1x("official_full_size_keys.json"), V10_FILE);
        WeightSpec spec = Step1XEdit.weightSpec(Step1XParams.official(), Qwen2ConnectorConfig.official(), ModelVersion.V1_0);

        SpecAssert.assertSameKeysAndShapes(spec, official.keys(), V10_FILE);
        assertThat(spec.size()).isEqualTo(817).isEqualTo(official.numTensors());
        assertThat(spec.numParams()).isEqualTo(12_427_800_385L).isEqualTo(official.numParams());
        // Declared in module registration order, so a loader walking the spec reads in checkpoint order.
        assertThat(new ArrayList<>(spec.shapes().keySet())).containsExactlyElementsOf(official.keys().keySet());
    }

    @Test
    void fullSizeV11IsV10WithoutScaleFactor() throws Exception {
        WeightSpec v10 = Step1XEdit.weightSpec(Step1XParams.official(), Qwen2ConnectorConfig.official(), ModelVersion.V1_0);
        WeightSpec v11 = Step1XEdit.weightSpec(Step1XParams.official(), Qwen2ConnectorConfig.official(), ModelVersion.V1_1);

        assertThat(v10.shapes()).containsKey("connector.scale_factor");
        assertThat(v10.shapes().get("connector.scale_factor")).containsExactly(1L);
        assertThat(v11.shapes()).doesNotContainKey("connector.scale_factor");
        assertThat(new ArrayList<>(v11.shapes().keySet()))
                .containsExactlyElementsOf(SpecAssert.keysWithout(v10, "connector.scale_factor"));
        assertThat(v11.size()).isEqualTo(816);
        assertThat(v11.numParams()).isEqualTo(12_427_800_384L);
    }

    @ParameterizedTest
    @CsvSource({"dit.safetensors, V1_0, 121", "dit_bf16.safetensors, V1_0, 121", "dit_v11.safetensors, V1_1, 120"})
    void tinySpecFromParityConfigMatchesParityWeights(String file, ModelVersion version, int tensors) throws Exception {
        Path config = TestPaths.step1x("dit_config.json");
        WeightSpec spec = Step1XEdit.weightSpec(Step1XParams.fromJson(config), Qwen2ConnectorConfig.fromJson(config), version);

        SpecAssert.assertSameKeysAndShapes(spec, SpecAssert.safetensorsShapes(TestPaths.step1x(file)), file);
        assertThat(spec.size()).isEqualTo(tensors);
    }

    @Test
    void blockShapesFollowTheParams() {
        WeightSpec spec = Step1XEdit.weightSpec(Step1XParams.official(), Qwen2ConnectorConfig.official(), ModelVersion.V1_1);
        assertThat(spec.shapes().get("double_blocks.18.img_mod.lin.weight")).containsExactly(18432, 3072);
        assertThat(spec.shapes().get("double_blocks.0.txt_attn.norm.key_norm.scale")).containsExactly(128);
        assertThat(spec.shapes().get("single_blocks.37.linear1.weight")).containsExactly(21504, 3072);
        assertThat(spec.shapes().get("single_blocks.0.linear2.weight")).containsExactly(3072, 15360);
        assertThat(spec.shapes().get("final_layer.adaLN_modulation.1.weight")).containsExactly(6144, 3072);
        assertThat(spec.shapes()).doesNotContainKey("double_blocks.19.img_mod.lin.weight")
                .doesNotContainKey("single_blocks.38.linear1.weight")
                .doesNotContainKey("guidance_in.in_layer.weight");
    }

    @Test
    void qkvBiasFalseDropsOnlyTheQkvBiases() {
        Step1XParams p = Step1XParams.official();
        Step1XParams noBias = new Step1XParams(p.inChannels(), p.outChannels(), p.vecInDim(), p.contextInDim(),
                p.hiddenSize(), p.mlpRatio(), p.numHeads(), p.depth(), p.depthSingleBlocks(), p.axesDim(), p.theta(), false);
        List<String> removed = new ArrayList<>(Step1XEdit.weightSpec(p, Qwen2ConnectorConfig.official(), ModelVersion.V1_1)
                .shapes().keySet());
        removed.removeAll(Step1XEdit.weightSpec(noBias, Qwen2ConnectorConfig.official(), ModelVersion.V1_1).shapes().keySet());
        assertThat(removed).hasSize(2 * 19).allMatch(k -> k.matches("double_blocks\\.\\d+\\.(img|txt)_attn\\.qkv\\.bias"));
    }

    @Test
    void connectorMustFitTheDitInputs() {
        Step1XParams p = Step1XParams.official();
        Step1XParams wrongVec = new Step1XParams(64, 64, 512, 4096, 3072, 4.0, 24, 1, 1, List.of(16, 56, 56), 10000, true);
        assertThatThrownBy(() -> Step1XEdit.weightSpec(wrongVec, Qwen2ConnectorConfig.official(), ModelVersion.V1_0))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("vec_in_dim"))
                .hasMessageContaining("768");
        Qwen2ConnectorConfig narrow = new Qwen2ConnectorConfig(3584, 2048, 16, 2, false);
        assertThatThrownBy(() -> Step1XEdit.weightSpec(p, narrow, ModelVersion.V1_0))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("context_in_dim"))
                .hasMessageContaining("2048");
    }
}

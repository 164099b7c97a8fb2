package dev.step1x.engine.connector;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.SpecAssert;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.weights.WeightSpec;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Qwen2ConnectorWeightSpecTest {

    @Test
    void tinySpecMatchesConnectorSafetensors() throws Exception {
        Qwen2ConnectorConfig config = Qwen2ConnectorConfig.fromJson(TestPaths.step1x("connector_config.json"));
        WeightSpec spec = Qwen2Connector.weightSpec(config, ModelVersion.V1_0);

        SpecAssert.assertSameKeysAndShapes(spec,
                SpecAssert.safetensorsShapes(TestPaths.step1x("connector.safetensors")), "connector.safetensors");
        assertThat(spec.size()).isEqualTo(41);
    }

    @Test
    void fullSizeSpecMatchesTheConnectorPartOfTheReleasedCheckpoint() throws Exception {
        SpecAssert.Official official = SpecAssert.official(TestPaths.step1x("official_full_size_keys.json"),
                "step1x-edit-i1258.safetensors");
        Map<String, long[]> connectorKeys = new LinkedHashMap<>();
        official.keys().forEach((k, v) -> {
            if (k.startsWith("connector.")) {
                connectorKeys.put(k, v);
            }
        });
        WeightSpec spec = Qwen2Connector.weightSpec(Qwen2ConnectorConfig.official(), ModelVersion.V1_0);

        SpecAssert.assertSameKeysAndShapes(spec, connectorKeys, "connector.* of step1x-edit-i1258.safetensors");
        assertThat(spec.size()).isEqualTo(2 + 1 + 2 + 4 + 4 + 2 * 14);
        assertThat(spec.numParams()).isEqualTo(SpecAssert.numParams(connectorKeys));
        assertThat(spec.shapes().get("connector.S.c_embedder.linear_1.weight")).containsExactly(4096, 3584);
        assertThat(spec.shapes().get("connector.S.individual_token_refiner.blocks.1.adaLN_modulation.1.weight"))
                .containsExactly(8192, 4096);
    }

    @Test
    void v11HasNoScaleFactor() {
        WeightSpec v11 = Qwen2Connector.weightSpec(Qwen2ConnectorConfig.official(), ModelVersion.V1_1);
        assertThat(v11.shapes()).doesNotContainKey("connector.scale_factor").hasSize(40);
    }

    @Test
    void hardCodedConstantsAgreeWithTheParityDescription() throws Exception {
        JsonObject hard = JsonParser.parseString(Files.readString(TestPaths.step1x("connector_config.json")))
                .getAsJsonObject().getAsJsonObject("hard_coded_in_official_code");
        assertThat(hard.get("global_proj_out_features").getAsInt()).isEqualTo(Qwen2ConnectorConfig.GLOBAL_PROJ_OUT_FEATURES);
        assertThat(hard.get("mlp_width_ratio").getAsDouble()).isEqualTo(Qwen2ConnectorConfig.MLP_WIDTH_RATIO);
        assertThat(hard.get("act_type").getAsString()).isEqualTo(Qwen2ConnectorConfig.ACT_TYPE);
        assertThat(hard.get("qk_norm").getAsBoolean()).isEqualTo(Qwen2ConnectorConfig.QK_NORM);
        assertThat(hard.get("qkv_bias").getAsBoolean()).isEqualTo(Qwen2ConnectorConfig.QKV_BIAS);
        assertThat(hard.get("frequency_embedding_size").getAsInt()).isEqualTo(Qwen2ConnectorConfig.FREQUENCY_EMBEDDING_SIZE);
        assertThat(hard.get("max_period").getAsInt()).isEqualTo(Qwen2ConnectorConfig.MAX_PERIOD);
        assertThat(hard.get("scale_factor_init").getAsDouble()).isEqualTo(Qwen2ConnectorConfig.SCALE_FACTOR_INIT);
        assertThat(hard.get("timestep_multiplier").getAsDouble()).isEqualTo(Qwen2ConnectorConfig.TIMESTEP_MULTIPLIER);
    }
}

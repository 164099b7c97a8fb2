package dev.step1x.engine.mllm.qwen25vl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.step1x.engine.ConfigJson;
import dev.step1x.engine.InvalidConfigException;
import dev.step1x.engine.TestPaths;
import java.nio.file.Files;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class Qwen25VLConfigTest {

    @Test
    void readsTheTinyHubLayoutConfig() throws Exception {
        Qwen25VLConfig c = Qwen25VLConfig.fromJson(TestPaths.qwen25vl("config.json"));
        assertThat(c.hiddenSize()).isEqualTo(40);
        assertThat(c.intermediateSize()).isEqualTo(96);
        assertThat(c.numHiddenLayers()).isEqualTo(2);
        assertThat(c.numAttentionHeads()).isEqualTo(4);
        assertThat(c.numKeyValueHeads()).isEqualTo(2);
        assertThat(c.headDim()).isEqualTo(10);
        assertThat(c.kvDim()).isEqualTo(20);
        assertThat(c.rmsNormEps()).isEqualTo(1e-6);
        assertThat(c.ropeTheta()).isEqualTo(1_000_000.0);
        assertThat(c.vocabSize()).isEqualTo(151936);
        assertThat(c.tieWordEmbeddings()).isFalse();
        assertThat(c.mropeSection()).containsExactly(1, 2, 2);
        assertThat(c.visionStartTokenId()).isEqualTo(151652);
        assertThat(c.visionEndTokenId()).isEqualTo(151653);
        assertThat(c.imageTokenId()).isEqualTo(151655);
        Qwen25VLConfig.VisionConfig v = c.visionConfig();
        assertThat(v).isEqualTo(new Qwen25VLConfig.VisionConfig(4, 64, 128, 2, "silu", 3, 40, 14, 2, 2, 112, List.of(1, 3), 2));
        assertThat(v.headDim()).isEqualTo(32);
        assertThat(v.mergedHiddenSize()).isEqualTo(256);
        assertThat(v.patchFeatures()).isEqualTo(1176);
    }

    @Test
    void officialValuesAndRoundTrip() {
        Qwen25VLConfig c = Qwen25VLConfig.qwen25Vl7BInstruct();
        assertThat(c.headDim()).isEqualTo(128);
        assertThat(c.kvDim()).isEqualTo(512);
        assertThat(c.visionConfig().fullattBlockIndexes()).containsExactly(7, 15, 23, 31);
        JsonObject obj = JsonParser.parseString(ConfigJson.toJson(c)).getAsJsonObject();
        assertThat(obj.getAsJsonObject("vision_config").has("in_chans")).isTrue();
        assertThat(obj.getAsJsonObject("rope_scaling").getAsJsonArray("mrope_section")).hasSize(3);
        assertThat(Qwen25VLConfig.fromJson(obj.toString())).isEqualTo(c);
    }

    @Test
    void acceptsAlternateSpellings() throws Exception {
        JsonObject obj = tiny();
        JsonObject vision = obj.getAsJsonObject("vision_config");
        vision.add("in_channels", vision.remove("in_chans"));
        JsonObject rope = obj.getAsJsonObject("rope_scaling");
        rope.add("rope_type", rope.remove("type"));
        Qwen25VLConfig c = Qwen25VLConfig.fromJson(obj.toString());
        assertThat(c.visionConfig().inChans()).isEqualTo(3);
        assertThat(c.ropeScaling().type()).isEqualTo("mrope");
    }

    @Test
    void errorsNameTheField() throws Exception {
        expectError(o -> o.remove("num_key_value_heads"), "num_key_value_heads").hasMessageContaining("missing");
        expectError(o -> o.addProperty("num_key_value_heads", 3), "num_key_value_heads");
        expectError(o -> o.addProperty("num_attention_heads", 3), "hidden_size");
        expectError(o -> o.getAsJsonObject("rope_scaling").add("mrope_section", ints(2, 2, 2)), "rope_scaling.mrope_section")
                .hasMessageContaining("head_dim / 2");
        expectError(o -> o.getAsJsonObject("rope_scaling").add("mrope_section", ints(1, 4)), "rope_scaling.mrope_section")
                .hasMessageContaining("3 entries");
        expectError(o -> o.getAsJsonObject("rope_scaling").addProperty("type", "yarn"), "rope_scaling.type");
        expectError(o -> o.remove("vision_config"), "vision_config");
        expectError(o -> o.getAsJsonObject("vision_config").remove("in_chans"), "vision_config.in_chans");
        expectError(o -> o.getAsJsonObject("vision_config").addProperty("num_heads", 3), "vision_config.hidden_size");
        expectError(o -> o.getAsJsonObject("vision_config").add("fullatt_block_indexes", ints(1, 4)),
                "vision_config.fullatt_block_indexes").hasMessageContaining("depth = 4");
        expectError(o -> o.getAsJsonObject("vision_config").addProperty("window_size", 100), "vision_config.window_size");
        expectError(o -> o.getAsJsonObject("vision_config").addProperty("out_hidden_size", 64), "vision_config.out_hidden_size");
        expectError(o -> o.getAsJsonObject("vision_config").addProperty("depth", "4"), "vision_config.depth");
        expectError(o -> o.addProperty("image_token_id", 200000), "image_token_id");
        expectError(o -> o.addProperty("use_sliding_window", true), "use_sliding_window");
    }

    private static JsonObject tiny() throws Exception {
        return JsonParser.parseString(Files.readString(TestPaths.qwen25vl("config.json"))).getAsJsonObject();
    }

    private static JsonArray ints(int... values) {
        JsonArray a = new JsonArray();
        for (int v : values) {
            a.add(v);
        }
        return a;
    }

    private static org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> expectError(
            Consumer<JsonObject> edit, String field) throws Exception {
        JsonObject obj = tiny();
        edit.accept(obj);
        return assertThatThrownBy(() -> Qwen25VLConfig.fromJson(obj.toString()))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo(field))
                .hasMessageContaining(field);
    }
}

package dev.step1x.engine.dit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.step1x.engine.ConfigJson;
import dev.step1x.engine.InvalidConfigException;
import dev.step1x.engine.TestPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Step1XParamsTest {

    @Test
    void readsTheNestedParityLayout() throws Exception {
        Step1XParams p = Step1XParams.fromJson(TestPaths.step1x("dit_config.json"));
        assertThat(p).isEqualTo(new Step1XParams(64, 64, 768, 128, 64, 4.0, 2, 2, 2, List.of(8, 12, 12), 10000, true));
        assertThat(p.headDim()).isEqualTo(32);
        assertThat(p.mlpHiddenDim()).isEqualTo(256);
    }

    @Test
    void officialValues() {
        Step1XParams p = Step1XParams.official();
        assertThat(p.hiddenSize()).isEqualTo(3072);
        assertThat(p.numHeads()).isEqualTo(24);
        assertThat(p.depth()).isEqualTo(19);
        assertThat(p.depthSingleBlocks()).isEqualTo(38);
        assertThat(p.axesDim()).containsExactly(16, 56, 56);
        assertThat(p.contextInDim()).isEqualTo(4096);
        assertThat(p.headDim()).isEqualTo(128);
        assertThat(p.mlpHiddenDim()).isEqualTo(12288);
    }

    @Test
    void writesAndReadsTheUpstreamFieldNames() {
        String json = ConfigJson.toJson(Step1XParams.official());
        JsonObject obj = JsonParser.parseString(json).getAsJsonObject();
        assertThat(obj.keySet()).containsExactly("in_channels", "out_channels", "vec_in_dim", "context_in_dim",
                "hidden_size", "mlp_ratio", "num_heads", "depth", "depth_single_blocks", "axes_dim", "theta", "qkv_bias");
        assertThat(Step1XParams.fromJson(json)).isEqualTo(Step1XParams.official());
    }

    @Test
    void missingFieldIsNamedWithItsPath() {
        expectError(o -> params(o).remove("depth_single_blocks"), "params.depth_single_blocks")
                .hasMessageContaining("missing");
        expectError(o -> params(o).add("qkv_bias", com.google.gson.JsonNull.INSTANCE), "params.qkv_bias");
    }

    @Test
    void wrongJsonTypesAreNamed() {
        expectError(o -> params(o).addProperty("hidden_size", "64"), "params.hidden_size")
                .hasMessageContaining("expected an integer");
        expectError(o -> params(o).addProperty("depth", 2.5), "params.depth").hasMessageContaining("expected an integer");
        expectError(o -> params(o).addProperty("qkv_bias", 1), "params.qkv_bias").hasMessageContaining("true or false");
        expectError(o -> params(o).addProperty("axes_dim", 32), "params.axes_dim").hasMessageContaining("array");
        expectError(o -> params(o).getAsJsonArray("axes_dim").set(1, new JsonPrimitive("x")), "params.axes_dim[1]");
    }

    @Test
    void inconsistentValuesAreNamed() {
        expectError(o -> params(o).addProperty("num_heads", 3), "params.hidden_size")
                .hasMessageContaining("not divisible by num_heads 3");
        expectError(o -> params(o).add("axes_dim", ints(8, 12, 14)), "params.axes_dim")
                .hasMessageContaining("sum(axes_dim) = 34").hasMessageContaining("32");
        expectError(o -> params(o).add("axes_dim", ints(7, 13, 12)), "params.axes_dim").hasMessageContaining("even");
        expectError(o -> params(o).addProperty("mlp_ratio", -1.0), "params.mlp_ratio");
        expectError(o -> params(o).addProperty("in_channels", 0), "params.in_channels").hasMessageContaining("positive");
        expectError(o -> params(o).addProperty("depth", -1), "params.depth");
    }

    @Test
    void flatLayoutHasUnprefixedFieldNames() {
        JsonObject flat = JsonParser.parseString(ConfigJson.toJson(Step1XParams.official())).getAsJsonObject();
        flat.addProperty("num_heads", 7);
        assertThatThrownBy(() -> Step1XParams.fromJson(flat.toString()))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("hidden_size"));
    }

    @Test
    void constructorChecksToo() {
        assertThatThrownBy(() -> new Step1XParams(64, 64, 768, 4096, 3072, 4.0, 24, 19, 38, List.of(16, 56, 48), 10000, true))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("axes_dim"));
    }

    @Test
    void fileErrorsNameTheFile(@TempDir Path dir) throws Exception {
        JsonObject root = parityLayout();
        params(root).remove("theta");
        Path file = dir.resolve("bad_dit_config.json");
        Files.writeString(file, root.toString());
        assertThatThrownBy(() -> Step1XParams.fromJson(file))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> {
                    assertThat(e.field()).isEqualTo("params.theta");
                    assertThat(e.source()).isEqualTo(file.toString());
                })
                .hasMessageContaining("bad_dit_config.json").hasMessageContaining("params.theta");
    }

    @Test
    void notJsonIsAClearError() {
        assertThatThrownBy(() -> Step1XParams.fromJson("{not json")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> Step1XParams.fromJson("[1, 2]")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("JSON object");
    }

    private static JsonObject parityLayout() {
        JsonObject root = new JsonObject();
        root.add("params", JsonParser.parseString(ConfigJson.toJson(
                new Step1XParams(64, 64, 768, 128, 64, 4.0, 2, 2, 2, List.of(8, 12, 12), 10000, true))));
        return root;
    }

    private static JsonObject params(JsonObject root) {
        return root.getAsJsonObject("params");
    }

    private static JsonArray ints(int... values) {
        JsonArray a = new JsonArray();
        for (int v : values) {
            a.add(v);
        }
        return a;
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> expectError(Consumer<JsonObject> edit, String field) {
        JsonObject root = parityLayout();
        edit.accept(root);
        return assertThatThrownBy(() -> Step1XParams.fromJson(root.toString()))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo(field))
                .hasMessageContaining(field);
    }
}

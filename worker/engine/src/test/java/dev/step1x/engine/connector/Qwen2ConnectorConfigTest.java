package dev.step1x.engine.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.step1x.engine.ConfigJson;
import dev.step1x.engine.InvalidConfigException;
import dev.step1x.engine.TestPaths;
import org.junit.jupiter.api.Test;

class Qwen2ConnectorConfigTest {

    private static final Qwen2ConnectorConfig TINY = new Qwen2ConnectorConfig(40, 128, 2, 2, false);

    @Test
    void readsBothParityLayouts() throws Exception {
        assertThat(Qwen2ConnectorConfig.fromJson(TestPaths.step1x("connector_config.json"))).isEqualTo(TINY);
        assertThat(Qwen2ConnectorConfig.fromJson(TestPaths.step1x("dit_config.json"))).isEqualTo(TINY);
        assertThat(TINY.headDim()).isEqualTo(64);
        assertThat(TINY.mlpHiddenDim()).isEqualTo(512);
    }

    @Test
    void officialValuesAndRoundTrip() {
        Qwen2ConnectorConfig c = Qwen2ConnectorConfig.official();
        assertThat(c).isEqualTo(new Qwen2ConnectorConfig(3584, 4096, 32, 2, false));
        assertThat(c.headDim()).isEqualTo(128);
        JsonObject obj = JsonParser.parseString(ConfigJson.toJson(c)).getAsJsonObject();
        assertThat(obj.keySet()).containsExactly("in_channels", "hidden_size", "heads_num", "depth", "need_CA");
        assertThat(Qwen2ConnectorConfig.fromJson(obj.toString())).isEqualTo(c);
    }

    @Test
    void errorsNameTheField() {
        expectError("{\"in_channels\":40,\"hidden_size\":128,\"heads_num\":3,\"depth\":2,\"need_CA\":false}", "hidden_size")
                .hasMessageContaining("heads_num 3");
        expectError("{\"in_channels\":40,\"hidden_size\":128,\"heads_num\":2,\"depth\":2}", "need_CA")
                .hasMessageContaining("missing");
        expectError("{\"in_channels\":40,\"hidden_size\":128,\"heads_num\":2,\"depth\":2,\"need_CA\":true}", "need_CA")
                .hasMessageContaining("not supported");
        expectError("{\"connector\":{\"in_channels\":\"40\",\"hidden_size\":128,\"heads_num\":2,\"depth\":2,\"need_CA\":false}}",
                "connector.in_channels");
    }

    private static org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> expectError(String json, String field) {
        return assertThatThrownBy(() -> Qwen2ConnectorConfig.fromJson(json))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo(field));
    }
}

package dev.step1x.engine.vae;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.step1x.engine.ConfigJson;
import dev.step1x.engine.InvalidConfigException;
import dev.step1x.engine.TestPaths;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class AutoEncoderParamsTest {

    @Test
    void readsTheParityConfig() throws Exception {
        assertThat(AutoEncoderParams.fromJson(TestPaths.step1x("vae_config.json")))
                .isEqualTo(new AutoEncoderParams(256, 3, 32, 3, List.of(1, 2, 4, 4), 1, 16, 0.3611, 0.1159));
    }

    @Test
    void officialValuesAndRoundTrip() {
        AutoEncoderParams p = AutoEncoderParams.official();
        assertThat(p.ch()).isEqualTo(128);
        assertThat(p.numResBlocks()).isEqualTo(2);
        assertThat(p.scaleFactor()).isEqualTo(0.3611);
        assertThat(p.shiftFactor()).isEqualTo(0.1159);
        assertThat(p.downsampleFactor()).isEqualTo(8);
        JsonObject obj = JsonParser.parseString(ConfigJson.toJson(p)).getAsJsonObject();
        assertThat(obj.keySet()).containsExactly("resolution", "in_channels", "ch", "out_ch", "ch_mult", "num_res_blocks",
                "z_channels", "scale_factor", "shift_factor");
        assertThat(AutoEncoderParams.fromJson(obj.toString())).isEqualTo(p);
    }

    @Test
    void errorsNameTheField() {
        expectError(o -> o.addProperty("ch", 48), "ch").hasMessageContaining("32");
        expectError(o -> o.add("ch_mult", new JsonArray()), "ch_mult").hasMessageContaining("empty");
        expectError(o -> o.getAsJsonArray("ch_mult").set(2, new com.google.gson.JsonPrimitive(0)), "ch_mult");
        expectError(o -> o.remove("z_channels"), "z_channels").hasMessageContaining("missing");
        expectError(o -> o.addProperty("scale_factor", "0.3611"), "scale_factor").hasMessageContaining("number");
        expectError(o -> o.addProperty("num_res_blocks", 0), "num_res_blocks");
    }

    private static org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> expectError(
            Consumer<JsonObject> edit, String field) {
        JsonObject obj = JsonParser.parseString(ConfigJson.toJson(AutoEncoderParams.official())).getAsJsonObject();
        edit.accept(obj);
        return assertThatThrownBy(() -> AutoEncoderParams.fromJson(obj.toString()))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo(field))
                .hasMessageContaining(field);
    }
}

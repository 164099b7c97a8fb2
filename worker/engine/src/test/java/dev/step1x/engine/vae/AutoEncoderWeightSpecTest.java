package dev.step1x.engine.vae;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.engine.SpecAssert;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.weights.WeightSpec;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;

class AutoEncoderWeightSpecTest {

    @Test
    void fullSizeMatchesTheReleasedVae() throws Exception {
        SpecAssert.Official official = SpecAssert.official(TestPaths.step1x("official_full_size_keys.json"), "vae.safetensors");
        WeightSpec spec = AutoEncoder.weightSpec(AutoEncoderParams.official());

        SpecAssert.assertSameKeysAndShapes(spec, official.keys(), "vae.safetensors");
        assertThat(spec.size()).isEqualTo(244).isEqualTo(official.numTensors());
        assertThat(spec.numParams()).isEqualTo(83_819_683L).isEqualTo(official.numParams());
        assertThat(new ArrayList<>(spec.shapes().keySet())).containsExactlyElementsOf(official.keys().keySet());
    }

    @Test
    void tinySpecFromParityConfigMatchesParityWeights() throws Exception {
        WeightSpec spec = AutoEncoder.weightSpec(AutoEncoderParams.fromJson(TestPaths.step1x("vae_config.json")));

        SpecAssert.assertSameKeysAndShapes(spec, SpecAssert.safetensorsShapes(TestPaths.step1x("vae.safetensors")),
                "parity vae.safetensors");
        assertThat(spec.size()).isEqualTo(180);
    }

    @Test
    void shortcutsOnlyWhereTheWidthChanges() {
        WeightSpec spec = AutoEncoder.weightSpec(AutoEncoderParams.official());
        assertThat(spec.shapes().keySet().stream().filter(k -> k.contains("nin_shortcut.weight")))
                .containsExactlyInAnyOrder("encoder.down.1.block.0.nin_shortcut.weight",
                        "encoder.down.2.block.0.nin_shortcut.weight", "decoder.up.0.block.0.nin_shortcut.weight",
                        "decoder.up.1.block.0.nin_shortcut.weight");
        assertThat(spec.shapes().get("decoder.up.1.block.0.nin_shortcut.weight")).containsExactly(256, 512, 1, 1);
        assertThat(spec.shapes().get("encoder.conv_out.weight")).containsExactly(32, 512, 3, 3);
        assertThat(spec.shapes()).doesNotContainKey("decoder.up.0.upsample.conv.weight")
                .doesNotContainKey("encoder.down.3.downsample.conv.weight");
    }
}

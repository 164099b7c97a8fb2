package dev.step1x.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLConfig;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLModel;
import dev.step1x.engine.parity.ParityPaths;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.tokenizer.TestTokenizer;
import dev.step1x.engine.vae.AutoEncoderParams;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RandomModelTest {

    static final Path PARITY = ParityPaths.defaultParityDir();

    static RandomModel.Configs tiny() throws Exception {
        Path s = PARITY.resolve("step1x");
        return new RandomModel.Configs(Step1XParams.fromJson(s.resolve("dit_config.json")),
                Qwen2ConnectorConfig.fromJson(s.resolve("connector_config.json")),
                AutoEncoderParams.fromJson(s.resolve("vae_config.json")),
                Qwen25VLConfig.fromJson(PARITY.resolve("qwen25vl").resolve("config.json")));
    }

    @Test
    void editsWholeBatchesOnRandomWeightsOfTheGivenShapes() throws Exception {
        EngineRuntime rt = EngineRuntime.startDefault();
        try (Step1XEditPipeline engine = RandomModel.open(rt, tiny(), TestTokenizer.path())) {
            assertThat(engine.describe()).contains("(random weights)").contains("v1.0").contains("v1.1");
            byte[] px = new byte[40 * 30 * 3];
            for (int i = 0; i < px.length; i++) {
                px[i] = (byte) (i * 7);
            }
            dev.step1x.engine.image.RgbImage img = new dev.step1x.engine.image.RgbImage(40, 30, px);
            List<EditOutput> out = engine.edit(List.of(
                    new EditInput(img, "make it red", "", 64, 2, 6f, 1, ModelVersion.V1_0),
                    new EditInput(img, "把它变成蓝色", "", 64, 2, 4f, 2, ModelVersion.V1_0)));
            assertThat(out).hasSize(2).allSatisfy(o -> {
                assertThat(o.atInputSize().width()).isEqualTo(40);
                assertThat(o.atInputSize().height()).isEqualTo(30);
            });
            assertThat(out.get(0).image()).isNotEqualTo(out.get(1).image());
        }
    }

    /** FP8 bytes, offloaded blocks and a random per-request adapter on random weights (what the benchmarks use). */
    @Test
    void fp8OffloadAndARandomAdapterRunOnRandomWeights() throws Exception {
        EngineRuntime rt = EngineRuntime.startDefault();
        dev.step1x.engine.dit.DitOptions o = dev.step1x.engine.dit.DitOptions.defaults().withFp8(true).withOffload(true)
                .withAdapterCacheBytes(16L << 20);
        try (Step1XEditPipeline engine = RandomModel.open(rt, tiny(), TestTokenizer.path(), o)) {
            assertThat(engine.describe()).contains("fp8").contains("blocks offloaded").contains("adapter cache 16 MiB");
            AdapterRef a = RandomModel.addRandomAdapter(engine, "r4", 4);
            assertThat(engine.adapters().residentBytes()).isEqualTo(dev.step1x.engine.lora.AdapterCache.bytesForRank(
                    engine.adapters().targets(), 4, ai.djl.ndarray.types.DataType.FLOAT32));
            dev.step1x.engine.image.RgbImage img = new dev.step1x.engine.image.RgbImage(40, 30, new byte[40 * 30 * 3]);
            EditInput plain = new EditInput(img, "make it red", "", 64, 2, 6f, 1, ModelVersion.V1_1);
            List<EditOutput> out = engine.edit(List.of(plain.withAdapter(a), plain));
            assertThat(out).hasSize(2);
            assertThat(out.get(0).image()).isNotEqualTo(out.get(1).image()); // same request, the adapter moved it
            assertThat(engine.planner(ModelVersion.V1_1).ditOptions()).isEqualTo(o);
        }
    }

    /** The smoke configuration keeps every width of the official model and only cuts the stacks. */
    @Test
    void atMostBlocksKeepsTheOfficialWidths() {
        RandomModel.Configs full = RandomModel.Configs.official();
        RandomModel.Configs one = full.withAtMostBlocks(1);
        assertThat(one.dit().depth()).isEqualTo(1);
        assertThat(one.dit().depthSingleBlocks()).isEqualTo(1);
        assertThat(one.dit().hiddenSize()).isEqualTo(3072);
        assertThat(one.qwen().numHiddenLayers()).isEqualTo(1);
        assertThat(one.qwen().hiddenSize()).isEqualTo(3584);
        assertThat(one.qwen().visionConfig().depth()).isEqualTo(1);
        assertThat(one.qwen().visionConfig().fullattBlockIndexes()).containsExactly(0);
        // per-block keys are the official ones: the one-block trees are prefixes of the full trees
        var fullDit = Step1XEdit.weightSpec(full.dit(), full.connector(), ModelVersion.V1_1).shapes();
        Step1XEdit.weightSpec(one.dit(), one.connector(), ModelVersion.V1_1).shapes()
                .forEach((k, v) -> assertThat(fullDit.get(k)).as(k).isEqualTo(v));
        var fullQwen = Qwen25VLModel.weightSpec(full.qwen()).shapes();
        Qwen25VLModel.weightSpec(one.qwen()).shapes().forEach((k, v) -> assertThat(fullQwen.get(k)).as(k).isEqualTo(v));
        assertThat(full.withAtMostBlocks(100)).isEqualTo(full);
        assertThatThrownBy(() -> full.withAtMostBlocks(0)).hasMessageContaining("blocks must be >= 1");
    }
}

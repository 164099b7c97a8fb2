package dev.step1x.engine.dit;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.SafetensorsFile;
import org.junit.jupiter.api.Test;

/** Memory discipline: repeated forwards leave nothing behind on the manager. */
class Step1XEditMemoryTest {

    @Test
    void twoHundredForwardsDoNotGrowTheLiveArrayCount() throws Exception {
        try (NDManager m = EngineRuntime.startDefault().newManager();
                SafetensorsFile f = SafetensorsFile.open(TestPaths.step1x("dit_forward.safetensors"))) {
            Step1XEdit dit = Step1XEdit.load(m, TestPaths.step1x("dit.safetensors"),
                    Step1XParams.fromJson(TestPaths.step1x("dit_config.json")),
                    Qwen2ConnectorConfig.fromJson(TestPaths.step1x("connector_config.json")), ModelVersion.V1_0,
                    DataType.FLOAT32);
            NDArray img = f.load(m, "in.img");
            NDArray imgIds = f.load(m, "in.img_ids");
            NDArray txtIds = f.load(m, "in.txt_ids");
            NDArray t = f.load(m, "in.timesteps");
            NDArray llm = f.load(m, "in.llm_embedding");
            NDArray mask = f.load(m, "in.mask");
            dit.forward(img, imgIds, txtIds, t, llm, t, mask).close(); // warm-up
            int before = ((BaseNDManager) m).getManagedArrays().size();
            float[] first = null;
            for (int i = 0; i < 200; i++) {
                try (NDArray out = dit.forward(img, imgIds, txtIds, t, llm, t, mask)) {
                    if (first == null) {
                        first = out.toFloatArray();
                    }
                }
            }
            int after = ((BaseNDManager) m).getManagedArrays().size();
            assertThat(after).as("live arrays before %d, after 200 forwards %d", before, after).isEqualTo(before);
            try (NDArray again = dit.forward(img, imgIds, txtIds, t, llm, t, mask)) {
                assertThat(again.toFloatArray()).containsExactly(first);
            }
        }
    }

    @Test
    void chunkedAttentionGivesTheSameForward() throws Exception {
        try (NDManager m = EngineRuntime.startDefault().newManager();
                SafetensorsFile f = SafetensorsFile.open(TestPaths.step1x("dit_forward.safetensors"))) {
            Step1XEdit dit = Step1XEdit.load(m, TestPaths.step1x("dit.safetensors"),
                    Step1XParams.fromJson(TestPaths.step1x("dit_config.json")),
                    Qwen2ConnectorConfig.fromJson(TestPaths.step1x("connector_config.json")), ModelVersion.V1_0,
                    DataType.FLOAT32);
            Object[] in = {f.load(m, "in.img"), f.load(m, "in.img_ids"), f.load(m, "in.txt_ids"),
                f.load(m, "in.timesteps"), f.load(m, "in.llm_embedding"), f.load(m, "in.mask")};
            dit.setAttentionQueryChunk(0);
            float[] whole = dit.forward((NDArray) in[0], (NDArray) in[1], (NDArray) in[2], (NDArray) in[3],
                    (NDArray) in[4], (NDArray) in[3], (NDArray) in[5]).toFloatArray();
            dit.setAttentionQueryChunk(8);
            float[] chunked = dit.forward((NDArray) in[0], (NDArray) in[1], (NDArray) in[2], (NDArray) in[3],
                    (NDArray) in[4], (NDArray) in[3], (NDArray) in[5]).toFloatArray();
            for (int i = 0; i < whole.length; i++) {
                assertThat(chunked[i]).isCloseTo(whole[i], org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
    }
}

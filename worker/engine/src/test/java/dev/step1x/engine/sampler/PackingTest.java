package dev.step1x.engine.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.SafetensorsFile;
import org.junit.jupiter.api.Test;

class PackingTest {

    @Test
    void packUsesTheOfficialIndexConvention() {
        try (NDManager m = EngineRuntime.startDefault().newManager()) {
            // latents [1, 2, 4, 6]: value = c*100 + y*10 + x
            float[] v = new float[2 * 4 * 6];
            for (int c = 0; c < 2; c++) {
                for (int y = 0; y < 4; y++) {
                    for (int x = 0; x < 6; x++) {
                        v[c * 24 + y * 6 + x] = c * 100 + y * 10 + x;
                    }
                }
            }
            NDArray packed = Packing.pack(m.create(v, new Shape(1, 2, 4, 6)));
            assertThat(packed.getShape()).isEqualTo(new Shape(1, 6, 8));
            // token (row 1, col 2) = index 1*3 + 2 = 5; feature c*4 + ph*2 + pw
            float[] token5 = packed.get("0, 5").toFloatArray();
            assertThat(token5[1 * 4 + 1 * 2 + 0]).isEqualTo(100 + 3 * 10 + 4); // c=1, y=2+1, x=4+0
            assertThat(token5[0 * 4 + 0 * 2 + 1]).isEqualTo(0 + 2 * 10 + 5);   // c=0, y=2, x=4+1
            assertThat(Packing.unpack(packed, 2, 3).toFloatArray()).containsExactly(v);
        }
    }

    @Test
    void packAndIdsEqualTheGoldenPrepare() throws Exception {
        for (ModelVersion version : ModelVersion.values()) {
            String file = version == ModelVersion.V1_0 ? "sampler_end2end.safetensors" : "sampler_end2end_v11.safetensors";
            try (SafetensorsFile f = SafetensorsFile.open(TestPaths.step1x(file));
                    NDManager m = EngineRuntime.startDefault().newManager()) {
                NDArray target = Packing.pack(f.load(m, "in.noise"));
                NDArray ref = Packing.pack(f.load(m, "mid.ref_latents"));
                NDArray img = target.concat(ref, 1);
                NDArray expectedImg = f.load(m, "mid.prepare.img");
                assertThat(img.concat(img, 0).toFloatArray()).as(file).containsExactly(expectedImg.toFloatArray());

                NDArray ids = Packing.targetIds(m, 4, 6).concat(Packing.referenceIds(m, 4, 6, version), 0);
                NDArray expectedIds = f.load(m, "mid.prepare.img_ids");
                assertThat(ids.expandDims(0).repeat(0, 2).toFloatArray()).as(file)
                        .containsExactly(expectedIds.toFloatArray());
                assertThat(Packing.textIds(m, 9).expandDims(0).repeat(0, 2).toFloatArray())
                        .containsExactly(f.load(m, "mid.prepare.txt_ids").toFloatArray());
            }
        }
    }

    @Test
    void unpackInvertsPackOnOddGrids() {
        try (NDManager m = EngineRuntime.startDefault().newManager()) {
            NDArray x = m.randomNormal(new Shape(3, 16, 10, 14));
            assertThat(Packing.unpack(Packing.pack(x), 5, 7).toFloatArray()).containsExactly(x.toFloatArray());
            assertThat(Packing.targetIds(m, 5, 7).getShape()).isEqualTo(new Shape(35, 3));
            assertThat(Packing.referenceIds(m, 5, 7, ModelVersion.V1_1).get("34").toFloatArray())
                    .containsExactly(1f, 5f, 7f);
            assertThat(Packing.referenceIds(m, 5, 7, ModelVersion.V1_0).getDataType()).isEqualTo(DataType.FLOAT32);
        }
    }
}

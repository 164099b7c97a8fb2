package dev.step1x.engine.dit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.Tap;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.lora.LoraAdapter;
import dev.step1x.engine.lora.LoraMerge;
import dev.step1x.engine.lora.LoraMismatchException;
import dev.step1x.engine.lora.LoraSpec;
import dev.step1x.engine.lora.LoraTargets;
import dev.step1x.engine.lora.RowAdapters;
import dev.step1x.engine.parity.TensorComparison;
import dev.step1x.engine.parity.Tolerance;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.sampler.Packing;
import dev.step1x.engine.weights.Checkpoint;
import dev.step1x.engine.weights.Float8;
import dev.step1x.engine.weights.SafetensorsFile;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** LoRA merged and unmerged, FP8 weights and block offload on the tiny DiT of the step1x set. */
class Step1XEditLoraFp8OffloadTest {

    static final EngineRuntime RT = EngineRuntime.startDefault();
    static final Path DIT = TestPaths.step1x("dit.safetensors");
    static final Path LORA = TestPaths.parityDir().resolve("step1x_lora").resolve("lora.safetensors");
    static final Path LORA_SPLIT = TestPaths.parityDir().resolve("step1x_lora").resolve("lora_split.safetensors");

    static Step1XParams params() throws Exception {
        return Step1XParams.fromJson(TestPaths.step1x("dit_config.json"));
    }

    static Qwen2ConnectorConfig connector() throws Exception {
        return Qwen2ConnectorConfig.fromJson(TestPaths.step1x("connector_config.json"));
    }

    static Step1XEdit load(NDManager m, Path file, DitOptions o) throws Exception {
        return Step1XEdit.load(m, file, params(), connector(), ModelVersion.V1_0, DataType.FLOAT32, o);
    }

    /** Random DiT inputs of {@code rows} rows (tiny shapes: 4x6 grid, 7 text tokens), fixed seed. */
    record Inputs(NDArray img, NDArray imgIds, NDArray txtIds, NDArray t, NDArray llm, NDArray mask) {
        static Inputs random(NDManager m, int rows) {
            m.getEngine().setRandomSeed(7);
            NDArray img = m.randomNormal(new Shape(rows, 48, 64));
            NDArray ids = Packing.targetIds(m, 4, 6).concat(Packing.referenceIds(m, 4, 6, ModelVersion.V1_0), 0)
                    .expandDims(0).repeat(0, rows);
            NDArray txtIds = Packing.textIds(m, 7).expandDims(0).repeat(0, rows);
            NDArray t = m.full(new Shape(rows), 0.7f);
            NDArray llm = m.randomNormal(new Shape(rows, 7, 40));
            long[] mask = new long[rows * 7];
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < (r % 2 == 0 ? 7 : 4); i++) {
                    mask[r * 7 + i] = 1;
                }
            }
            return new Inputs(img, ids, txtIds, t, llm, m.create(mask, new Shape(rows, 7)));
        }

        NDArray forward(Step1XEdit dit, RowAdapters adapters) {
            return dit.forward(img, dit.rope(txtIds, imgIds), t, llm, t, mask, adapters, Tap.NONE);
        }
    }

    private static double maxDiff(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }

    private static NDArray rows(NDArray x, int... r) {
        return x.get(x.getManager().create(Arrays.stream(r).mapToLong(i -> i).toArray()));
    }

    /**
     * One batch of three requests (rows 0-2 cond, 3-5 uncond): adapter A at 1.0, adapter B (the split-form file) at
     * 0.7, none. Each request's rows equal a forward of the DiT with its LoRA merged; the plain request's rows are
     * bit-identical to the plain forward.
     */
    @Test
    void unmergedAdaptersInOneMixedBatchEqualEachRequestWithItsLoraMerged() throws Exception {
        try (NDManager m = RT.newManager()) {
            Inputs in = Inputs.random(m, 6);
            LoraTargets targets = Step1XEdit.loraTargets(params(), connector());
            Step1XEdit plain = load(m, DIT, DitOptions.defaults());
            LoraAdapter a = LoraAdapter.load(m, "a", LORA, targets, DataType.FLOAT32);
            LoraAdapter b = LoraAdapter.load(m, "b", LORA_SPLIT, targets, DataType.FLOAT32);
            RowAdapters mixed = RowAdapters.forRequests(Arrays.asList(new RowAdapters.Use(a, 1f),
                    new RowAdapters.Use(b, 0.7f), null));
            NDArray unmerged = in.forward(plain, mixed);

            NDArray withA = in.forward(load(m, DIT, DitOptions.defaults().withLoras(List.of(LoraSpec.of(LORA)))),
                    RowAdapters.none());
            NDArray withB = in.forward(load(m, DIT, DitOptions.defaults().withLoras(List.of(new LoraSpec(LORA_SPLIT, 0.7f)))),
                    RowAdapters.none());
            NDArray none = in.forward(plain, RowAdapters.none());

            double da = maxDiff(rows(unmerged, 0, 3), rows(withA, 0, 3));
            double db = maxDiff(rows(unmerged, 1, 4), rows(withB, 1, 4));
            System.out.printf("unmerged vs merged: adapter a %.2e, adapter b %.2e%n", da, db);
            assertThat(da).isLessThan(2e-5);
            assertThat(db).isLessThan(2e-5);
            assertThat(rows(unmerged, 2, 5).toFloatArray()).containsExactly(rows(none, 2, 5).toFloatArray());
            // the adapters really move their rows (so the comparisons above can fail)
            assertThat(maxDiff(rows(unmerged, 0, 3), rows(none, 0, 3))).isGreaterThan(0.1);
            assertThat(maxDiff(rows(unmerged, 1, 4), rows(none, 1, 4))).isGreaterThan(0.05);
        }
    }

    /** The same adapter at two multipliers in one batch, and one adapter on every row (the no-gather path). */
    @Test
    void perRowMultipliersAndTheWholeBatchCase() throws Exception {
        try (NDManager m = RT.newManager()) {
            Inputs in = Inputs.random(m, 4);
            LoraTargets targets = Step1XEdit.loraTargets(params(), connector());
            Step1XEdit plain = load(m, DIT, DitOptions.defaults());
            LoraAdapter a = LoraAdapter.load(m, "a", LORA, targets, DataType.FLOAT32);
            NDArray two = in.forward(plain, RowAdapters.forRequests(List.of(new RowAdapters.Use(a, 1f),
                    new RowAdapters.Use(a, 0.5f))));
            NDArray all = in.forward(plain, RowAdapters.forRequests(List.of(new RowAdapters.Use(a, 0.5f),
                    new RowAdapters.Use(a, 0.5f))));
            NDArray full = in.forward(load(m, DIT, DitOptions.defaults().withLoras(List.of(LoraSpec.of(LORA)))),
                    RowAdapters.none());
            NDArray half = in.forward(load(m, DIT, DitOptions.defaults().withLoras(List.of(new LoraSpec(LORA, 0.5f)))),
                    RowAdapters.none());
            assertThat(maxDiff(rows(two, 0, 2), rows(full, 0, 2))).isLessThan(2e-5);
            assertThat(maxDiff(rows(two, 1, 3), rows(half, 1, 3))).isLessThan(2e-5);
            assertThat(maxDiff(all, half)).isLessThan(2e-5);
            assertThat(maxDiff(half, full)).isGreaterThan(0.05);
            assertThatThrownBy(() -> in.forward(plain, RowAdapters.forRequests(List.of(new RowAdapters.Use(a, 1f)))))
                    .hasMessageContaining("adapters for 2 rows, the batch has 4");
        }
    }

    /** Offloaded blocks compute exactly what resident blocks do (dense, FP8, with adapters); the copies are counted. */
    @Test
    void offloadedBlocksGiveTheResidentResult() throws Exception {
        try (NDManager m = RT.newManager()) {
            Inputs in = Inputs.random(m, 2);
            for (DitOptions o : List.of(DitOptions.defaults(), DitOptions.defaults().withFp8(true))) {
                Step1XEdit resident = load(m, DIT, o);
                Step1XEdit offloaded = load(m, DIT, o.withOffload(true));
                assertThat(offloaded.isOffloaded()).isTrue();
                LoraAdapter a = LoraAdapter.load(m, "a", LORA, Step1XEdit.loraTargets(params(), connector()),
                        DataType.FLOAT32);
                RowAdapters ra = RowAdapters.forRequests(List.of(new RowAdapters.Use(a, 1f)));
                assertThat(in.forward(offloaded, RowAdapters.none()).toFloatArray()).as(o.describe())
                        .containsExactly(in.forward(resident, RowAdapters.none()).toFloatArray());
                assertThat(in.forward(offloaded, ra).toFloatArray()).as(o.describe())
                        .containsExactly(in.forward(resident, ra).toFloatArray());
                assertThat(offloaded.offloadCopyStats()[1]).isEqualTo(2L * (2 + 2)); // 2 forwards x 4 blocks
            }
            DitWeights w = Step1XEdit.loadWeights(m, DIT, params(), connector(), ModelVersion.V1_0, DataType.FLOAT32,
                    DitOptions.defaults().withOffload(true));
            DitWeights all = Step1XEdit.loadWeights(m, DIT, params(), connector(), ModelVersion.V1_0, DataType.FLOAT32,
                    DitOptions.defaults());
            assertThat(w.hostBytes()).isPositive();
            assertThat(w.deviceBytes() + w.hostBytes()).isEqualTo(all.deviceBytes());
            assertThat(w.dense("double_blocks.0.img_mlp.0.weight").getDevice()).isEqualTo(ai.djl.Device.cpu());
        }
    }

    /**
     * A float checkpoint cast to e4m3fn at load computes the golden FP8 forward (its bytes are those of
     * dit_fp8.safetensors), with every Linear weight held as one byte per element.
     */
    @Test
    void castAtLoadComputesTheGoldenFp8Forward() throws Exception {
        Path set = TestPaths.parityDir().resolve("step1x_fp8");
        try (NDManager m = RT.newManager(); SafetensorsFile golden = SafetensorsFile.open(set.resolve("dit_forward_fp8.safetensors"))) {
            DitWeights w = Step1XEdit.loadWeights(m, DIT, params(), connector(), ModelVersion.V1_0, DataType.FLOAT32,
                    DitOptions.defaults().withFp8(true));
            assertThat(w.codes("single_blocks.0.linear1.weight").codes().getDataType()).isEqualTo(DataType.UINT8);
            assertThat(w.codes("connector.S.individual_token_refiner.blocks.0.mlp.fc1.weight")).isNotNull();
            assertThat(w.dense("single_blocks.0.linear1.bias")).isNotNull();
            Step1XEdit dit = new Step1XEdit(w, params(), connector(), ModelVersion.V1_0);
            NDArray pred = dit.forward(golden.load(m, "in.img"), dit.rope(golden.load(m, "in.txt_ids"),
                    golden.load(m, "in.img_ids")), golden.load(m, "in.timesteps"), golden.load(m, "in.llm_embedding"),
                    golden.load(m, "in.t_vec"), golden.load(m, "in.mask"), Tap.NONE);
            TensorComparison.Result r = TensorComparison.compare(pred, golden.load(m, "out.pred"), Tolerance.of(5e-5));
            assertThat(r.pass()).as("max diff " + r.maxAbsDiff()).isTrue();
            // dense float32 is far from it: the test can fail
            NDArray dense = load(m, DIT, DitOptions.defaults()).forward(golden.load(m, "in.img"),
                    golden.load(m, "in.img_ids"), golden.load(m, "in.txt_ids"), golden.load(m, "in.timesteps"),
                    golden.load(m, "in.llm_embedding"), golden.load(m, "in.t_vec"), golden.load(m, "in.mask"));
            assertThat(TensorComparison.compare(dense, golden.load(m, "out.pred"), Tolerance.of(5e-5)).pass()).isFalse();
            // an FP8 checkpoint without --fp8 is decoded at load and computes the same
            NDArray decoded = Step1XEdit.load(m, set.resolve("dit_fp8.safetensors"), params(), connector(),
                    ModelVersion.V1_0, DataType.FLOAT32).forward(golden.load(m, "in.img"), golden.load(m, "in.img_ids"),
                    golden.load(m, "in.txt_ids"), golden.load(m, "in.timesteps"), golden.load(m, "in.llm_embedding"),
                    golden.load(m, "in.t_vec"), golden.load(m, "in.mask"));
            assertThat(TensorComparison.compare(decoded, golden.load(m, "out.pred"), Tolerance.of(5e-5)).pass()).isTrue();

            long linear = 0;
            long other = 0;
            for (var e : Step1XEdit.weightSpec(params(), connector(), ModelVersion.V1_0).shapes().entrySet()) {
                long n = Arrays.stream(e.getValue()).reduce(1, (x, y) -> x * y);
                if (DitWeights.isLinearWeight(e.getKey(), e.getValue())) {
                    linear += n;
                } else {
                    other += n;
                }
            }
            assertThat(w.deviceBytes()).isEqualTo(linear + 4 * other);
        }
    }

    /** FP8 with a LoRA as the official code does it: cast, merge in float32, cast again. */
    @Test
    void fp8WithLoraMergesIntoTheCastWeightsAndCastsAgain() throws Exception {
        String key = "double_blocks.0.img_attn.qkv.weight";
        try (NDManager m = RT.newManager(); Checkpoint base = Checkpoint.open(DIT);
                LoraMerge merge = LoraMerge.open(List.of(LoraSpec.of(LORA)), Step1XEdit.loraTargets(params(), connector()))) {
            DitWeights w = Step1XEdit.loadWeights(m, DIT, params(), connector(), ModelVersion.V1_0, DataType.FLOAT32,
                    DitOptions.defaults().withFp8(true).withLoras(List.of(LoraSpec.of(LORA))));
            float[] original = base.load(m, key, DataType.FLOAT32).toFloatArray();
            float[] cast = new float[original.length];
            for (int i = 0; i < cast.length; i++) {
                cast[i] = Float8.Format.E4M3FN.decode(Float8.encodeE4m3fn(original[i], Float8.Overflow.SATURATE));
            }
            float[] merged = merge.merge(key, m.create(cast, new Shape(192, 64))).toFloatArray();
            byte[] expected = Float8.encodeE4m3fn(merged, Float8.Overflow.SATURATE);
            assertThat(w.codes(key).codes().toByteArray()).isEqualTo(expected);
            byte[] withoutLora = Float8.encodeE4m3fn(original, Float8.Overflow.SATURATE);
            assertThat(w.codes(key).codes().toByteArray()).isNotEqualTo(withoutLora);
        }
    }

    /** A missing file is one of the listed problems, not a separate failure. */
    @Test
    void aMissingLoraFileIsListedWithTheOtherProblems() throws Exception {
        try (NDManager m = RT.newManager()) {
            assertThatThrownBy(() -> Step1XEdit.load(m, DIT, params(), connector(), ModelVersion.V1_0, DataType.FLOAT32,
                    DitOptions.defaults().withLoras(List.of(LoraSpec.of(LORA), LoraSpec.of(Path.of("/nonexistent.safetensors"))))))
                    .isInstanceOf(LoraMismatchException.class).hasMessageContaining("nonexistent.safetensors");
        }
    }
}

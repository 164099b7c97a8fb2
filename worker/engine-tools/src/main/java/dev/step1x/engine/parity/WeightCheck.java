package dev.step1x.engine.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.connector.Qwen2Connector;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLConfig;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLModel;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.vae.AutoEncoder;
import dev.step1x.engine.vae.AutoEncoderParams;
import dev.step1x.engine.weights.Checkpoint;
import dev.step1x.engine.weights.StrictLoader;
import dev.step1x.engine.weights.TensorInfo;
import dev.step1x.engine.weights.WeightSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A parity weight file checked against the module tree its config implies: strict key and shape
 * match, then every tensor really loaded (BF16 widened) with the expected shape as FLOAT32.
 */
public record WeightCheck(String label, Path file, SpecSource spec, Set<String> ignorable) {

    public WeightCheck(String label, Path file, SpecSource spec) {
        this(label, file, spec, Set.of());
    }

    /** Builds the expected spec from the set's config files. */
    @FunctionalInterface
    public interface SpecSource {
        WeightSpec build() throws IOException;
    }

    /** The weight files of both sets, each with the spec its config implies. */
    public static List<WeightCheck> all(Path parityDir) {
        Path s = parityDir.resolve("step1x");
        Path q = parityDir.resolve("qwen25vl");
        SpecSource dit10 = () -> Step1XEdit.weightSpec(Step1XParams.fromJson(s.resolve("dit_config.json")),
                Qwen2ConnectorConfig.fromJson(s.resolve("connector_config.json")), ModelVersion.V1_0);
        SpecSource dit11 = () -> Step1XEdit.weightSpec(Step1XParams.fromJson(s.resolve("dit_config.json")),
                Qwen2ConnectorConfig.fromJson(s.resolve("connector_config.json")), ModelVersion.V1_1);
        SpecSource connector = () -> Qwen2Connector.weightSpec(
                Qwen2ConnectorConfig.fromJson(s.resolve("connector_config.json")), ModelVersion.V1_0);
        SpecSource vae = () -> AutoEncoder.weightSpec(AutoEncoderParams.fromJson(s.resolve("vae_config.json")));
        SpecSource qwen = () -> Qwen25VLModel.weightSpec(Qwen25VLConfig.fromJson(q.resolve("config.json")));
        // The real checkpoint also holds lm_head.weight, which an encoder never runs (the tiny one does not).
        Set<String> qwenIgnorable = Set.of(Qwen25VLModel.LM_HEAD_KEY);
        return List.of(
                new WeightCheck("step1x/dit.safetensors (v1.0)", s.resolve("dit.safetensors"), dit10),
                new WeightCheck("step1x/dit_bf16.safetensors (v1.0)", s.resolve("dit_bf16.safetensors"), dit10),
                new WeightCheck("step1x/dit_v11.safetensors (v1.1)", s.resolve("dit_v11.safetensors"), dit11),
                new WeightCheck("step1x/connector.safetensors", s.resolve("connector.safetensors"), connector),
                new WeightCheck("step1x/vae.safetensors", s.resolve("vae.safetensors"), vae),
                new WeightCheck("qwen25vl/model.safetensors", q.resolve("model.safetensors"), qwen, qwenIgnorable));
    }

    public ParityRunner.Row run(EngineRuntime runtime) {
        try (Checkpoint ckpt = Checkpoint.open(file); NDManager manager = runtime.newManager()) {
            WeightSpec expected = spec.build();
            Set<String> dtypes = new TreeSet<>();
            for (TensorInfo t : ckpt.tensors().values()) {
                dtypes.add(t.dtype().name());
            }
            String what = String.format(Locale.ROOT, "%d tensors, %,d params %s", expected.size(),
                    expected.numParams(), dtypes);
            StrictLoader.Report report = StrictLoader.check(expected, ckpt.tensors(), ckpt.description(), ignorable);
            if (!report.ok()) {
                return row(what, ParityRunner.Status.FAIL, report.describe());
            }
            Map<String, NDArray> loaded = StrictLoader.loadAll(manager, expected, ckpt, DataType.FLOAT32, ignorable);
            List<String> wrong = new ArrayList<>();
            for (Map.Entry<String, long[]> e : expected.shapes().entrySet()) {
                NDArray a = loaded.get(e.getKey());
                if (!java.util.Arrays.equals(a.getShape().getShape(), e.getValue()) || a.getDataType() != DataType.FLOAT32) {
                    wrong.add(e.getKey() + " loaded as " + a.getDataType() + a.getShape());
                }
            }
            if (!wrong.isEmpty()) {
                return row(what, ParityRunner.Status.FAIL, "loaded tensors differ from the spec: " + wrong);
            }
            return row(what, ParityRunner.Status.PASS, "");
        } catch (Exception e) {
            return row("(weights)", ParityRunner.Status.FAIL, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private ParityRunner.Row row(String tensor, ParityRunner.Status status, String note) {
        return new ParityRunner.Row("weights " + label, tensor, Double.NaN, "shapes", status, note);
    }
}

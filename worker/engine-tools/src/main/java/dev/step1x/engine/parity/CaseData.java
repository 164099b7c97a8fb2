package dev.step1x.engine.parity;

import dev.step1x.engine.nn.Precision;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a component sees of its case: the case file's tensors and metadata, the set's directory, the
 * runtime it runs on, and a place for comparisons that have no golden tensor (e.g. a batched request
 * against the same request run alone), which the runner reports beside the golden ones.
 */
public final class CaseData {

    /** A comparison the component made against a reference it computed itself; reported as a row named {@code label}. */
    public record ExtraCheck(String label, NDArray actual, NDArray expected, Tolerance tolerance) {}

    private final ParityCase parityCase;
    private final SafetensorsFile file;
    private final NDManager manager;
    private final Precision precision;
    private final EngineRuntime runtime;
    private final List<ExtraCheck> extraChecks = new ArrayList<>();

    CaseData(ParityCase parityCase, SafetensorsFile file, NDManager manager, Precision precision, EngineRuntime runtime) {
        this.parityCase = parityCase;
        this.file = file;
        this.manager = manager;
        this.precision = precision;
        this.runtime = runtime;
    }

    /**
     * The precision the run asks for: components load the DiT, connector and Qwen in it; the VAE, the
     * sampler arithmetic and preprocessing stay float32 (as in the official code).
     */
    public Precision precision() {
        return precision;
    }

    /** The runtime the case runs on (its device; its own precision may differ from {@link #precision()}). */
    public EngineRuntime runtime() {
        return runtime;
    }

    public ParityCase parityCase() {
        return parityCase;
    }

    /** The directory of the case's set (step1x/, qwen25vl/ or pipeline/), where its weights and configs are. */
    public Path setDir() {
        Path dir = parityCase.file().getParent();
        return dir.getFileName().toString().equals("cases") ? dir.getParent() : dir;
    }

    public Map<String, String> metadata() {
        return file.metadata();
    }

    public boolean has(String tensor) {
        return file.tensors().containsKey(tensor);
    }

    /** A tensor of the case file with its natural type (BF16 widened), on the case's manager. */
    public NDArray tensor(String name) throws IOException {
        return file.load(manager, name);
    }

    /** Adds a comparison without a golden tensor; both arrays must live on the case's manager. */
    public void addCheck(String label, NDArray actual, NDArray expected, Tolerance tolerance) {
        extraChecks.add(new ExtraCheck(label, actual, expected, tolerance));
    }

    public List<ExtraCheck> extraChecks() {
        return List.copyOf(extraChecks);
    }
}

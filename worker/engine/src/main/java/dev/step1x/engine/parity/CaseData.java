package dev.step1x.engine.parity;

import dev.step1x.engine.nn.Precision;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.step1x.engine.weights.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** What a component sees of its case: the case file's tensors and metadata, and the set's directory. */
public final class CaseData {

    private final ParityCase parityCase;
    private final SafetensorsFile file;
    private final NDManager manager;
    private final Precision precision;

    CaseData(ParityCase parityCase, SafetensorsFile file, NDManager manager, Precision precision) {
        this.parityCase = parityCase;
        this.file = file;
        this.manager = manager;
        this.precision = precision;
    }

    /**
     * The precision the run asks for: components load the DiT, connector and Qwen in it; the VAE, the
     * sampler arithmetic and preprocessing stay float32 (as in the official code).
     */
    public Precision precision() {
        return precision;
    }

    public ParityCase parityCase() {
        return parityCase;
    }

    /** The directory of the case's set (step1x/ or qwen25vl/), where its weights and configs are. */
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
}

package dev.step1x.engine.parity;

import java.nio.file.Path;
import java.util.Map;

/**
 * One golden case: which tensors of its file a component must reproduce, each with its tolerance.
 *
 * @param set "step1x", "qwen25vl" or "pipeline"
 * @param name the case name (the file stem, plus a suffix for a variant), the key components are registered under
 * @param outputs tensor name in the file -> tolerance, in file order
 * @param variant how the component runs the file: {@link #SINGLE} (as recorded), or {@link #BATCH} (the
 *     request recorded in the file together with another request of its bucket, in one batch)
 */
public record ParityCase(String set, String name, Path file, Map<String, Tolerance> outputs, String variant) {

    public static final String SINGLE = "";
    public static final String BATCH = "batch";

    public ParityCase(String set, String name, Path file, Map<String, Tolerance> outputs) {
        this(set, name, file, outputs, SINGLE);
    }
}

package dev.step1x.engine.parity;

import dev.step1x.engine.weights.SafetensorsFile;
import dev.step1x.engine.weights.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The golden cases in a parity directory ({@code step1x/}, {@code qwen25vl/cases/} and {@code pipeline/})
 * and which of their tensors are outputs, with the tolerances the sets' READMEs recommend.
 *
 * <p>step1x case files name their tensors {@code in.*}, {@code out.*}, {@code mid.*}: the {@code out.*}
 * ones are compared. The qwen25vl files use plain names, so their inputs are listed here and every
 * other tensor is an output. The pipeline files (whole edits) have the step1x naming and every
 * {@code mid.*} and {@code out.*} tensor is compared; each file is also a second case, {@code <name>_batch},
 * its request run in one batch with another request of its bucket. Integer tensors are always compared
 * exactly.
 */
public final class ParityCatalog {

    /** step1x float tolerances per case (step1x/README.md, "suggested tolerances"). */
    private static final Map<String, Tolerance> STEP1X_FLOAT = Map.of(
            "dit_forward", Tolerance.of(5e-5),
            "dit_forward_bf16weights", Tolerance.of(5e-5),
            "connector_forward", Tolerance.of(5e-5),
            "vae_roundtrip", Tolerance.of(1e-4),
            "sampler_end2end", new Tolerance(2e-4, 1e-4),
            "sampler_end2end_v11", new Tolerance(2e-4, 1e-4),
            "denoise_cfg_v11", Tolerance.of(1e-5),
            "resize_step1x", Tolerance.EXACT);

    /**
     * The LoRA and FP8 sets (step1x_lora/README.md, step1x_fp8/README.md): their cases use the step1x conventions
     * and run after the step1x set. Per-tensor tolerances where one case mixes kinds of outputs.
     */
    static final List<String> STEP1X_EXTRA_SETS = List.of("step1x_lora", "step1x_fp8");
    private static final Map<String, Tolerance> EXTRA_FLOAT = Map.of(
            "lora_merge", Tolerance.of(5e-5),
            "lora_merge_split", Tolerance.of(5e-5),
            "dit_forward_fp8", Tolerance.of(5e-5),
            "fp8_convert", Tolerance.BITWISE);
    /** Merged weights: one float32 matmul and axpy (observed 3e-8, |W| < 0.6). */
    static final Tolerance LORA_MERGED_WEIGHT = Tolerance.abs(1e-6);
    /** Merged weights held in float16: one rounding, 2^-11 relative (subnormals within 1e-6). */
    static final Tolerance FP16_WEIGHT = new Tolerance(1e-6, 4.9e-4);

    /** qwen25vl inputs per case (qwen25vl/README.md); everything else in the file is an output. */
    private static final Map<String, Set<String>> QWEN_INPUTS = Map.of(
            "image_preprocess", Set.of("image"),
            "image_preprocess_step1x", Set.of(),
            "vision_forward", Set.of("pixel_values", "image_grid_thw"),
            "tokenize", Set.of(),
            "full_forward", Set.of("input_ids", "attention_mask", "pixel_values", "image_grid_thw"),
            "full_forward_bang", Set.of("input_ids", "attention_mask", "image_grid_thw"),
            "full_forward_step1x", Set.of("input_ids", "attention_mask", "image_grid_thw"));

    /** The pipeline set's float tolerance (pipeline/README.md; ~25x its float32-vs-float64 spread). */
    static final Tolerance PIPELINE_FLOAT = new Tolerance(2e-4, 1e-4);
    /**
     * The schedule and the per-step t: exact up to the last bit (pipeline/README.md: torch's
     * {@code python_float / tensor} is a reciprocal times the scalar, one ulp from a plain division).
     */
    static final Tolerance LAST_BIT = new Tolerance(0, 0x1p-23);
    /** Suffix of the batched variant of a pipeline case. */
    public static final String BATCH_SUFFIX = "_batch";

    /** Preprocessing floats are exact given an exact resize; allow float32 rounding of the normalisation. */
    private static final Set<String> QWEN_PREPROCESS_FLOATS = Set.of("normalized", "pixel_values");

    private ParityCatalog() {}

    /** Cases whose outputs pass through a float16 model (DiT, connector or Qwen) in a float16 run. */
    private static final Set<String> FP16_MODEL_CASES = Set.of("dit_forward", "dit_forward_bf16weights",
            "connector_forward", "vision_forward", "full_forward", "full_forward_bang", "full_forward_step1x",
            "lora_merge", "lora_merge_split", "dit_forward_fp8");
    private static final Set<String> FP16_SAMPLER_CASES = Set.of("sampler_end2end", "sampler_end2end_v11");

    /** One float16 forward: about 10 float16 ulps of the O(1) activations of the sets (CPU measured ≤ 4.9e-3). */
    static final Tolerance FP16_FORWARD = Tolerance.of(1e-2);
    /** A whole sampling run (steps of float16 forwards, then the float32 VAE): CPU measured ≤ 1.4e-2. */
    static final Tolerance FP16_SAMPLER = new Tolerance(3e-2, 1e-2);
    /**
     * The pipeline's text conditioning in float16: the Qwen hidden states (one float16 forward) and the
     * connector's outputs on them (a second one): CPU measured ≤ 8.5e-3.
     */
    static final Tolerance FP16_TEXT_CHAIN = new Tolerance(2e-2, 1e-2);
    /**
     * uint8 images of a float16 sampling run at the bucket size: the decoded images differ by ≤ 8e-3 (≈ 1 level
     * of 255) before the truncating conversion; CPU measured |Δ| ≤ 1 with ≥ 85.6 % exact.
     */
    static final Tolerance FP16_UINT8_IMAGE = new Tolerance(2, 0, 0.70);
    /**
     * The same after the BICUBIC back-resize to the input size (its negative lobes can add a level):
     * CPU measured |Δ| ≤ 2 with ≥ 83.4 % exact.
     */
    static final Tolerance FP16_UINT8_RESIZED = new Tolerance(3, 0, 0.70);

    /**
     * The tolerance of an output when the DiT, connector and Qwen compute in float16 against the float32
     * golden tensors: {@link #FP16_FORWARD} for float outputs of a model forward, {@link #FP16_SAMPLER}
     * for those of a sampling run and {@link #FP16_UINT8_IMAGE} for its uint8 images; in the pipeline set
     * {@link #FP16_TEXT_CHAIN} for the Qwen hidden states, the embedding and the connector outputs, and
     * {@link #FP16_UINT8_RESIZED} for the output image after the back-resize. Integer
     * outputs, the schedule, and outputs before any float16 model (preprocessing, the VAE encode) keep their
     * float32 tolerance, as do cases without a float16 model (VAE, preprocessing, CFG arithmetic).
     */
    public static Tolerance fp16Tolerance(ParityCase c, String tensor, Tolerance golden) {
        if (golden.equals(Tolerance.EXACT) || golden.equals(LAST_BIT)) {
            return golden;
        }
        if (tensor.startsWith("out.merged.")) {
            return FP16_WEIGHT; // a LoRA-merged weight as the float16 DiT holds it
        }
        if (FP16_MODEL_CASES.contains(c.name())) {
            return FP16_FORWARD;
        }
        if (FP16_SAMPLER_CASES.contains(c.name())) {
            return tensor.equals("out.image_u8_hwc") ? FP16_UINT8_IMAGE : FP16_SAMPLER;
        }
        if (c.set().equals("pipeline")) {
            if (golden.equals(Tolerance.UINT8_IMAGE)) {
                return tensor.equals("out.image_u8_hwc") ? FP16_UINT8_RESIZED : FP16_UINT8_IMAGE;
            }
            if (tensor.equals("mid.vae_moments") || tensor.equals("mid.ref_latents") || tensor.equals("mid.prepare.img")) {
                return golden; // the VAE encode and the noise: float32 in both runs
            }
            if (tensor.startsWith("mid.qwen.") || tensor.equals("mid.llm_embedding") || tensor.contains(".connector_")) {
                return FP16_TEXT_CHAIN;
            }
            return FP16_SAMPLER;
        }
        return golden;
    }

    /** All cases found under {@code dir}: step1x, qwen25vl, then pipeline (each file, then its batch), in file-name order. */
    public static List<ParityCase> cases(Path dir) throws IOException {
        List<ParityCase> out = new ArrayList<>();
        for (Path f : safetensorsIn(dir.resolve("step1x"))) {
            ParityCase c = step1xCase(f);
            if (c != null) {
                out.add(c);
            }
        }
        for (String set : STEP1X_EXTRA_SETS) {
            if (!Files.isDirectory(dir.resolve(set))) {
                continue; // optional: a parity directory without the LoRA/FP8 sets still runs the others
            }
            for (Path f : safetensorsIn(dir.resolve(set))) {
                ParityCase c = step1xCase(f, set);
                if (c != null) {
                    out.add(c);
                }
            }
        }
        for (Path f : safetensorsIn(dir.resolve("qwen25vl").resolve("cases"))) {
            out.add(qwenCase(f));
        }
        for (Path f : safetensorsIn(dir.resolve("pipeline"))) {
            ParityCase single = pipelineCase(f);
            out.add(single);
            out.add(new ParityCase(single.set(), single.name() + BATCH_SUFFIX, f, single.outputs(), ParityCase.BATCH));
        }
        return out;
    }

    /** The case called {@code name}; an error naming the known cases if there is none. */
    public static ParityCase find(Path dir, String name) throws IOException {
        List<ParityCase> all = cases(dir);
        return all.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "no parity case '" + name + "' in " + dir + " (cases: " + all.stream().map(ParityCase::name).toList() + ")"));
    }

    /** Null for files without {@code out.*} tensors (weight files). */
    private static ParityCase step1xCase(Path file) throws IOException {
        return step1xCase(file, "step1x");
    }

    private static ParityCase step1xCase(Path file, String set) throws IOException {
        String name = stem(file);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Map<String, Tolerance> outputs = new LinkedHashMap<>();
            Tolerance floats = STEP1X_FLOAT.getOrDefault(name, EXTRA_FLOAT.getOrDefault(name, Tolerance.of(1e-4)));
            for (TensorInfo t : f.tensors().values()) {
                if (!t.name().startsWith("out.")) {
                    continue;
                }
                Tolerance tol = !t.dtype().isFloatingPoint() ? Tolerance.EXACT : floats;
                if (t.name().equals("out.image_u8_hwc")) {
                    // truncation of values within ~1e-7 of an integer may flip a few values by one (README)
                    tol = Tolerance.UINT8_IMAGE;
                }
                if (t.name().startsWith("out.merged.")) {
                    tol = LORA_MERGED_WEIGHT;
                }
                outputs.put(t.name(), tol);
            }
            return outputs.isEmpty() ? null : new ParityCase(set, name, file, outputs);
        }
    }

    private static ParityCase qwenCase(Path file) throws IOException {
        String name = stem(file);
        Set<String> inputs = QWEN_INPUTS.get(name);
        if (inputs == null) {
            throw new IOException(file + ": unknown qwen25vl case; add its inputs to ParityCatalog");
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Map<String, Tolerance> outputs = new LinkedHashMap<>();
            for (TensorInfo t : f.tensors().values()) {
                if (inputs.contains(t.name())) {
                    continue;
                }
                Tolerance tol;
                if (!t.dtype().isFloatingPoint()) {
                    tol = Tolerance.EXACT;
                } else if (name.startsWith("image_preprocess") && QWEN_PREPROCESS_FLOATS.contains(t.name())) {
                    tol = Tolerance.abs(1e-6);
                } else {
                    tol = Tolerance.abs(1e-4);
                }
                outputs.put(t.name(), tol);
            }
            return new ParityCase("qwen25vl", name, file, outputs);
        }
    }

    /** A whole edit of the pipeline set: every {@code mid.*} and {@code out.*} tensor, by pipeline/README.md. */
    private static ParityCase pipelineCase(Path file) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Map<String, Tolerance> outputs = new LinkedHashMap<>();
            for (TensorInfo t : f.tensors().values()) {
                if (t.name().startsWith("mid.") || t.name().startsWith("out.")) {
                    outputs.put(t.name(), pipelineTolerance(t.name(), t.dtype().isFloatingPoint()));
                }
            }
            if (outputs.isEmpty()) {
                throw new IOException(file + ": no mid.* or out.* tensors; not a pipeline case");
            }
            return new ParityCase("pipeline", stem(file), file, outputs);
        }
    }

    /**
     * pipeline/README.md's acceptance: ids, masks, grids, position ids and the uint8 images of resizes of
     * exact inputs exact; {@code mid.prepare.img_ids} exact; the schedule and t to the last bit; the two
     * output images ±1 with >= 99 % exact; every other float {@link #PIPELINE_FLOAT}.
     */
    static Tolerance pipelineTolerance(String tensor, boolean floatingPoint) {
        if (tensor.equals("out.image_u8_hwc") || tensor.equals("out.image_u8_hwc_bucket")) {
            return Tolerance.UINT8_IMAGE;
        }
        if (!floatingPoint || tensor.equals("mid.prepare.img_ids")) {
            return Tolerance.EXACT;
        }
        if (tensor.equals("mid.timesteps") || tensor.matches("mid\\.step\\d+\\.t_vec")) {
            return LAST_BIT;
        }
        return PIPELINE_FLOAT;
    }

    static List<Path> safetensorsIn(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir + " (expected a parity set directory)");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
    }

    static String stem(Path file) {
        String n = file.getFileName().toString();
        return n.substring(0, n.length() - ".safetensors".length());
    }
}

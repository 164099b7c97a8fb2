package dev.step1x.engine.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.step1x.engine.parity.CaseData;
import dev.step1x.engine.parity.ParityComponent;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The engine side of the qwen25vl golden cases {@code image_preprocess} (processor defaults, input the
 * case's {@code image} tensor) and {@code image_preprocess_step1x} (Step1X-Edit's pixel limits, input
 * {@code cases/image.png}, straight into the processor: the case does not run qwen-vl-utils' pre-resize).
 * Outputs: {@code resized_size_hw}, {@code resized_uint8} (CHW), {@code normalized} (where the case has
 * it), {@code pixel_values}, {@code image_grid_thw}.
 */
public final class ImagePreprocessParity {

    /** Case 1: processor defaults. */
    public static final String CASE = "image_preprocess";
    /** Case 1b: Step1X-Edit's min/max pixels. */
    public static final String CASE_STEP1X = "image_preprocess_step1x";

    private ImagePreprocessParity() {}

    /** The component of {@link #CASE_STEP1X} ({@code true}) or {@link #CASE} ({@code false}). */
    public static ParityComponent component(boolean step1xLimits) {
        Qwen2VLImageProcessor processor = step1xLimits ? Qwen2VLImageProcessor.step1x() : Qwen2VLImageProcessor.defaults();
        return (manager, data) -> run(processor, manager, data);
    }

    static Map<String, NDArray> run(Qwen2VLImageProcessor processor, NDManager manager, CaseData data) throws Exception {
        checkLimits(processor.config(), data.metadata());
        RgbImage input = input(data);
        Qwen2VLImageProcessor.Result r = processor.preprocess(manager, input);
        Map<String, NDArray> out = new LinkedHashMap<>();
        out.put("resized_size_hw", manager.create(new long[] {r.resizedSize().height(), r.resizedSize().width()}));
        out.put("resized_uint8", r.resized().toChw(manager));
        out.put("normalized", r.normalized());
        out.put("pixel_values", r.pixelValues());
        out.put("image_grid_thw", r.imageGridThw(manager));
        return out;
    }

    /** The case's {@code image} tensor (CHW uint8) if it has one, else the file its metadata names (default {@code cases/image.png}). */
    static RgbImage input(CaseData data) throws Exception {
        if (data.has("image")) {
            return RgbImage.fromChw(data.tensor("image"));
        }
        String file = data.metadata().getOrDefault("input", "cases/image.png");
        Path p = data.setDir().resolve(file);
        return RgbImage.read(p);
    }

    /** The case's recorded {@code min_pixels}/{@code max_pixels} must be the processor's. */
    private static void checkLimits(Qwen2VLImageProcessor.Config config, Map<String, String> meta) {
        check("min_pixels", config.minPixels(), meta);
        check("max_pixels", config.maxPixels(), meta);
    }

    private static void check(String key, long expected, Map<String, String> meta) {
        String v = meta.get(key);
        if (v != null && Long.parseLong(v.trim()) != expected) {
            throw new IllegalStateException("case metadata " + key + " = " + v + ", processor has " + expected);
        }
    }
}

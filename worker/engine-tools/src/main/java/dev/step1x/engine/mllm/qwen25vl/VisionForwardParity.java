package dev.step1x.engine.mllm.qwen25vl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.parity.ParityComponent;
import dev.step1x.engine.parity.TapRecorder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The engine side of the golden case {@code vision_forward}: the vision tower loaded (strictly on every
 * {@code visual.*} key, float32) from the set's {@code model.safetensors} with {@code config.json}, run on
 * {@code pixel_values} and {@code image_grid_thw}; produces the tower's intermediates and {@code output}.
 */
public final class VisionForwardParity {

    /** The case name in the parity catalog. */
    public static final String CASE = "vision_forward";

    private VisionForwardParity() {}

    public static ParityComponent component() {
        return (manager, data) -> {
            Path dir = data.setDir();
            Qwen25VLConfig config = Qwen25VLConfig.fromJson(dir.resolve("config.json"));
            Qwen25VisionTransformer visual = Qwen25VisionTransformer.load(manager, dir.resolve("model.safetensors"),
                    config.visionConfig(), data.precision().dataType());
            TapRecorder mids = new TapRecorder(manager);
            NDArray output = visual.forward(data.tensor("pixel_values"), gridThw(data.tensor("image_grid_thw")), mids);
            Map<String, NDArray> out = new LinkedHashMap<>(mids.tensors());
            out.put("output", output);
            return out;
        };
    }

    /** {@code image_grid_thw [n, 3]} (any integer type) as rows of (t, h, w). */
    public static long[][] gridThw(NDArray grid) {
        long[] flat = grid.toType(DataType.INT64, false).toLongArray();
        if (grid.getShape().dimension() != 2 || grid.getShape().get(1) != 3) {
            throw new IllegalArgumentException("image_grid_thw must be [n, 3], got " + grid.getShape());
        }
        long[][] rows = new long[flat.length / 3][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new long[] {flat[3 * i], flat[3 * i + 1], flat[3 * i + 2]};
        }
        return rows;
    }
}

package dev.step1x.engine.nn;

import ai.djl.ndarray.NDArray;
import dev.step1x.engine.weights.Shapes;
import java.util.Arrays;
import java.util.Map;

/**
 * Parameters from loaded tensors (normally {@link dev.step1x.engine.weights.StrictLoader#loadAll}), optionally
 * with some weights held as 8-bit float bytes ({@link QuantizedWeight}): a {@link Linear} takes those as they
 * are; any other module asking for one gets it decoded once.
 */
public final class LoadedParams implements Params {

    private final Map<String, NDArray> tensors;
    private final Map<String, QuantizedWeight> quantized;
    private final String prefix;

    public LoadedParams(Map<String, NDArray> tensors) {
        this(tensors, Map.of(), "");
    }

    /** @param quantized keys held as FP8 bytes (not in {@code tensors}) */
    public LoadedParams(Map<String, NDArray> tensors, Map<String, QuantizedWeight> quantized) {
        this(tensors, quantized, "");
    }

    private LoadedParams(Map<String, NDArray> tensors, Map<String, QuantizedWeight> quantized, String prefix) {
        this.tensors = tensors;
        this.quantized = quantized;
        this.prefix = prefix;
    }

    @Override
    public NDArray get(String name, long... shape) {
        String key = prefix + name;
        NDArray t = tensors.get(key);
        if (t == null) {
            QuantizedWeight q = quantized.get(key);
            if (q == null) {
                throw new IllegalStateException("no loaded tensor '" + key + "'");
            }
            checkShape(key, q.shape(), shape);
            t = q.dequantize(); // a non-Linear module: decoded once, owned by the codes' manager
            return t;
        }
        checkShape(key, t.getShape().getShape(), shape);
        return t;
    }

    @Override
    public QuantizedWeight quantized(String name, long... shape) {
        String key = prefix + name;
        QuantizedWeight q = quantized.get(key);
        if (q != null) {
            checkShape(key, q.shape(), shape);
        }
        return q;
    }

    private static void checkShape(String key, long[] actual, long[] expected) {
        if (!Arrays.equals(actual, expected)) {
            throw new IllegalStateException("tensor '" + key + "' is " + Shapes.str(actual) + ", the module expects "
                    + Shapes.str(expected));
        }
    }

    @Override
    public Params child(String name) {
        return new LoadedParams(tensors, quantized, prefix + name + ".");
    }
}

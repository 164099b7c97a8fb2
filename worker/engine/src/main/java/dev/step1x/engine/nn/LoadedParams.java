package dev.step1x.engine.nn;

import ai.djl.ndarray.NDArray;
import dev.step1x.engine.weights.Shapes;
import java.util.Arrays;
import java.util.Map;

/** Parameters from loaded tensors (normally {@link dev.step1x.engine.weights.StrictLoader#loadAll}). */
public final class LoadedParams implements Params {

    private final Map<String, NDArray> tensors;
    private final String prefix;

    public LoadedParams(Map<String, NDArray> tensors) {
        this(tensors, "");
    }

    private LoadedParams(Map<String, NDArray> tensors, String prefix) {
        this.tensors = tensors;
        this.prefix = prefix;
    }

    @Override
    public NDArray get(String name, long... shape) {
        String key = prefix + name;
        NDArray t = tensors.get(key);
        if (t == null) {
            throw new IllegalStateException("no loaded tensor '" + key + "'");
        }
        if (!Arrays.equals(t.getShape().getShape(), shape)) {
            throw new IllegalStateException("tensor '" + key + "' is " + t.getShape() + ", the module expects "
                    + Shapes.str(shape));
        }
        return t;
    }

    @Override
    public Params child(String name) {
        return new LoadedParams(tensors, prefix + name + ".");
    }
}

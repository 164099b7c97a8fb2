package dev.step1x.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Random parameters for benchmarks and demo models, keyed like a real checkpoint: tensors with two or
 * more dimensions are N(0, 1/fan_in) (fan_in = product of all but the first dimension), vectors are
 * N(0, 0.02), except norm weights ({@code scale}, {@code weight} vectors) which are 1 + N(0, 0.1). The
 * sequence depends on the engine's random seed, which the caller sets.
 */
public final class RandomParams implements Params {

    private final NDManager manager;
    private final DataType type;
    private final String prefix;

    public RandomParams(NDManager manager, DataType type) {
        this(manager, type, "");
    }

    private RandomParams(NDManager manager, DataType type, String prefix) {
        this.manager = manager;
        this.type = type;
        this.prefix = prefix;
    }

    @Override
    public NDArray get(String name, long... shape) {
        NDArray f32 = tensor(manager, prefix + name, shape);
        if (type == DataType.FLOAT32) {
            return f32;
        }
        // free the float32 draw at once: at full size it would otherwise double the weights' memory
        try (f32) {
            return f32.toType(type, true);
        }
    }

    /** One random float32 tensor for checkpoint key {@code key} (the rules in the class comment). */
    public static NDArray tensor(NDManager manager, String key, long... shape) {
        Shape s = new Shape(shape);
        String name = key.substring(key.lastIndexOf('.') + 1);
        if (shape.length >= 2) {
            long fanIn = s.size() / shape[0];
            return manager.randomNormal(0f, (float) (1 / Math.sqrt(fanIn)), s, DataType.FLOAT32);
        }
        if (name.equals("scale") || (name.equals("weight") && key.contains("."))) {
            return manager.randomNormal(1f, 0.1f, s, DataType.FLOAT32);
        }
        return manager.randomNormal(0f, 0.02f, s, DataType.FLOAT32);
    }

    @Override
    public Params child(String name) {
        return new RandomParams(manager, type, prefix + name + ".");
    }
}

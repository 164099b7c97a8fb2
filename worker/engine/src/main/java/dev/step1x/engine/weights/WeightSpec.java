package dev.step1x.engine.weights;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The checkpoint keys a module tree expects, with their exact shapes, in declaration order.
 * Recorded by constructing the module tree on a {@link Builder} (a {@link dev.step1x.engine.nn.Params}
 * that hands out no tensors): nothing is allocated, so a full-size (12B) tree can be checked against a real
 * checkpoint header cheaply. {@link StrictLoader} compares a spec with a checkpoint.
 */
public final class WeightSpec {

    private final Map<String, long[]> shapes;

    private WeightSpec(Map<String, long[]> shapes) {
        this.shapes = Collections.unmodifiableMap(shapes);
    }

    public static Builder builder() {
        return new Builder(new LinkedHashMap<>(), "");
    }

    /** Key to shape, in declaration order. The arrays must not be modified. */
    public Map<String, long[]> shapes() {
        return shapes;
    }

    public int size() {
        return shapes.size();
    }

    public long numParams() {
        long n = 0;
        for (long[] s : shapes.values()) {
            n += Shapes.numel(s);
        }
        return n;
    }

    /**
     * Declares parameters under a key prefix; {@link #child(String)} nests prefixes the way
     * PyTorch's state_dict does ("double_blocks.0" then "img_attn" gives "double_blocks.0.img_attn.qkv.weight").
     */
    public static final class Builder implements dev.step1x.engine.nn.Params {
        private final Map<String, long[]> shapes;
        private final String prefix;

        private Builder(Map<String, long[]> shapes, String prefix) {
            this.shapes = shapes;
            this.prefix = prefix;
        }

        @Override
        public Builder child(String name) {
            return new Builder(shapes, prefix + name + ".");
        }

        @Override
        public Builder child(int index) {
            return child(Integer.toString(index));
        }

        /** Records the key and shape; a recording tree holds no tensors, so this returns null. */
        @Override
        public ai.djl.ndarray.NDArray get(String name, long... shape) {
            add(name, shape);
            return null;
        }

        public Builder add(String name, long... shape) {
            String key = prefix + name;
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("negative dimension in " + key + " " + Arrays.toString(shape));
                }
            }
            if (shapes.putIfAbsent(key, shape.clone()) != null) {
                throw new IllegalStateException("weight declared twice: " + key);
            }
            return this;
        }

        /** nn.Linear: weight [out, in], optional bias [out]. */
        public Builder linear(String name, long in, long out, boolean bias) {
            Builder c = child(name);
            c.add("weight", out, in);
            if (bias) {
                c.add("bias", out);
            }
            return this;
        }

        /** nn.Conv2d: weight [out, in, k, k], bias [out]. */
        public Builder conv2d(String name, long in, long out, long kernel) {
            Builder c = child(name);
            c.add("weight", out, in, kernel, kernel);
            c.add("bias", out);
            return this;
        }

        /** LayerNorm / GroupNorm with affine parameters: weight [n], bias [n]. */
        public Builder affineNorm(String name, long n) {
            Builder c = child(name);
            c.add("weight", n);
            c.add("bias", n);
            return this;
        }

        public WeightSpec build() {
            if (!prefix.isEmpty()) {
                throw new IllegalStateException("build() on a child builder (" + prefix + ")");
            }
            return new WeightSpec(new LinkedHashMap<>(shapes));
        }
    }
}

package dev.step1x.engine.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import dev.step1x.engine.nn.LowRank;
import dev.step1x.engine.nn.Params;
import dev.step1x.engine.nn.QuantizedWeight;
import java.util.List;

/**
 * The unmerged adapters of the DiT forward in progress: the DiT binds a batch's {@link RowAdapters} here for the
 * duration of one forward, and every LoRA-targeted {@link dev.step1x.engine.nn.Linear} of the DiT consults it
 * ({@link #params} gives them their {@link LowRank}). Nothing is added while no batch is bound. One forward at a
 * time (the engine is single-threaded per DiT).
 */
public final class AdapterSlot {

    private List<RowAdapters.Group> groups = List.of();

    /** Binds the groups of one forward; {@link #clear} afterwards. */
    public void bind(List<RowAdapters.Group> groups) {
        this.groups = List.copyOf(groups);
    }

    public void clear() {
        this.groups = List.of();
    }

    public boolean isBound() {
        return !groups.isEmpty();
    }

    /** {@code p} with a {@link LowRank} for every LoRA-targeted Linear weight under it (keys relative to the DiT root). */
    public Params params(Params p) {
        return new SlotParams(p, "", this);
    }

    /** The low-rank terms of the layer whose DiT weight is {@code weightKey}. */
    LowRank site(String weightKey) {
        return (x, y) -> add(weightKey, x, y);
    }

    private NDArray add(String weightKey, NDArray x, NDArray y) {
        NDArray out = y;
        for (RowAdapters.Group g : groups) {
            LoraAdapter.Factors f = g.adapter().factors(weightKey);
            if (f == null) {
                continue;
            }
            if (g.index() == null) {
                try (NDArray d = f.apply(x)) {
                    out.addi(g.scales() == null ? scaled(d, g.scale()) : d.muli(rowShaped(g.scales(), d)));
                }
            } else {
                NDIndex rows = new NDIndex("{}", g.index());
                try (NDArray xs = x.get(rows); NDArray d = f.apply(xs); NDArray ys = out.get(rows)) {
                    NDArray delta = g.scales() == null ? scaled(d, g.scale()) : d.muli(rowShaped(g.scales(), d));
                    try (NDArray sum = ys.add(delta)) {
                        out.set(rows, sum);
                    }
                }
            }
        }
        return out;
    }

    private static NDArray scaled(NDArray d, float s) {
        return s == 1f ? d : d.muli(s);
    }

    /** [k] -> [k, 1, ..., 1] with the rank of {@code like}. */
    private static NDArray rowShaped(NDArray scales, NDArray like) {
        long[] shape = new long[like.getShape().dimension()];
        java.util.Arrays.fill(shape, 1);
        shape[0] = scales.getShape().get(0);
        return scales.reshape(shape);
    }

    /** Delegates to the wrapped params and adds the slot's sites, tracking the key prefix. */
    private static final class SlotParams implements Params {
        private final Params inner;
        private final String prefix;
        private final AdapterSlot slot;

        SlotParams(Params inner, String prefix, AdapterSlot slot) {
            this.inner = inner;
            this.prefix = prefix;
            this.slot = slot;
        }

        @Override
        public NDArray get(String name, long... shape) {
            return inner.get(name, shape);
        }

        @Override
        public QuantizedWeight quantized(String name, long... shape) {
            return inner.quantized(name, shape);
        }

        @Override
        public LowRank lowRank(String name) {
            String key = prefix + name;
            return LoraTargets.isTargetKey(key) ? slot.site(key) : inner.lowRank(name);
        }

        @Override
        public Params child(String name) {
            return new SlotParams(inner.child(name), prefix + name + ".", slot);
        }
    }
}

package dev.step1x.engine.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A LoRA held unmerged on the device, for per-request use: per targeted DiT weight its {@code down} [rank, in]
 * and {@code up} [out, rank] factors in the compute type, {@code up} pre-multiplied by {@code alpha / rank} (in
 * float32, before the cast). A {@link dev.step1x.engine.nn.Linear} adds {@code s · up·(down·x)} for the batch rows
 * that use it, with {@code s} the request's multiplier ({@link RowAdapters}). Same file rules and checks as the
 * merged path ({@link LoraFile}).
 */
public final class LoraAdapter implements AutoCloseable {

    /** The factors of one layer. */
    public record Factors(NDArray down, NDArray up) {
        /** {@code up·(down·x)}: x [..., in] -> [..., out], without multiplier. */
        public NDArray apply(NDArray x) {
            try (NDArray low = ai.djl.nn.core.Linear.linear(x, down).head()) {
                return ai.djl.nn.core.Linear.linear(low, up).head();
            }
        }
    }

    private final String name;
    private final NDManager manager;
    private final Map<String, Factors> byWeightKey;
    private final long bytes;
    private final long maxRank;

    /** @param manager holds the factors; closing the adapter closes it */
    LoraAdapter(String name, NDManager manager, Map<String, Factors> byWeightKey) {
        this.name = name;
        this.manager = manager;
        this.byWeightKey = Collections.unmodifiableMap(byWeightKey);
        long b = 0;
        long r = 0;
        for (Factors f : byWeightKey.values()) {
            b += f.down().size() * f.down().getDataType().getNumOfBytes() + f.up().size() * f.up().getDataType().getNumOfBytes();
            r = Math.max(r, f.down().getShape().get(0));
        }
        this.bytes = b;
        this.maxRank = r;
    }

    /**
     * Loads {@code file} (checked against {@code targets}, every problem in one exception) onto a new sub-manager of
     * {@code parent}, factors as {@code type}.
     */
    public static LoraAdapter load(NDManager parent, String name, Path file, LoraTargets targets, DataType type)
            throws IOException {
        try (LoraFile f = LoraFile.open(file)) {
            java.util.List<String> problems = f.check(targets);
            if (!problems.isEmpty()) {
                throw new LoraMismatchException("LoRA " + name + " (" + file.getFileName() + ") does not fit the DiT",
                        problems);
            }
            NDManager m = parent.newSubManager();
            try {
                Map<String, Factors> factors = new LinkedHashMap<>();
                for (LoraFile.Module mod : f.modules().values()) {
                    LoraTargets.Target t = targets.byName().get(mod.name());
                    try (NDManager tmp = m.newSubManager()) {
                        NDArray down = f.down(tmp, mod);
                        NDArray up = f.up(tmp, mod, t).mul(f.scale(mod));
                        NDArray d = dev.step1x.engine.nn.Copies.asType(down, type);
                        NDArray u = dev.step1x.engine.nn.Copies.asType(up, type);
                        d.attach(m);
                        u.attach(m);
                        factors.put(t.weightKey(), new Factors(d, u));
                    }
                }
                return new LoraAdapter(name, m, factors);
            } catch (IOException | RuntimeException e) {
                m.close();
                throw e;
            }
        }
    }

    public String name() {
        return name;
    }

    /** The factors for the DiT weight {@code weightKey}, or null when this LoRA leaves that layer alone. */
    public Factors factors(String weightKey) {
        return byWeightKey.get(weightKey);
    }

    public int layers() {
        return byWeightKey.size();
    }

    /** Device bytes of the factors. */
    public long bytes() {
        return bytes;
    }

    /** The largest rank over its layers. */
    public long maxRank() {
        return maxRank;
    }

    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return name + " (" + byWeightKey.size() + " layers, rank <= " + maxRank + ", " + bytes + " bytes)";
    }
}

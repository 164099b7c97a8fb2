package dev.step1x.engine.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.nn.Copies;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@link LoraAdapter}s of random factors, for benchmarks of per-request adapters without LoRA files. */
public final class RandomLoraAdapter {

    private RandomLoraAdapter() {}

    /**
     * An adapter of {@code rank} on every target with random factors (down N(0, 1/in), up N(0, 0.01), scale 1) on a
     * new sub-manager of {@code parent}, factors as {@code type}; the engine's random seed decides them.
     */
    public static LoraAdapter of(NDManager parent, String name, LoraTargets targets, int rank, DataType type) {
        NDManager m = parent.newSubManager();
        Map<String, LoraAdapter.Factors> factors = new LinkedHashMap<>();
        for (LoraTargets.Target t : targets.byName().values()) {
            try (NDManager tmp = m.newSubManager()) {
                NDArray down = tmp.randomNormal(0, (float) (1 / Math.sqrt(t.in())), new Shape(rank, t.in()),
                        DataType.FLOAT32);
                NDArray up = tmp.randomNormal(0, 0.01f, new Shape(t.out(), rank), DataType.FLOAT32);
                NDArray d = Copies.asType(down, type);
                NDArray u = Copies.asType(up, type);
                d.attach(m);
                u.attach(m);
                factors.put(t.weightKey(), new LoraAdapter.Factors(d, u));
            }
        }
        return new LoraAdapter(name, m, factors);
    }
}

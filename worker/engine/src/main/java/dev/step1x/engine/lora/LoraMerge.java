package dev.step1x.engine.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LoRA files merged into the DiT's weights at load, as the official inference does with {@code --lora}: for
 * every targeted weight, in file order, {@code W = W + multiplier · (up @ down) · (alpha / rank)} computed in
 * float32 (the caller then casts the result to the compute type, or to FP8, as the official code stores the merged
 * weight back in the module's dtype); biases are untouched. No LoRA code runs per step afterwards.
 *
 * <p>{@link #open} parses every file and checks it against the DiT before anything is loaded: all problems of all
 * files come back in one {@link LoraMismatchException}.
 */
public final class LoraMerge implements AutoCloseable {

    private record Use(LoraFile file, LoraFile.Module module, LoraTargets.Target target, float multiplier) {}

    private final List<LoraFile> files;
    private final Map<String, List<Use>> byWeightKey;

    private LoraMerge(List<LoraFile> files, Map<String, List<Use>> byWeightKey) {
        this.files = files;
        this.byWeightKey = byWeightKey;
    }

    /** No LoRA. */
    public static LoraMerge none() {
        return new LoraMerge(List.of(), Map.of());
    }

    /** Opens and checks every file against the DiT's targets (all problems in one exception). */
    public static LoraMerge open(List<LoraSpec> specs, LoraTargets targets) throws IOException {
        if (specs.isEmpty()) {
            return none();
        }
        List<LoraFile> files = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Map<String, List<Use>> uses = new LinkedHashMap<>();
        try {
            for (LoraSpec spec : specs) {
                LoraFile f;
                try {
                    f = LoraFile.open(spec.file());
                } catch (IOException e) {
                    problems.add(spec.file() + ": " + e.getMessage());
                    continue;
                }
                files.add(f);
                for (String p : f.check(targets)) {
                    problems.add(spec.file().getFileName() + ": " + p);
                }
                for (LoraFile.Module m : f.modules().values()) {
                    LoraTargets.Target t = targets.byName().get(m.name());
                    if (t != null) {
                        uses.computeIfAbsent(t.weightKey(), k -> new ArrayList<>()).add(new Use(f, m, t, spec.multiplier()));
                    }
                }
            }
            if (!problems.isEmpty()) {
                throw new LoraMismatchException("LoRA does not fit the DiT", problems);
            }
            return new LoraMerge(files, uses);
        } catch (IOException | RuntimeException e) {
            for (LoraFile f : files) {
                f.close();
            }
            throw e;
        }
    }

    /** Whether some file has a LoRA for the weight with this checkpoint key. */
    public boolean touches(String weightKey) {
        return byWeightKey.containsKey(weightKey);
    }

    /** The DiT weights the files change. */
    public java.util.Set<String> mergedKeys() {
        return byWeightKey.keySet();
    }

    /**
     * {@code base} (float32 [out, in]) plus every file's delta for {@code weightKey}: a new float32 array on
     * {@code base}'s manager (base itself is left as it is).
     */
    public NDArray merge(String weightKey, NDArray base) throws IOException {
        NDManager m = base.getManager();
        NDArray w = base.duplicate();
        for (Use u : byWeightKey.getOrDefault(weightKey, List.of())) {
            try (NDManager tmp = m.newSubManager()) {
                NDArray up = u.file().up(tmp, u.module(), u.target());
                NDArray down = u.file().down(tmp, u.module());
                // official order: W + multiplier * (up @ down) * scale, in float32
                NDArray delta = up.matMul(down).mul(u.multiplier()).mul(u.file().scale(u.module()));
                NDArray sum = w.add(delta);
                sum.attach(m);
                w.close();
                w = sum;
            }
        }
        return w;
    }

    @Override
    public void close() throws IOException {
        for (LoraFile f : files) {
            f.close();
        }
    }
}

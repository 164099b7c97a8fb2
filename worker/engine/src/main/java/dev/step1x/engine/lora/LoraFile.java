package dev.step1x.engine.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.weights.SafetensorsFile;
import dev.step1x.engine.weights.Shapes;
import dev.step1x.engine.weights.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A kohya-format LoRA safetensors file for the Step1X-Edit DiT, as the official inference reads it
 * ({@code create_network_from_weights} + {@code merge_to}):
 * <ul>
 *   <li>keys {@code <module>.lora_down.weight} [rank, in], {@code <module>.lora_up.weight} [out, rank] and
 *       {@code <module>.alpha} (a scalar) per module, {@code <module>} = {@code lora_unet_<path with _>}
 *       ({@link LoraTargets}); {@code scale = alpha / rank} with {@code rank = lora_down.shape[0]} of that module
 *       ({@code alpha == 0} means {@code alpha = rank}); metadata is ignored; F32, F16 and BF16 factors are
 *       upcast to float32;</li>
 *   <li>text-encoder keys ({@code lora_te*}) are ignored, as the official inference ignores them, except names
 *       containing {@code lora_te3}, which it would merge into Qwen: those are refused (not supported here);</li>
 *   <li>the fused layers ({@code *_attn.qkv}, {@code linear1}) as the official trainer saves a {@code split_qkv}
 *       LoRA are plain modules whose {@code lora_down} is the concatenation of the per-split factors and whose
 *       {@code lora_up} is block-diagonal: nothing special, the rank is {@code lora_down.shape[0]} (so the scale
 *       is alpha / (splits · per-split rank), the official inference's quirk);</li>
 *   <li>the per-split form ({@code lora_down.0.weight} .. {@code lora_up.N.weight}, what the trainer holds in
 *       memory) is accepted too and recombined exactly as the trainer's save does, so it merges like the file the
 *       trainer would have written. (The official inference itself cannot read that form.)</li>
 * </ul>
 * Everything else is refused: unknown key forms (LoHa, LoKr, DoRA, diffusers names), modules the DiT does not
 * have or the official code never targets, missing alpha or factor, shapes that do not fit. {@link #check} lists
 * every problem; {@link LoraMismatchException} carries them in one message.
 */
public final class LoraFile implements AutoCloseable {

    private static final Pattern SPLIT = Pattern.compile("lora_(down|up)\\.(\\d+)\\.weight");

    /** The tensors of one module (plain: down/up; split: downs/ups by split index). */
    public static final class Module {
        private final String name;
        private TensorInfo alpha;
        private TensorInfo down;
        private TensorInfo up;
        private final TreeMap<Integer, TensorInfo> splitDowns = new TreeMap<>();
        private final TreeMap<Integer, TensorInfo> splitUps = new TreeMap<>();

        Module(String name) {
            this.name = name;
        }

        public String name() {
            return name;
        }

        public boolean isSplit() {
            return !splitDowns.isEmpty() || !splitUps.isEmpty();
        }

        /** lora_down.shape[0] (plain), or the splits' ranks summed (split form, recombined). */
        public long rank() {
            if (!isSplit()) {
                return down.shape()[0];
            }
            return splitDowns.values().stream().mapToLong(t -> t.shape()[0]).sum();
        }
    }

    private final Path path;
    private final SafetensorsFile file;
    private final Map<String, Module> modules = new LinkedHashMap<>();
    private final List<String> ignored = new ArrayList<>();
    private final List<String> keyProblems = new ArrayList<>();

    private LoraFile(Path path, SafetensorsFile file) {
        this.path = path;
        this.file = file;
        for (TensorInfo t : file.tensors().values()) {
            classify(t);
        }
    }

    /** Opens and parses the keys (nothing is loaded); {@link #check} says whether it fits a DiT. */
    public static LoraFile open(Path path) throws IOException {
        SafetensorsFile f = SafetensorsFile.open(path);
        try {
            return new LoraFile(path, f);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    private void classify(TensorInfo t) {
        String key = t.name();
        int dot = key.indexOf('.');
        if (dot < 0) {
            keyProblems.add("key '" + key + "' is not a LoRA key (<module>.lora_down.weight, <module>.lora_up.weight, "
                    + "<module>.alpha)");
            return;
        }
        String name = key.substring(0, dot);
        String rest = key.substring(dot + 1);
        if (name.startsWith("lora_te")) {
            if (name.contains("lora_te3")) {
                keyProblems.add("key '" + key + "' is a text-encoder (Qwen) LoRA, which the official inference would "
                        + "merge into Qwen; text-encoder LoRA is not supported");
            } else {
                ignored.add(key); // the official inference creates no text-encoder modules for lora_te_* names
            }
            return;
        }
        if (!name.startsWith(LoraTargets.UNET_PREFIX)) {
            keyProblems.add("key '" + key + "' is not a kohya DiT LoRA key (module names start with "
                    + LoraTargets.UNET_PREFIX + "; text-encoder lora_te_* keys are ignored)");
            return;
        }
        Matcher split = SPLIT.matcher(rest);
        if (rest.equals("alpha")) {
            modules.computeIfAbsent(name, Module::new).alpha = t;
        } else if (rest.equals("lora_down.weight")) {
            modules.computeIfAbsent(name, Module::new).down = t;
        } else if (rest.equals("lora_up.weight")) {
            modules.computeIfAbsent(name, Module::new).up = t;
        } else if (split.matches()) {
            Module m = modules.computeIfAbsent(name, Module::new);
            (split.group(1).equals("down") ? m.splitDowns : m.splitUps).put(Integer.parseInt(split.group(2)), t);
        } else {
            keyProblems.add("key '" + key + "' has an unsupported suffix '" + rest + "' (only kohya LoRA: lora_down, "
                    + "lora_up, alpha; LoHa, LoKr, DoRA and LoCon keys are not supported)");
        }
    }

    public Path path() {
        return path;
    }

    /** DiT modules of the file, in file order. */
    public Map<String, Module> modules() {
        return modules;
    }

    /** Keys the official inference ignores and so does the engine (text-encoder {@code lora_te_*}). */
    public List<String> ignoredKeys() {
        return ignored;
    }

    /**
     * Every reason {@code file} cannot be applied to a DiT with {@code targets}: missing, unreadable, or not fitting
     * ({@link #check}); empty when it fits. Reads the header only.
     */
    public static List<String> problems(Path file, LoraTargets targets) {
        if (!Files.isRegularFile(file)) {
            return List.of("no such file " + file);
        }
        try (LoraFile f = open(file)) {
            return f.check(targets);
        } catch (IOException | RuntimeException e) {
            return List.of("not a readable LoRA safetensors file: " + e.getMessage());
        }
    }

    /** Every reason this file cannot be merged into a DiT with {@code targets}; empty when it fits. */
    public List<String> check(LoraTargets targets) {
        List<String> problems = new ArrayList<>(keyProblems);
        if (modules.isEmpty() && keyProblems.isEmpty()) {
            problems.add("no DiT LoRA module (lora_unet_*) in the file");
        }
        for (Module m : modules.values()) {
            LoraTargets.Target t = targets.byName().get(m.name);
            if (t == null) {
                problems.add("module " + m.name + " is not a LoRA target of this DiT (the official code targets the "
                        + "Linear layers of the double/single blocks and the input layers only; final_layer and the "
                        + "connector never)");
                continue;
            }
            if (m.alpha == null) {
                problems.add("module " + m.name + " has no " + m.name + ".alpha");
            } else if (m.alpha.numel() != 1 || !m.alpha.dtype().isFloatingPoint()) {
                problems.add(m.name + ".alpha must be one float, is " + m.alpha.dtype() + Shapes.str(m.alpha.shape()));
            }
            boolean plain = m.down != null || m.up != null;
            if (plain && m.isSplit()) {
                problems.add("module " + m.name + " has both the plain (lora_down.weight) and the per-split "
                        + "(lora_down.N.weight) form");
                continue;
            }
            if (!m.isSplit()) {
                checkPlain(m, t, problems);
            } else {
                checkSplit(m, t, problems);
            }
        }
        return problems;
    }

    private static void checkPlain(Module m, LoraTargets.Target t, List<String> problems) {
        if (m.down == null || m.up == null) {
            problems.add("module " + m.name + " lacks " + (m.down == null ? "lora_down.weight" : "lora_up.weight"));
            return;
        }
        checkFactor(m.name + ".lora_down.weight", m.down, problems);
        checkFactor(m.name + ".lora_up.weight", m.up, problems);
        long[] d = m.down.shape();
        long[] u = m.up.shape();
        if (d.length != 2 || u.length != 2 || d[0] < 1 || d[1] != t.in() || u[0] != t.out() || u[1] != d[0]) {
            problems.add("module " + m.name + ": lora_down " + Shapes.str(d) + " and lora_up " + Shapes.str(u)
                    + " do not fit " + t.weightKey() + " [" + t.out() + ", " + t.in() + "] (expected [r, " + t.in()
                    + "] and [" + t.out() + ", r])");
        }
    }

    private static void checkSplit(Module m, LoraTargets.Target t, List<String> problems) {
        if (t.splits() == null) {
            problems.add("module " + m.name + " is in the per-split form, but " + t.weightKey() + " is not a fused layer");
            return;
        }
        int n = t.splits().length;
        List<Integer> expected = java.util.stream.IntStream.range(0, n).boxed().toList();
        if (!new ArrayList<>(m.splitDowns.keySet()).equals(expected)
                || !new ArrayList<>(m.splitUps.keySet()).equals(expected)) {
            problems.add("module " + m.name + " per-split factors lora_down " + m.splitDowns.keySet() + ", lora_up "
                    + m.splitUps.keySet() + "; " + t.weightKey() + " has " + n + " splits " + Arrays.toString(t.splits()));
            return;
        }
        long r = -1;
        for (int i = 0; i < n; i++) {
            TensorInfo down = m.splitDowns.get(i);
            TensorInfo up = m.splitUps.get(i);
            checkFactor(down.name(), down, problems);
            checkFactor(up.name(), up, problems);
            long[] d = down.shape();
            long[] u = up.shape();
            boolean fits = d.length == 2 && u.length == 2 && d[0] >= 1 && d[1] == t.in() && u[0] == t.splits()[i]
                    && u[1] == d[0] && (r < 0 || d[0] == r);
            if (!fits) {
                problems.add("module " + m.name + " split " + i + ": lora_down " + Shapes.str(d) + " and lora_up "
                        + Shapes.str(u) + " do not fit rows " + t.splits()[i] + " x " + t.in() + " of " + t.weightKey()
                        + " (same rank r in every split)");
            }
            r = d.length == 2 ? d[0] : r;
        }
    }

    private static void checkFactor(String key, TensorInfo t, List<String> problems) {
        if (!t.dtype().isFloatingPoint()) {
            problems.add(key + " has dtype " + t.dtype() + ", expected a float type");
        }
    }

    /** alpha of a module as the official code reads it ({@code alpha == 0} → rank). */
    public float alpha(Module m) throws IOException {
        java.nio.ByteBuffer b = file.map(m.alpha);
        float alpha = switch (m.alpha.dtype()) {
            case F32 -> b.getFloat(0);
            case BF16 -> Float.intBitsToFloat((b.getShort(0) & 0xFFFF) << 16);
            case F16 -> dev.step1x.engine.weights.Float8.halfToFloat(b.getShort(0));
            case F8_E4M3, F8_E5M2 -> dev.step1x.engine.weights.Float8.Format.of(m.alpha.dtype()).decode(b.get(0));
            default -> throw new IOException(m.name + ".alpha has dtype " + m.alpha.dtype() + ", expected a float type");
        };
        return alpha == 0f ? (float) m.rank() : alpha;
    }

    /** {@code alpha / rank} as the official code computes it (in double, used as a float32). */
    public float scale(Module m) throws IOException {
        return (float) ((double) alpha(m) / m.rank());
    }

    /** lora_down as float32 [rank, in] on {@code manager} (split form: the splits' factors concatenated). */
    public NDArray down(NDManager manager, Module m) throws IOException {
        if (!m.isSplit()) {
            return file.load(manager, m.down, DataType.FLOAT32);
        }
        try (NDList parts = new NDList()) {
            for (TensorInfo t : m.splitDowns.values()) {
                parts.add(file.load(manager, t, DataType.FLOAT32));
            }
            NDArray out = NDArrays.concat(parts, 0);
            out.attach(manager);
            return out;
        }
    }

    /** lora_up as float32 [out, rank] on {@code manager} (split form: block-diagonal, split i in its rows and columns). */
    public NDArray up(NDManager manager, Module m, LoraTargets.Target target) throws IOException {
        if (!m.isSplit()) {
            return file.load(manager, m.up, DataType.FLOAT32);
        }
        long rank = m.rank();
        NDArray out = manager.zeros(new ai.djl.ndarray.types.Shape(target.out(), rank), DataType.FLOAT32);
        long row = 0;
        long col = 0;
        for (TensorInfo t : m.splitUps.values()) {
            long rows = t.shape()[0];
            long r = t.shape()[1];
            try (NDArray part = file.load(manager, t, DataType.FLOAT32)) {
                out.set(new ai.djl.ndarray.index.NDIndex("{}:{}, {}:{}", row, row + rows, col, col + r), part);
            }
            row += rows;
            col += r;
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    @Override
    public String toString() {
        return path.getFileName() + " (" + modules.size() + " DiT modules" + (ignored.isEmpty() ? "" : ", "
                + ignored.size() + " text-encoder keys ignored") + ")";
    }
}

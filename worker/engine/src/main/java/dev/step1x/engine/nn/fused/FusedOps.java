package dev.step1x.engine.nn.fused;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libtorch's fused kernels that DJL's JNI does not expose ({@code scaled_dot_product_attention},
 * {@code group_norm}), reached through a TorchScript module whose source this class writes
 * ({@link TorchScriptArchive}) and loads with DJL's public module API. No compiler, no Python, no native library
 * of our own, no ABI assumption: if this libtorch cannot compile the module or its results differ from the
 * composed ops, the engine keeps the composed ops.
 *
 * <p>One module per device, loaded and <b>self-tested</b> on first use: each kernel is run on small random inputs
 * (attention unmasked and with additive masks of the shapes the callers pass, in query blocks, a fully masked row
 * with a finite mask; GroupNorm) in float32 and float16 and compared with the composed ops. A kernel is used only
 * for the element types whose test passed. {@link Mode} selects: {@code auto} (fused where the self-test passed,
 * composed elsewhere, with a warning when it failed), {@code fused} (fused or an error) or {@code composed}.
 *
 * <p>The mode is process-wide (one libtorch per process); {@link dev.step1x.engine.runtime.EngineRuntime#start}
 * sets it from its options and runs the self-test on its device at start.
 *
 * <p>Calls cost one JNI call per input (wrapping the tensor handle), one to run the method and one for the
 * result: tens of microseconds, measured in {@code docs/performance.md}.
 */
public final class FusedOps {

    private static final Logger LOG = LoggerFactory.getLogger(FusedOps.class);

    /** Which attention and GroupNorm implementations the engine uses. */
    public enum Mode {
        /** Fused where its self-test passed on the device and element type, composed elsewhere. */
        AUTO,
        /** Fused, or an error if the module does not load or its self-test fails. */
        FUSED,
        /** The composed ops only (matmul/softmax attention, GroupNorm from reductions). */
        COMPOSED;

        /** "auto" (or null/blank), "fused", "composed"; anything else is rejected with the accepted forms. */
        public static Mode parse(String s) {
            String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
            return switch (v) {
                case "", "auto" -> AUTO;
                case "fused" -> FUSED;
                case "composed" -> COMPOSED;
                default -> throw new IllegalArgumentException("fused ops mode '" + s
                        + "' is not one of: auto, fused, composed");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The fused kernels. */
    public enum Kernel {
        ATTENTION("attention"),
        GROUP_NORM("group_norm");

        private final String label;

        Kernel(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    static final String CLASS_NAME = "Step1xFusedOps";

    /**
     * The module's TorchScript source. A last dimension that is not contiguous is made so first: libtorch's fused
     * attention kernels (CPU flash, CUDA flash and memory-efficient) need unit stride there and would otherwise
     * take the math path, which materialises every score. {@code group_norm}'s weight and bias are cast to the
     * input's type (the CPU kernel wants them alike).
     */
    static final String SOURCE = String.join("\n",
            "class " + CLASS_NAME + "(Module):",
            "  __parameters__ = []",
            "  __buffers__ = []",
            "  training : bool",
            "  def forward(self: __torch__." + CLASS_NAME + ",",
            "    x: Tensor) -> Tensor:",
            "    return x",
            "  def unit_last(self: __torch__." + CLASS_NAME + ",",
            "    t: Tensor) -> Tensor:",
            "    if t.stride(-1) != 1:",
            "      return t.contiguous()",
            "    return t",
            "  def attention(self: __torch__." + CLASS_NAME + ",",
            "    q: Tensor,",
            "    k: Tensor,",
            "    v: Tensor,",
            "    block: int) -> Tensor:",
            "    q = self.unit_last(q)",
            "    k = self.unit_last(k)",
            "    v = self.unit_last(v)",
            "    n = q.size(2)",
            "    if block > 0 and block < n and torch._fused_sdp_choice(q, k, v) == 0:",
            "      parts = annotate(List[Tensor], [])",
            "      for start in range(0, n, block):",
            "        rows = torch.narrow(q, 2, start, min(block, n - start))",
            "        parts.append(torch.scaled_dot_product_attention(rows, k, v))",
            "      return torch.cat(parts, 2)",
            "    return torch.scaled_dot_product_attention(q, k, v)",
            "  def attention_masked(self: __torch__." + CLASS_NAME + ",",
            "    q: Tensor,",
            "    k: Tensor,",
            "    v: Tensor,",
            "    mask: Tensor,",
            "    block: int) -> Tensor:",
            "    q = self.unit_last(q)",
            "    k = self.unit_last(k)",
            "    v = self.unit_last(v)",
            "    n = q.size(2)",
            "    if block > 0 and block < n and torch._fused_sdp_choice(q, k, v, mask) == 0:",
            "      parts = annotate(List[Tensor], [])",
            "      for start in range(0, n, block):",
            "        rows = torch.narrow(q, 2, start, min(block, n - start))",
            "        m = mask",
            "        if mask.size(-2) != 1:",
            "          m = torch.narrow(mask, -2, start, min(block, n - start))",
            "        parts.append(torch.scaled_dot_product_attention(rows, k, v, m))",
            "      return torch.cat(parts, 2)",
            "    return torch.scaled_dot_product_attention(q, k, v, mask)",
            "  def sdp_choice(self: __torch__." + CLASS_NAME + ",",
            "    q: Tensor,",
            "    k: Tensor,",
            "    v: Tensor) -> int:",
            "    return torch._fused_sdp_choice(self.unit_last(q), self.unit_last(k), self.unit_last(v))",
            "  def sdp_choice_masked(self: __torch__." + CLASS_NAME + ",",
            "    q: Tensor,",
            "    k: Tensor,",
            "    v: Tensor,",
            "    mask: Tensor) -> int:",
            "    return torch._fused_sdp_choice(self.unit_last(q), self.unit_last(k), self.unit_last(v), mask)",
            "  def group_norm(self: __torch__." + CLASS_NAME + ",",
            "    x: Tensor,",
            "    groups: int,",
            "    weight: Tensor,",
            "    bias: Tensor,",
            "    eps: float) -> Tensor:",
            "    return torch.group_norm(x, groups, weight, bias, eps)",
            "");

    /** The element types the self-test covers (a kernel is used for a type only when its test passed). */
    static final List<DataType> SELF_TEST_TYPES = List.of(DataType.FLOAT32, DataType.FLOAT16);

    private static volatile Mode mode = Mode.AUTO;
    private static final Map<Device, FusedOps> BY_DEVICE = new ConcurrentHashMap<>();

    private final Device device;
    private final PtSymbolBlock module; // null when it did not load
    private final String loadError; // null when it loaded
    private final Map<Kernel, Set<DataType>> verified;
    private final List<String> selfTest;

    private FusedOps(Device device, PtSymbolBlock module, String loadError, Map<Kernel, Set<DataType>> verified,
            List<String> selfTest) {
        this.device = device;
        this.module = module;
        this.loadError = loadError;
        this.verified = verified;
        this.selfTest = selfTest;
    }

    /** Sets the process-wide mode. */
    public static void setMode(Mode m) {
        mode = m == null ? Mode.AUTO : m;
    }

    public static Mode mode() {
        return mode;
    }

    /**
     * The module on {@code device}, loaded and self-tested on the first call for that device (a warning is logged
     * when either fails). Never null; see {@link #supports}.
     */
    public static FusedOps on(Device device) {
        FusedOps f = BY_DEVICE.get(device);
        if (f != null) {
            return f;
        }
        synchronized (BY_DEVICE) {
            return BY_DEVICE.computeIfAbsent(device, d -> loadAndTest(d, SOURCE));
        }
    }

    /**
     * Checks that the current mode can run on {@code device}: in {@code fused} mode the module must load and every
     * kernel must pass its self-test in float32 (the VAE's type) and in each of {@code computeTypes}, else an
     * {@link IllegalStateException} says why. Loads and tests the module unless the mode is {@code composed}.
     */
    public static void checkMode(Device device, DataType... computeTypes) {
        if (mode == Mode.COMPOSED) {
            return;
        }
        FusedOps f = on(device);
        if (mode == Mode.FUSED) {
            Set<DataType> types = EnumSet.of(DataType.FLOAT32, computeTypes);
            for (Kernel k : Kernel.values()) {
                for (DataType t : types) {
                    if (!f.supports(k, t)) {
                        throw new IllegalStateException("fused ops were requested but " + k + " " + typeList(EnumSet.of(t))
                                + " is unavailable on " + device + ": " + f.describe());
                    }
                }
            }
        }
    }

    /**
     * The fused kernels to use for {@code kernel} on arrays of {@code type} on {@code device}, or null for the
     * composed ops. In {@code fused} mode a kernel that did not pass its self-test for {@code type} is an error.
     */
    public static FusedOps select(Kernel kernel, Device device, DataType type) {
        Mode m = mode;
        if (m == Mode.COMPOSED) {
            return null;
        }
        FusedOps f = on(device);
        if (f.supports(kernel, type)) {
            return f;
        }
        if (m == Mode.FUSED) {
            throw new IllegalStateException("fused " + kernel + " for " + type + " on " + device
                    + " was requested but did not pass its self-test: " + f.describe());
        }
        return null;
    }

    /** Whether {@code kernel} passed its self-test for arrays of {@code type}. */
    public boolean supports(Kernel kernel, DataType type) {
        return module != null && verified.get(kernel).contains(type);
    }

    /** One line: what loaded and which kernels passed for which types, or why not. */
    public String describe() {
        if (module == null) {
            return "TorchScript module did not load (" + loadError + ")";
        }
        StringBuilder s = new StringBuilder("TorchScript");
        for (Kernel k : Kernel.values()) {
            Set<DataType> types = verified.get(k);
            s.append(", ").append(k).append(' ').append(types.isEmpty() ? "failed its self-test" : typeList(types));
        }
        return s.toString();
    }

    /** The self-test's lines (kernel, case, max abs difference, tolerance, verdict). */
    public List<String> selfTestReport() {
        return selfTest;
    }

    /** "fused ops auto (TorchScript, attention fp32 fp16, group_norm fp32)" for the given device. */
    public static String describe(Device device) {
        Mode m = mode;
        return "fused ops " + m + (m == Mode.COMPOSED ? "" : " (" + on(device).describe() + ")");
    }

    // ---------------------------------------------------------------------------------------------------- kernels

    /**
     * {@code torch.scaled_dot_product_attention(q, k, v[, mask])}: softmax(q·kᵀ/√D + mask)·v, the last dimension of
     * each input made contiguous first if it is not.
     *
     * @param mask null, or an additive mask of q's type (or boolean, true = attend) broadcastable to [B, H, Lq, Lk]
     * @param queryBlock used only when libtorch would run these inputs on its math path, which materialises the
     *     scores: then the queries go in blocks of this many (0: never). Its fused kernels bound their own memory.
     */
    public NDArray attention(NDArray q, NDArray k, NDArray v, NDArray mask, int queryBlock) {
        IValue[] in = new IValue[mask == null ? 4 : 5];
        try {
            int i = 0;
            in[i++] = IValue.from((PtNDArray) q);
            in[i++] = IValue.from((PtNDArray) k);
            in[i++] = IValue.from((PtNDArray) v);
            if (mask != null) {
                in[i++] = IValue.from((PtNDArray) mask);
            }
            in[i] = IValue.from((long) Math.max(0, queryBlock));
            return run(mask == null ? "attention" : "attention_masked", (PtNDManager) q.getManager(), in);
        } finally {
            close(in);
        }
    }

    /**
     * The kernel libtorch picks for these inputs in {@link #attention} ({@code torch._fused_sdp_choice} after the
     * same contiguity fix): "math" (the scores are materialised), "flash_attention", "efficient_attention",
     * "cudnn_attention", ... .
     */
    public String backend(NDArray q, NDArray k, NDArray v, NDArray mask) {
        IValue[] in = new IValue[mask == null ? 3 : 4];
        try {
            in[0] = IValue.from((PtNDArray) q);
            in[1] = IValue.from((PtNDArray) k);
            in[2] = IValue.from((PtNDArray) v);
            if (mask != null) {
                in[3] = IValue.from((PtNDArray) mask);
            }
            long choice;
            try (IValue out = IValueUtils.runMethod(module, mask == null ? "sdp_choice" : "sdp_choice_masked", in)) {
                choice = out.toLong();
            }
            return backendName(choice);
        } finally {
            close(in);
        }
    }

    /** libtorch's {@code sdp::SDPBackend} values (the same from 2.0 to 2.7). */
    static String backendName(long choice) {
        return switch ((int) choice) {
            case -1 -> "error";
            case 0 -> "math";
            case 1 -> "flash_attention";
            case 2 -> "efficient_attention";
            case 3 -> "cudnn_attention";
            case 4 -> "overrideable";
            default -> "backend " + choice;
        };
    }

    /** {@code torch.group_norm(x, groups, weight, bias, eps)} on [B, C, ...]. */
    public NDArray groupNorm(NDArray x, int groups, NDArray weight, NDArray bias, double eps) {
        PtNDManager manager = (PtNDManager) x.getManager();
        IValue[] in = new IValue[5];
        try {
            in[0] = IValue.from((PtNDArray) x);
            in[1] = IValue.from((long) groups);
            in[2] = IValue.from((PtNDArray) weight);
            in[3] = IValue.from((PtNDArray) bias);
            in[4] = IValue.from(eps);
            return run("group_norm", manager, in);
        } finally {
            close(in);
        }
    }

    private NDArray run(String method, PtNDManager manager, IValue[] in) {
        try (IValue out = IValueUtils.runMethod(module, method, in)) {
            return out.toTensor(manager);
        }
    }

    private static void close(IValue[] values) {
        for (IValue v : values) {
            if (v != null) {
                v.close();
            }
        }
    }

    /** Whether arrays can take the fused route at all: PyTorch engine arrays. */
    public static boolean isPyTorch(NDArray... arrays) {
        for (NDArray a : arrays) {
            if (a != null && !(a instanceof PtNDArray)) {
                return false;
            }
        }
        return true;
    }

    // ----------------------------------------------------------------------------------------------- load + test

    /** Loads a module from {@code source} (a class named {@value #CLASS_NAME}) and self-tests it; never cached. */
    static FusedOps loadAndTest(Device device, String source) {
        Map<Kernel, Set<DataType>> verified = new EnumMap<>(Kernel.class);
        for (Kernel k : Kernel.values()) {
            verified.put(k, EnumSet.noneOf(DataType.class));
        }
        PtSymbolBlock module;
        try {
            module = load(device, source);
        } catch (Throwable e) { // EngineException from the TorchScript compiler, UnsatisfiedLinkError, ...
            rethrowFatal(e);
            String why = e.getClass().getSimpleName() + ": " + firstLine(e.getMessage());
            warn("fused ops unavailable on " + device + ", using the composed ops: " + why);
            return new FusedOps(device, null, why, verified, List.of());
        }
        List<String> report = new ArrayList<>();
        FusedOps candidate = new FusedOps(device, module, null, verified, report);
        long start = System.nanoTime();
        FusedSelfTest.run(candidate, device, verified, report);
        report.add(String.format(Locale.ROOT, "self-test on %s: %.0f ms", device, (System.nanoTime() - start) / 1e6));
        List<String> failed = new ArrayList<>();
        for (Kernel k : Kernel.values()) {
            for (DataType t : SELF_TEST_TYPES) {
                if (!verified.get(k).contains(t)) {
                    failed.add(k + " " + typeList(EnumSet.of(t)));
                }
            }
        }
        if (!failed.isEmpty()) {
            warn("fused " + String.join(", ", failed) + " failed the self-test on " + device
                    + "; the composed ops are used there:\n  " + String.join("\n  ", report));
        }
        return new FusedOps(device, module, null, verified, Collections.unmodifiableList(report));
    }

    private static PtSymbolBlock load(Device device, String source) throws IOException {
        byte[] archive = TorchScriptArchive.build(CLASS_NAME, source);
        // The module holds no tensors: it lives as long as the process, with a manager of its own.
        NDManager manager = NDManager.newBaseManager(device, Engine.getEngine("PyTorch").getEngineName());
        try {
            long handle = JniUtils.loadModuleHandle(new ByteArrayInputStream(archive), device, true, false);
            return new PtSymbolBlock((PtNDManager) manager, handle);
        } catch (IOException | RuntimeException | Error e) {
            manager.close();
            throw e;
        }
    }

    static void rethrowFatal(Throwable e) {
        if (e instanceof VirtualMachineError && !(e instanceof OutOfMemoryError)) {
            throw (VirtualMachineError) e;
        }
    }

    private static void warn(String message) {
        if (mode == Mode.COMPOSED) {
            LOG.debug(message);
        } else {
            LOG.warn(message);
        }
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    static String typeList(Set<DataType> types) {
        List<String> names = new ArrayList<>();
        for (DataType t : types) {
            names.add(t == DataType.FLOAT16 ? "fp16" : t == DataType.FLOAT32 ? "fp32" : t.toString());
        }
        return String.join(" ", names);
    }

    Device device() {
        return device;
    }
}

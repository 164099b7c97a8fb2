package dev.step1x.engine.runtime;

import dev.step1x.engine.nn.Precision;
import dev.step1x.engine.nn.fused.FusedOps;
import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Starts DJL's PyTorch engine from the natives in the Maven jars, never touching the network, and
 * picks the device. Every entry point of the engine goes through {@link #start(Options)}.
 *
 * <p>Offline is enforced here, not only by the build: DJL downloads natives it cannot find and,
 * unless told otherwise, calls the EC2 metadata service from {@code Engine} init. Both are turned off
 * before the first DJL class that reads them is touched. DJL reads environment variables first, then
 * system properties, so a user's own {@code DJL_CACHE_DIR} environment variable still wins.
 */
public final class EngineRuntime {

    public static final String ENGINE_NAME = "PyTorch";
    /** The fused-ops mode when the options leave it unspecified (auto, fused, composed). */
    public static final String FUSED_OPS_PROPERTY = "step1x.fused-ops";
    /** The fused-ops mode when neither the options nor {@value #FUSED_OPS_PROPERTY} specify it. */
    public static final String FUSED_OPS_ENV = "STEP1X_FUSED_OPS";
    private static final Pattern DEVICE = Pattern.compile("(cpu|gpu)(?::(\\d+))?");

    /**
     * @param device "cpu" (default), "gpu" (= gpu:0) or "gpu:N"
     * @param cacheDir where DJL extracts natives (null: DJL's default, ~/.djl.ai)
     * @param numThreads intra-op threads for libtorch (null: libtorch's default)
     * @param dtype compute type of the DiT, connector and Qwen: "fp32", "fp16", or "auto"/null (fp16 on a GPU,
     *     fp32 on the CPU); the VAE always computes in float32, as in the official code
     * @param qwenOffload keep the Qwen weights in host memory and copy them to the device for each batch's
     *     encoding only (frees ~14.4 GiB of GPU memory for DiT batch rows at full size; on the CPU it only
     *     adds a copy per batch)
     * @param fusedOps attention and GroupNorm: "auto" (libtorch's fused kernels where their start-up self-test
     *     passed, else the composed ops), "fused" (fused or an error at start), "composed" ({@link FusedOps});
     *     null: the system property {@value #FUSED_OPS_PROPERTY}, else the environment variable
     *     {@value #FUSED_OPS_ENV}, else "auto"
     */
    public record Options(String device, Path cacheDir, Integer numThreads, String dtype, boolean qwenOffload,
            String fusedOps) {
        /** Fused ops unspecified (null). */
        public Options(String device, Path cacheDir, Integer numThreads, String dtype, boolean qwenOffload) {
            this(device, cacheDir, numThreads, dtype, qwenOffload, null);
        }

        public static Options defaults() {
            return new Options("cpu", null, null, "auto", false, null);
        }

        public Options withDevice(String d) {
            return new Options(d, cacheDir, numThreads, dtype, qwenOffload, fusedOps);
        }

        public Options withDtype(String t) {
            return new Options(device, cacheDir, numThreads, t, qwenOffload, fusedOps);
        }

        public Options withQwenOffload(boolean on) {
            return new Options(device, cacheDir, numThreads, dtype, on, fusedOps);
        }

        /** "auto", "fused" or "composed" ({@link FusedOps.Mode#parse}). */
        public Options withFusedOps(String mode) {
            return new Options(device, cacheDir, numThreads, dtype, qwenOffload, mode);
        }
    }

    private final Engine engine;
    private final Device device;
    private final Precision precision;
    private final boolean qwenOffload;
    private final long maxScoreBytes;

    private EngineRuntime(Engine engine, Device device, Precision precision, boolean qwenOffload) {
        this.engine = engine;
        this.device = device;
        this.precision = precision;
        this.qwenOffload = qwenOffload;
        this.maxScoreBytes = device.isGpu() ? gpuScoreBytes(ai.djl.util.cuda.CudaUtils.getGpuMemory(device))
                : dev.step1x.engine.nn.Attention.DEFAULT_SCORE_BYTES;
    }

    /** 1/32 of the free device memory, within [256 MiB, 2 GiB]. */
    static long gpuScoreBytes(java.lang.management.MemoryUsage gpu) {
        return gpuScoreBytes(gpu.getMax() - gpu.getCommitted());
    }

    /** The attention score block a GPU with {@code freeBytes} free at start gets: 1/32, within [256 MiB, 2 GiB]. */
    public static long gpuScoreBytes(long freeBytes) {
        return Math.max(256L << 20, Math.min(2L << 30, freeBytes / 32));
    }

    public static EngineRuntime start(Options options) {
        Device device = parseDevice(options.device());
        Precision precision = parsePrecision(options.dtype(), device);
        FusedOps.Mode fused = FusedOps.Mode.parse(fusedOpsSetting(options.fusedOps()));
        configureOffline(options.cacheDir(), options.numThreads());
        Engine engine = loadEngine();
        checkDevice(engine, device);
        // Process-wide (one libtorch per process); loads and self-tests the fused kernels on this device now, so a
        // failure is reported at start (a warning in auto mode, an error in fused mode).
        FusedOps.setMode(fused);
        try {
            FusedOps.checkMode(device, precision.dataType());
        } catch (IllegalStateException e) {
            throw new EngineUnavailableException(e.getMessage(), e);
        }
        return new EngineRuntime(engine, device, precision, options.qwenOffload());
    }

    /** The options' fused-ops mode, else {@value #FUSED_OPS_PROPERTY}, else {@value #FUSED_OPS_ENV}, else "auto". */
    static String fusedOpsSetting(String fromOptions) {
        if (fromOptions != null && !fromOptions.isBlank()) {
            return fromOptions;
        }
        String p = System.getProperty(FUSED_OPS_PROPERTY);
        if (p != null && !p.isBlank()) {
            return p;
        }
        String e = System.getenv(FUSED_OPS_ENV);
        return e != null && !e.isBlank() ? e : "auto";
    }

    /** "auto" (or null): FP16 on a GPU, FP32 on the CPU; else {@link Precision#parse}. */
    public static Precision parsePrecision(String dtype, Device device) {
        if (dtype == null || dtype.isBlank() || dtype.trim().equalsIgnoreCase("auto")) {
            return device.isGpu() ? Precision.FP16 : Precision.FP32;
        }
        try {
            return Precision.parse(dtype);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("dtype '" + dtype + "' is not one of: auto, fp32, fp16");
        }
    }

    /**
     * The bound on one attention score block ({@link dev.step1x.engine.nn.Attention#queryChunkFor}). CPU: 32 MiB,
     * where small blocks stay in the caches (measured: 8.3 s vs 5.8 s for the small DiT forward). GPU: 1/32 of
     * the memory free at start, within [256 MiB, 2 GiB]: every block costs a handful of kernel launches and JNI
     * calls, so a 1024² batch of one at 32 MiB would take ~460 blocks per attention, at 2 GiB 8.
     */
    public long maxScoreBytes() {
        return maxScoreBytes;
    }

    /** The compute precision of the DiT, connector and Qwen. */
    public Precision precision() {
        return precision;
    }

    /** Whether the Qwen weights stay in host memory between encodings (meant for GPUs; on the CPU only a copy). */
    public boolean qwenOffload() {
        return qwenOffload;
    }

    public static EngineRuntime startDefault() {
        return start(Options.defaults());
    }

    public Engine engine() {
        return engine;
    }

    public Device device() {
        return device;
    }

    /** A fresh manager on this runtime's device; close it to free everything it created. */
    public NDManager newManager() {
        return NDManager.newBaseManager(device, ENGINE_NAME);
    }

    public String describe() {
        EngineBuildInfo b = EngineBuildInfo.current();
        return "engine " + b.engineVersion() + ", DJL " + b.djlVersion() + ", " + engine.getEngineName() + " "
                + engine.getVersion() + ", device " + device + ", GPUs visible " + engine.getGpuCount()
                + ", CUDA libtorch " + engine.hasCapability(StandardCapabilities.CUDA) + ", compute " + precision
                + (qwenOffload ? ", Qwen offloaded" : "") + ", " + FusedOps.describe(device);
    }

    /** "cpu", "gpu", "gpu:N"; anything else is rejected with the accepted forms. */
    public static Device parseDevice(String spec) {
        String s = spec == null ? "cpu" : spec.trim().toLowerCase(Locale.ROOT);
        Matcher m = DEVICE.matcher(s);
        if (!m.matches() || (m.group(1).equals("cpu") && m.group(2) != null)) {
            throw new IllegalArgumentException("device '" + spec + "' is not one of: cpu, gpu, gpu:N");
        }
        if (m.group(1).equals("cpu")) {
            return Device.cpu();
        }
        return Device.gpu(m.group(2) == null ? 0 : Integer.parseInt(m.group(2)));
    }

    /** Sets DJL's offline, tracking and cache settings as system properties (idempotent). */
    static void configureOffline(Path cacheDir, Integer numThreads) {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        System.setProperty("ai.djl.default_engine", ENGINE_NAME);
        if (cacheDir != null) {
            System.setProperty("DJL_CACHE_DIR", cacheDir.toAbsolutePath().toString());
        }
        if (numThreads != null) {
            if (numThreads < 1) {
                throw new IllegalArgumentException("numThreads must be >= 1, got " + numThreads);
            }
            System.setProperty("ai.djl.pytorch.num_threads", numThreads.toString());
        }
    }

    private static Engine loadEngine() {
        try {
            return Engine.getEngine(ENGINE_NAME);
        } catch (Throwable e) { // EngineException, IllegalArgumentException, UnsatisfiedLinkError, ...
            if (e instanceof VirtualMachineError && !(e instanceof OutOfMemoryError)) {
                throw (VirtualMachineError) e;
            }
            EngineBuildInfo b = EngineBuildInfo.current();
            String libPath = System.getenv("PYTORCH_LIBRARY_PATH");
            StringBuilder msg = new StringBuilder("The PyTorch engine could not start: ").append(rootMessage(e))
                    .append(". It needs libtorch natives, either the jar ").append(b.nativeCoordinates())
                    .append(" on the classpath (built with this engine; -Pcuda selects the CUDA one)")
                    .append(", or PYTORCH_LIBRARY_PATH=<dir with libtorch.so> together with PYTORCH_FLAVOR (cpu, cu124, ...)")
                    .append(" and a DJL JNI built for that libtorch. Downloads are disabled (DJL offline mode).");
            if (libPath != null) {
                msg.append(" PYTORCH_LIBRARY_PATH is set to ").append(libPath).append(", PYTORCH_FLAVOR to ")
                        .append(System.getenv("PYTORCH_FLAVOR"));
            }
            msg.append(" DJL cache directory: ").append(ai.djl.util.Utils.getEngineCacheDir());
            throw new EngineUnavailableException(msg.toString(), e);
        }
    }

    private static void checkDevice(Engine engine, Device device) {
        if (!device.isGpu()) {
            return;
        }
        if (!engine.hasCapability(StandardCapabilities.CUDA)) {
            throw new EngineUnavailableException("Device " + device + " was requested, but the loaded libtorch ("
                    + engine.getVersion() + ") is a CPU build. Build with -Pcuda (" + "pytorch-native-cu124) or point "
                    + "PYTORCH_LIBRARY_PATH/PYTORCH_FLAVOR at a CUDA libtorch.");
        }
        int gpus = engine.getGpuCount();
        if (device.getDeviceId() >= gpus) {
            throw new EngineUnavailableException("Device " + device + " was requested, but " + gpus
                    + " GPU(s) are visible (NVIDIA driver installed? CUDA_VISIBLE_DEVICES?).");
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (cause: " + t.getMessage() + ")";
        return e.getClass().getSimpleName() + ": " + m;
    }
}

package dev.step1x.worker.config;

import dev.step1x.worker.engine.EngineSettings;
import dev.step1x.worker.engine.SimulatedEditEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Which engine runs the edits. */
public class EngineProperties {
    /**
     * model (Step1XEditPipeline from model-dir; the default) or simulated (a stand-in with no model, for tests
     * and demos; it runs only when named here, and every result and metric it produces says so).
     */
    private String mode = "model";
    /** Model directory in the official layout (or the demo model); required in model mode. */
    private String modelDir;
    /**
     * The Qwen2.5-VL-7B-Instruct directory when it is not model-dir/Qwen2.5-VL-7B-Instruct: a plain directory,
     * a Hugging Face cache entry or one of its snapshots (unset: inside model-dir).
     */
    private String qwenDir;
    /** cpu, gpu or gpu:N. */
    private String device = "cpu";
    /** Where DJL extracts natives (null: DJL's default). */
    private String cacheDir;
    /** libtorch intra-op threads (null: libtorch's default). */
    private Integer numThreads;
    /** Compute type of the DiT, connector and Qwen: auto (fp16 on a GPU, fp32 on the CPU), fp32 or fp16. */
    private String dtype = "auto";
    /** Keep Qwen's weights in host memory between encodings (GPU only): more DiT rows per batch. */
    private boolean qwenOffload;
    /** libtorch's fused attention and GroupNorm: auto (when the start-up self-test passes), fused or composed. */
    private String fusedOps = "auto";
    /**
     * Model versions this worker serves; other requests are REJECTED with MODEL_VERSION_UNAVAILABLE. In model
     * mode the model directory must hold each one (start-up fails naming a missing one); the warm-up batch runs
     * on the first.
     */
    private List<String> modelVersions = new ArrayList<>(List.of("v1.0", "v1.1"));
    /**
     * LoRA files merged into the DiT at load, {@code FILE[:MULT]} (multiplier default 1.0): every request gets them.
     * A file that does not fit the DiT stops the start-up with every mismatch listed.
     */
    private List<String> loraMerged = new ArrayList<>();
    /** Hold the DiT's Linear weights as float8_e4m3fn (one byte each) and decode them per layer. */
    private boolean fp8;
    /** With fp8, a float weight beyond +/-448 becomes +/-448 (saturate, current PyTorch) or NaN (older PyTorch). */
    private String fp8Overflow = "saturate";
    /** Keep the DiT's blocks in host memory; each forward copies one block at a time to the device (small GPUs). */
    private boolean ditOffload;
    private final Simulated simulated = new Simulated();
    private final Warmup warmup = new Warmup();

    public String getMode() { return mode; }
    public void setMode(String mode) { this.mode = mode; }
    public String getModelDir() { return modelDir; }
    public void setModelDir(String modelDir) { this.modelDir = modelDir; }
    public String getQwenDir() { return qwenDir; }
    public void setQwenDir(String qwenDir) { this.qwenDir = qwenDir; }
    public String getDevice() { return device; }
    public void setDevice(String device) { this.device = device; }
    public String getCacheDir() { return cacheDir; }
    public void setCacheDir(String cacheDir) { this.cacheDir = cacheDir; }
    public Integer getNumThreads() { return numThreads; }
    public void setNumThreads(Integer numThreads) { this.numThreads = numThreads; }
    public String getDtype() { return dtype; }
    public void setDtype(String dtype) { this.dtype = dtype; }
    public boolean isQwenOffload() { return qwenOffload; }
    public void setQwenOffload(boolean qwenOffload) { this.qwenOffload = qwenOffload; }
    public String getFusedOps() { return fusedOps; }
    public void setFusedOps(String fusedOps) { this.fusedOps = fusedOps; }
    public List<String> getModelVersions() { return modelVersions; }
    public void setModelVersions(List<String> modelVersions) { this.modelVersions = modelVersions; }
    public List<String> getLoraMerged() { return loraMerged; }
    public void setLoraMerged(List<String> loraMerged) { this.loraMerged = loraMerged; }
    public boolean isFp8() { return fp8; }
    public void setFp8(boolean fp8) { this.fp8 = fp8; }
    public String getFp8Overflow() { return fp8Overflow; }
    public void setFp8Overflow(String fp8Overflow) { this.fp8Overflow = fp8Overflow; }
    public boolean isDitOffload() { return ditOffload; }
    public void setDitOffload(boolean ditOffload) { this.ditOffload = ditOffload; }
    public Simulated getSimulated() { return simulated; }
    public Warmup getWarmup() { return warmup; }

    /** Without per-request adapters. */
    public EngineSettings toSettings() {
        return toSettings(0);
    }

    /** @param adapterCacheBytes device bytes for per-request adapters ({@code worker.lora.cache-size}) */
    public EngineSettings toSettings(long adapterCacheBytes) {
        return new EngineSettings(mode, modelDir, qwenDir, device, cacheDir, numThreads, dtype, qwenOffload, fusedOps,
                modelVersions == null ? List.of() : java.util.Collections.unmodifiableList(new ArrayList<>(modelVersions)),
                new EngineSettings.Simulated(simulated.getBase(), simulated.getPerRow(),
                        simulated.getPerStepMegapixel(), simulated.getDeviceMemoryPixels(),
                        simulated.getPlannerOptimism(), simulated.isVaryPerRun(), simulated.getCrashInstruction()),
                new EngineSettings.Warmup(warmup.isEnabled(), warmup.getSizeLevel(), warmup.getSteps()),
                new EngineSettings.Dit(loraMerged == null ? List.of() : List.copyOf(loraMerged), fp8, fp8Overflow,
                        ditOffload, adapterCacheBytes));
    }

    /** The stand-in engine's cost model: each batch sleeps base + rows x (perRow + perStepMegapixel x steps x MP). */
    public static class Simulated {
        private Duration base = Duration.ofMillis(40);
        private Duration perRow = Duration.ofMillis(15);
        /** Device time per row, denoising step and megapixel of the bucket (0: the cost ignores steps and size). */
        private Duration perStepMegapixel = Duration.ZERO;
        /** Simulated device memory in bucket pixels (0: unlimited); batches beyond it fail as out of memory. */
        private long deviceMemoryPixels;
        /** How much the simulated memory plan overestimates what fits (1: exact). */
        private double plannerOptimism = 1.0;
        /**
         * Each run of a request gives slightly different output bytes (seeded from the run), as the real engine's do
         * between batches and GPU types; on in the load tests, so that a request computed twice shows.
         */
        private boolean varyPerRun;
        /**
         * Test only (off when empty): a batch with a request whose instruction contains this text halts the JVM
         * (exit code {@value SimulatedEditEngine#CRASH_EXIT_CODE}) as a native crash of the real engine would, so
         * that the crash-loop protection ({@code worker.poison.*}) can be exercised.
         */
        private String crashInstruction;

        public Duration getBase() { return base; }
        public void setBase(Duration base) { this.base = base; }
        public Duration getPerRow() { return perRow; }
        public void setPerRow(Duration perRow) { this.perRow = perRow; }
        public Duration getPerStepMegapixel() { return perStepMegapixel; }
        public void setPerStepMegapixel(Duration v) { this.perStepMegapixel = v; }
        public long getDeviceMemoryPixels() { return deviceMemoryPixels; }
        public void setDeviceMemoryPixels(long pixels) { this.deviceMemoryPixels = pixels; }
        public double getPlannerOptimism() { return plannerOptimism; }
        public void setPlannerOptimism(double optimism) { this.plannerOptimism = optimism; }
        public boolean isVaryPerRun() { return varyPerRun; }
        public void setVaryPerRun(boolean varyPerRun) { this.varyPerRun = varyPerRun; }
        public String getCrashInstruction() { return crashInstruction; }
        public void setCrashInstruction(String crashInstruction) { this.crashInstruction = crashInstruction; }
    }

    /**
     * One batch run before the worker reports ready, on the first configured model version the model directory has.
     * A small size level and one step keep the start fast; requests default to size level 1024.
     */
    public static class Warmup {
        private boolean enabled = true;
        private int sizeLevel = 512;
        private int steps = 1;

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
        public int getSizeLevel() { return sizeLevel; }
        public void setSizeLevel(int sizeLevel) { this.sizeLevel = sizeLevel; }
        public int getSteps() { return steps; }
        public void setSteps(int steps) { this.steps = steps; }
    }
}

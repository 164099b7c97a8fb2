package dev.step1x.worker.engine;

import java.time.Duration;
import java.util.List;

/**
 * The engine's settings ({@code worker.engine.*}), as the composition root hands them over.
 *
 * @param mode model or simulated
 * @param modelDir the model directory (model mode)
 * @param qwenDir the Qwen2.5-VL directory when it is not inside {@code modelDir}, or null
 * @param device cpu, gpu or gpu:N
 * @param cacheDir where DJL extracts its natives, or null
 * @param numThreads libtorch intra-op threads, or null
 * @param dtype auto, fp32 or fp16
 * @param qwenOffload Qwen's weights in host memory between encodings
 * @param fusedOps auto, fused or composed
 * @param modelVersions the versions this worker serves, the warm-up's first
 * @param dit LoRA files merged at load, FP8 weights, DiT block offload, the device budget of per-request adapters
 */
public record EngineSettings(String mode, String modelDir, String qwenDir, String device, String cacheDir,
        Integer numThreads, String dtype, boolean qwenOffload, String fusedOps, List<String> modelVersions,
        Simulated simulated, Warmup warmup, Dit dit) {

    /**
     * The DiT's load options.
     *
     * @param loraMerged {@code FILE[:MULT]} LoRA files merged into the DiT at load (every request gets them)
     * @param fp8 the DiT's Linear weights held as float8_e4m3fn, decoded per layer
     * @param fp8Overflow saturate or nan: what a cast of a value beyond +/-448 gives
     * @param offload the DiT's blocks in host memory, visiting the device one at a time
     * @param adapterCacheBytes device bytes for per-request adapters (LRU; the memory planner reserves them)
     */
    public record Dit(List<String> loraMerged, boolean fp8, String fp8Overflow, boolean offload,
            long adapterCacheBytes) {

        public static final Dit DEFAULTS = new Dit(List.of(), false, "saturate", false, 0);
    }

    /**
     * The stand-in engine's cost model and simulated device memory.
     *
     * @param perStepMegapixel device time per row, denoising step and megapixel of the bucket (0: none)
     * @param varyPerRun each run of a request gives slightly different output bytes, as a real GPU fleet's do
     * @param crashInstruction test only: a batch with a row whose instruction contains it halts the JVM; null: off
     */
    public record Simulated(Duration base, Duration perRow, Duration perStepMegapixel, long deviceMemoryPixels,
            double plannerOptimism, boolean varyPerRun, String crashInstruction) {

        /** Without a crash instruction. */
        public Simulated(Duration base, Duration perRow, Duration perStepMegapixel, long deviceMemoryPixels,
                double plannerOptimism, boolean varyPerRun) {
            this(base, perRow, perStepMegapixel, deviceMemoryPixels, plannerOptimism, varyPerRun, null);
        }
    }

    /** The batch run before the worker reports ready. */
    public record Warmup(boolean enabled, int sizeLevel, int steps) {}
}

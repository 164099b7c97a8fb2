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
 */
public record EngineSettings(String mode, String modelDir, String qwenDir, String device, String cacheDir,
        Integer numThreads, String dtype, boolean qwenOffload, String fusedOps, List<String> modelVersions,
        Simulated simulated, Warmup warmup) {

    /**
     * The stand-in engine's cost model and simulated device memory.
     *
     * @param varyPerRun each run of a request gives slightly different output bytes, as a real GPU fleet's do
     */
    public record Simulated(Duration base, Duration perRow, long deviceMemoryPixels, double plannerOptimism,
            boolean varyPerRun) {}

    /** The batch run before the worker reports ready. */
    public record Warmup(boolean enabled, int sizeLevel, int steps) {}
}

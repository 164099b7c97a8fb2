package dev.step1x.loadtest.scenario;

import dev.step1x.loadtest.gen.Profile;
import java.nio.file.Path;

/**
 * How a load run is configured (command line of bin/step1x-load, or the CI test).
 *
 * @param mode          {@code simulated} (the worker's stand-in engine, costs from {@link DeviceModel}) or
 *                      {@code demo} (the real pipeline on the demo model)
 * @param profile       request mix of the load scenarios (a preset or a properties file, see {@link Profile#load})
 * @param scale         multiplies every scenario's duration (and so its request count)
 * @param timeScale     simulated device: fraction of the H800 seconds per edit
 * @param fixedFraction simulated device: share of a request's time that is per batch
 * @param seed          request-stream seed
 * @param workDir       where the broker, S3Proxy and worker logs live
 * @param reportDir     where index.html and summary.json go
 * @param demoModelDir  the demo model directory (demo mode)
 * @param adapterShare  share of good requests that name a LoRA adapter ({@link #ADAPTERS}, alternating), 0..1
 * @param varyOutputs   simulated mode: each run of a request gives other output bytes (the stand-in engine's
 *                      {@code worker.engine.simulated.vary-per-run}, as a real GPU fleet's bytes vary), so a request
 *                      that is computed twice shows up as conflicting; on unless {@code --identical-reruns}
 */
public record Settings(
        String mode,
        Profile profile,
        double scale,
        double timeScale,
        double fixedFraction,
        long seed,
        Path workDir,
        Path reportDir,
        Path demoModelDir,
        double adapterShare,
        boolean varyOutputs) {

    /**
     * The adapters requests may name: the demo model's ({@code bin/step1x-edit demo-model} writes them to
     * {@code <model>/loras/<name>.safetensors}); in simulated mode placeholder files with the same names.
     */
    public static final java.util.List<String> ADAPTERS = java.util.List.of("demo-style-a", "demo-style-b");

    public Settings {
        if (adapterShare < 0 || adapterShare > 1) {
            throw new IllegalArgumentException("the adapter share must be within 0..1, got " + adapterShare);
        }
    }

    /** Without adapters. */
    public Settings(String mode, Profile profile, double scale, double timeScale, double fixedFraction, long seed,
            Path workDir, Path reportDir, Path demoModelDir, boolean varyOutputs) {
        this(mode, profile, scale, timeScale, fixedFraction, seed, workDir, reportDir, demoModelDir, 0, varyOutputs);
    }

    /** Without adapters, outputs varying per run. */
    public Settings(String mode, Profile profile, double scale, double timeScale, double fixedFraction, long seed,
            Path workDir, Path reportDir, Path demoModelDir) {
        this(mode, profile, scale, timeScale, fixedFraction, seed, workDir, reportDir, demoModelDir, true);
    }

    public boolean demo() {
        return "demo".equals(mode);
    }

    /** Scaled duration in seconds, at least {@code min}; four times longer in demo mode (slower requests). */
    public double seconds(double base, double min) {
        return Math.max(min, base * scale) * (demo() ? DEMO_TIME_FACTOR : 1);
    }

    /** Demo mode stretches every scenario: its requests take seconds, not a tenth of one. */
    public static final double DEMO_TIME_FACTOR = 4;
}

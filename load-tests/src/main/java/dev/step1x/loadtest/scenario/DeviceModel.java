package dev.step1x.loadtest.scenario;

import dev.step1x.loadtest.gen.Profile;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The simulated device: the worker's stand-in engine costs {@code base + perRow * rows} per batch
 * ({@code worker.engine.simulated.base/per-row}). The {@code h800} preset is scaled from the official
 * single-request H800 times (Step1X-Edit README, bs = 1, 28 steps: 5 / 11 / 22 s at 512 / 768 / 1024): the
 * per-request time {@code t} is the profile's size-level mix of those times times {@code timeScale}, split
 * into a fixed part {@code f * t} (per batch) and a per-row part {@code (1 - f) * t}. The worker's stand-in
 * has one cost for every bucket, hence the mix. {@code f} is our assumption (0.25 gives bs 4 about 23 % more
 * throughput than bs 1, in the range SGLang-Diffusion reports for dynamic batching of large DiTs).
 *
 * @param name   description for the report
 * @param base   fixed cost per batch
 * @param perRow cost per request in the batch
 */
public record DeviceModel(String name, Duration base, Duration perRow) {

    /** Official H800 seconds per edit at bs 1 by size level. */
    public static final Map<Integer, Double> H800_SECONDS = Map.of(512, 5.0, 768, 11.0, 1024, 22.0);
    public static final double DEFAULT_TIME_SCALE = 0.01;
    public static final double DEFAULT_FIXED_FRACTION = 0.25;

    public static DeviceModel h800(Profile profile, double timeScale, double fixedFraction) {
        double seconds = 0;
        for (Map.Entry<Integer, Double> e : profile.sizeShares().entrySet()) {
            seconds += e.getValue() * H800_SECONDS.get(e.getKey());
        }
        double ms = seconds * 1000 * timeScale;
        long base = Math.round(ms * fixedFraction);
        long perRow = Math.max(1, Math.round(ms) - base);
        return new DeviceModel(String.format(Locale.ROOT,
                "h800 x %.3g (profile %s: %.1f s per edit on an H800 -> %.0f ms; fixed %.0f %%)", timeScale,
                profile.name(), seconds, ms, fixedFraction * 100), Duration.ofMillis(base), Duration.ofMillis(perRow));
    }

    /** No device time at all: what the worker does around the engine (the infra CPU benchmark). */
    public static DeviceModel zero() {
        return new DeviceModel("zero cost (infrastructure only)", Duration.ZERO, Duration.ZERO);
    }

    /** Requests per second of one worker whose batches all have {@code rows} rows. */
    public double capacity(int rows) {
        double ms = base.toMillis() + perRow.toMillis() * (double) rows;
        return ms <= 0 ? Double.POSITIVE_INFINITY : rows * 1000.0 / ms;
    }

    /** The worker properties for this model. */
    public List<String> workerProperties() {
        return List.of("worker.engine.mode=simulated",
                "worker.engine.simulated.base=" + base.toMillis() + "ms",
                "worker.engine.simulated.per-row=" + perRow.toMillis() + "ms");
    }
}

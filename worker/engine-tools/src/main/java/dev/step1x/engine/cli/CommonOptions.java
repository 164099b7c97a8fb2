package dev.step1x.engine.cli;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.runtime.EngineRuntime;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/**
 * The options of every command that starts the engine (a picocli mixin), {@code --help} included, and the
 * value checks the commands share. Commands that run models add {@code --qwen-offload} themselves.
 */
final class CommonOptions {

    /** {@code --dtype}. */
    enum Dtype { auto, fp32, fp16 }

    /** {@code --fused-ops}. */
    enum FusedOpsMode { auto, fused, composed }

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--device", paramLabel = "cpu|gpu|gpu:N", defaultValue = "cpu", converter = DeviceConverter.class,
            description = "Compute device (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--djl-cache", paramLabel = "DIR",
            description = "Where DJL extracts libtorch (default: ~/.djl.ai or $DJL_CACHE_DIR).")
    Path djlCache;

    @Option(names = "--threads", paramLabel = "N", description = "libtorch intra-op threads (1..1024; default: libtorch's).")
    Integer threads;

    @Option(names = "--dtype", paramLabel = "auto|fp32|fp16", defaultValue = "auto",
            description = "Compute type of the DiT, connector and Qwen (default: ${DEFAULT-VALUE}: fp16 on a "
                    + "GPU, fp32 on the CPU); the VAE always computes in float32.")
    Dtype dtype;

    @Option(names = "--fused-ops", paramLabel = "auto|fused|composed",
            description = "Attention and GroupNorm: libtorch's fused kernels (auto: where a start-up self-test "
                    + "against the composed ops passes; fused: fail if unavailable) or the composed ops "
                    + "(default: auto, or $STEP1X_FUSED_OPS).")
    FusedOpsMode fusedOps;

    /** The engine options, after checking the values that have ranges. */
    EngineRuntime.Options options(CommandSpec spec, boolean qwenOffload) {
        if (threads != null) {
            range(spec, "--threads", threads, 1, 1024);
        }
        return new EngineRuntime.Options(device, djlCache, threads, dtype.name(), qwenOffload,
                fusedOps == null ? null : fusedOps.name());
    }

    /** A usage error (exit 2) of {@code spec}'s command. */
    static ParameterException usage(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    static int range(CommandSpec spec, String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw usage(spec, name + " must be in " + min + ".." + max + ", got " + value);
        }
        return value;
    }

    static long range(CommandSpec spec, String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw usage(spec, name + " must be in " + min + ".." + max + ", got " + value);
        }
        return value;
    }

    static float range(CommandSpec spec, String name, float value, float min, float max) {
        if (!(value >= min && value <= max)) {
            throw usage(spec, String.format(Locale.ROOT, "%s must be in %s..%s, got %s", name, min, max, value));
        }
        return value;
    }

    /** Every value of a comma-separated list in [min, max]. */
    static List<Integer> ranges(CommandSpec spec, String name, List<Integer> values, int min, int max) {
        for (int v : values) {
            if (v < min || v > max) {
                throw usage(spec, name + " values must be in [" + min + ", " + max + "], got " + v);
            }
        }
        return values;
    }

    /** "cpu", "gpu", "gpu:N", checked by {@link EngineRuntime#parseDevice}. */
    static final class DeviceConverter implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                EngineRuntime.parseDevice(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
            return value;
        }
    }

    /** "v1.1", "v1.0" and the spellings {@link ModelVersion#parse} accepts. */
    static final class VersionConverter implements ITypeConverter<ModelVersion> {
        @Override
        public ModelVersion convert(String value) {
            try {
                return ModelVersion.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}

package dev.step1x.engine.cli;

import dev.step1x.engine.dit.DitOptions;
import dev.step1x.engine.lora.LoraSpec;
import dev.step1x.engine.weights.Float8;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The DiT's options of the commands that load a model (a picocli mixin): LoRA files merged at load, FP8 weights,
 * blocks offloaded to host memory; the official script's {@code --lora}, {@code --quantized}, {@code --offload}.
 * docs/lora-fp8.md says what each does.
 */
final class DitFlags {

    @Option(names = "--lora", paramLabel = "FILE[:MULT]", converter = LoraConverter.class,
            description = "A kohya-format LoRA merged into the DiT at load, with a multiplier (default 1.0); "
                    + "repeatable (they add up). A file that does not fit the DiT is refused with every mismatch.")
    List<LoraSpec> loras = new ArrayList<>();

    @Option(names = {"--fp8", "--quantized"},
            description = "Hold the DiT's Linear weights as float8_e4m3fn (one byte each; an FP8 checkpoint as "
                    + "stored, a float one cast at load as PyTorch does) and decode them per layer.")
    boolean fp8;

    @Option(names = "--fp8-overflow", paramLabel = "saturate|nan", defaultValue = "saturate",
            converter = OverflowConverter.class,
            description = "--fp8: a value beyond +/-448 becomes +/-448 (saturate, current PyTorch; default) or NaN "
                    + "(PyTorch before April 2026).")
    Float8.Overflow fp8Overflow;

    @Option(names = "--dit-offload",
            description = "Keep the DiT's blocks in host memory; each forward copies one block at a time to the "
                    + "device (for small GPUs; slower).")
    boolean ditOffload;

    DitOptions options() {
        return DitOptions.defaults().withLoras(List.copyOf(loras)).withFp8(fp8).withFp8Overflow(fp8Overflow)
                .withOffload(ditOffload);
    }

    /** {@code FILE[:MULT]}, checked by {@link LoraSpec#parse}. */
    static final class LoraConverter implements ITypeConverter<LoraSpec> {
        @Override
        public LoraSpec convert(String value) {
            try {
                return LoraSpec.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class OverflowConverter implements ITypeConverter<Float8.Overflow> {
        @Override
        public Float8.Overflow convert(String value) {
            try {
                return Float8.Overflow.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}

package dev.step1x.engine.lora;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A LoRA file and its multiplier, as {@code --lora FILE} gives it (the official inference uses 1.0): merged into
 * the DiT at load as {@code W += multiplier · (alpha / rank) · up @ down}.
 */
public record LoraSpec(Path file, float multiplier) {

    public LoraSpec {
        Objects.requireNonNull(file, "file");
        if (!Float.isFinite(multiplier)) {
            throw new IllegalArgumentException("LoRA multiplier must be finite, got " + multiplier);
        }
    }

    public static LoraSpec of(Path file) {
        return new LoraSpec(file, 1f);
    }

    /** {@code FILE} or {@code FILE:MULTIPLIER} (the multiplier after the last colon, when it parses as a number). */
    public static LoraSpec parse(String s) {
        int colon = s.lastIndexOf(':');
        if (colon > 0) {
            try {
                return new LoraSpec(Path.of(s.substring(0, colon)), Float.parseFloat(s.substring(colon + 1)));
            } catch (NumberFormatException e) {
                // a colon in the path
            }
        }
        return new LoraSpec(Path.of(s), 1f);
    }
}

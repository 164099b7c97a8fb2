package dev.step1x.engine.pipeline;

import java.util.Objects;

/**
 * A request's LoRA adapter: a name the engine's adapter cache knows
 * ({@link Step1XEditPipeline#adapters()}, {@link dev.step1x.engine.lora.AdapterCache#register}) and the multiplier
 * its low-rank terms get on both rows of the request (1.0 = as trained, like the official {@code --lora}).
 */
public record AdapterRef(String name, float multiplier) {

    public AdapterRef {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("adapter name must not be blank");
        }
        if (!Float.isFinite(multiplier)) {
            throw new IllegalArgumentException("adapter multiplier must be finite, got " + multiplier);
        }
    }

    public static AdapterRef of(String name) {
        return new AdapterRef(name, 1f);
    }
}

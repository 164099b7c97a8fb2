package dev.step1x.contracts;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * {@link EditRequest#params()}: sampling parameters. Every component may be {@code null} on the wire (the
 * default applies); {@link #resolved(String)} fills them in.
 *
 * @param sizeLevel     working resolution, one of 512, 768, 1024 (default 1024)
 * @param steps         denoising steps 1..100 (default 28)
 * @param guidanceScale classifier-free guidance scale 1..20 (default 6.0)
 * @param seed          noise seed (default {@link #defaultSeed(String)} of the requestId)
 * @param modelVersion  checkpoint generation (default v1.1)
 * @param adapter       a LoRA adapter from the worker's catalog, applied to this request only (default none)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EditParams(
        Integer sizeLevel,
        Integer steps,
        Double guidanceScale,
        Long seed,
        ModelVersion modelVersion,
        Adapter adapter) {

    public static final int DEFAULT_SIZE_LEVEL = 1024;
    public static final int DEFAULT_STEPS = 28;
    public static final double DEFAULT_GUIDANCE_SCALE = 6.0;
    public static final ModelVersion DEFAULT_MODEL_VERSION = ModelVersion.V1_1;

    /** All fields absent: every default applies. */
    public static final EditParams DEFAULTS = new EditParams(null, null, null, null, null, null);

    /** Without an adapter. */
    public EditParams(Integer sizeLevel, Integer steps, Double guidanceScale, Long seed, ModelVersion modelVersion) {
        this(sizeLevel, steps, guidanceScale, seed, modelVersion, null);
    }

    /**
     * {@link EditParams#adapter()}: a LoRA adapter the worker's catalog names ({@code worker.lora.catalog.NAME}),
     * applied unmerged to this request's rows only, so requests with different adapters and none share a batch.
     *
     * @param name  the catalog name, 1-64 of {@code [a-z0-9._-]} starting with a letter or digit
     * @param scale the multiplier of the adapter's low-rank term, -4..4 (default 1.0)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Adapter(String name, Double scale) {

        public static final double DEFAULT_SCALE = 1.0;

        /** A copy with the default scale filled in. */
        public Adapter resolved() {
            return scale != null ? this : new Adapter(name, DEFAULT_SCALE);
        }
    }

    /**
     * A copy with every absent field set to its default; present fields are kept. The seed default depends
     * on the request, hence the argument.
     */
    public EditParams resolved(String requestId) {
        return new EditParams(
                sizeLevel != null ? sizeLevel : DEFAULT_SIZE_LEVEL,
                steps != null ? steps : DEFAULT_STEPS,
                guidanceScale != null ? guidanceScale : DEFAULT_GUIDANCE_SCALE,
                seed != null ? seed : defaultSeed(requestId),
                modelVersion != null ? modelVersion : DEFAULT_MODEL_VERSION,
                adapter != null ? adapter.resolved() : null);
    }

    /** True when no field is absent. */
    @JsonIgnore
    public boolean isResolved() {
        return sizeLevel != null && steps != null && guidanceScale != null && seed != null && modelVersion != null
                && (adapter == null || adapter.scale() != null);
    }

    /**
     * The seed a request gets when it names none: the first 8 bytes of SHA-256 over the UTF-8 encoding of
     * {@code requestId}, read as a signed big-endian 64-bit integer. Deterministic, so a redelivered or
     * re-sent request reproduces the same image, and any client can compute it.
     */
    public static long defaultSeed(String requestId) {
        Objects.requireNonNull(requestId, "requestId");
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(requestId.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong(); // ByteBuffer is big-endian by default
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JRE", e);
        }
    }
}

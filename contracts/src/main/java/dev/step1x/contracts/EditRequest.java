package dev.step1x.contracts;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An instruction-based image edit: the value of a record on {@link Topics#REQUESTS}, keyed by
 * {@link #requestId()}. Mirrors {@code schemas/edit-request-v1.schema.json}; optional fields are
 * {@code null} when absent. Obtain instances from {@link ContractValidator#parseRequest(byte[])}, which
 * validates first; then call {@link #withDefaults()}.
 *
 * @param schemaVersion     always {@value #SCHEMA_VERSION}
 * @param requestId         idempotency key, 1..128 of {@code [A-Za-z0-9._:-]}
 * @param previousRequestId edit chain: edit the output of this earlier request (exclusive with input)
 * @param input             the S3 object to edit (required unless previousRequestId is given)
 * @param instruction       the edit instruction, 1..2000 characters, any language
 * @param negativePrompt    negative prompt (default {@code ""})
 * @param params            sampling parameters (each defaulted, see {@link EditParams})
 * @param output            where to write the result (required)
 * @param deadline          answer EXPIRED instead of running after this instant
 * @param priority          0..9, higher first (default {@value #DEFAULT_PRIORITY})
 * @param metadata          at most 16 string pairs, echoed in the result
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EditRequest(
        int schemaVersion,
        String requestId,
        String previousRequestId,
        Input input,
        String instruction,
        String negativePrompt,
        EditParams params,
        OutputSpec output,
        Instant deadline,
        Integer priority,
        Map<String, String> metadata) {

    public static final int SCHEMA_VERSION = 1;
    public static final String DEFAULT_NEGATIVE_PROMPT = "";
    public static final int DEFAULT_PRIORITY = 5;

    public EditRequest {
        metadata = metadata == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /**
     * The S3 object to edit.
     *
     * @param bucket    S3 bucket name
     * @param key       object key, 1..1024 characters
     * @param versionId object version, latest when {@code null}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Input(String bucket, String key, String versionId) {
        public static Input of(String bucket, String key) {
            return new Input(bucket, key, null);
        }
    }

    /** A minimal request: edit {@code input} with {@code instruction}, write PNG to {@code outputBucket}. */
    public static EditRequest of(String requestId, Input input, String instruction, String outputBucket) {
        return new EditRequest(SCHEMA_VERSION, requestId, null, input, instruction, null, null,
                OutputSpec.of(outputBucket), null, null, null);
    }

    /** True when this request edits the output of {@link #previousRequestId()} rather than an S3 input. */
    @JsonIgnore
    public boolean isChained() {
        return previousRequestId != null;
    }

    /**
     * A copy with every default applied: negativePrompt {@code ""}, params resolved (including the seed
     * derived from requestId, see {@link EditParams#defaultSeed(String)}), output resolved (keyPrefix
     * {@code ""}, format png, jpegQuality 90 for jpeg), priority 5 and an empty metadata map. Idempotent; the
     * result still validates against the schema.
     */
    public EditRequest withDefaults() {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(output, "output");
        return new EditRequest(
                schemaVersion,
                requestId,
                previousRequestId,
                input,
                instruction,
                negativePrompt != null ? negativePrompt : DEFAULT_NEGATIVE_PROMPT,
                (params != null ? params : EditParams.DEFAULTS).resolved(requestId),
                output.resolved(),
                deadline,
                priority != null ? priority : DEFAULT_PRIORITY,
                metadata != null ? metadata : Map.of());
    }

    /** The S3 key the output of this request is written to ({@link OutputSpec#objectKeyFor(String)}). */
    @JsonIgnore
    public String outputKey() {
        return output.objectKeyFor(requestId);
    }
}

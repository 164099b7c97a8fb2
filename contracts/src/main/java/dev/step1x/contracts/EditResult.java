package dev.step1x.contracts;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The answer to one {@link EditRequest}: the value of a record on {@link Topics#RESULTS}, keyed by
 * {@link #requestId()}. Mirrors {@code schemas/edit-result-v1.schema.json}. A SUCCEEDED result has
 * {@link #output()} and no {@link #error()}; every other status has {@link #error()} and no output.
 *
 * @param schemaVersion always {@value #SCHEMA_VERSION}
 * @param requestId     the request's requestId
 * @param status        how the request ended
 * @param output        the edited image (SUCCEEDED only)
 * @param error         why it did not succeed (all other statuses)
 * @param timings       milliseconds per stage, absent stages not reached
 * @param batch         the tensor batch it ran in, if it reached the device
 * @param worker        the worker that produced the result
 * @param attempt       delivery attempt, 1 for the first
 * @param completedAt   when the result was produced
 * @param metadata      the request's metadata, echoed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EditResult(
        int schemaVersion,
        String requestId,
        ResultStatus status,
        OutputRef output,
        ErrorDetail error,
        Timings timings,
        BatchInfo batch,
        WorkerInfo worker,
        int attempt,
        Instant completedAt,
        Map<String, String> metadata) {

    public static final int SCHEMA_VERSION = 1;

    public EditResult {
        metadata = metadata == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /**
     * Where the edited image is.
     *
     * @param bucket      S3 bucket
     * @param key         S3 object key
     * @param etag        the ETag S3 returned
     * @param sha256      SHA-256 of the object bytes, 64 lower-case hex digits
     * @param width       width in pixels
     * @param height      height in pixels
     * @param contentType {@code image/png} or {@code image/jpeg}
     * @param versionId   the object's S3 version id; {@code null} (absent) unless the bucket is versioned
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OutputRef(
            String bucket,
            String key,
            String etag,
            String sha256,
            int width,
            int height,
            String contentType,
            String versionId) {

        /** An object in a bucket without versioning. */
        public OutputRef(String bucket, String key, String etag, String sha256, int width, int height,
                         String contentType) {
            this(bucket, key, etag, sha256, width, height, contentType, null);
        }
    }

    /**
     * Why a request did not succeed.
     *
     * @param code      the cause, from a closed set
     * @param message   human-readable detail (at most {@value #MAX_MESSAGE_LENGTH} characters)
     * @param retryable whether re-sending the request later may succeed
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ErrorDetail(ErrorCode code, String message, boolean retryable) {

        /** Schema limit on {@link #message()}, in code points. */
        public static final int MAX_MESSAGE_LENGTH = 8192;

        /**
         * An error with the code's default retryability; a blank message becomes the code's name and a
         * message over {@link #MAX_MESSAGE_LENGTH} code points is cut (ending in "...").
         */
        public static ErrorDetail of(ErrorCode code, String message) {
            Objects.requireNonNull(code, "code");
            return new ErrorDetail(code, fitMessage(message, code), code.retryable());
        }

        private static String fitMessage(String message, ErrorCode code) {
            if (message == null || message.isBlank()) {
                return code.name();
            }
            if (message.codePointCount(0, message.length()) <= MAX_MESSAGE_LENGTH) {
                return message;
            }
            return message.substring(0, message.offsetByCodePoints(0, MAX_MESSAGE_LENGTH - 3)) + "...";
        }
    }

    /**
     * The tensor batch a request ran in.
     *
     * @param rows      requests in the batch
     * @param bucketKey the batching bucket, e.g. {@code v1.1:1024x1024:28}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BatchInfo(int rows, String bucketKey) {
    }

    /**
     * The worker that produced a result.
     *
     * @param id            worker instance id
     * @param modelVersion  model version it serves
     * @param device        device description
     * @param engineVersion build version
     * @param simulated     {@code TRUE} when the worker ran the simulated stand-in engine (the output is not a
     *                      model edit); {@code null} (absent on the wire) for the real engine. {@code false} is
     *                      normalised to {@code null}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record WorkerInfo(String id, ModelVersion modelVersion, String device, String engineVersion,
                             Boolean simulated) {

        public WorkerInfo {
            simulated = Boolean.TRUE.equals(simulated) ? Boolean.TRUE : null;
        }

        /** A worker running the real engine (no {@code simulated} marker). */
        public WorkerInfo(String id, ModelVersion modelVersion, String device, String engineVersion) {
            this(id, modelVersion, device, engineVersion, null);
        }
    }

    /** A SUCCEEDED result for {@code request}, echoing its requestId and metadata. */
    public static EditResult succeeded(EditRequest request, OutputRef output, Timings timings, BatchInfo batch,
                                       WorkerInfo worker, int attempt, Instant completedAt) {
        return new EditResult(SCHEMA_VERSION, request.requestId(), ResultStatus.SUCCEEDED, output, null,
                timings, batch, worker, attempt, completedAt, request.metadata());
    }

    /**
     * An unsuccessful result with the code's usual status ({@link ErrorCode#status()}) and default
     * retryability ({@link ErrorDetail#of(ErrorCode, String)}). {@code metadata} is the request's, if it
     * could be read, else {@code null}.
     */
    public static EditResult unsuccessful(String requestId, ErrorCode code, String message, Timings timings,
                                          BatchInfo batch, WorkerInfo worker, int attempt, Instant completedAt,
                                          Map<String, String> metadata) {
        return new EditResult(SCHEMA_VERSION, requestId, code.status(), null, ErrorDetail.of(code, message),
                timings, batch, worker, attempt, completedAt, metadata);
    }

    /** True when {@link #status()} is SUCCEEDED. */
    @JsonIgnore
    public boolean isSucceeded() {
        return status == ResultStatus.SUCCEEDED;
    }
}

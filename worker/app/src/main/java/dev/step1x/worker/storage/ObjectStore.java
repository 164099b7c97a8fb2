package dev.step1x.worker.storage;

import java.util.Map;
import java.util.Optional;

/**
 * The few object-store operations the worker needs. Implementations throw {@link StorageException}. An output
 * object is created once ({@link #createIfAbsent}) and never overwritten; the only unconditional write and the only
 * delete ({@link #replace}, {@link #delete}) are for the worker's own small marker objects beside the outputs
 * (a request's start count).
 */
public interface ObjectStore {

    /**
     * Reads an object, refusing more than {@code maxBytes} (from Content-Length before reading, and while
     * reading).
     */
    byte[] get(String bucket, String key, String versionId, long maxBytes);

    /** True when the object exists. */
    boolean exists(String bucket, String key);

    /** The object's headers and user metadata, or empty when there is no such object. */
    Optional<StoredObject> head(String bucket, String key);

    /**
     * Creates the object only if its key is free (a conditional write, {@code If-None-Match: *}). Returns the
     * new object's ETag and version, or {@link Created#ALREADY_EXISTS} when another object holds the key; that
     * object is not touched.
     */
    Created createIfAbsent(String bucket, String key, byte[] bytes, String contentType, Map<String, String> metadata);

    /**
     * Writes the object whether or not its key is taken (replacing what is there). Only for the worker's own marker
     * objects, never for an output.
     */
    void replace(String bucket, String key, byte[] bytes, String contentType, Map<String, String> metadata);

    /** Deletes the object; a key that holds nothing is not an error. Only for the worker's own marker objects. */
    void delete(String bucket, String key);

    /**
     * What a HEAD says about an object.
     *
     * @param metadata user metadata ({@code x-amz-meta-*}), keys in lower case
     * @param versionId null unless the bucket is versioned
     */
    record StoredObject(String etag, String versionId, String contentType, long contentLength,
            Map<String, String> metadata) {}

    /**
     * The outcome of {@link #createIfAbsent}: the new object ({@code created}) or a key that was taken.
     *
     * @param versionId null unless the bucket is versioned
     */
    record Created(boolean created, String etag, String versionId) {
        public static final Created ALREADY_EXISTS = new Created(false, null, null);
    }
}

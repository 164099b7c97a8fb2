package dev.step1x.worker.storage;

import java.util.Map;

/** The few object-store operations the worker needs. Implementations throw {@link StorageException}. */
public interface ObjectStore {

    /**
     * Reads an object, refusing more than {@code maxBytes} (from Content-Length before reading, and while
     * reading).
     */
    byte[] get(String bucket, String key, String versionId, long maxBytes);

    /** True when the object exists. */
    boolean exists(String bucket, String key);

    /** Writes (overwrites) an object and returns its ETag. */
    String put(String bucket, String key, byte[] bytes, String contentType, Map<String, String> metadata);
}

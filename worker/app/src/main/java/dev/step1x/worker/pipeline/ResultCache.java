package dev.step1x.worker.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last results by requestId (LRU), so a duplicate delivery of the same request bytes is answered with
 * the byte-identical result instead of being run again. Only final results are kept (SUCCEEDED and
 * non-retryable failures); a retryable failure is run again when the request comes back.
 */
final class ResultCache {

    record Cached(String payloadHash, byte[] resultJson, int attempt) {}

    private final int capacity;
    private final LinkedHashMap<String, Cached> map;

    ResultCache(int capacity) {
        this.capacity = Math.max(0, capacity);
        this.map = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
                return size() > ResultCache.this.capacity;
            }
        };
    }

    synchronized Cached get(String requestId, String payloadHash) {
        Cached c = map.get(requestId);
        return c != null && c.payloadHash().equals(payloadHash) ? c : null;
    }

    synchronized void put(String requestId, Cached c) {
        if (capacity > 0) {
            map.put(requestId, c);
        }
    }
}

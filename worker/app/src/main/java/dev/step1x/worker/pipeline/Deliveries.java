package dev.step1x.worker.pipeline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which requests are in flight and what recent ones were answered: a redelivery of a request that is still running
 * is attached to it and gets its answer, and a redelivery of one already answered gets the byte-identical result
 * (a {@link ResultCache} of final results). The intake claims, the answerer settles. Thread-safe.
 */
public final class Deliveries {

    private final ResultCache cache;
    /** By {@link Accepted#inFlightKey()}: requestId and record bytes. */
    private final Map<String, List<Delivery>> attachedByKey = new HashMap<>();

    /** @param resultCacheSize final results remembered (LRU by requestId; 0: none) */
    public Deliveries(int resultCacheSize) {
        this.cache = new ResultCache(resultCacheSize);
    }

    /** The final result already published for exactly these request bytes, or null. */
    ResultCache.Cached answered(String requestId, String payloadHash) {
        return cache.get(requestId, payloadHash);
    }

    /**
     * True when {@code d} is the request's only delivery in flight (it runs); false when another delivery of the
     * same request bytes is running, to which {@code d} is now attached.
     *
     * @param inFlightKey requestId and record bytes ({@link Accepted#inFlightKey()})
     */
    boolean claim(String inFlightKey, Delivery d) {
        synchronized (attachedByKey) {
            List<Delivery> attached = attachedByKey.get(inFlightKey);
            if (attached != null) {
                attached.add(d);
                return false;
            }
            attachedByKey.put(inFlightKey, new ArrayList<>());
            return true;
        }
    }

    /**
     * The request is answered: remembers the answer when it is final (null: a retryable failure, run again when it
     * comes back) and returns the deliveries that were attached to the one that ran.
     */
    List<Delivery> settle(String requestId, String inFlightKey, ResultCache.Cached finalAnswer) {
        if (finalAnswer != null) {
            cache.put(requestId, finalAnswer);
        }
        return release(inFlightKey);
    }

    /**
     * Releases the request when every delivery attached to it was revoked too (the running one is the caller's to
     * check), and returns them; null, releasing nothing, when one of them is still owned here and needs the answer.
     */
    List<Delivery> releaseIfAllRevoked(String inFlightKey) {
        synchronized (attachedByKey) {
            List<Delivery> attached = attachedByKey.get(inFlightKey);
            if (attached != null && !attached.stream().allMatch(d -> d.completion().revoked())) {
                return null;
            }
            return release(inFlightKey);
        }
    }

    /** The request leaves the pipeline (answered or given up): the deliveries that were attached to it. */
    List<Delivery> release(String inFlightKey) {
        synchronized (attachedByKey) {
            List<Delivery> attached = attachedByKey.remove(inFlightKey);
            return attached == null ? List.of() : attached;
        }
    }
}

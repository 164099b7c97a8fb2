package dev.step1x.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link Tap} for tests: keeps a copy of every tensor shown, on {@code manager}, by name ({@code name#request}
 * for a per-request value). Showing a name twice is an error.
 */
public final class RecordingTap implements Tap {

    private final NDManager manager;
    private final Map<String, NDArray> tensors = new LinkedHashMap<>();

    public RecordingTap(NDManager manager) {
        this.manager = manager;
    }

    @Override
    public void tensor(String name, int request, NDArray value) {
        // the shown array is valid during the call only (its computation's scope closes it): keep a copy
        NDArray copy = value.duplicate();
        NDScope.unregister(copy);
        copy.attach(manager);
        String key = request == BATCH ? name : name + "#" + request;
        if (tensors.put(key, copy) != null) {
            throw new IllegalStateException(key + " was shown twice");
        }
    }

    /** Everything shown, in order. */
    public Map<String, NDArray> tensors() {
        return tensors;
    }

    /** The copy of {@code key}; fails, listing what was shown, when it was not. */
    public NDArray get(String key) {
        NDArray a = tensors.get(key);
        if (a == null) {
            throw new IllegalStateException(key + " was not shown (shown: " + tensors.keySet() + ")");
        }
        return a;
    }
}

package dev.step1x.engine.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.step1x.engine.Tap;
import dev.step1x.engine.image.RgbImage;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@link Tap} the parity components install: keeps what a computation shows, for comparison with the golden
 * tensors. Each tensor is copied onto the case's manager (the shown array is valid during the call only), each
 * image kept, under {@code prefix + name}, with {@code #request} appended for a per-request value. Showing a name
 * twice is an error: two computations would otherwise overwrite each other's values unnoticed.
 */
public final class TapRecorder implements Tap {

    private final NDManager manager;
    private final String prefix;
    private final Map<String, NDArray> tensors = new LinkedHashMap<>();
    private final Map<String, RgbImage> images = new LinkedHashMap<>();

    public TapRecorder(NDManager manager) {
        this(manager, "");
    }

    /** @param prefix put before every name ({@code "mid."}: the golden sets' intermediates) */
    public TapRecorder(NDManager manager, String prefix) {
        this.manager = manager;
        this.prefix = prefix;
    }

    @Override
    public void tensor(String name, int request, NDArray value) {
        NDArray copy = value.duplicate();
        NDScope.unregister(copy);
        copy.attach(manager);
        String key = key(prefix + name, request);
        if (tensors.put(key, copy) != null) {
            throw new IllegalStateException("the tensor " + key + " was shown twice");
        }
    }

    @Override
    public void image(String name, int request, RgbImage image) {
        String key = key(prefix + name, request);
        if (images.put(key, image) != null) {
            throw new IllegalStateException("the image " + key + " was shown twice");
        }
    }

    /** The key of a value: {@code name}, or {@code name#request} for a per-request value. */
    public static String key(String name, int request) {
        return request == BATCH ? name : name + "#" + request;
    }

    /** The copies of every tensor shown, by key, in order. */
    public Map<String, NDArray> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    /** The tensor of {@code key}; fails, listing what was shown, when it was not shown. */
    public NDArray tensor(String key) {
        NDArray a = tensors.get(key);
        if (a == null) {
            throw new IllegalStateException("the computation did not show " + key + " (shown: " + tensors.keySet() + ")");
        }
        return a;
    }

    /** The image of {@code key}; fails, listing what was shown, when it was not shown. */
    public RgbImage image(String key) {
        RgbImage img = images.get(key);
        if (img == null) {
            throw new IllegalStateException("the computation did not show image " + key + " (shown: " + images.keySet()
                    + ")");
        }
        return img;
    }
}

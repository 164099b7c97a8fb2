package dev.step1x.engine;

import ai.djl.ndarray.NDArray;
import dev.step1x.engine.image.RgbImage;

/**
 * Sees the intermediates of an engine computation (a module's forward, a denoising run, a whole edit), named as
 * the official code's golden tensors name them: the seam the parity checks install. Production code passes
 * {@link #NONE}; a computation asks {@link #active()} before it builds anything only a tap would see.
 *
 * <p>Arrays and images belong to the computation that shows them and are valid during the call only: a tap copies
 * what it keeps. {@code request} is the index of the request (or prompt) a value belongs to, or {@link #BATCH}
 * for a value that covers the whole batch. Each computation documents the names it shows.
 */
@FunctionalInterface
public interface Tap {

    /** The request index of a value that covers the whole batch. */
    int BATCH = -1;

    /** Sees nothing; computations skip the work of showing. */
    Tap NONE = new Tap() {
        @Override
        public boolean active() {
            return false;
        }

        @Override
        public void tensor(String name, int request, NDArray value) {}
    };

    /** False: nothing is shown, and the computation builds nothing for the tap. */
    default boolean active() {
        return true;
    }

    void tensor(String name, int request, NDArray value);

    /** An image the computation produced (the pipeline's resized and decoded pictures); ignored unless overridden. */
    default void image(String name, int request, RgbImage image) {}

    /** {@code tap}, or a clear error for null (which would otherwise fail deep inside a forward). */
    static Tap require(Tap tap) {
        if (tap == null) {
            throw new IllegalArgumentException("tap is null; pass Tap.NONE to show nothing");
        }
        return tap;
    }
}

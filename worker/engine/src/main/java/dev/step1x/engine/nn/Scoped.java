package dev.step1x.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.function.Supplier;

/**
 * Runs one block's computation inside an {@link NDScope}: every array created by the body is closed
 * when it returns, except the result. The result is handed to the enclosing scope (if any), so
 * nested blocks free their intermediates as soon as the enclosing block is done with them.
 *
 * <p>DJL's {@link NDScope#unregister} only removes an array from the innermost scope; without the
 * re-registration a block's result would escape every outer scope and live as long as its manager.
 */
public final class Scoped {

    private Scoped() {}

    /** The body must return a new array (never one of its inputs): that array is re-registered outside. */
    public static NDArray run(Supplier<NDArray> body) {
        NDArray out;
        try (NDScope scope = new NDScope()) {
            out = body.get();
            NDScope.unregister(out);
        }
        NDScope.register(out);
        return out;
    }

    /** As {@link #run}, for a body with several results (each a new array). */
    public static NDArray[] runAll(Supplier<NDArray[]> body) {
        NDArray[] out;
        try (NDScope scope = new NDScope()) {
            out = body.get();
            NDScope.unregister(out);
        }
        for (NDArray a : out) {
            NDScope.register(a);
        }
        return out;
    }
}

package dev.step1x.engine.runtime;

import ai.djl.ndarray.NDManager;

/**
 * Counts the arrays a manager holds, its open sub-managers' included (DJL's {@link NDManager#getManagedArrays()}
 * walks the tree). Meant for a metrics thread while the device thread works: the managers' maps are concurrent, and a
 * sub-manager closing during the walk only makes the figure a moment old, so one retry is enough.
 */
public final class LiveTensors {

    private LiveTensors() {}

    /** Arrays under {@code root} now; -1 when it is closed or the walk failed twice. */
    public static long count(NDManager root) {
        for (int attempt = 0; attempt < 2; attempt++) {
            if (!root.isOpen()) {
                return -1;
            }
            try {
                return root.getManagedArrays().size();
            } catch (RuntimeException e) {
                // a sub-manager closed under the walk: try once more
            }
        }
        return -1;
    }
}

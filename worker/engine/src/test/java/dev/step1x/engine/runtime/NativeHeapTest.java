package dev.step1x.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class NativeHeapTest {

    /** A 64 MiB libtorch tensor on the CPU is malloc'd: in use while it lives, given back when it is closed. */
    @Test
    void followsAHostTensorUpAndDown() {
        EngineRuntime rt = EngineRuntime.startDefault();
        long before = NativeHeap.inUseBytes();
        assertThat(before).as("glibc on Linux").isPositive();
        long size = 64L << 20;
        long during;
        try (NDManager m = rt.newManager()) {
            NDArray big = m.ones(new Shape(size / 4));
            assertThat(big.getFloat(size / 4 - 1)).isEqualTo(1f);
            during = NativeHeap.inUseBytes();
        }
        long after = NativeHeap.inUseBytes();
        // other threads (JIT, GC) malloc and free a few MiB meanwhile: hence the slack
        assertThat(during - after).as("bytes given back when the tensor closed").isBetween(size - (8L << 20),
                size + (8L << 20));
    }
}

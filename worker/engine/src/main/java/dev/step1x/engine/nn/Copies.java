package dev.step1x.engine.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Copies that really copy. DJL's {@code toType(sameType, true)} and {@code toDevice(sameDevice, true)} return an
 * alias of the same storage (its JNI does not pass the copy flag to libtorch). An alias of an array that wraps a
 * Java buffer (arrays made from Java data on the CPU) dangles once that array is closed and its buffer collected;
 * these helpers take a real copy in that case.
 */
public final class Copies {

    private Copies() {}

    /** A new array with its own storage, of {@code type}. */
    public static NDArray asType(NDArray a, DataType type) {
        return a.getDataType() == type ? a.duplicate() : a.toType(type, false);
    }

    /** A new array with its own storage, on {@code device} (a copy also when it is already there). */
    public static NDArray onDevice(NDArray a, Device device) {
        return a.getDevice().equals(device) ? a.duplicate() : a.toDevice(device, false);
    }
}

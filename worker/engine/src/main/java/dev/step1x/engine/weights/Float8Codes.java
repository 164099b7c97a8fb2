package dev.step1x.engine.weights;

import ai.djl.ndarray.NDArray;

/**
 * A tensor held as 8-bit float bytes: {@code codes} is a DJL {@code UINT8} array of the tensor's shape, one byte
 * per element, decoded with {@link Float8.Format#table()} of {@code format}.
 */
public record Float8Codes(NDArray codes, Float8.Format format) {}

package dev.step1x.engine.weights;

import java.nio.file.Path;

/**
 * One tensor entry of a safetensors header.
 *
 * @param begin byte offset of the first element, relative to the data section (as in the header)
 * @param end byte offset one past the last element, relative to the data section
 * @param file the file that holds it
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end, Path file) {

    public long numel() {
        return Shapes.numel(shape);
    }

    public long byteLength() {
        return end - begin;
    }

    @Override
    public String toString() {
        return name + " " + dtype + Shapes.str(shape);
    }
}

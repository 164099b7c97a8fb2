package dev.step1x.engine.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes safetensors files (demo models, test fixtures). Tensors are laid out widest dtype first so
 * every tensor is aligned to its element size, the header is space-padded to a multiple of 8, and the
 * file is written to a temporary name and moved into place, so a reader never sees half a file.
 */
public final class SafetensorsWriter {

    private record Entry(String name, DType dtype, long[] shape, byte[] data) {}

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds a float tensor stored as F32, F16 or BF16 (BF16 by round-to-nearest-even in Java). */
    public SafetensorsWriter add(String name, NDArray array, DType stored) {
        long[] shape = array.getShape().getShape();
        float[] values = array.toType(DataType.FLOAT32, false).toFloatArray();
        ByteBuffer b;
        switch (stored) {
            case F32 -> {
                b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : values) {
                    b.putFloat(v);
                }
            }
            case BF16 -> {
                b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : values) {
                    b.putShort(toBf16(v));
                }
            }
            case F16 -> {
                byte[] half = array.toType(DataType.FLOAT16, false).toByteArray();
                b = ByteBuffer.wrap(half);
                b.position(half.length);
            }
            default -> throw new IllegalArgumentException(name + ": write float tensors as F32, F16 or BF16, not " + stored);
        }
        return add(name, stored, shape, b.array());
    }

    /** Adds raw little-endian bytes. */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, byte[] data) {
        if (data.length != Shapes.numel(shape) * dtype.size()) {
            throw new IllegalArgumentException(name + ": " + data.length + " bytes for " + dtype + Shapes.str(shape));
        }
        if (entries.stream().anyMatch(e -> e.name().equals(name))) {
            throw new IllegalArgumentException("tensor written twice: " + name);
        }
        entries.add(new Entry(name, dtype, shape.clone(), data));
        return this;
    }

    public void write(Path file) throws IOException {
        List<Entry> ordered = new ArrayList<>(entries);
        ordered.sort(Comparator.comparingInt((Entry e) -> -e.dtype().size()).thenComparing(Entry::name));
        StringBuilder h = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            h.append("\"__metadata__\":{");
            int i = 0;
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                h.append(i++ > 0 ? "," : "").append(json(m.getKey())).append(':').append(json(m.getValue()));
            }
            h.append('}');
        }
        long offset = 0;
        for (Entry e : ordered) {
            h.append(h.length() > 1 ? "," : "").append(json(e.name())).append(":{\"dtype\":\"").append(e.dtype())
                    .append("\",\"shape\":").append(java.util.Arrays.toString(e.shape()).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(offset + e.data().length).append("]}");
            offset += e.data().length;
        }
        h.append('}');
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (header.length + 7) / 8 * 8;
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(header);
            for (int i = header.length; i < padded; i++) {
                out.write(' ');
            }
            for (Entry e : ordered) {
                out.write(e.data());
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** float32 -> bfloat16 bits, round to nearest even (NaN stays NaN). */
    static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    private static String json(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}

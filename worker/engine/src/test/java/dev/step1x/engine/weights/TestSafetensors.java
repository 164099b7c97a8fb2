package dev.step1x.engine.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes safetensors files for tests: well-formed ones from tensors, or raw header + data bytes. */
final class TestSafetensors {

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<String> names = new ArrayList<>();
    private final List<String> dtypes = new ArrayList<>();
    private final List<long[]> shapes = new ArrayList<>();
    private final List<byte[]> data = new ArrayList<>();

    TestSafetensors meta(String k, String v) {
        metadata.put(k, v);
        return this;
    }

    TestSafetensors tensor(String name, String dtype, long[] shape, byte[] bytes) {
        names.add(name);
        dtypes.add(dtype);
        shapes.add(shape);
        data.add(bytes);
        return this;
    }

    TestSafetensors f32(String name, long[] shape, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return tensor(name, "F32", shape, b.array());
    }

    /** bf16 from the top 16 bits of each float (values chosen bf16-exact by the caller). */
    TestSafetensors bf16(String name, long[] shape, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort((short) (Float.floatToRawIntBits(v) >>> 16));
        }
        return tensor(name, "BF16", shape, b.array());
    }

    TestSafetensors i64(String name, long[] shape, long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return tensor(name, "I64", shape, b.array());
    }

    String headerJson() {
        StringBuilder sb = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            sb.append("\"__metadata__\":{");
            int i = 0;
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                sb.append(i++ > 0 ? "," : "").append('"').append(e.getKey()).append("\":\"").append(e.getValue()).append('"');
            }
            sb.append("}");
        }
        long offset = 0;
        for (int i = 0; i < names.size(); i++) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            long end = offset + data.get(i).length;
            sb.append('"').append(names.get(i)).append("\":{\"dtype\":\"").append(dtypes.get(i)).append("\",\"shape\":")
                    .append(java.util.Arrays.toString(shapes.get(i)).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        return sb.append('}').toString();
    }

    byte[] dataBytes() {
        int n = data.stream().mapToInt(d -> d.length).sum();
        ByteBuffer b = ByteBuffer.allocate(n);
        data.forEach(b::put);
        return b.array();
    }

    Path write(Path file) throws IOException {
        return writeRaw(file, headerJson(), dataBytes());
    }

    /** Header padded with spaces to a multiple of 8, as real writers do. */
    static Path writeRaw(Path file, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) {
            b.put((byte) ' ');
        }
        b.put(data);
        Files.write(file, b.array());
        return file;
    }

    /** Exactly the given bytes: header length field as given, no padding. */
    static Path writeBytes(Path file, long headerLength, byte[] header, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(header).put(data);
        Files.write(file, b.array());
        return file;
    }
}

package dev.step1x.engine.weights;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory-mapped safetensors file: an 8-byte little-endian header length, a UTF-8 JSON header
 * ({@code name -> {dtype, shape, data_offsets}} plus optional string {@code __metadata__}), then the
 * raw little-endian data. Offsets are {@code long} throughout, so files over 2 GiB work; each
 * mapping is at most {@link #MAX_CHUNK_BYTES}, larger tensors are read in row blocks.
 *
 * <p>The header is validated completely on open (lengths, JSON, dtypes, shapes, offsets inside the
 * file, no overlap, no holes, alignment to the element size), so a bad file fails with a message
 * naming the file, the tensor and the problem, before any byte reaches native code.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** Same bound as the reference implementation: a header over 100 MB is not a real checkpoint. */
    static final long MAX_HEADER_BYTES = 100L << 20;

    /** Largest single mapping / native tensor chunk. DJL's create() also needs numel < 2^31. */
    static final long MAX_CHUNK_BYTES = 1L << 30;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final long dataLength;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, long dataLength,
            Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.dataLength = dataLength;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Opens and validates the header; the data is only mapped when a tensor is read. */
    public static SafetensorsFile open(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = channel.size();
            if (size < 8) {
                throw error(path, "file is " + size + " bytes, too short for the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lenBuf, 0);
            long headerLength = lenBuf.getLong(0);
            // Read as unsigned: a u64 above 2^63 shows up negative.
            if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
                throw error(path, "header length " + Long.toUnsignedString(headerLength)
                        + " is outside 2.." + MAX_HEADER_BYTES + " bytes (not a safetensors file?)");
            }
            if (headerLength < 2) {
                throw error(path, "header length " + headerLength + " is too short for a JSON object");
            }
            if (headerLength > size - 8) {
                throw error(path, "header length " + headerLength + " exceeds the " + (size - 8)
                        + " bytes after the length field (file truncated?)");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLength);
            readFully(channel, headerBuf, 8);
            String header;
            try {
                header = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(headerBuf.flip())
                        .toString();
            } catch (CharacterCodingException e) {
                throw error(path, "header is not valid UTF-8");
            }
            long dataStart = 8 + headerLength;
            long dataLength = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors = parseHeader(path, header, metadata);
            checkLayout(path, tensors, dataLength);
            return new SafetensorsFile(path, channel, dataStart, dataLength, tensors, metadata);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** Tensor entries in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The {@code __metadata__} strings, empty if absent. */
    public Map<String, String> metadata() {
        return metadata;
    }

    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException(path.getFileName() + ": no tensor named '" + name + "'");
        }
        return t;
    }

    /** Maps a whole tensor read-only, little-endian. Fails for tensors over {@link #MAX_CHUNK_BYTES}. */
    public ByteBuffer map(TensorInfo t) throws IOException {
        return map(t, 0, t.byteLength());
    }

    /** Maps {@code length} bytes of a tensor starting {@code offset} bytes into it. */
    public ByteBuffer map(TensorInfo t, long offset, long length) throws IOException {
        if (!t.file().equals(path)) {
            throw new IllegalArgumentException(t.name() + " belongs to " + t.file() + ", not " + path);
        }
        if (offset < 0 || length < 0 || offset + length > t.byteLength()) {
            throw new IllegalArgumentException(t.name() + ": byte range " + offset + "+" + length
                    + " is outside its " + t.byteLength() + " bytes");
        }
        if (length > MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException(t.name() + ": " + length + " bytes is more than one mapping ("
                    + MAX_CHUNK_BYTES + "); read it in row blocks");
        }
        return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin() + offset, length)
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Loads a tensor with its natural type (BF16 widened to F32). */
    public NDArray load(NDManager manager, String name) throws IOException {
        return load(manager, info(name), null);
    }

    /**
     * Loads a tensor onto the manager's device.
     *
     * @param target the DJL type wanted, or null for {@link DType#naturalDataType()}. BF16 is widened
     *     to F32 in Java (and then converted if F16 is wanted): it never reaches DJL's JNI.
     */
    public NDArray load(NDManager manager, TensorInfo t, DataType target) throws IOException {
        return load(manager, t, target, MAX_CHUNK_BYTES);
    }

    NDArray load(NDManager manager, TensorInfo t, DataType target, long maxChunkBytes) throws IOException {
        DataType want = target == null ? t.dtype().naturalDataType() : target;
        if (t.dtype().isWidenedInJava() && want != DataType.FLOAT32 && want != DataType.FLOAT16) {
            throw new IllegalArgumentException(t.name() + ": " + t.dtype() + " loads as FLOAT32 or FLOAT16, not " + want);
        }
        long[] shape = t.shape();
        long rows = shape.length == 0 ? 1 : shape[0];
        long numel = t.numel();
        if (rows == 0 || numel == 0) {
            return manager.create(new Shape(shape), want);
        }
        long rowElems = numel / rows;
        // Widened BF16 / FP8 grow to 4 bytes; chunk on the larger of the two element sizes.
        long rowBytes = rowElems * Math.max(t.dtype().size(), 4);
        long rowsPerChunk = Math.max(1, maxChunkBytes / rowBytes);
        if (rowsPerChunk >= rows) {
            return loadRows(manager, t, want, 0, rows, shape);
        }
        if (shape.length == 0 || rowBytes > MAX_CHUNK_BYTES) {
            throw new IOException(t.name() + ": one row of " + rowBytes + " bytes exceeds a mapping; cannot load");
        }
        try (NDList parts = new NDList()) {
            for (long r = 0; r < rows; r += rowsPerChunk) {
                parts.add(loadRows(manager, t, want, r, Math.min(rowsPerChunk, rows - r), shape));
            }
            NDArray joined = NDArrays.concat(parts, 0);
            joined.attach(manager);
            return joined;
        }
    }

    /** Rows [first, first+count) of dimension 0 as one NDArray owned by libtorch. */
    private NDArray loadRows(NDManager manager, TensorInfo t, DataType want, long first, long count, long[] shape)
            throws IOException {
        long rowElems = t.numel() / (shape.length == 0 ? 1 : shape[0]);
        long elems = rowElems * count;
        long[] partShape = shape.clone();
        if (partShape.length > 0) {
            partShape[0] = count;
        }
        ByteBuffer src = map(t, first * rowElems * t.dtype().size(), elems * t.dtype().size());
        NDArray arr;
        boolean ownsMemory;
        if (t.dtype() == DType.BF16) {
            arr = manager.create(widenBf16(src, (int) elems), new Shape(partShape), DataType.FLOAT32);
            ownsMemory = true; // our own direct buffer, writable, kept alive by the NDArray
        } else if (t.dtype().isFloat8()) {
            arr = manager.create(Float8.widen(src, Float8.Format.of(t.dtype()), (int) elems), new Shape(partShape),
                    DataType.FLOAT32);
            ownsMemory = true;
        } else {
            arr = manager.create(src, new Shape(partShape), t.dtype().naturalDataType());
            ownsMemory = false; // a view of a read-only mapping
        }
        if (arr.getDataType() != want) {
            NDArray converted = arr.toType(want, false);
            arr.close();
            return converted;
        }
        if (!ownsMemory && manager.getDevice().equals(Device.cpu())) {
            // On CPU DJL wraps the mapping without copying; an in-place op would then write to
            // read-only pages and kill the JVM. Take a libtorch-owned copy. (On a GPU the
            // host-to-device transfer is that copy already.)
            NDArray copy = arr.duplicate();
            arr.close();
            return copy;
        }
        return arr;
    }

    /**
     * A floating-point tensor as 8-bit float bytes (DJL {@code UINT8}, same shape) on the manager's device: the
     * stored bytes of an F8_E4M3 or F8_E5M2 tensor as they are (format = the file's), any other float tensor cast
     * to e4m3fn in Java exactly as PyTorch's {@code .to(torch.float8_e4m3fn)} does ({@link Float8#encodeE4m3fn}).
     */
    public Float8Codes loadFloat8Codes(NDManager manager, TensorInfo t, Float8.Overflow overflow) throws IOException {
        if (!t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(t.name() + ": " + t.dtype() + " is not a floating-point tensor");
        }
        Float8.Format format = t.dtype() == DType.F8_E5M2 ? Float8.Format.E5M2 : Float8.Format.E4M3FN;
        long[] shape = t.shape();
        long rows = shape.length == 0 ? 1 : shape[0];
        long numel = t.numel();
        if (rows == 0 || numel == 0) {
            return new Float8Codes(manager.create(new Shape(shape), DataType.UINT8), format);
        }
        long rowElems = numel / rows;
        long rowBytes = rowElems * Math.max(t.dtype().size(), 1);
        long rowsPerChunk = Math.max(1, MAX_CHUNK_BYTES / rowBytes);
        if (rowBytes > MAX_CHUNK_BYTES) {
            throw new IOException(t.name() + ": one row of " + rowBytes + " bytes exceeds a mapping; cannot load");
        }
        try (NDList parts = new NDList()) {
            for (long r = 0; r < rows; r += rowsPerChunk) {
                long count = Math.min(rowsPerChunk, rows - r);
                long elems = count * rowElems;
                ByteBuffer src = map(t, r * rowElems * t.dtype().size(), elems * t.dtype().size());
                ByteBuffer dst = ByteBuffer.allocateDirect(Math.toIntExact(elems));
                if (t.dtype().isFloat8()) {
                    dst.put(src); // the stored bytes, whichever 8-bit format
                } else {
                    Float8.encodeE4m3fn(src, t.dtype(), elems, dst, overflow);
                }
                dst.rewind();
                long[] partShape = shape.clone();
                if (partShape.length > 0) {
                    partShape[0] = count;
                }
                parts.add(manager.create(dst, new Shape(partShape), DataType.UINT8));
            }
            if (parts.size() == 1) {
                NDArray only = parts.remove(0);
                return new Float8Codes(only, format);
            }
            NDArray joined = NDArrays.concat(parts, 0);
            joined.attach(manager);
            return new Float8Codes(joined, format);
        }
    }

    /** bf16 is the top half of an f32: shift the 16 bits up. */
    static ByteBuffer widenBf16(ByteBuffer src, int elems) {
        ShortBuffer in = src.order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        ByteBuffer out = ByteBuffer.allocateDirect(Math.multiplyExact(elems, 4)).order(ByteOrder.nativeOrder());
        FloatBuffer f = out.asFloatBuffer();
        for (int i = 0; i < elems; i++) {
            f.put(i, Float.intBitsToFloat((in.get(i) & 0xffff) << 16));
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    // ---------------------------------------------------------------- header parsing

    private static Map<String, TensorInfo> parseHeader(Path path, String header, Map<String, String> metadata)
            throws SafetensorsFormatException {
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        try (JsonReader r = new JsonReader(new StringReader(header))) {
            r.setStrictness(com.google.gson.Strictness.STRICT);
            if (r.peek() != JsonToken.BEGIN_OBJECT) {
                throw error(path, "header is not a JSON object (starts with " + r.peek() + ")");
            }
            r.beginObject();
            boolean sawMetadata = false;
            while (r.hasNext()) {
                String name = r.nextName();
                if (name.equals("__metadata__")) {
                    if (sawMetadata) {
                        throw error(path, "__metadata__ appears twice in the header");
                    }
                    sawMetadata = true;
                    parseMetadata(path, r, metadata);
                    continue;
                }
                if (tensors.containsKey(name)) {
                    throw error(path, "tensor '" + name + "' appears twice in the header");
                }
                tensors.put(name, parseTensor(path, r, name));
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw error(path, "header has content after the JSON object");
            }
        } catch (SafetensorsFormatException e) {
            throw e;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw error(path, "header is not valid JSON: " + e.getMessage());
        }
        return tensors;
    }

    private static void parseMetadata(Path path, JsonReader r, Map<String, String> metadata) throws IOException {
        if (r.peek() != JsonToken.BEGIN_OBJECT) {
            throw error(path, "__metadata__ must be an object of strings, got " + r.peek());
        }
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            if (r.peek() != JsonToken.STRING) {
                throw error(path, "__metadata__." + key + " must be a string, got " + r.peek());
            }
            metadata.put(key, r.nextString());
        }
        r.endObject();
    }

    private static TensorInfo parseTensor(Path path, JsonReader r, String name) throws IOException {
        if (r.peek() != JsonToken.BEGIN_OBJECT) {
            throw error(path, "tensor '" + name + "': entry must be an object, got " + r.peek());
        }
        String dtype = null;
        long[] shape = null;
        long[] offsets = null;
        r.beginObject();
        while (r.hasNext()) {
            String field = r.nextName();
            switch (field) {
                case "dtype" -> {
                    if (r.peek() != JsonToken.STRING) {
                        throw error(path, "tensor '" + name + "': dtype must be a string");
                    }
                    dtype = r.nextString();
                }
                case "shape" -> shape = readLongs(path, r, name, "shape");
                case "data_offsets" -> offsets = readLongs(path, r, name, "data_offsets");
                default -> throw error(path, "tensor '" + name + "': unknown field '" + field + "'");
            }
        }
        r.endObject();
        if (dtype == null || shape == null || offsets == null) {
            throw error(path, "tensor '" + name + "': missing "
                    + (dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets"));
        }
        DType type;
        try {
            type = DType.parse(dtype, name);
        } catch (SafetensorsFormatException e) {
            throw error(path, e.getMessage());
        }
        if (offsets.length != 2) {
            throw error(path, "tensor '" + name + "': data_offsets must be [begin, end], got " + offsets.length + " numbers");
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw error(path, "tensor '" + name + "': data_offsets end " + end + " is before begin " + begin);
        }
        long numel;
        try {
            numel = Shapes.numel(shape);
            Math.multiplyExact(numel, (long) type.size());
        } catch (ArithmeticException e) {
            throw error(path, "tensor '" + name + "': shape " + Shapes.str(shape) + " overflows 64 bits");
        }
        if (end - begin != numel * type.size()) {
            throw error(path, "tensor '" + name + "': data_offsets [" + begin + ", " + end + "] hold " + (end - begin)
                    + " bytes but " + type + Shapes.str(shape) + " needs " + numel * type.size());
        }
        if (begin % type.size() != 0) {
            throw error(path, "tensor '" + name + "': data offset " + begin + " is not aligned to its "
                    + type.size() + "-byte " + type + " elements");
        }
        return new TensorInfo(name, type, shape, begin, end, path);
    }

    private static long[] readLongs(Path path, JsonReader r, String name, String field) throws IOException {
        if (r.peek() != JsonToken.BEGIN_ARRAY) {
            throw error(path, "tensor '" + name + "': " + field + " must be an array of integers");
        }
        List<Long> values = new ArrayList<>();
        r.beginArray();
        while (r.hasNext()) {
            if (r.peek() != JsonToken.NUMBER) {
                throw error(path, "tensor '" + name + "': " + field + " must hold integers, got " + r.peek());
            }
            String text = r.nextString();
            long v;
            try {
                v = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw error(path, "tensor '" + name + "': " + field + " value " + text + " is not a 64-bit integer");
            }
            if (v < 0) {
                throw error(path, "tensor '" + name + "': " + field + " value " + v + " is negative");
            }
            values.add(v);
        }
        r.endArray();
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    /** Tensors must tile the data section exactly: inside it, in order, no overlap, no hole. */
    private static void checkLayout(Path path, Map<String, TensorInfo> tensors, long dataLength)
            throws SafetensorsFormatException {
        for (TensorInfo t : tensors.values()) {
            if (t.end() > dataLength) {
                throw error(path, "tensor '" + t.name() + "': data_offsets [" + t.begin() + ", " + t.end()
                        + "] lie outside the " + dataLength + "-byte data section (file truncated?)");
            }
        }
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expected = 0;
        TensorInfo previous = null;
        for (TensorInfo t : sorted) {
            if (t.begin() < expected) {
                throw error(path, "tensors '" + previous.name() + "' [" + previous.begin() + ", " + previous.end()
                        + "] and '" + t.name() + "' [" + t.begin() + ", " + t.end() + "] overlap");
            }
            if (t.begin() > expected) {
                throw error(path, "bytes [" + expected + ", " + t.begin() + ") before tensor '" + t.name()
                        + "' belong to no tensor (hole in the data section)");
            }
            expected = t.end();
            previous = t;
        }
        if (expected != dataLength) {
            throw error(path, (dataLength - expected) + " bytes after the last tensor belong to no tensor");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    private static SafetensorsFormatException error(Path path, String message) {
        return new SafetensorsFormatException(path.getFileName() + ": " + message);
    }
}

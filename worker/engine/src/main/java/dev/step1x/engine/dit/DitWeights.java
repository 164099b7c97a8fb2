package dev.step1x.engine.dit;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.lora.LoraMerge;
import dev.step1x.engine.lora.LoraTargets;
import dev.step1x.engine.nn.Copies;
import dev.step1x.engine.nn.LoadedParams;
import dev.step1x.engine.nn.QuantizedWeight;
import dev.step1x.engine.weights.Checkpoint;
import dev.step1x.engine.weights.Float8;
import dev.step1x.engine.weights.Float8Codes;
import dev.step1x.engine.weights.StrictLoader;
import dev.step1x.engine.weights.WeightSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The tensors a {@link Step1XEdit} is built from, as {@link DitOptions} asks: dense in the compute type, or (FP8)
 * the Linear weights as e4m3fn/e5m2 bytes; with LoRA files merged; resident on the device, or (offload) the
 * double and single blocks in host memory, copied to the device block by block ({@link #visit}).
 */
public final class DitWeights {

    private final Map<String, NDArray> dense;
    private final Map<String, Float8Codes> codes;
    private final Map<String, QuantizedWeight> residentQuantized;
    private final DataType computeType;
    private final boolean offload;

    /**
     * @param dense the tensors held in the compute type, by checkpoint key
     * @param codes the FP8 Linear weights, by checkpoint key
     * @param offload whether the blocks' tensors are in host memory (then every tensor of {@link #isBlockKey} is)
     */
    DitWeights(Map<String, NDArray> dense, Map<String, Float8Codes> codes, DataType computeType, boolean offload) {
        this.dense = Collections.unmodifiableMap(dense);
        this.codes = Collections.unmodifiableMap(codes);
        this.computeType = computeType;
        this.offload = offload;
        Map<String, QuantizedWeight> q = new LinkedHashMap<>();
        codes.forEach((k, c) -> {
            if (!offload || !isBlockKey(k)) {
                q.put(k, new QuantizedWeight(c, computeType));
            }
        });
        this.residentQuantized = Collections.unmodifiableMap(q);
    }

    /** Keys of the double and single blocks: the ones offloading keeps in host memory. */
    static boolean isBlockKey(String key) {
        return key.startsWith("double_blocks.") || key.startsWith("single_blocks.");
    }

    /** A weight held as FP8 bytes: a Linear layer's 2-D weight. */
    static boolean isLinearWeight(String key, long[] shape) {
        return shape.length == 2 && key.endsWith(".weight");
    }

    /**
     * Strictly loads a DiT checkpoint (any float dtype: F32, F16, BF16, F8_E4M3, F8_E5M2) as {@code options} asks.
     * The LoRA files are checked against the DiT before any weight is read (every problem in one exception).
     * Tensors go to {@code manager} (its device), the offloaded blocks to a CPU sub-manager of it.
     */
    public static DitWeights load(NDManager manager, Checkpoint ckpt, WeightSpec spec, DataType computeType,
            DitOptions options) throws IOException {
        StrictLoader.requireMatch(spec, ckpt, Set.of());
        Map<String, NDArray> dense = new LinkedHashMap<>();
        Map<String, Float8Codes> codes = new LinkedHashMap<>();
        NDManager host = options.offload() ? manager.newSubManager(Device.cpu()) : null;
        try (LoraMerge merge = LoraMerge.open(options.loras(), LoraTargets.of(spec))) {
            for (Map.Entry<String, long[]> e : spec.shapes().entrySet()) {
                String key = e.getKey();
                NDManager target = host != null && isBlockKey(key) ? host : manager;
                if (options.fp8()) {
                    Float8Codes c = ckpt.loadFloat8Codes(target, key, options.fp8Overflow());
                    if (merge.touches(key)) {
                        c = mergeFp8(manager, target, key, c, merge, options.fp8Overflow());
                    }
                    if (isLinearWeight(key, e.getValue())) {
                        codes.put(key, c);
                    } else {
                        // biases and norm scales: rounded to FP8 like the official cast, held decoded
                        try (NDArray bytes = c.codes()) {
                            dense.put(key, QuantizedWeight.decode(c, computeType));
                        }
                    }
                } else if (merge.touches(key)) {
                    try (NDArray base = ckpt.load(manager, key, DataType.FLOAT32);
                            NDArray merged = merge.merge(key, base)) {
                        dense.put(key, moveTo(Copies.asType(merged, computeType), target));
                    }
                } else {
                    dense.put(key, ckpt.load(target, key, computeType));
                }
            }
            return new DitWeights(dense, codes, computeType, options.offload());
        } catch (IOException | RuntimeException e) {
            dense.values().forEach(NDArray::close);
            codes.values().forEach(c -> c.codes().close());
            if (host != null) {
                host.close();
            }
            throw e;
        }
    }

    /**
     * FP8 with a LoRA, as the official code does it (cast first, merge after): the FP8 base decoded to float32, the
     * deltas added in float32, the sum rounded to e4m3fn again.
     */
    private static Float8Codes mergeFp8(NDManager device, NDManager target, String key, Float8Codes base,
            LoraMerge merge, Float8.Overflow overflow) throws IOException {
        try (NDManager tmp = device.newSubManager()) {
            NDArray onDevice = Copies.onDevice(base.codes(), device.getDevice());
            onDevice.attach(tmp);
            NDArray decoded = new QuantizedWeight(new Float8Codes(onDevice, base.format()), DataType.FLOAT32).dequantize();
            decoded.attach(tmp);
            NDArray merged = merge.merge(key, decoded);
            merged.attach(tmp);
            byte[] bytes = Float8.encodeE4m3fn(merged.toFloatArray(), overflow);
            base.codes().close();
            return new Float8Codes(codesArray(target, bytes, merged.getShape()), Float8.Format.E4M3FN);
        }
    }

    private static NDArray codesArray(NDManager manager, byte[] bytes, Shape shape) {
        ByteBuffer buf = ByteBuffer.allocateDirect(bytes.length);
        buf.put(bytes).rewind();
        return manager.create(buf, shape, DataType.UINT8);
    }

    private static NDArray moveTo(NDArray a, NDManager target) {
        if (a.getDevice().equals(target.getDevice())) {
            a.attach(target);
            return a;
        }
        NDArray moved = Copies.onDevice(a, target.getDevice());
        moved.attach(target);
        a.close();
        return moved;
    }

    /** The parameters resident on the device (all of them unless offloaded: then all but the blocks). */
    LoadedParams residentParams() {
        if (!offload) {
            return new LoadedParams(dense, residentQuantized);
        }
        Map<String, NDArray> d = new LinkedHashMap<>();
        dense.forEach((k, v) -> {
            if (!isBlockKey(k)) {
                d.put(k, v);
            }
        });
        return new LoadedParams(d, residentQuantized);
    }

    /**
     * Offload: copies the tensors under {@code prefix} ("double_blocks.3.") to {@code visit}'s device; closing
     * {@code visit} frees them. Keys stay absolute.
     */
    LoadedParams visit(NDManager visit, String prefix) {
        Map<String, NDArray> d = new LinkedHashMap<>();
        Map<String, QuantizedWeight> q = new LinkedHashMap<>();
        Device device = visit.getDevice();
        dense.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                NDArray copy = Copies.onDevice(v, device);
                copy.attach(visit);
                d.put(k, copy);
            }
        });
        codes.forEach((k, c) -> {
            if (k.startsWith(prefix)) {
                NDArray copy = Copies.onDevice(c.codes(), device);
                copy.attach(visit);
                q.put(k, new QuantizedWeight(new Float8Codes(copy, c.format()), computeType));
            }
        });
        return new LoadedParams(d, q);
    }

    public boolean offloaded() {
        return offload;
    }

    public DataType computeType() {
        return computeType;
    }

    /** A dense tensor by checkpoint key (null if absent or held as FP8 bytes); for checks and parity. */
    public NDArray dense(String key) {
        return dense.get(key);
    }

    /** The FP8 bytes of a key (null if it is dense). */
    public Float8Codes codes(String key) {
        return codes.get(key);
    }

    /** Bytes resident on the device (everything unless offloaded; then all but the blocks). */
    public long deviceBytes() {
        return bytes(k -> !offload || !isBlockKey(k));
    }

    /** Bytes held in host memory for the offloaded blocks (0 unless offloaded). */
    public long hostBytes() {
        return offload ? bytes(DitWeights::isBlockKey) : 0;
    }

    /** The bytes of the largest block (what one visit copies). */
    public long largestBlockBytes() {
        Map<String, Long> perBlock = new LinkedHashMap<>();
        dense.forEach((k, v) -> blockOf(k, v.size() * v.getDataType().getNumOfBytes(), perBlock));
        codes.forEach((k, c) -> blockOf(k, c.codes().size(), perBlock));
        return perBlock.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    private static void blockOf(String key, long bytes, Map<String, Long> perBlock) {
        if (isBlockKey(key)) {
            String[] parts = key.split("\\.", 3);
            perBlock.merge(parts[0] + "." + parts[1], bytes, Long::sum);
        }
    }

    private long bytes(java.util.function.Predicate<String> which) {
        long b = 0;
        for (Map.Entry<String, NDArray> e : dense.entrySet()) {
            if (which.test(e.getKey())) {
                b += e.getValue().size() * e.getValue().getDataType().getNumOfBytes();
            }
        }
        for (Map.Entry<String, Float8Codes> e : codes.entrySet()) {
            if (which.test(e.getKey())) {
                b += e.getValue().codes().size();
            }
        }
        return b;
    }
}

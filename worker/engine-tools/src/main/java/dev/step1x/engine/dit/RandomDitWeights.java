package dev.step1x.engine.dit;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.nn.Copies;
import dev.step1x.engine.nn.RandomParams;
import dev.step1x.engine.weights.Float8;
import dev.step1x.engine.weights.Float8Codes;
import dev.step1x.engine.weights.WeightSpec;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** {@link DitWeights} of random values, for benchmarks of the DiT variants without a checkpoint. */
public final class RandomDitWeights {

    private static final int POOL = 1 << 20;

    private RandomDitWeights() {}

    /**
     * Random weights of {@code spec} ({@link RandomParams} rules; the engine's random seed decides them), held as
     * {@code options} asks (FP8: each Linear weight's bytes are e4m3fn codes of N(0, 1/fan_in) draws from a small
     * pool per fan_in, repeated; offload: the blocks in host memory; LoRA files are not applied).
     */
    public static DitWeights of(NDManager manager, WeightSpec spec, DataType computeType, DitOptions options) {
        Map<String, NDArray> dense = new LinkedHashMap<>();
        Map<String, Float8Codes> codes = new LinkedHashMap<>();
        NDManager host = options.offload() ? manager.newSubManager(Device.cpu()) : null;
        Map<Long, byte[]> pools = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : spec.shapes().entrySet()) {
            String key = e.getKey();
            long[] shape = e.getValue();
            NDManager target = host != null && DitWeights.isBlockKey(key) ? host : manager;
            if (options.fp8() && DitWeights.isLinearWeight(key, shape)) {
                long fanIn = shape[1];
                byte[] pool = pools.computeIfAbsent(fanIn, RandomDitWeights::codePool);
                codes.put(key, new Float8Codes(tiled(target, pool, new Shape(shape)), Float8.Format.E4M3FN));
            } else {
                NDArray f32 = RandomParams.tensor(target, key, shape);
                if (computeType == DataType.FLOAT32) {
                    dense.put(key, f32);
                } else {
                    dense.put(key, Copies.asType(f32, computeType));
                    f32.close();
                }
            }
        }
        return new DitWeights(dense, codes, computeType, options.offload());
    }

    /** e4m3fn codes of N(0, 1/fanIn) draws (deterministic per fan_in). */
    private static byte[] codePool(long fanIn) {
        SplittableRandom r = new SplittableRandom(0x5EED ^ fanIn);
        float std = (float) (1 / Math.sqrt(fanIn));
        byte[] out = new byte[POOL];
        for (int i = 0; i < POOL; i += 2) {
            double u1 = 1 - r.nextDouble();
            double u2 = r.nextDouble();
            double rad = Math.sqrt(-2 * Math.log(u1));
            out[i] = Float8.encodeE4m3fn((float) (rad * Math.cos(2 * Math.PI * u2)) * std, Float8.Overflow.SATURATE);
            out[i + 1] = Float8.encodeE4m3fn((float) (rad * Math.sin(2 * Math.PI * u2)) * std, Float8.Overflow.SATURATE);
        }
        return out;
    }

    private static NDArray tiled(NDManager manager, byte[] pool, Shape shape) {
        long n = shape.size();
        ByteBuffer buf = ByteBuffer.allocateDirect(Math.toIntExact(n));
        for (long at = 0; at < n; at += pool.length) {
            buf.put(pool, 0, (int) Math.min(pool.length, n - at));
        }
        buf.rewind();
        return manager.create(buf, shape, DataType.UINT8);
    }
}

package dev.step1x.engine.nn.fused;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.nn.Attention;
import dev.step1x.engine.nn.GroupNorm;
import dev.step1x.engine.nn.Precision;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The start-up check of the fused kernels against the composed ops on small inputs made in Java from a fixed seed
 * (libtorch's random generator is left alone). A kernel passes for an element type when every case's maximum
 * absolute difference is within tolerance and nothing is NaN: float32 1e-5, float16 1e-2 (the float16 result is
 * compared with the composed ops in float32 on the same float16 inputs; outputs are O(1)).
 *
 * <p>Attention cases: unmasked; an additive -inf mask [B, 1, Lq, Lk] keeping key 0 (the connector's); a causal mask
 * [1, 1, L, L] and a padded one [B, 1, L, L] at the type's most negative finite value whose first rows are
 * masked entirely (Qwen's, left padding); inputs whose last dimension is not contiguous (the VAE's pixel tokens);
 * a query block cut from a longer sequence with its mask rows (the shape of chunked calls); inputs libtorch runs on
 * its math path (value width unlike the key width), which the module takes in query blocks.
 */
final class FusedSelfTest {

    static final double FP32_TOLERANCE = 1e-5;
    static final double FP16_TOLERANCE = 1e-2;

    private FusedSelfTest() {}

    static void run(FusedOps ops, Device device, Map<FusedOps.Kernel, Set<DataType>> verified, List<String> report) {
        for (DataType type : FusedOps.SELF_TEST_TYPES) {
            for (FusedOps.Kernel kernel : FusedOps.Kernel.values()) {
                try (NDManager m = NDManager.newBaseManager(device, Engine.getEngine("PyTorch").getEngineName())) {
                    boolean ok = kernel == FusedOps.Kernel.ATTENTION ? attention(ops, m, type, report)
                            : groupNorm(ops, m, type, report);
                    if (ok) {
                        verified.get(kernel).add(type);
                    }
                } catch (RuntimeException | LinkageError e) { // e.g. no float16 kernel for this device
                    report.add(String.format(Locale.ROOT, "%s %s: %s: %s -> not used", kernel, name(type),
                            e.getClass().getSimpleName(), FusedOps.firstLine(e.getMessage())));
                }
            }
        }
    }

    private static boolean attention(FusedOps ops, NDManager m, DataType type, List<String> report) {
        SplittableRandom rnd = new SplittableRandom(20261203L);
        long b = 2;
        long h = 3;
        long lq = 37;
        long lk = 41;
        long d = 16;
        NDArray q = normal(m, rnd, new Shape(b, h, lq, d), type);
        NDArray k = normal(m, rnd, new Shape(b, h, lk, d), type);
        NDArray v = normal(m, rnd, new Shape(b, h, lk, d), type);
        boolean ok = compareAttention(ops, "unmasked", q, k, v, null, type, report);

        // the connector's mask: [B, 1, Lq, Lk], -inf where masked, key 0 always allowed
        boolean[] allowed = new boolean[(int) (b * lq * lk)];
        for (int i = 0; i < allowed.length; i++) {
            allowed[i] = i % lk == 0 || rnd.nextDouble() < 0.6;
        }
        NDArray connectorMask = Attention.additiveMask(m.create(allowed, new Shape(b, 1, lq, lk)), type);
        ok &= compareAttention(ops, "additive -inf mask [B,1,Lq,Lk]", q, k, v, connectorMask, type, report);

        // Qwen's: causal, finite minimum, left padding of 3 and 0 tokens (fully masked first rows)
        long l = lk;
        NDArray qs = normal(m, rnd, new Shape(b, h, l, d), type);
        float min = Precision.maskMin(type);
        float[] causal = new float[(int) (l * l)];
        float[] padded = new float[(int) (b * l * l)];
        for (int row = 0; row < b; row++) {
            int pad = row == 0 ? 3 : 0;
            for (int i = 0; i < l; i++) {
                for (int j = 0; j < l; j++) {
                    boolean ok2 = j <= i;
                    if (row == 0) {
                        causal[(int) (i * l + j)] = ok2 ? 0f : min;
                    }
                    padded[(int) ((row * l + i) * l + j)] = ok2 && j >= pad ? 0f : min;
                }
            }
        }
        NDArray causalMask = m.create(causal, new Shape(1, 1, l, l)).toType(type, false);
        NDArray paddedMask = m.create(padded, new Shape(b, 1, l, l)).toType(type, false);
        ok &= compareAttention(ops, "causal finite mask [1,1,L,L]", qs, k, v, causalMask, type, report);
        ok &= compareAttention(ops, "padded finite mask [B,1,L,L], empty rows", qs, k, v, paddedMask, type, report);

        // last dimension not contiguous: [B, H, D, L] transposed, as the VAE's pixel tokens can be
        NDArray qt = normal(m, rnd, new Shape(b, h, d, lq), type).transpose(0, 1, 3, 2);
        NDArray kt = normal(m, rnd, new Shape(b, h, d, lk), type).transpose(0, 1, 3, 2);
        NDArray vt = normal(m, rnd, new Shape(b, h, d, lk), type).transpose(0, 1, 3, 2);
        ok &= compareAttention(ops, "non-contiguous last dim", qt, kt, vt, null, type, report);

        // a block of queries cut from a longer sequence, with its mask rows (a strided view)
        NDArray block = qs.get(":, :, 5:17");
        NDArray blockMask = paddedMask.get(":, :, 5:17");
        ok &= compareAttention(ops, "query block with mask rows", block, k, v, blockMask, type, report);

        // value width unlike the key width: libtorch's math path, taken in query blocks of 5
        NDArray narrowV = normal(m, rnd, new Shape(b, h, lk, d / 2), type);
        ok &= compareAttention(ops, "math path in blocks (" + ops.backend(qs, k, narrowV, null) + ")", qs, k,
                narrowV, null, 5, type, report);
        ok &= compareAttention(ops, "math path in blocks, padded mask", qs, k, narrowV, paddedMask, 5, type, report);
        return ok;
    }

    private static boolean compareAttention(FusedOps ops, String label, NDArray q, NDArray k, NDArray v,
            NDArray mask, DataType type, List<String> report) {
        return compareAttention(ops, label, q, k, v, mask, 0, type, report);
    }

    private static boolean compareAttention(FusedOps ops, String label, NDArray q, NDArray k, NDArray v,
            NDArray mask, int block, DataType type, List<String> report) {
        NDArray fused = ops.attention(q, k, v, mask, block);
        NDArray reference = Attention.composed(f32(q), f32(k), f32(v), mask == null ? null : f32(mask), 0);
        return verdict(FusedOps.Kernel.ATTENTION, label, fused, reference, type, report);
    }

    private static boolean groupNorm(FusedOps ops, NDManager m, DataType type, List<String> report) {
        SplittableRandom rnd = new SplittableRandom(20261204L);
        Shape s = new Shape(2, 64, 5, 7);
        // an offset and a scale per sample, as activations have
        NDArray x = normal(m, rnd, s, DataType.FLOAT32).mul(3f).add(1.5f).toType(type, false);
        NDArray w = normal(m, rnd, new Shape(64), type);
        NDArray bias = normal(m, rnd, new Shape(64), type);
        int groups = 32;
        double eps = 1e-6;
        NDArray fused = ops.groupNorm(x, groups, w, bias, eps);
        NDArray reference = GroupNorm.composed(f32(x), groups, f32(w), f32(bias), eps);
        boolean ok = verdict(FusedOps.Kernel.GROUP_NORM, "[2,64,5,7] 32 groups", fused, reference, type, report);
        NDArray x3 = normal(m, rnd, new Shape(1, 64, 11), type);
        ok &= verdict(FusedOps.Kernel.GROUP_NORM, "[1,64,11] 32 groups", ops.groupNorm(x3, groups, w, bias, eps),
                GroupNorm.composed(f32(x3), groups, f32(w), f32(bias), eps), type, report);
        return ok;
    }

    private static boolean verdict(FusedOps.Kernel kernel, String label, NDArray fused, NDArray reference,
            DataType type, List<String> report) {
        double tol = type == DataType.FLOAT16 ? FP16_TOLERANCE : FP32_TOLERANCE;
        boolean shapeOk = fused.getShape().equals(reference.getShape()) && fused.getDataType() == type;
        double diff = shapeOk ? maxAbsDiff(fused, reference) : Double.NaN;
        boolean ok = shapeOk && diff <= tol; // NaN fails
        report.add(String.format(Locale.ROOT, "%s %s %s: max |fused - composed| %s (tolerance %.0e) %s", kernel,
                name(type), label, shapeOk ? String.format(Locale.ROOT, "%.2e", diff)
                        : "shape/type " + fused.getShape() + " " + fused.getDataType(), tol, ok ? "PASS" : "FAIL"));
        return ok;
    }

    /** NaN if either side has a NaN (or an infinity) anywhere. */
    static double maxAbsDiff(NDArray a, NDArray b) {
        float[] x = f32(a).toFloatArray();
        float[] y = f32(b).toFloatArray();
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            if (!Float.isFinite(x[i]) || !Float.isFinite(y[i])) {
                return Double.NaN;
            }
            max = Math.max(max, Math.abs((double) x[i] - y[i]));
        }
        return max;
    }

    private static NDArray normal(NDManager m, SplittableRandom rnd, Shape s, DataType type) {
        float[] data = new float[Math.toIntExact(s.size())];
        for (int i = 0; i < data.length; i++) {
            // Box-Muller
            double u1 = 1.0 - rnd.nextDouble();
            double u2 = rnd.nextDouble();
            data[i] = (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        NDArray a = m.create(data, s);
        return type == DataType.FLOAT32 ? a : a.toType(type, false);
    }

    private static NDArray f32(NDArray a) {
        return a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false);
    }

    private static String name(DataType t) {
        return t == DataType.FLOAT16 ? "fp16" : t == DataType.FLOAT32 ? "fp32" : t.toString();
    }
}

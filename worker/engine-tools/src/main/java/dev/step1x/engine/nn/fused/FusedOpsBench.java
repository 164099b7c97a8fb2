package dev.step1x.engine.nn.fused;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.nn.Attention;
import dev.step1x.engine.nn.GroupNorm;
import dev.step1x.engine.nn.Precision;
import dev.step1x.engine.runtime.EngineRuntime;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Fused against composed, op by op: attention at the DiT's shape (ms and effective TFLOP/s, 4·B·H·Lq·Lk·D),
 * the cost of one call at the parity configuration's tiny shapes, and GroupNorm at the VAE's shapes. Both routes
 * are called directly, whatever the {@link FusedOps.Mode}. Not a test: it prints what it measures.
 */
public final class FusedOpsBench {

    /** One measured row. */
    public record Row(String op, String dtype, String route, String shape, double medianMs, double minMs,
            double tflops) {}

    private FusedOpsBench() {}

    /**
     * Attention at [B, H, L, D] (self-attention, unmasked, as in the DiT), float32 and float16: composed in the
     * runtime's score blocks, composed unchunked (when its scores fit in 8 blocks), fused (with the kernel libtorch
     * picks). 8832 tokens, 24 heads, D 128 = a 1024² edit; the small bench configuration is B=2, H=8, L=2112, D=64.
     */
    public static List<Row> attention(EngineRuntime rt, int batch, int heads, int tokens, int headDim,
            int iterations, PrintStream out) {
        out.println("attention: " + rt.describe() + "; B=" + batch + " H=" + heads + " L=" + tokens + " D=" + headDim);
        String fmt = "%-6s %-38s %12s %12s %10s%n";
        out.printf(Locale.ROOT, fmt, "dtype", "route", "median ms", "min ms", "TFLOP/s");
        double flop = 4.0 * batch * heads * (double) tokens * tokens * headDim;
        long scoreBytes = rt.maxScoreBytes();
        int chunk = Attention.queryChunkFor(batch, heads, tokens, scoreBytes);
        FusedOps fused = FusedOps.on(rt.device());
        List<Row> rows = new ArrayList<>();
        String shape = "B=" + batch + " H=" + heads + " L=" + tokens + " D=" + headDim;
        for (Precision p : Precision.values()) {
            String dtype = p.toString();
            try (NDManager m = rt.newManager()) {
                Shape s = new Shape(batch, heads, tokens, headDim);
                NDArray q = m.randomNormal(s).toType(p.dataType(), false);
                NDArray k = m.randomNormal(s).toType(p.dataType(), false);
                NDArray v = m.randomNormal(s).toType(p.dataType(), false);
                List<Object[]> routes = new ArrayList<>();
                long unchunkedBytes = (long) batch * heads * tokens * tokens * 4L;
                routes.add(new Object[] {"composed, " + chunk + " queries per block (" + (scoreBytes >> 20)
                        + " MiB)", (Supplier<NDArray>) () -> Attention.composed(q, k, v, null, chunk)});
                if (unchunkedBytes <= 8 * scoreBytes) {
                    routes.add(new Object[] {"composed, unchunked",
                            (Supplier<NDArray>) () -> Attention.composed(q, k, v, null, 0)});
                }
                if (fused.supports(FusedOps.Kernel.ATTENTION, p.dataType())) {
                    routes.add(new Object[] {"fused (" + fused.backend(q, k, v, null) + ")",
                            (Supplier<NDArray>) () -> fused.attention(q, k, v, null, chunk)});
                } else {
                    out.printf(Locale.ROOT, "%-6s %-38s%n", dtype, "fused: not available (" + fused.describe() + ")");
                }
                for (Object[] r : routes) {
                    @SuppressWarnings("unchecked")
                    Supplier<NDArray> op = (Supplier<NDArray>) r[1];
                    double[] ms = time(op, iterations);
                    Row row = new Row("attention", dtype, (String) r[0], shape, ms[0], ms[1],
                            flop / (ms[0] / 1e3) / 1e12);
                    rows.add(row);
                    out.printf(Locale.ROOT, fmt, dtype, row.route(), f2(row.medianMs()), f2(row.minMs()),
                            String.format(Locale.ROOT, "%.3f", row.tflops()));
                }
            } catch (RuntimeException e) { // e.g. no float16 kernels on this device
                out.printf(Locale.ROOT, "%-6s failed: %s%n", dtype, FusedOps.firstLine(e.getMessage()));
            }
        }
        return rows;
    }

    /**
     * Microseconds per attention call at the parity configuration's shapes (tiny DiT: B=2, H=2, L=55, D=32; tiny
     * connector: B=2, H=2, L=7, D=64, masked), where the cost of a call, not arithmetic, is what is measured.
     */
    public static List<Row> callOverhead(EngineRuntime rt, int calls, PrintStream out) {
        String fmt = "%-30s %-9s %12s %12s%n";
        out.printf(Locale.ROOT, fmt, "attention per call (fp32)", "route", "median us", "min us");
        FusedOps fused = FusedOps.on(rt.device());
        List<Row> rows = new ArrayList<>();
        long[][] shapes = {{2, 2, 55, 32, 0}, {2, 2, 7, 64, 1}};
        try (NDManager m = rt.newManager()) {
            for (long[] sh : shapes) {
                Shape s = new Shape(sh[0], sh[1], sh[2], sh[3]);
                NDArray q = m.randomNormal(s);
                NDArray k = m.randomNormal(s);
                NDArray v = m.randomNormal(s);
                NDArray mask = sh[4] == 0 ? null : Attention.additiveMask(
                        m.randomUniform(0f, 1f, new Shape(sh[0], 1, sh[2], sh[2])).gt(0.3f)
                                .logicalOr(m.arange(sh[2]).eq(0).reshape(1, 1, 1, sh[2])), DataType.FLOAT32);
                String label = s + (mask == null ? "" : " masked");
                List<Object[]> routes = new ArrayList<>();
                routes.add(new Object[] {"composed", (Supplier<NDArray>) () -> Attention.composed(q, k, v, mask, 0)});
                if (fused.supports(FusedOps.Kernel.ATTENTION, DataType.FLOAT32)) {
                    routes.add(new Object[] {"fused", (Supplier<NDArray>) () -> fused.attention(q, k, v, mask, 0)});
                }
                for (Object[] r : routes) {
                    @SuppressWarnings("unchecked")
                    Supplier<NDArray> op = (Supplier<NDArray>) r[1];
                    double[] ms = time(op, calls);
                    rows.add(new Row("attention call", "fp32", (String) r[0], label, ms[0], ms[1], 0));
                    out.printf(Locale.ROOT, fmt, label, r[0], String.format(Locale.ROOT, "%.1f", ms[0] * 1e3),
                            String.format(Locale.ROOT, "%.1f", ms[1] * 1e3));
                }
            }
        }
        return rows;
    }

    /**
     * GroupNorm (32 groups, eps 1e-6, float32) at the VAE's shapes for a 256×256 image: [1, C, H, W] for
     * (64, 256²), (128, 128²), (256, 64²), (512, 32²); ms per call, fused and composed.
     */
    public static List<Row> groupNorm(EngineRuntime rt, int iterations, PrintStream out) {
        String fmt = "%-26s %-9s %12s %12s%n";
        out.printf(Locale.ROOT, fmt, "group_norm (fp32)", "route", "median ms", "min ms");
        FusedOps fused = FusedOps.on(rt.device());
        List<Row> rows = new ArrayList<>();
        long[][] shapes = {{1, 64, 256, 256}, {1, 128, 128, 128}, {1, 256, 64, 64}, {1, 512, 32, 32}};
        try (NDManager m = rt.newManager()) {
            for (long[] sh : shapes) {
                Shape s = new Shape(sh);
                NDArray x = m.randomNormal(s);
                NDArray w = m.randomNormal(new Shape(sh[1]));
                NDArray b = m.randomNormal(new Shape(sh[1]));
                List<Object[]> routes = new ArrayList<>();
                routes.add(new Object[] {"composed", (Supplier<NDArray>) () -> GroupNorm.composed(x, 32, w, b, 1e-6)});
                if (fused.supports(FusedOps.Kernel.GROUP_NORM, DataType.FLOAT32)) {
                    routes.add(new Object[] {"fused", (Supplier<NDArray>) () -> fused.groupNorm(x, 32, w, b, 1e-6)});
                }
                for (Object[] r : routes) {
                    @SuppressWarnings("unchecked")
                    Supplier<NDArray> op = (Supplier<NDArray>) r[1];
                    double[] ms = time(op, iterations);
                    rows.add(new Row("group_norm", "fp32", (String) r[0], s.toString(), ms[0], ms[1], 0));
                    out.printf(Locale.ROOT, fmt, s, r[0], f2(ms[0]), f2(ms[1]));
                }
            }
        }
        return rows;
    }

    /** {median, min} milliseconds over {@code n} runs after one warm-up; every array of a run is freed after it. */
    private static double[] time(Supplier<NDArray> op, int n) {
        boolean gpu = false;
        double[] ms = new double[Math.max(1, n)];
        for (int i = -1; i < ms.length; i++) {
            long t0 = System.nanoTime();
            try (NDScope scope = new NDScope()) {
                NDArray r = op.get();
                if (gpu || r.getDevice().isGpu()) { // CPU ops are synchronous; on a GPU wait for the result
                    gpu = true;
                    r.get(0).toType(DataType.FLOAT32, false).sum().getFloat();
                }
            }
            if (i >= 0) {
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        Arrays.sort(ms);
        return new double[] {ms[ms.length / 2], ms[0]};
    }

    private static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}

package dev.step1x.engine.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.nn.Attention;
import dev.step1x.engine.nn.Precision;
import dev.step1x.engine.runtime.EngineRuntime;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * {@code step1x-edit bench --attention}: the engine's composed attention ({@link Attention}) at the DiT's
 * shape, milliseconds and effective TFLOP/s (4·B·H·L²·D), unchunked and in the runtime's score blocks, in
 * float32 and float16. 8832 tokens = 640 text + 2 × 64×64 latent patches: a 1024² edit.
 */
final class AttentionBench {

    private AttentionBench() {}

    static void run(EngineRuntime rt, int batch, int heads, int tokens, int headDim, int iterations, PrintStream out) {
        out.println("attention: " + rt.describe() + "; B=" + batch + " H=" + heads + " L=" + tokens + " D=" + headDim);
        out.printf(Locale.ROOT, "%-6s %-26s %12s %12s %10s%n", "dtype", "queries per block", "median ms", "min ms",
                "TFLOP/s");
        double flop = 4.0 * batch * heads * (double) tokens * tokens * headDim;
        long scoreBytes = rt.maxScoreBytes();
        int chunk = Attention.queryChunkFor(batch, heads, tokens, scoreBytes);
        for (Precision p : Precision.values()) {
            try {
                runPrecision(rt, p, batch, heads, tokens, headDim, iterations, scoreBytes, chunk, flop, out);
            } catch (RuntimeException e) { // e.g. a libtorch without float16 kernels on this device
                out.printf(Locale.ROOT, "%-6s failed: %s%n", p, e.getMessage());
            }
        }
    }

    private static void runPrecision(EngineRuntime rt, Precision p, int batch, int heads, int tokens, int headDim,
            int iterations, long scoreBytes, int chunk, double flop, PrintStream out) {
        try (NDManager m = rt.newManager()) {
            Shape s = new Shape(batch, heads, tokens, headDim);
            NDArray q = m.randomNormal(s).toType(p.dataType(), false);
            NDArray k = m.randomNormal(s).toType(p.dataType(), false);
            NDArray v = m.randomNormal(s).toType(p.dataType(), false);
            List<Integer> chunks = new ArrayList<>();
            long unchunkedBytes = (long) batch * heads * tokens * tokens * 4L;
            if (unchunkedBytes <= 8 * scoreBytes) {
                chunks.add(0);
            } else {
                out.printf(Locale.ROOT, "%-6s %-26s %12s%n", p, "all " + tokens + " (skipped)",
                        String.format(Locale.ROOT, "needs %.1f GiB", unchunkedBytes / (double) (1L << 30)));
            }
            chunks.add(chunk);
            for (int c : chunks) {
                List<Double> ms = new ArrayList<>();
                for (int i = 0; i < iterations + 1; i++) {
                    long t0 = System.nanoTime();
                    // every array of one call (scores included) is freed before the next
                    try (NDScope scope = new NDScope()) {
                        Attention.scaledDotProduct(q, k, v, null, c).sum().toType(DataType.FLOAT32, false).getFloat();
                    }
                    if (i > 0) { // the first call warms up kernels and the allocator
                        ms.add((System.nanoTime() - t0) / 1e6);
                    }
                }
                Collections.sort(ms);
                double median = ms.get(ms.size() / 2);
                String label = c == 0 ? "all " + tokens : c + " (" + (scoreBytes >> 20) + " MiB scores)";
                out.printf(Locale.ROOT, "%-6s %-26s %12.2f %12.2f %10.2f%n", p, label, median, ms.get(0),
                        flop / (median / 1e3) / 1e12);
            }
        }
    }
}

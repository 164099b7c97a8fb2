package dev.step1x.engine.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.Tap;
import dev.step1x.engine.connector.Qwen2Connector;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.dit.EmbedND;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLConfig;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLModel;
import dev.step1x.engine.nn.RandomParams;
import dev.step1x.engine.nn.fused.FusedOps;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.sampler.Denoiser;
import dev.step1x.engine.sampler.Packing;
import dev.step1x.engine.vae.AutoEncoder;
import dev.step1x.engine.vae.AutoEncoderParams;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * {@code step1x-edit bench}: milliseconds per component at float32 on random weights keyed like the
 * official checkpoints, for the configurations of a JSON file ({@code worker/engine-tools/bench/configs.json} by
 * default: "tiny" = the parity configuration, "small" = big enough for matmuls to dominate), the DiT forward
 * as a multiple of its GEMM floor (FLOPs / GEMM rate measured in the same run), and beside them the official
 * code's CPU times of {@code official-cpu-times.json}, each block labelled with the day and host it was
 * measured on. Not a test: machines are noisy, so the GEMM rate is always printed beside.
 */
final class Bench {

    /**
     * One benchmark configuration, read from the JSON file ({@link BenchConfigs}).
     *
     * @param qwen the Qwen2.5-VL config of the "qwen vision" and "qwen decoder" rows, null: no such rows
     * @param batch DiT rows of the forward (a cond and an uncond row per request: even)
     */
    record Config(String name, Qwen25VLConfig qwen, Step1XParams dit, Qwen2ConnectorConfig connector,
            AutoEncoderParams ae, int batch, int latentH, int latentW, int txtLen, int[] txtValid, int encodeH,
            int encodeW, int decodeH, int decodeW) {}

    /** One timed component; {@code component} is the row label ("dit forward"), also the official file's key with '_'. */
    record Row(String config, String component, String shape, double medianMs, double minMs, double gflop) {}

    private final EngineRuntime runtime;
    private final int iterations;
    private final PrintStream out;

    private final boolean compareFused;

    /** @param compareFused time each component with the composed ops and with libtorch's fused kernels */
    Bench(EngineRuntime runtime, int iterations, boolean compareFused, PrintStream out) {
        this.runtime = runtime;
        this.iterations = iterations;
        this.compareFused = compareFused;
        this.out = out;
    }

    /** Times every configuration and prints the table, then the official figures of each sitting (if any). */
    void run(List<Config> configs, OfficialCpuTimes official) {
        double gemm = gemmGflops();
        out.printf(Locale.ROOT, "bench: %s; torch threads intra-op %d, inter-op %d; f32 GEMM 1024^3: %.1f GFLOP/s%n",
                runtime.describe(), JniUtils.getNumThreads(), JniUtils.getNumInteropThreads(), gemm);
        List<Row> rows = new ArrayList<>();
        for (Config c : configs) {
            rows.addAll(bench(c));
        }
        String fmt = "%-6s %-25s %-34s %11s %11s %9s %10s%n";
        out.printf(Locale.ROOT, fmt, "config", "component", "shape", "median ms", "min ms", "GFLOP", "x floor");
        for (Row r : rows) {
            String floor = r.gflop() > 0 ? String.format(Locale.ROOT, "%.2f", r.medianMs() / (r.gflop() / gemm * 1000))
                    : "-";
            out.printf(Locale.ROOT, fmt, r.config(), r.component(), r.shape(), String.format(Locale.ROOT, "%.2f", r.medianMs()),
                    String.format(Locale.ROOT, "%.2f", r.minMs()), r.gflop() > 0 ? String.format(Locale.ROOT, "%.1f", r.gflop()) : "-",
                    floor);
        }
        out.println("x floor = median / (GFLOP / GEMM rate of this run)");
        if (official != null) {
            official.print(rows, gemm, out);
        }
    }

    private List<Row> bench(Config c) {
        List<Row> rows = new ArrayList<>();
        try (NDManager m = runtime.newManager()) {
            m.getEngine().setRandomSeed(0);
            RandomParams params = new RandomParams(m, DataType.FLOAT32);
            Step1XEdit dit = new Step1XEdit(params, c.dit(), c.connector(), ModelVersion.V1_1);
            Qwen2Connector connector = new Qwen2Connector(params.child("connector"), c.connector(), ModelVersion.V1_1);
            AutoEncoder ae = new AutoEncoder(params, c.ae());

            int b = c.batch();
            long gridH = c.latentH() / 2;
            long gridW = c.latentW() / 2;
            long target = gridH * gridW;
            NDArray img = m.randomNormal(new Shape(b, 2 * target, c.dit().inChannels()));
            NDArray llm = m.randomNormal(new Shape(b, c.txtLen(), c.connector().inChannels()));
            NDArray mask = mask(m, b, c.txtLen(), c.txtValid());
            NDArray t = m.full(new Shape(b), 0.8f);
            NDArray imgIds = Packing.targetIds(m, gridH, gridW)
                    .concat(Packing.referenceIds(m, gridH, gridW, ModelVersion.V1_1), 0).expandDims(0).repeat(0, b);
            NDArray txtIds = Packing.textIds(m, c.txtLen()).expandDims(0).repeat(0, b);
            EmbedND.Rope pe = dit.rope(txtIds, imgIds);
            String ditShape = String.format(Locale.ROOT, "B=%d img %d+%d txt %d", b, target, target, c.txtLen());

            rows.addAll(time(c, "connector", "B=" + b + " L=" + c.txtLen(), connectorGflop(c),
                    () -> connector.forward(llm, t, mask).txt()));
            rows.addAll(time(c, "dit forward", ditShape, ditGflop(c),
                    () -> dit.forward(img, pe, t, llm, t, mask, Tap.NONE)));
            NDArray image = m.randomUniform(-1f, 1f, new Shape(1, 3, c.encodeH(), c.encodeW()));
            NDArray latents = m.randomNormal(new Shape(1, c.ae().zChannels(), c.decodeH(), c.decodeW()));
            rows.addAll(time(c, "vae encode", c.encodeH() + "x" + c.encodeW(), 0, () -> ae.encode(image)));
            rows.addAll(time(c, "vae decode", c.decodeH() + "x" + c.decodeW() + " latents", 0, () -> ae.decode(latents)));
            // one Euler step with CFG: b/2 requests, each a cond and an uncond row
            NDArray x = img.get(":{}, :{}", b / 2, target);
            NDArray ref = img.get(":{}, {}:", b / 2, target);
            float[] guidance = new float[b / 2];
            Arrays.fill(guidance, 6f);
            rows.addAll(time(c, "sampler step", ditShape + " cfg", ditGflop(c),
                    () -> Denoiser.denoise(x, ref, new double[] {0.8, 0.6}, guidance, ModelVersion.V1_1,
                            (in, tv, step) -> dit.forward(in, pe, tv, llm, tv, mask, Tap.NONE), Tap.NONE)));
            if (c.qwen() != null) {
                rows.addAll(benchQwen(c, m));
            }
        }
        return rows;
    }

    /** Vision tower on a Step1X-size image (28x40 patches) and the decoder on a 520-token prompt. */
    private List<Row> benchQwen(Config c, NDManager m) {
        Qwen25VLConfig cfg = c.qwen();
        Qwen25VLModel qwen = new Qwen25VLModel(new RandomParams(m, DataType.FLOAT32), cfg);
        long[][] grid = {{1, 28, 40}};
        int patches = 28 * 40;
        NDArray pixels = m.randomNormal(new Shape(patches, cfg.visionConfig().patchFeatures()));
        int promptLen = 520;
        long[] ids = new long[promptLen];
        for (int i = 0; i < promptLen; i++) {
            ids[i] = 1000 + (i * 7919L) % 50000; // plain text tokens
        }
        NDArray input = m.create(ids, new Shape(1, promptLen));
        List<Row> rows = new ArrayList<>();
        List<Row> vision = time(c, "qwen vision", patches + " patches", 0, () -> qwen.encodeImages(pixels, grid));
        rows.addAll(vision);
        List<Row> decoder = time(c, "qwen decoder", promptLen + " tokens", 0, () -> qwen.forward(input, null, null, null));
        rows.addAll(decoder);
        for (int i = 0; i < vision.size(); i++) {
            out.printf(Locale.ROOT, "%s qwen%s: vision %.0f patches/s, decoder %.0f tokens/s (prefill)%n", c.name(),
                    vision.size() > 1 ? (i == 0 ? " (composed)" : " (fused)") : "",
                    patches / (vision.get(i).medianMs() / 1000), promptLen / (decoder.get(i).medianMs() / 1000));
        }
        return rows;
    }

    /**
     * One row (the runtime's ops), or with {@code compareFused} two rows, "(composed)" and "(fused)", timed in
     * alternating order so that a machine's drift affects both alike.
     */
    private List<Row> time(Config c, String component, String shape, double gflop, Supplier<NDArray> op) {
        if (!compareFused) {
            op.get().close(); // warm-up
            double[] ms = new double[iterations];
            for (int i = 0; i < iterations; i++) {
                ms[i] = once(op);
            }
            return List.of(row(c, component, shape, gflop, ms));
        }
        FusedOps.Mode before = FusedOps.mode();
        try {
            double[] composed = new double[iterations];
            double[] fused = new double[iterations];
            for (FusedOps.Mode mode : List.of(FusedOps.Mode.COMPOSED, FusedOps.Mode.FUSED)) {
                FusedOps.setMode(mode);
                op.get().close(); // warm-up
            }
            for (int i = 0; i < iterations; i++) {
                boolean composedFirst = i % 2 == 0;
                for (int k = 0; k < 2; k++) {
                    boolean runComposed = (k == 0) == composedFirst;
                    FusedOps.setMode(runComposed ? FusedOps.Mode.COMPOSED : FusedOps.Mode.FUSED);
                    (runComposed ? composed : fused)[i] = once(op);
                }
            }
            return List.of(row(c, component + " (composed)", shape, gflop, composed),
                    row(c, component + " (fused)", shape, gflop, fused));
        } finally {
            FusedOps.setMode(before);
        }
    }

    private static double once(Supplier<NDArray> op) {
        long start = System.nanoTime();
        NDArray r = op.get();
        r.toFloatArray(); // wait for the result (CPU ops are synchronous; a GPU run syncs here)
        double ms = (System.nanoTime() - start) / 1e6;
        r.close();
        return ms;
    }

    private Row row(Config c, String component, String shape, double gflop, double[] ms) {
        Arrays.sort(ms);
        return new Row(c.name(), component, shape, ms[ms.length / 2], ms[0], gflop);
    }

    private static NDArray mask(NDManager m, int b, int len, int[] valid) {
        long[] v = new long[b * len];
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < valid[r % valid.length]; i++) {
                v[r * len + i] = 1;
            }
        }
        return m.create(v, new Shape(b, len));
    }

    /** Multiply-adds ×2 of every matmul in one DiT forward (connector included). */
    static double ditGflop(Config c) {
        Step1XParams p = c.dit();
        double b = c.batch();
        double li = 2.0 * (c.latentH() / 2) * (c.latentW() / 2);
        double lt = c.txtLen();
        double l = li + lt;
        double h = p.hiddenSize();
        double mlp = p.mlpHiddenDim();
        double f = 2 * b * (li * p.inChannels() * h + lt * p.contextInDim() * h + li * h * p.outChannels());
        f += 2 * b * (256 * h + h * h + p.vecInDim() * h + h * h);
        double attn = 4 * b * l * l * h; // q·kᵀ and weights·v
        double perDouble = 2 * b * l * (3 * h * h + h * h + 2 * h * mlp) + attn + 2 * 2 * b * 6 * h * h;
        double perSingle = 2 * b * l * (h * (3 * h + mlp) + (h + mlp) * h) + attn + 2 * b * 3 * h * h;
        f += p.depth() * perDouble + p.depthSingleBlocks() * perSingle;
        return (f + connectorGflop(c) * 1e9) / 1e9;
    }

    static double connectorGflop(Config c) {
        Qwen2ConnectorConfig k = c.connector();
        double b = c.batch();
        double lt = c.txtLen();
        double hid = k.hiddenSize();
        double f = 2 * b * lt * k.inChannels() * hid;
        f += k.depth() * (2 * b * lt * (3 * hid * hid + hid * hid + 2 * hid * 4 * hid) + 4 * b * lt * lt * hid);
        f += 2 * b * (k.inChannels() * 768 + 2 * k.inChannels() * hid + 2 * hid * hid);
        return f / 1e9;
    }

    private double gemmGflops() {
        try (NDManager m = runtime.newManager()) {
            NDArray a = m.randomNormal(new Shape(1024, 1024));
            a.matMul(a).close();
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                a.matMul(a).close();
                best = Math.min(best, (System.nanoTime() - start) / 1e9);
            }
            return 2.0 * 1024 * 1024 * 1024 / best / 1e9;
        }
    }
}

package dev.step1x.engine.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.step1x.engine.ConfigJson;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.Tap;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.dit.DitOptions;
import dev.step1x.engine.dit.RandomDitWeights;
import dev.step1x.engine.dit.EmbedND;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.lora.LoraAdapter;
import dev.step1x.engine.lora.LoraTargets;
import dev.step1x.engine.lora.RandomLoraAdapter;
import dev.step1x.engine.lora.RowAdapters;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.sampler.Denoiser;
import dev.step1x.engine.sampler.Packing;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The per-step cost of the DiT variants on random weights: one CFG sampler step (one DiT forward over the
 * requests' cond and uncond rows, guidance, Euler) with
 * <ul>
 *   <li>plain weights: also what a LoRA merged at load costs per step (merging changes values, not work);</li>
 *   <li>unmerged LoRA adapters of each rank on every request (the low-rank branch on all rows), and on half the
 *       requests of a two-request batch (rows gathered and put back);</li>
 *   <li>FP8 weights (one byte each, decoded per layer for every forward);</li>
 *   <li>blocks offloaded to host memory (a copy of every block per forward), dense and FP8;</li>
 * </ul>
 * each as a multiple of the plain step of the same batch. Machines are noisy: ranges over the iterations are printed.
 */
public final class DitVariantsBench {

    /** A DiT configuration and one forward's shapes (field names as worker/engine-tools/bench/configs.json). */
    public record Config(String name, Step1XParams dit, Qwen2ConnectorConfig connector, int latentH, int latentW,
            int txtLen) {

        /** {@code name} ("tiny", "small") of a bench configs file: its dit, connector and dit_forward shapes. */
        public static Config fromBenchConfigs(Path configsJson, String name) throws IOException {
            JsonObject root = ConfigJson.readObject(configsJson);
            JsonObject c = root.getAsJsonObject(name);
            if (c == null) {
                throw new IllegalArgumentException(configsJson + " has no configuration '" + name + "' (has "
                        + root.keySet() + ")");
            }
            JsonObject fwd = c.getAsJsonObject("dit_forward");
            JsonObject connector = c.getAsJsonObject("connector").deepCopy();
            if (!connector.has("need_CA")) {
                connector.addProperty("need_CA", false); // the released models' (and the bench configs') connector
            }
            var target = fwd.getAsJsonArray("target_latent_hw");
            return new Config(name, Step1XParams.fromJson(c.getAsJsonObject("dit").toString()),
                    Qwen2ConnectorConfig.fromJson(connector.toString()),
                    target.get(0).getAsInt(), target.get(1).getAsInt(), fwd.get("txt_len").getAsInt());
        }
    }

    /**
     * One measured variant.
     *
     * @param vsPlain median / the plain step's median of the same batch
     */
    public record Row(String variant, int requests, double medianMs, double minMs, double maxMs, double vsPlain) {}

    private final EngineRuntime runtime;
    private final int iterations;
    private final PrintStream out;

    public DitVariantsBench(EngineRuntime runtime, int iterations, PrintStream out) {
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be >= 1, got " + iterations);
        }
        this.runtime = runtime;
        this.iterations = iterations;
        this.out = out;
    }

    /**
     * Runs the variants and prints a table.
     *
     * @param ranks LoRA ranks of the unmerged rows (e.g. 16, 64); empty: no LoRA rows
     * @param mixed also a two-request batch with an adapter on one request (gather/put path) and its plain step
     * @param fp8 the FP8 rows
     * @param offload the offloaded rows (dense, and FP8 when {@code fp8})
     */
    public List<Row> run(Config c, int[] ranks, boolean mixed, boolean fp8, boolean offload) {
        DataType type = runtime.precision().dataType();
        List<Variant> variants = new ArrayList<>();
        try (NDManager m = runtime.newManager()) {
            LoraTargets targets = Step1XEdit.loraTargets(c.dit(), c.connector());
            Step1XEdit plain = build(m, c, type, DitOptions.defaults());
            Inputs one = Inputs.of(m, c, 1);
            variants.add(new Variant("plain (= LoRA merged at load)", 1, -1, () -> one.step(plain, RowAdapters.none())));
            Inputs two = mixed && ranks.length > 0 ? Inputs.of(m, c, 2) : null;
            if (two != null) {
                variants.add(new Variant("plain, 2 requests", 2, -1, () -> two.step(plain, RowAdapters.none())));
            }
            for (int r : ranks) {
                m.getEngine().setRandomSeed(100 + r);
                LoraAdapter a = RandomLoraAdapter.of(m, "rank" + r, targets, r, type);
                variants.add(new Variant("LoRA unmerged, rank " + r + ", every request", 1, 0,
                        () -> one.step(plain, RowAdapters.forRequests(List.of(new RowAdapters.Use(a, 1f))))));
                if (two != null) {
                    variants.add(new Variant("LoRA unmerged, rank " + r + ", 1 of 2 requests", 2, 1,
                            () -> two.step(plain, RowAdapters.forRequests(Arrays.asList(new RowAdapters.Use(a, 1f), null)))));
                }
            }
            if (fp8) {
                Step1XEdit q = build(m, c, type, DitOptions.defaults().withFp8(true));
                variants.add(new Variant("FP8 weights (decoded per layer)", 1, 0, () -> one.step(q, RowAdapters.none())));
            }
            if (offload) {
                Step1XEdit o = build(m, c, type, DitOptions.defaults().withOffload(true));
                variants.add(new Variant("blocks offloaded (a copy per block per forward)", 1, 0,
                        () -> one.step(o, RowAdapters.none())));
                if (fp8) {
                    Step1XEdit qo = build(m, c, type, DitOptions.defaults().withFp8(true).withOffload(true));
                    variants.add(new Variant("FP8 + blocks offloaded", 1, 0, () -> one.step(qo, RowAdapters.none())));
                }
            }
            List<Row> rows = measure(variants);
            print(c, rows);
            return rows;
        }
    }

    /** One timed operation; {@code base} is the index of the variant it is compared with (-1: itself). */
    private record Variant(String name, int requests, int base, Supplier<NDArray> op) {}

    /**
     * Warms every variant up, then times them round-robin ({@link #iterations} rounds), so that a machine whose speed
     * drifts (other processes) slows every variant alike.
     */
    private List<Row> measure(List<Variant> variants) {
        for (Variant v : variants) {
            v.op().get().close();
        }
        double[][] ms = new double[variants.size()][iterations];
        for (int i = 0; i < iterations; i++) {
            for (int k = 0; k < variants.size(); k++) {
                long start = System.nanoTime();
                NDArray r = variants.get(k).op().get();
                r.toFloatArray(); // wait for the result (a GPU run syncs here)
                ms[k][i] = (System.nanoTime() - start) / 1e6;
                r.close();
            }
            out.printf(Locale.ROOT, "  round %d/%d done%n", i + 1, iterations);
        }
        double[] medians = new double[variants.size()];
        List<Row> rows = new ArrayList<>();
        for (int k = 0; k < variants.size(); k++) {
            double[] t = ms[k].clone();
            Arrays.sort(t);
            medians[k] = t[iterations / 2];
        }
        for (int k = 0; k < variants.size(); k++) {
            Variant v = variants.get(k);
            double[] t = ms[k].clone();
            Arrays.sort(t);
            double base = v.base() < 0 ? medians[k] : medians[v.base()];
            rows.add(new Row(v.name(), v.requests(), medians[k], t[0], t[iterations - 1], medians[k] / base));
        }
        return rows;
    }

    private Step1XEdit build(NDManager m, Config c, DataType type, DitOptions o) {
        m.getEngine().setRandomSeed(0);
        return new Step1XEdit(RandomDitWeights.of(m, Step1XEdit.weightSpec(c.dit(), c.connector(), ModelVersion.V1_1),
                type, o), c.dit(), c.connector(), ModelVersion.V1_1);
    }

    /** The inputs of one CFG step for {@code requests} requests (2·requests DiT rows). */
    private record Inputs(NDArray x, NDArray ref, NDArray llm, NDArray mask, float[] guidance, NDArray imgIds,
            NDArray txtIds) {

        static Inputs of(NDManager m, Config c, int requests) {
            m.getEngine().setRandomSeed(1);
            long gridH = c.latentH() / 2;
            long gridW = c.latentW() / 2;
            long tokens = gridH * gridW;
            int rows = 2 * requests;
            NDArray x = m.randomNormal(new Shape(requests, tokens, c.dit().inChannels()));
            NDArray ref = m.randomNormal(new Shape(requests, tokens, c.dit().inChannels()));
            NDArray llm = m.randomNormal(new Shape(rows, c.txtLen(), c.connector().inChannels()));
            NDArray mask = m.ones(new Shape(rows, c.txtLen()), DataType.INT64);
            NDArray imgIds = Packing.targetIds(m, gridH, gridW)
                    .concat(Packing.referenceIds(m, gridH, gridW, ModelVersion.V1_1), 0).expandDims(0).repeat(0, rows);
            NDArray txtIds = Packing.textIds(m, c.txtLen()).expandDims(0).repeat(0, rows);
            float[] g = new float[requests];
            Arrays.fill(g, 6f);
            return new Inputs(x, ref, llm, mask, g, imgIds, txtIds);
        }

        NDArray step(Step1XEdit dit, RowAdapters adapters) {
            EmbedND.Rope rope = dit.rope(txtIds, imgIds);
            return Denoiser.denoise(x, ref, new double[] {0.8, 0.6}, guidance, ModelVersion.V1_1,
                    (in, tv, s) -> dit.forward(in, rope, tv, llm, tv, mask, adapters, Tap.NONE), Tap.NONE);
        }
    }

    private void print(Config c, List<Row> rows) {
        out.printf(Locale.ROOT, "DiT variants, config %s (hidden %d, %d+%d blocks, %dx%d latents, %d text tokens), %s, %d "
                + "iterations%n", c.name(), c.dit().hiddenSize(), c.dit().depth(), c.dit().depthSingleBlocks(), c.latentH(),
                c.latentW(), c.txtLen(), runtime.describe(), iterations);
        String fmt = "%-48s %8s %11s %11s %11s %9s%n";
        out.printf(Locale.ROOT, fmt, "variant (one CFG sampler step)", "requests", "median ms", "min ms", "max ms", "x plain");
        for (Row r : rows) {
            out.printf(Locale.ROOT, fmt, r.variant(), r.requests(), String.format(Locale.ROOT, "%.1f", r.medianMs()),
                    String.format(Locale.ROOT, "%.1f", r.minMs()), String.format(Locale.ROOT, "%.1f", r.maxMs()),
                    String.format(Locale.ROOT, "%.3f", r.vsPlain()));
        }
    }
}

package dev.step1x.engine.pipeline;

import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.dit.DitOptions;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLConfig;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.vae.AutoEncoderParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How many requests one batch holds on common GPUs, from {@link MemoryPlanner} at the official shapes: per
 * GPU memory size and size level, with Qwen's weights resident and offloaded. The same numbers the worker uses
 * to cap its batches; an estimate until it is calibrated against measured peaks (the worker halves a batch
 * that still runs out of memory).
 */
public final class SizingTable {

    /** A GPU memory size as CUDA reports the device's total (what the worker's planner budgets). */
    public record Gpu(String label, long totalBytes) {}

    /** Totals as the NVIDIA driver reports them (MiB), for the usual cards of each size. */
    public static final List<Gpu> GPUS = List.of(
            new Gpu("24 GB (L4, A10G)", mib(23_034)),
            new Gpu("40 GB (A100 40GB)", mib(40_960)),
            new Gpu("48 GB (L40S, A6000)", mib(46_068)),
            new Gpu("80 GB (H100, A100 80GB)", mib(81_559)),
            new Gpu("141 GB (H200)", mib(143_771)));

    public static final List<Integer> SIZE_LEVELS = List.of(512, 768, 1024);

    /** One cell pair: requests per batch with Qwen resident and with Qwen offloaded (0: does not fit). */
    public record Row(Gpu gpu, int sizeLevel, BucketKey bucket, int resident, int offloaded,
            MemoryPlanner.Plan residentPlan, MemoryPlanner.Plan offloadedPlan) {}

    private SizingTable() {}

    private static long mib(long m) {
        return m << 20;
    }

    /**
     * How the DiT is held: the variants the tables are printed for ({@link DitOptions#fp8()}, {@link
     * DitOptions#offload()}).
     */
    public enum Variant {
        DENSE("DiT fp16", false, false),
        FP8("DiT fp8", true, false),
        DENSE_OFFLOAD("DiT fp16, blocks offloaded", false, true),
        FP8_OFFLOAD("DiT fp8, blocks offloaded", true, true);

        private final String label;
        private final boolean fp8;
        private final boolean offload;

        Variant(String label, boolean fp8, boolean offload) {
            this.label = label;
            this.fp8 = fp8;
            this.offload = offload;
        }

        public String label() {
            return label;
        }

        public DitOptions ditOptions() {
            return DitOptions.defaults().withFp8(fp8).withOffload(offload);
        }
    }

    /** Rows for a square input at every size level on every GPU of {@link #GPUS}. */
    public static List<Row> rows(ModelVersion version, DataType dtype, int steps) {
        return rows(version, dtype, steps, DitOptions.defaults());
    }

    /** As {@link #rows(ModelVersion, DataType, int)} with the DiT held as {@code dit} says. */
    public static List<Row> rows(ModelVersion version, DataType dtype, int steps, DitOptions dit) {
        List<Row> rows = new ArrayList<>();
        for (Gpu gpu : GPUS) {
            long score = EngineRuntime.gpuScoreBytes(gpu.totalBytes());
            MemoryPlanner resident = official(version, dtype, false, score, dit);
            MemoryPlanner offloaded = official(version, dtype, true, score, dit);
            for (int level : SIZE_LEVELS) {
                BucketKey bucket = BucketKey.of(level, level, level, version, steps);
                MemoryPlanner.Plan r = resident.plan(bucket, gpu.totalBytes());
                MemoryPlanner.Plan o = offloaded.plan(bucket, gpu.totalBytes());
                rows.add(new Row(gpu, level, bucket, r.maxRequests(), o.maxRequests(), r, o));
            }
        }
        return rows;
    }

    /** A Markdown table: one line per GPU, a column pair (resident / offloaded) per size level. */
    public static String markdown(ModelVersion version, DataType dtype, int steps) {
        return markdown(version, dtype, steps, DitOptions.defaults());
    }

    /** One table per {@link Variant}, each under a heading line naming it. */
    public static String markdownAllVariants(ModelVersion version, DataType dtype, int steps) {
        StringBuilder sb = new StringBuilder();
        for (Variant v : Variant.values()) {
            sb.append("\n").append(v.label()).append(":\n\n").append(markdown(version, dtype, steps, v.ditOptions()))
                    .append('\n');
        }
        return sb.toString();
    }

    /** As {@link #markdown(ModelVersion, DataType, int)} with the DiT held as {@code dit} says. */
    public static String markdown(ModelVersion version, DataType dtype, int steps, DitOptions dit) {
        List<Row> rows = rows(version, dtype, steps, dit);
        StringBuilder sb = new StringBuilder();
        sb.append("| GPU memory |");
        for (int level : SIZE_LEVELS) {
            sb.append(String.format(Locale.ROOT, " %d (Qwen resident / offloaded) |", level));
        }
        sb.append("\n|---|");
        SIZE_LEVELS.forEach(l -> sb.append("---|"));
        sb.append('\n');
        for (Gpu gpu : GPUS) {
            sb.append("| ").append(gpu.label()).append(" |");
            for (Row r : rows) {
                if (r.gpu().equals(gpu)) {
                    sb.append(' ').append(cell(r.resident())).append(" / ").append(cell(r.offloaded())).append(" |");
                }
            }
            sb.append('\n');
        }
        MemoryPlanner.Plan any = rows.get(0).residentPlan();
        MemoryPlanner.Plan anyOff = rows.get(0).offloadedPlan();
        sb.append(String.format(Locale.ROOT, "%nweights resident: %.1f GiB with Qwen, %.1f GiB with Qwen offloaded (%s, %s)",
                any.weightBytes() / (double) (1L << 30), anyOff.weightBytes() / (double) (1L << 30), version.label(),
                dtype == DataType.FLOAT16 ? "fp16" : dtype.toString().toLowerCase(Locale.ROOT)));
        return sb.toString();
    }

    /** An official published figure of one edit (one H800, 28 steps, batch 1, CFG) next to the planner's estimate. */
    public record OfficialFigure(String setting, int sizeLevel, double officialGb, long estimateBytes) {}

    /** The official peak-memory figures (docs/model.md) and the settings of this engine that correspond to them. */
    private static final String OFFLOAD_NOTE = " (official: one whole model on the GPU at a time, as its figures"
            + " suggest; ours: Qwen and the DiT blocks offloaded)";
    private static final Object[][] OFFICIAL = {
        {"bf16 (ours: fp16)", Variant.DENSE, false, new double[] {42.5, 46.5, 49.8}},
        {"FP8 DiT (--quantized)", Variant.FP8, false, new double[] {31, 31.5, 34}},
        {"offload" + OFFLOAD_NOTE, Variant.DENSE_OFFLOAD, true, new double[] {25.9, 27.3, 29.1}},
        {"FP8 + offload" + OFFLOAD_NOTE, Variant.FP8_OFFLOAD, true, new double[] {18, 18, 18}},
    };

    /**
     * The planner's peak estimate of one request at the official shapes (fp16 compute, an 80 GB card's score block)
     * for each official setting and size level, next to the published figure.
     */
    public static List<OfficialFigure> officialComparison(ModelVersion version) {
        long score = EngineRuntime.gpuScoreBytes(mib(81_559));
        List<OfficialFigure> out = new ArrayList<>();
        for (Object[] o : OFFICIAL) {
            Variant v = (Variant) o[1];
            MemoryPlanner p = official(version, DataType.FLOAT16, (Boolean) o[2], score, v.ditOptions());
            double[] gb = (double[]) o[3];
            for (int i = 0; i < SIZE_LEVELS.size(); i++) {
                int level = SIZE_LEVELS.get(i);
                out.add(new OfficialFigure((String) o[0], level, gb[i],
                        p.peakBytes(BucketKey.of(level, level, level, version, 28), 1)));
            }
        }
        return out;
    }

    /** {@link #officialComparison} as a Markdown table (estimates in GiB and GB). */
    public static String officialComparisonMarkdown(ModelVersion version) {
        StringBuilder sb = new StringBuilder("| setting | size level | official (GB) | planner estimate (GiB / GB) |\n"
                + "|---|---|---|---|\n");
        for (OfficialFigure f : officialComparison(version)) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f / %.1f |%n", f.setting(), f.sizeLevel(),
                    f.officialGb(), f.estimateBytes() / (double) (1L << 30), f.estimateBytes() / 1e9));
        }
        return sb.toString();
    }

    /** The planner of the released model's configs. */
    private static MemoryPlanner official(ModelVersion version, DataType dtype, boolean qwenOffload, long scoreBytes,
            DitOptions dit) {
        return new MemoryPlanner(Step1XParams.official(), Qwen2ConnectorConfig.official(), AutoEncoderParams.official(),
                Qwen25VLConfig.qwen25Vl7BInstruct(), version, dtype, qwenOffload, scoreBytes, dit);
    }

    private static String cell(int requests) {
        return requests == 0 ? "–" : Integer.toString(requests);
    }
}

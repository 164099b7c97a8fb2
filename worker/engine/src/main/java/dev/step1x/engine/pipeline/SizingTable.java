package dev.step1x.engine.pipeline;

import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.runtime.EngineRuntime;
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

    /** Rows for a square input at every size level on every GPU of {@link #GPUS}. */
    public static List<Row> rows(ModelVersion version, DataType dtype, int steps) {
        RandomModel.Configs c = RandomModel.Configs.official();
        List<Row> rows = new ArrayList<>();
        for (Gpu gpu : GPUS) {
            long score = EngineRuntime.gpuScoreBytes(gpu.totalBytes());
            MemoryPlanner resident = new MemoryPlanner(c.dit(), c.connector(), c.ae(), c.qwen(), version, dtype, false,
                    score);
            MemoryPlanner offloaded = new MemoryPlanner(c.dit(), c.connector(), c.ae(), c.qwen(), version, dtype, true,
                    score);
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
        List<Row> rows = rows(version, dtype, steps);
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

    private static String cell(int requests) {
        return requests == 0 ? "–" : Integer.toString(requests);
    }
}

package dev.step1x.engine.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which unmerged LoRA adapter (and multiplier) each row of one DiT batch uses; rows without one use none. The
 * batch stays one tensor: every targeted Linear computes {@code x·Wᵀ + b} for all rows and adds, per adapter in
 * the batch, {@code s_r · up·(down·x_r)} for its rows {@code r} only (gathered, then put back into those rows).
 *
 * <p>The pipeline's batch is {@code N} requests in {@code 2N} rows: rows [0, N) conditional, [N, 2N)
 * unconditional; both rows of request {@code i} (i and N + i) use its adapter ({@link #forRequests}).
 */
public final class RowAdapters {

    /** One row's adapter and multiplier. */
    public record Use(LoraAdapter adapter, float multiplier) {
        public Use {
            java.util.Objects.requireNonNull(adapter, "adapter");
            if (!Float.isFinite(multiplier)) {
                throw new IllegalArgumentException("adapter multiplier must be finite, got " + multiplier);
            }
        }
    }

    private static final RowAdapters NONE = new RowAdapters(new Use[0], true);

    private final Use[] rows;
    private final boolean none;

    private RowAdapters(Use[] rows, boolean none) {
        this.rows = rows;
        this.none = none;
    }

    /** No adapter on any row, whatever the batch size. */
    public static RowAdapters none() {
        return NONE;
    }

    /** One entry per batch row (null: no adapter). */
    public static RowAdapters ofRows(List<Use> perRow) {
        Use[] r = perRow.toArray(new Use[0]);
        return new RowAdapters(r, Arrays.stream(r).allMatch(u -> u == null));
    }

    /** N requests (null: none) → 2N rows, request i on rows i and N + i. */
    public static RowAdapters forRequests(List<Use> perRequest) {
        int n = perRequest.size();
        List<Use> rows = new ArrayList<>(perRequest);
        rows.addAll(perRequest);
        return n == 0 ? NONE : ofRows(rows);
    }

    public boolean isNone() {
        return none;
    }

    /** Batch rows (0 for {@link #none()}). */
    public int rows() {
        return rows.length;
    }

    /** The distinct adapters used, in first-use order. */
    public List<LoraAdapter> adapters() {
        Map<LoraAdapter, Boolean> seen = new IdentityHashMap<>();
        List<LoraAdapter> out = new ArrayList<>();
        for (Use u : rows) {
            if (u != null && seen.put(u.adapter(), Boolean.TRUE) == null) {
                out.add(u.adapter());
            }
        }
        return out;
    }

    /**
     * The rows of one adapter as tensors on a batch's manager.
     *
     * @param index the rows [k] (int64), or null when the adapter covers every row of the batch
     * @param scales the rows' multipliers [k] in the compute type, or null when they are all {@code scale}
     */
    public record Group(LoraAdapter adapter, NDArray index, NDArray scales, float scale, int count) {}

    /**
     * The groups of this batch as tensors on {@code manager} (one per adapter), for a batch of {@code batchRows}
     * rows computing in {@code type}. An empty list for {@link #none()}.
     */
    public List<Group> bind(NDManager manager, long batchRows, DataType type) {
        if (none) {
            return List.of();
        }
        if (rows.length != batchRows) {
            throw new IllegalArgumentException("adapters for " + rows.length + " rows, the batch has " + batchRows);
        }
        List<Group> groups = new ArrayList<>();
        for (LoraAdapter a : adapters()) {
            List<Integer> idx = new ArrayList<>();
            for (int r = 0; r < rows.length; r++) {
                if (rows[r] != null && rows[r].adapter() == a) {
                    idx.add(r);
                }
            }
            float first = rows[idx.get(0)].multiplier();
            boolean uniform = idx.stream().allMatch(r -> rows[r].multiplier() == first);
            NDArray index = idx.size() == rows.length ? null
                    : manager.create(idx.stream().mapToLong(Integer::longValue).toArray());
            NDArray scales = null;
            if (!uniform) {
                float[] s = new float[idx.size()];
                for (int i = 0; i < s.length; i++) {
                    s[i] = rows[idx.get(i)].multiplier();
                }
                try (NDArray f32 = manager.create(s, new Shape(s.length))) {
                    scales = dev.step1x.engine.nn.Copies.asType(f32, type);
                }
            }
            groups.add(new Group(a, index, scales, first, idx.size()));
        }
        return groups;
    }
}

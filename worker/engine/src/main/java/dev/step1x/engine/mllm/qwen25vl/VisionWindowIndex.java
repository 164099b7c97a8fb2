// Port of huggingface/transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py @ 00b676f
// (Qwen2_5_VisionTransformerPretrainedModel.get_window_index and the cu_seqlens of its forward).
package dev.step1x.engine.mllm.qwen25vl;

import java.util.Arrays;

/**
 * Where the vision tower's attention segments are, computed from the image grids alone (plain Java,
 * no tensors): the window order of the merged tokens and the segment boundaries, in patches, for
 * window attention and for full attention.
 *
 * <p>Per image (t, h, w) in patches, the merged grid is {@code lh = h / m} × {@code lw = w / m}
 * ({@code m = spatial_merge_size}), and windows are {@code vws = window_size / m / patch_size} merged
 * tokens on a side. The merged grid of each frame is padded at the bottom/right by
 * {@code vws − lh % vws} rows and {@code vws − lw % vws} columns (a whole empty window row/column when
 * the side is already a multiple of {@code vws}, as upstream does), cut into windows in raster order,
 * each window read in raster order, padding dropped. Frames follow each other, images too (indices
 * offset by the merged tokens before them).
 *
 * @param windowIndex merged-token index (original raster order) of each window-order slot
 * @param inverse the inverse permutation: {@code inverse[windowIndex[i]] == i}
 * @param cuWindowSeqlensRaw {@code [0, cumsum(tokens per window) · m²]} over every window, empty ones included
 * @param cuWindowSeqlens {@link #cuWindowSeqlensRaw} with consecutive duplicates removed (window attention segments)
 * @param cuSeqlens {@code [0, cumsum(h·w per frame)]}: full attention segments, one per frame
 */
public record VisionWindowIndex(long[] windowIndex, long[] inverse, int[] cuWindowSeqlensRaw, int[] cuWindowSeqlens,
        int[] cuSeqlens) {

    /** The index for {@code gridThw} (rows of t, h, w in patches) under {@code cfg}. */
    public static VisionWindowIndex of(long[][] gridThw, Qwen25VLConfig.VisionConfig cfg) {
        return compute(gridThw, cfg.windowSize(), cfg.spatialMergeSize(), cfg.patchSize());
    }

    /**
     * @param windowSize window side in pixels (112)
     * @param mergeSize spatial merge size (2)
     * @param patchSize patch side in pixels (14)
     */
    public static VisionWindowIndex compute(long[][] gridThw, int windowSize, int mergeSize, int patchSize) {
        checkGrids(gridThw, mergeSize);
        int vws = windowSize / mergeSize / patchSize;
        if (vws <= 0) {
            throw new IllegalArgumentException("window_size " + windowSize + " is smaller than one merged token ("
                    + mergeSize + " x " + patchSize + " px)");
        }
        int unit = mergeSize * mergeSize;
        long totalMerged = 0;
        int totalWindows = 0;
        for (long[] g : gridThw) {
            long lh = g[1] / mergeSize;
            long lw = g[2] / mergeSize;
            totalMerged += g[0] * lh * lw;
            totalWindows = Math.addExact(totalWindows, Math.toIntExact(g[0] * windowsOnSide(lh, vws) * windowsOnSide(lw, vws)));
        }
        if (totalMerged * unit > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many patches: " + totalMerged * unit);
        }
        long[] windowIndex = new long[(int) totalMerged];
        int[] raw = new int[totalWindows + 1];
        int slot = 0;
        int w = 0;
        int cum = 0;
        long offset = 0;
        for (long[] g : gridThw) {
            int t = (int) g[0];
            int lh = (int) (g[1] / mergeSize);
            int lw = (int) (g[2] / mergeSize);
            int nWh = windowsOnSide(lh, vws);
            int nWw = windowsOnSide(lw, vws);
            for (int f = 0; f < t; f++) {
                long frame = offset + (long) f * lh * lw;
                for (int wh = 0; wh < nWh; wh++) {
                    for (int ww = 0; ww < nWw; ww++) {
                        int count = 0;
                        for (int i = 0; i < vws; i++) {
                            int r = wh * vws + i;
                            for (int j = 0; j < vws; j++) {
                                int c = ww * vws + j;
                                if (r < lh && c < lw) {
                                    windowIndex[slot++] = frame + (long) r * lw + c;
                                    count++;
                                }
                            }
                        }
                        cum += count * unit;
                        raw[++w] = cum;
                    }
                }
            }
            offset += (long) t * lh * lw;
        }
        return new VisionWindowIndex(windowIndex, inversePermutation(windowIndex), raw, uniqueConsecutive(raw),
                cuSeqlens(gridThw));
    }

    /** {@code [0, cumsum(h·w repeated t times)]}: full attention over each frame. */
    public static int[] cuSeqlens(long[][] gridThw) {
        int frames = 0;
        for (long[] g : gridThw) {
            frames = Math.addExact(frames, Math.toIntExact(g[0]));
        }
        int[] cu = new int[frames + 1];
        int k = 0;
        for (long[] g : gridThw) {
            for (long f = 0; f < g[0]; f++) {
                cu[k + 1] = Math.addExact(cu[k], Math.toIntExact(g[1] * g[2]));
                k++;
            }
        }
        return cu;
    }

    /** Number of patches, {@code Σ t·h·w}. */
    public int numPatches() {
        return cuSeqlens[cuSeqlens.length - 1];
    }

    /** Number of merged tokens (image features), {@code Σ t·h·w / m²}. */
    public int numMerged() {
        return windowIndex.length;
    }

    private static int windowsOnSide(long merged, int vws) {
        // upstream pads by vws - merged % vws, i.e. a whole extra (empty) window when merged % vws == 0
        return (int) ((merged + vws - merged % vws) / vws);
    }

    static void checkGrids(long[][] gridThw, int mergeSize) {
        if (gridThw == null || gridThw.length == 0) {
            throw new IllegalArgumentException("no image grid (grid_thw is empty)");
        }
        for (int i = 0; i < gridThw.length; i++) {
            long[] g = gridThw[i];
            if (g == null || g.length != 3) {
                throw new IllegalArgumentException("grid_thw row " + i + " must be (t, h, w), got "
                        + Arrays.toString(g));
            }
            if (g[0] <= 0 || g[1] <= 0 || g[2] <= 0) {
                throw new IllegalArgumentException("grid_thw row " + i + " " + Arrays.toString(g) + " is not positive");
            }
            if (g[1] % mergeSize != 0 || g[2] % mergeSize != 0) {
                throw new IllegalArgumentException("grid_thw row " + i + " " + Arrays.toString(g)
                        + ": h and w must be multiples of spatial_merge_size " + mergeSize);
            }
        }
    }

    private static long[] inversePermutation(long[] perm) {
        long[] inv = new long[perm.length];
        for (int i = 0; i < perm.length; i++) {
            inv[(int) perm[i]] = i;
        }
        return inv;
    }

    private static int[] uniqueConsecutive(int[] a) {
        int[] out = new int[a.length];
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            if (n == 0 || out[n - 1] != a[i]) {
                out[n++] = a[i];
            }
        }
        return Arrays.copyOf(out, n);
    }
}

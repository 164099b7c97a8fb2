// Port of huggingface/transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py @ 00b676f
// (Qwen2_5_VLModel.get_rope_index, images only).
package dev.step1x.engine.mllm.qwen25vl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * The 3-stream (temporal, height, width) position ids of the multimodal RoPE ({@code get_rope_index}).
 *
 * <p>Per row, over the tokens whose attention mask is 1 (all tokens without a mask):
 * <ul>
 *   <li>an image is a {@code <|vision_start|>} followed by {@code <|image_pad|>}; images are matched in
 *       order with the rows of {@code gridThw}, consumed across the batch (row 0's images first);</li>
 *   <li>text tokens get {@code (p, p, p)} with p one more than the largest position so far (0 at the start);</li>
 *   <li>the {@code t·(h/m)·(w/m)} pad tokens of an image (m = spatial merge size) starting at index
 *       {@code ed} get {@code (s, s + row, s + col)} with {@code s = st_idx + text_len}: temporal index 0
 *       for still images, raster order;</li>
 *   <li>text after an image resumes at the image's largest position + 1, i.e. {@code s + max(h/m, w/m)}.</li>
 * </ul>
 * Tokens with mask 0 are left out of the computation and get position 1 on every stream. The rope
 * delta of a row is {@code max position + 1 - L} with L the full (unmasked) row length.
 *
 * <p>Without any image grid ({@code gridThw} null) the text-only branch applies: positions
 * {@code cumsum(mask) - 1} (1 where masked) or {@code arange(L)} without a mask.
 */
public final class RopeIndex {

    /**
     * @param positionIds [3, B, L] int64 (t, h, w streams)
     * @param ropeDeltas [B, 1] int64
     */
    public record Result(NDArray positionIds, NDArray ropeDeltas) {}

    /**
     * The same in Java arrays.
     *
     * @param positionIds [3][B][L]
     * @param ropeDeltas [B]
     */
    public record Positions(long[][][] positionIds, long[] ropeDeltas) {}

    private RopeIndex() {}

    /**
     * @param inputIds [B, L] integer token ids
     * @param gridThw image grids (t, h, w) in patches, one row per image in sequence order; null for text only
     * @param attentionMask [B, L] 0/1 (any integer or boolean type), or null for all ones
     * @return int64 arrays on the manager of {@code inputIds}
     */
    public static Result getRopeIndex(NDArray inputIds, long[][] gridThw, NDArray attentionMask, Qwen25VLConfig cfg) {
        Shape s = inputIds.getShape();
        if (s.dimension() != 2) {
            throw new IllegalArgumentException("input_ids must be [B, L], got " + s);
        }
        int b = Math.toIntExact(s.get(0));
        int l = Math.toIntExact(s.get(1));
        long[][] ids = rows(inputIds, b, l);
        long[][] mask = null;
        if (attentionMask != null) {
            if (!attentionMask.getShape().equals(s)) {
                throw new IllegalArgumentException("attention_mask must be " + s + ", got " + attentionMask.getShape());
            }
            mask = rows(attentionMask, b, l);
        }
        Positions p = compute(ids, gridThw, mask, cfg);
        long[] flat = new long[3 * b * l];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < b; i++) {
                System.arraycopy(p.positionIds()[c][i], 0, flat, (c * b + i) * l, l);
            }
        }
        NDManager m = inputIds.getManager();
        return new Result(m.create(flat, new Shape(3, b, l)), m.create(p.ropeDeltas(), new Shape(b, 1)));
    }

    /** As {@link #getRopeIndex}, on Java arrays ({@code ids[b][l]}, {@code mask[b][l]} or null). */
    public static Positions compute(long[][] ids, long[][] gridThw, long[][] mask, Qwen25VLConfig cfg) {
        int b = ids.length;
        int l = b == 0 ? 0 : ids[0].length;
        for (int i = 0; i < b; i++) {
            if (ids[i].length != l || (mask != null && mask[i].length != l)) {
                throw new IllegalArgumentException("ragged input_ids or attention_mask");
            }
        }
        if (mask != null && mask.length != b) {
            throw new IllegalArgumentException("attention_mask has " + mask.length + " rows, input_ids " + b);
        }
        long[][][] pos = new long[3][b][l];
        long[] deltas = new long[b];
        if (gridThw == null) {
            textOnly(mask, b, l, pos, deltas);
            return new Positions(pos, deltas);
        }
        int merge = cfg.visionConfig().spatialMergeSize();
        int imageIndex = 0;
        for (int i = 0; i < b; i++) {
            // The tokens that take part (mask == 1) and where they sit in the row.
            int[] where = new int[l];
            int n = 0;
            for (int j = 0; j < l; j++) {
                if (mask == null || mask[i][j] == 1) {
                    where[n++] = j;
                }
            }
            long[] tokens = new long[n];
            for (int k = 0; k < n; k++) {
                tokens[k] = ids[i][where[k]];
            }
            int images = 0;
            for (int k = 0; k + 1 < n; k++) {
                if (tokens[k] == cfg.visionStartTokenId()) {
                    if (tokens[k + 1] == cfg.imageTokenId()) {
                        images++;
                    } else if (tokens[k + 1] == cfg.videoTokenId()) {
                        throw new IllegalArgumentException("row " + i + ": video input is not supported");
                    }
                }
            }
            long[][] row = new long[3][n];
            int filled = 0;
            long next = 0; // largest position so far + 1
            int st = 0;
            for (int img = 0; img < images; img++) {
                int ed = indexOf(tokens, cfg.imageTokenId(), st);
                if (ed < 0) {
                    throw new IllegalArgumentException("row " + i + ": no <|image_pad|> after index " + st);
                }
                if (imageIndex >= gridThw.length) {
                    throw new IllegalArgumentException("the input has more images than image_grid_thw rows ("
                            + gridThw.length + ")");
                }
                long[] thw = gridThw[imageIndex++];
                if (thw.length != 3) {
                    throw new IllegalArgumentException("image_grid_thw rows must be (t, h, w)");
                }
                long gt = thw[0];
                long gh = thw[1] / merge;
                long gw = thw[2] / merge;
                int textLen = ed - st;
                for (int k = 0; k < textLen; k++) {
                    for (int c = 0; c < 3; c++) {
                        row[c][filled] = next + k;
                    }
                    filled++;
                }
                long start = next + textLen;
                long count = gt * gh * gw;
                if (filled + count > n) {
                    throw new IllegalArgumentException("row " + i + ": image " + (imageIndex - 1) + " needs " + count
                            + " tokens from index " + ed + ", the row has " + (n - ed));
                }
                long max = start;
                for (long tt = 0; tt < gt; tt++) {
                    for (long hh = 0; hh < gh; hh++) {
                        for (long ww = 0; ww < gw; ww++) {
                            // temporal index = t · second_per_grid_t · tokens_per_second = 0 for images
                            row[0][filled] = start;
                            row[1][filled] = start + hh;
                            row[2][filled] = start + ww;
                            max = Math.max(max, Math.max(start + hh, start + ww));
                            filled++;
                        }
                    }
                }
                next = max + 1;
                st = ed + (int) count;
            }
            for (int k = st; k < n; k++) {
                for (int c = 0; c < 3; c++) {
                    row[c][filled] = next + (k - st);
                }
                filled++;
            }
            if (n == 0) {
                throw new IllegalArgumentException("row " + i + " has no unmasked token");
            }
            long max = Long.MIN_VALUE;
            for (int c = 0; c < 3; c++) {
                Arrays.fill(pos[c][i], 1);
                for (int k = 0; k < n; k++) {
                    pos[c][i][where[k]] = row[c][k];
                    max = Math.max(max, row[c][k]);
                }
            }
            deltas[i] = max + 1 - l;
        }
        return new Positions(pos, deltas);
    }

    private static void textOnly(long[][] mask, int b, int l, long[][][] pos, long[] deltas) {
        for (int i = 0; i < b; i++) {
            long[] p = new long[l];
            if (mask == null) {
                for (int j = 0; j < l; j++) {
                    p[j] = j;
                }
                deltas[i] = 0;
            } else {
                long cum = 0;
                long max = Long.MIN_VALUE;
                for (int j = 0; j < l; j++) {
                    cum += mask[i][j];
                    p[j] = mask[i][j] == 0 ? 1 : cum - 1;
                    max = Math.max(max, p[j]);
                }
                deltas[i] = max + 1 - l;
            }
            for (int c = 0; c < 3; c++) {
                pos[c][i] = p.clone();
            }
        }
    }

    private static int indexOf(long[] tokens, long id, int from) {
        for (int k = from; k < tokens.length; k++) {
            if (tokens[k] == id) {
                return k;
            }
        }
        return -1;
    }

    private static long[][] rows(NDArray a, int b, int l) {
        long[] flat;
        if (a.getDataType() == DataType.INT64) {
            flat = a.toLongArray();
        } else {
            try (NDArray wide = a.toType(DataType.INT64, true)) {
                flat = wide.toLongArray();
            }
        }
        long[][] out = new long[b][l];
        for (int i = 0; i < b; i++) {
            System.arraycopy(flat, i * l, out[i], 0, l);
        }
        return out;
    }
}

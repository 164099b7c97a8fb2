package dev.step1x.engine.mllm.qwen25vl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Window order and attention segments (112-pixel windows of 4×4 merged tokens) for several grids; the expectations are
 * worked out by hand from the algorithm (window 112 px = 4 merged tokens a side, merge 2, patch 14).
 */
class VisionWindowIndexTest {

    private static VisionWindowIndex index(long[]... grids) {
        return VisionWindowIndex.compute(grids, 112, 2, 14);
    }

    /** Merged tokens of window rows [r0, r1) x columns [c0, c1) of a merged grid lw wide, raster order. */
    private static long[] window(int lw, int r0, int r1, int c0, int c1, long offset) {
        return IntStream.range(r0, r1).boxed()
                .flatMapToLong(r -> LongStream.range(c0, c1).map(c -> offset + (long) r * lw + c)).toArray();
    }

    private static long[] concat(long[]... parts) {
        return Arrays.stream(parts).flatMapToLong(Arrays::stream).toArray();
    }

    private static void assertPermutation(VisionWindowIndex wi) {
        long[] sorted = wi.windowIndex().clone();
        Arrays.sort(sorted);
        assertThat(sorted).containsExactly(LongStream.range(0, sorted.length).toArray());
        for (int i = 0; i < wi.windowIndex().length; i++) {
            assertThat(wi.inverse()[(int) wi.windowIndex()[i]]).isEqualTo(i);
        }
    }

    @Test
    void parityCaseGrid8x10() {
        // merged 4 x 5: pad to 8 x 8 -> 2 x 2 windows; (0,0) 16 tokens, (0,1) column 4 (4 tokens), row 1 empty
        VisionWindowIndex wi = index(new long[] {1, 8, 10});
        assertThat(wi.windowIndex()).containsExactly(0, 1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 17, 18, 4, 9, 14, 19);
        assertThat(wi.cuWindowSeqlensRaw()).containsExactly(0, 64, 80, 80, 80);
        assertThat(wi.cuWindowSeqlens()).containsExactly(0, 64, 80);
        assertThat(wi.cuSeqlens()).containsExactly(0, 80);
        assertThat(wi.numPatches()).isEqualTo(80);
        assertThat(wi.numMerged()).isEqualTo(20);
        assertPermutation(wi);
    }

    @Test
    void step1xGrid28x40HasPartialAndEmptyWindows() {
        // merged 14 x 20: 14 -> pad 2 -> 4 window rows; 20 -> pad 4 -> 6 window columns, the last one empty.
        // Rows 0-2: five windows of 16 tokens (64 patches); row 3 (merged rows 12, 13): five of 8 (32 patches).
        VisionWindowIndex wi = index(new long[] {1, 28, 40});
        assertThat(wi.cuWindowSeqlensRaw()).containsExactly(
                0, 64, 128, 192, 256, 320, 320,
                384, 448, 512, 576, 640, 640,
                704, 768, 832, 896, 960, 960,
                992, 1024, 1056, 1088, 1120, 1120);
        assertThat(wi.cuWindowSeqlens()).containsExactly(
                0, 64, 128, 192, 256, 320, 384, 448, 512, 576, 640, 704, 768, 832, 896, 960,
                992, 1024, 1056, 1088, 1120);
        assertThat(wi.cuSeqlens()).containsExactly(0, 1120);
        long[] expected = new long[0];
        for (int wr = 0; wr < 4; wr++) {
            for (int wc = 0; wc < 5; wc++) {
                expected = concat(expected, window(20, 4 * wr, Math.min(14, 4 * wr + 4), 4 * wc, 4 * wc + 4, 0));
            }
        }
        assertThat(wi.windowIndex()).containsExactly(expected);
        assertThat(Arrays.copyOf(wi.windowIndex(), 16)).containsExactly(0, 1, 2, 3, 20, 21, 22, 23, 40, 41, 42, 43,
                60, 61, 62, 63);
        assertThat(Arrays.copyOfRange(wi.windowIndex(), 272, 280)).containsExactly(256, 257, 258, 259, 276, 277, 278, 279);
        assertPermutation(wi);
    }

    @Test
    void portraitGrid40x28() {
        // merged 20 x 14: 20 -> pad 4 -> 6 window rows (the last empty); 14 -> pad 2 -> 4 window columns,
        // the last covering merged columns 12, 13 (8 tokens).
        VisionWindowIndex wi = index(new long[] {1, 40, 28});
        int[] raw = new int[25];
        int k = 1;
        for (int r = 0; r < 5; r++) {
            for (int c = 0; c < 4; c++) {
                raw[k] = raw[k - 1] + (c < 3 ? 64 : 32);
                k++;
            }
        }
        for (int c = 0; c < 4; c++) {
            raw[k++] = 1120;
        }
        assertThat(wi.cuWindowSeqlensRaw()).containsExactly(raw);
        assertThat(wi.cuWindowSeqlens()).containsExactly(Arrays.copyOf(raw, 21));
        assertThat(wi.cuWindowSeqlens()).startsWith(0, 64, 128, 192, 224, 288).endsWith(1024, 1088, 1120);
        assertThat(Arrays.copyOfRange(wi.windowIndex(), 48, 56)).containsExactly(12, 13, 26, 27, 40, 41, 54, 55);
        assertThat(wi.cuSeqlens()).containsExactly(0, 1120);
        assertPermutation(wi);
    }

    @Test
    void narrowGrid10x6KeepsRasterOrder() {
        // merged 5 x 3: 2 window rows x 1 column; rows 0-3 (12 tokens), then row 4 (3 tokens)
        VisionWindowIndex wi = index(new long[] {1, 10, 6});
        assertThat(wi.windowIndex()).containsExactly(LongStream.range(0, 15).toArray());
        assertThat(wi.cuWindowSeqlensRaw()).containsExactly(0, 48, 60);
        assertThat(wi.cuWindowSeqlens()).containsExactly(0, 48, 60);
        assertThat(wi.cuSeqlens()).containsExactly(0, 60);
    }

    @Test
    void twoImagesAreOffsetAndSegmentedSeparately() {
        VisionWindowIndex wi = index(new long[] {1, 8, 10}, new long[] {1, 10, 6});
        assertThat(wi.windowIndex()).containsExactly(0, 1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 17, 18, 4, 9, 14, 19,
                20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34);
        assertThat(wi.cuWindowSeqlensRaw()).containsExactly(0, 64, 80, 80, 80, 128, 140);
        assertThat(wi.cuWindowSeqlens()).containsExactly(0, 64, 80, 128, 140);
        assertThat(wi.cuSeqlens()).containsExactly(0, 80, 140);
        assertPermutation(wi);
    }

    @Test
    void specExample17x23MergedTokens() {
        // 30 windows, 16,16,16,16,16,12 x 4 then 4,4,4,4,4,3 (merged tokens)
        VisionWindowIndex wi = index(new long[] {1, 34, 46});
        int[] cu = wi.cuWindowSeqlens();
        assertThat(cu).hasSize(31);
        assertThat(wi.cuWindowSeqlensRaw()).containsExactly(cu);
        int[] seqlens = IntStream.range(0, 30).map(i -> cu[i + 1] - cu[i]).toArray();
        assertThat(seqlens).containsExactly(64, 64, 64, 64, 64, 48, 64, 64, 64, 64, 64, 48, 64, 64, 64, 64, 64, 48,
                64, 64, 64, 64, 64, 48, 16, 16, 16, 16, 16, 12);
        assertThat(cu[30]).isEqualTo(1564);
        assertThat(Arrays.copyOf(wi.windowIndex(), 9)).containsExactly(0, 1, 2, 3, 23, 24, 25, 26, 46);
        assertPermutation(wi);
    }

    @Test
    void specExample16x16CollapsesEmptyWindows() {
        // §3.3 item 8: 25 raw windows (a whole empty row and column) collapse to 16
        VisionWindowIndex wi = index(new long[] {1, 32, 32});
        assertThat(wi.cuWindowSeqlensRaw()).hasSize(26);
        assertThat(wi.cuWindowSeqlens()).containsExactly(IntStream.rangeClosed(0, 16).map(i -> 64 * i).toArray());
    }

    @Test
    void framesOfAVideoAreSeparateSegments() {
        // t = 2, merged 2 x 2: one (padded) window per frame
        VisionWindowIndex wi = index(new long[] {2, 4, 4});
        assertThat(wi.windowIndex()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(wi.cuWindowSeqlensRaw()).containsExactly(0, 16, 32);
        assertThat(wi.cuSeqlens()).containsExactly(0, 16, 32);
    }

    @Test
    void positionIdsFollowThePixelValuesRowOrder() {
        long[] ids = Qwen25VisionRotaryEmbedding.positionIds(new long[][] {{1, 4, 4}}, 2);
        assertThat(ids).containsExactly(
                0, 0, 0, 1, 1, 0, 1, 1,
                0, 2, 0, 3, 1, 2, 1, 3,
                2, 0, 2, 1, 3, 0, 3, 1,
                2, 2, 2, 3, 3, 2, 3, 3);
        long[] video = Qwen25VisionRotaryEmbedding.positionIds(new long[][] {{2, 2, 4}}, 2);
        assertThat(Arrays.copyOfRange(video, 16, 32)).containsExactly(Arrays.copyOf(video, 16));
    }

    @Test
    void attentionRunsBatchEqualLengthSegments() {
        assertThat(Qwen25VLVisionAttention.runs(new int[] {0, 64, 80})).containsExactly(
                new Qwen25VLVisionAttention.Run(0, 1, 64), new Qwen25VLVisionAttention.Run(64, 1, 16));
        assertThat(Qwen25VLVisionAttention.runs(index(new long[] {1, 28, 40}).cuWindowSeqlens())).containsExactly(
                new Qwen25VLVisionAttention.Run(0, 15, 64), new Qwen25VLVisionAttention.Run(960, 5, 32));
        assertThat(Qwen25VLVisionAttention.runs(new int[] {0, 64, 64, 128, 160})).isEqualTo(List.of(
                new Qwen25VLVisionAttention.Run(0, 1, 64), new Qwen25VLVisionAttention.Run(64, 1, 64),
                new Qwen25VLVisionAttention.Run(128, 1, 32)));
        assertThat(Qwen25VLVisionAttention.runs(new int[] {0, 80, 160})).containsExactly(
                new Qwen25VLVisionAttention.Run(0, 2, 80));
    }

    @Test
    void rejectsGridsTheMergerCannotGroup() {
        assertThatThrownBy(() -> index(new long[] {1, 7, 10})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("spatial_merge_size");
        assertThatThrownBy(() -> index(new long[] {1, 8})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> index()).isInstanceOf(IllegalArgumentException.class);
    }
}

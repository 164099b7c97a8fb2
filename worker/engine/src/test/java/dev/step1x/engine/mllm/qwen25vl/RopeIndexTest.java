package dev.step1x.engine.mllm.qwen25vl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.SafetensorsFile;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code get_rope_index} on hand-made inputs (positions worked out by hand) and on the golden ids. */
class RopeIndexTest {

    static final long VS = 151652;
    static final long VE = 151653;
    static final long IMG = 151655;
    static final long VID = 151656;

    static Qwen25VLConfig config;

    @BeforeAll
    static void load() throws Exception {
        config = Qwen25VLConfig.fromJson(TestPaths.qwen25vl("config.json")); // spatial_merge_size 2
    }

    @Test
    void twoImagesInOneRow() {
        // 10 11 VS [2x3 merged] VE 12 VS [3x1 merged] VE 13 14
        long[] ids = row(10, 11, VS, IMG, 6, VE, 12, VS, IMG, 3, VE, 13, 14);
        assertThat(ids).hasSize(18);
        RopeIndex.Positions p = RopeIndex.compute(new long[][] {ids}, new long[][] {{1, 4, 6}, {1, 6, 2}}, null, config);
        assertThat(p.positionIds()[0][0]).containsExactly(0, 1, 2, 3, 3, 3, 3, 3, 3, 6, 7, 8, 9, 9, 9, 12, 13, 14);
        assertThat(p.positionIds()[1][0]).containsExactly(0, 1, 2, 3, 3, 3, 4, 4, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14);
        assertThat(p.positionIds()[2][0]).containsExactly(0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14);
        assertThat(p.ropeDeltas()).containsExactly(14 + 1 - 18);
    }

    @Test
    void textAfterAnImageResumesAtStartPlusMaxOfTheMergedSides() {
        // A tall image: merged 4 x 1; text after it resumes at s + max(4, 1) = s + 4.
        long[] ids = row(VS, IMG, 4, VE, 7);
        RopeIndex.Positions p = RopeIndex.compute(new long[][] {ids}, new long[][] {{1, 8, 2}}, null, config);
        for (int c = 0; c < 3; c++) {
            assertThat(p.positionIds()[c][0][5]).isEqualTo(1 + 4); // VE
            assertThat(p.positionIds()[c][0][6]).isEqualTo(1 + 5);
        }
        assertThat(p.positionIds()[1][0]).containsExactly(0, 1, 2, 3, 4, 5, 6);
        assertThat(p.positionIds()[2][0]).containsExactly(0, 1, 1, 1, 1, 5, 6);
    }

    @Test
    void maskedTokensAreSkippedAndGetPositionOne() {
        long[] ids = row(10, 0, VS, IMG, 4, VE, 0, 20);
        long[] mask = {1, 0, 1, 1, 1, 1, 1, 1, 0, 1};
        RopeIndex.Positions p = RopeIndex.compute(new long[][] {ids}, new long[][] {{1, 4, 4}}, new long[][] {mask},
                config);
        assertThat(p.positionIds()[0][0]).containsExactly(0, 1, 1, 2, 2, 2, 2, 4, 1, 5);
        assertThat(p.positionIds()[1][0]).containsExactly(0, 1, 1, 2, 2, 3, 3, 4, 1, 5);
        assertThat(p.positionIds()[2][0]).containsExactly(0, 1, 1, 2, 3, 2, 3, 4, 1, 5);
        assertThat(p.ropeDeltas()).containsExactly(5 + 1 - 10);
    }

    @Test
    void imagesAreConsumedInOrderAcrossTheBatch() {
        long[] a = row(5, VS, IMG, 1, VE, 151643); // right-padded
        long[] b = row(VS, IMG, 2, VE, 6);
        long[][] mask = {{1, 1, 1, 1, 0}, {1, 1, 1, 1, 1}};
        RopeIndex.Positions p = RopeIndex.compute(new long[][] {a, b}, new long[][] {{1, 2, 2}, {1, 2, 4}}, mask, config);
        assertThat(p.positionIds()[2][0]).containsExactly(0, 1, 2, 3, 1);
        assertThat(p.positionIds()[2][1]).containsExactly(0, 1, 2, 3, 4);
        assertThat(p.positionIds()[1][1]).containsExactly(0, 1, 1, 3, 4);
        assertThat(p.ropeDeltas()).containsExactly(3 + 1 - 5, 0);
    }

    @Test
    void textOnly() {
        long[] ids = {9707, 11, 1879, 13};
        RopeIndex.Positions plain = RopeIndex.compute(new long[][] {ids}, null, null, config);
        for (int c = 0; c < 3; c++) {
            assertThat(plain.positionIds()[c][0]).containsExactly(0, 1, 2, 3);
        }
        assertThat(plain.ropeDeltas()).containsExactly(0);

        RopeIndex.Positions masked = RopeIndex.compute(new long[][] {ids}, null, new long[][] {{0, 0, 1, 1}}, config);
        for (int c = 0; c < 3; c++) {
            assertThat(masked.positionIds()[c][0]).containsExactly(1, 1, 0, 1);
        }
        assertThat(masked.ropeDeltas()).containsExactly(1 + 1 - 4);

        // A grid with no image in the row: the image branch degenerates to consecutive positions.
        RopeIndex.Positions withGrid = RopeIndex.compute(new long[][] {ids}, new long[][] {{1, 2, 2}},
                new long[][] {{1, 0, 1, 1}}, config);
        assertThat(withGrid.positionIds()[0][0]).containsExactly(0, 1, 1, 2);
        assertThat(withGrid.ropeDeltas()).containsExactly(2 + 1 - 4);
    }

    @Test
    void rejectsVideosAndMissingGrids() {
        assertThatThrownBy(() -> RopeIndex.compute(new long[][] {{VS, VID, VE}}, new long[][] {{1, 2, 2}}, null, config))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("video");
        assertThatThrownBy(() -> RopeIndex.compute(new long[][] {row(VS, IMG, 1, VE, VS, IMG, 1, VE)},
                new long[][] {{1, 2, 2}}, null, config))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("image_grid_thw");
    }

    @Test
    void ndArrayApiMatchesTheGoldenCases() throws Exception {
        try (NDManager m = EngineRuntime.startDefault().newManager()) {
            for (String name : List.of("full_forward", "full_forward_bang", "full_forward_step1x")) {
                try (SafetensorsFile f = SafetensorsFile.open(TestPaths.qwen25vl("cases/" + name + ".safetensors"))) {
                    NDArray ids = f.load(m, "input_ids");
                    long[][] grid = grid(f.load(m, "image_grid_thw"));
                    RopeIndex.Result plain = RopeIndex.getRopeIndex(ids, grid, null, config);
                    assertThat(plain.positionIds().getDataType()).isEqualTo(DataType.INT64);
                    assertThat(plain.positionIds().contentEquals(f.load(m, "position_ids"))).as(name).isTrue();
                    assertThat(plain.ropeDeltas().contentEquals(f.load(m, "rope_deltas"))).as(name).isTrue();
                    RopeIndex.Result masked = RopeIndex.getRopeIndex(ids, grid, ids.gt(0), config);
                    assertThat(masked.positionIds().contentEquals(f.load(m, "position_ids_mask"))).as(name).isTrue();
                    assertThat(masked.ropeDeltas().contentEquals(f.load(m, "rope_deltas_mask"))).as(name).isTrue();
                    System.out.println(name + ": rope_deltas " + plain.ropeDeltas().getLong() + ", with mask "
                            + masked.ropeDeltas().getLong());
                }
            }
        }
    }

    /** Token list where an IMG followed by a count n expands to n image pads. */
    private static long[] row(long... spec) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < spec.length; i++) {
            if (spec[i] == IMG) {
                for (long k = 0; k < spec[i + 1]; k++) {
                    out.add(IMG);
                }
                i++;
            } else {
                out.add(spec[i]);
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /** An integer [n, 3] array as (t, h, w) rows. */
    private static long[][] grid(NDArray gridThw) {
        long[] flat = gridThw.toType(DataType.INT64, false).toLongArray();
        long[][] rows = new long[flat.length / 3][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new long[] {flat[3 * i], flat[3 * i + 1], flat[3 * i + 2]};
        }
        return rows;
    }
}

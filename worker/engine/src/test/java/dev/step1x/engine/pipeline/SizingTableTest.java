package dev.step1x.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.ModelVersion;
import java.util.List;
import org.junit.jupiter.api.Test;

class SizingTableTest {

    private final List<SizingTable.Row> rows = SizingTable.rows(ModelVersion.V1_1, DataType.FLOAT16, 28);

    @Test
    void everyGpuAndSizeLevelHasARowFromThePlanner() {
        assertThat(rows).hasSize(SizingTable.GPUS.size() * SizingTable.SIZE_LEVELS.size());
        for (SizingTable.Row r : rows) {
            assertThat(r.resident()).isEqualTo(r.residentPlan().maxRequests());
            assertThat(r.offloaded()).isEqualTo(r.offloadedPlan().maxRequests());
            assertThat(r.bucket().width()).isEqualTo(r.sizeLevel()); // a square input works at S x S
        }
    }

    @Test
    void offloadNeverFitsFewerAndMoreMemoryNeverFitsFewer() {
        for (SizingTable.Row r : rows) {
            assertThat(r.offloaded()).as("%s at %d", r.gpu().label(), r.sizeLevel()).isGreaterThanOrEqualTo(r.resident());
        }
        for (int level : SizingTable.SIZE_LEVELS) {
            int previous = -1;
            for (SizingTable.Row r : rows.stream().filter(x -> x.sizeLevel() == level).toList()) {
                assertThat(r.resident()).isGreaterThanOrEqualTo(previous);
                previous = r.resident();
            }
        }
    }

    @Test
    void aFullSizeModelDoesNotFitA24GbCardUnlessQwenIsOffloadedAndFitsAnH200() {
        // fp16 weights: DiT + connector 23.2 GiB, Qwen 14.4 GiB, VAE (float32) 0.3 GiB
        SizingTable.Row small = rows.stream().filter(r -> r.gpu().label().startsWith("24") && r.sizeLevel() == 512)
                .findFirst().orElseThrow();
        assertThat(small.resident()).isZero();
        SizingTable.Row big = rows.stream().filter(r -> r.gpu().label().startsWith("141") && r.sizeLevel() == 1024)
                .findFirst().orElseThrow();
        assertThat(big.resident()).isGreaterThan(1);
        assertThat(SizingTable.markdown(ModelVersion.V1_1, DataType.FLOAT16, 28)).contains("| 141 GB (H200) |")
                .contains("weights resident");
    }
}

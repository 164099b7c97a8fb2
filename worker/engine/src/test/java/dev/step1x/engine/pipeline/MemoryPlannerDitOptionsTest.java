package dev.step1x.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.dit.DitOptions;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLConfig;
import dev.step1x.engine.vae.AutoEncoderParams;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The planner with FP8 weights, offloaded DiT blocks and an adapter cache, at the official shapes. */
class MemoryPlannerDitOptionsTest {

    static final long GIB = 1L << 30;
    static final long SCORE = 2 * GIB;
    static final BucketKey K1024 = new BucketKey(ModelVersion.V1_1, 1024, 1024, 28);

    static MemoryPlanner planner(boolean qwenOffload, DitOptions dit) {
        return new MemoryPlanner(Step1XParams.official(), Qwen2ConnectorConfig.official(), AutoEncoderParams.official(),
                Qwen25VLConfig.qwen25Vl7BInstruct(), ModelVersion.V1_1, DataType.FLOAT16, qwenOffload, SCORE, dit);
    }

    @Test
    void fp8CountsOneBytePerDitParameter() {
        long params = Step1XEdit.weightSpec(Step1XParams.official(), Qwen2ConnectorConfig.official(), ModelVersion.V1_1)
                .numParams();
        MemoryPlanner dense = planner(false, DitOptions.defaults());
        MemoryPlanner fp8 = planner(false, DitOptions.defaults().withFp8(true));
        assertThat(dense.ditResidentBytes()).isEqualTo(2 * params);
        // Linear weights at one byte, the rest (biases, norm scales: under 0.1%) at two
        assertThat(fp8.ditResidentBytes()).isBetween(params, params + params / 1000);
        assertThat(dense.plan(K1024, 80 * GIB).weightBytes() - fp8.plan(K1024, 80 * GIB).weightBytes())
                .isEqualTo(dense.ditResidentBytes() - fp8.ditResidentBytes());
        assertThat(fp8.plan(K1024, 80 * GIB).maxRequests()).isGreaterThan(dense.plan(K1024, 80 * GIB).maxRequests());
    }

    @Test
    void offloadKeepsOnlyTheEmbeddersFinalLayerAndConnectorResident() {
        MemoryPlanner dense = planner(true, DitOptions.defaults());
        MemoryPlanner off = planner(true, DitOptions.defaults().withOffload(true));
        MemoryPlanner fp8Off = planner(true, DitOptions.defaults().withFp8(true).withOffload(true));
        assertThat(off.ditResidentBytes()).isLessThan(2 * GIB);
        assertThat(fp8Off.ditResidentBytes()).isLessThan(off.ditResidentBytes());
        // a 24 GB card: nothing at 1024² with the DiT resident in fp16, a request with the blocks offloaded
        long l4 = 23_034L << 20;
        assertThat(dense.plan(K1024, l4).maxRequests()).isZero();
        assertThat(off.plan(K1024, l4).maxRequests()).isPositive();
        assertThat(fp8Off.plan(K1024, l4).maxRequests()).isGreaterThanOrEqualTo(off.plan(K1024, l4).maxRequests());
        // with Qwen visiting, its encoding is the peak of a small batch; many rows take over
        assertThat(fp8Off.peakBytes(K1024, 2)).isEqualTo(fp8Off.peakBytes(K1024, 1));
        assertThat(fp8Off.peakBytes(K1024, 20)).isGreaterThan(fp8Off.peakBytes(K1024, 1));
    }

    @Test
    void theAdapterCacheIsReservedAndAddsPerRowTransients() {
        MemoryPlanner plain = planner(false, DitOptions.defaults());
        MemoryPlanner cached = planner(false, DitOptions.defaults().withAdapterCacheBytes(GIB));
        MemoryPlanner.Plan p = plain.plan(K1024, 80 * GIB);
        MemoryPlanner.Plan c = cached.plan(K1024, 80 * GIB);
        assertThat(c.weightBytes() - p.weightBytes()).isEqualTo(GIB);
        assertThat(c.perRequestBytes()).isGreaterThan(p.perRequestBytes());
        assertThat(c.maxRequests()).isLessThanOrEqualTo(p.maxRequests());
    }

    /**
     * Prints the planner's peak estimate next to the official figures (one H800, batch 1) and the sizing tables.
     * Resident settings within 25% of the official peaks; our offload (Qwen and the DiT block by block) needs less
     * than the official one, which moves whole models.
     */
    @Test
    void officialFiguresAndSizingTables() {
        List<SizingTable.OfficialFigure> figures = SizingTable.officialComparison(ModelVersion.V1_1);
        System.out.println(SizingTable.officialComparisonMarkdown(ModelVersion.V1_1));
        System.out.println(SizingTable.markdownAllVariants(ModelVersion.V1_1, DataType.FLOAT16, 28));
        assertThat(figures).hasSize(12);
        for (SizingTable.OfficialFigure f : figures) {
            double gb = f.estimateBytes() / 1e9;
            if (f.setting().contains("offload")) {
                assertThat(gb).as(f.setting() + " " + f.sizeLevel()).isLessThanOrEqualTo(f.officialGb()).isGreaterThan(10);
            } else {
                assertThat(gb).as(f.setting() + " " + f.sizeLevel()).isBetween(f.officialGb() * 0.75, f.officialGb() * 1.25);
            }
        }
    }
}

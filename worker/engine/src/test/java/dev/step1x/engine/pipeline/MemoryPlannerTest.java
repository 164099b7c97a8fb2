package dev.step1x.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLConfig;
import dev.step1x.engine.vae.AutoEncoderParams;
import org.junit.jupiter.api.Test;

class MemoryPlannerTest {

    static final long GIB = 1L << 30;
    /** The GPU score block of an 80 GB card (EngineRuntime.maxScoreBytes). */
    static final long SCORE = 2 * GIB;

    /** The official model in bf16-sized storage (what a GPU run computes in, fp16/bf16: 2 bytes). */
    static final MemoryPlanner OFFICIAL = new MemoryPlanner(Step1XParams.official(), Qwen2ConnectorConfig.official(),
            AutoEncoderParams.official(), Qwen25VLConfig.qwen25Vl7BInstruct(), ModelVersion.V1_1, DataType.FLOAT16, false, SCORE);

    @Test
    void fullSizeWeightsAndActivationsAreOfTheRightOrder() {
        MemoryPlanner.Plan p = OFFICIAL.plan(new BucketKey(ModelVersion.V1_1, 1024, 1024, 28), 80 * GIB);
        // 12.4B DiT + 8.3B Qwen + 84M VAE parameters at 2 bytes: the official bf16 run peaks at 42.5 GB at 512²
        assertThat(p.weightBytes()).isBetween(37 * GIB, 38 * GIB); // 40.5 GB decimal
        // 640 + 2·4096 tokens per row, two rows per request
        assertThat(p.perRequestBytes()).isBetween(2 * GIB, 10 * GIB);
        assertThat(p.maxRequests()).isBetween(3, 12);
    }

    @Test
    void biggerBucketsFitFewerRequestsAndTooSmallABudgetFitsNone() {
        long budget = 80 * GIB;
        int at512 = OFFICIAL.plan(new BucketKey(ModelVersion.V1_1, 512, 512, 28), budget).maxRequests();
        int at768 = OFFICIAL.plan(new BucketKey(ModelVersion.V1_1, 768, 768, 28), budget).maxRequests();
        int at1024 = OFFICIAL.plan(new BucketKey(ModelVersion.V1_1, 1024, 1024, 28), budget).maxRequests();
        assertThat(at512).isGreaterThan(at768);
        assertThat(at768).isGreaterThan(at1024);
        assertThat(OFFICIAL.plan(new BucketKey(ModelVersion.V1_1, 1024, 1024, 28), 40 * GIB).maxRequests()).isZero();
        assertThat(OFFICIAL.plan(new BucketKey(ModelVersion.V1_1, 1024, 1024, 28), 24 * GIB).maxRequests()).isZero();
    }

    @Test
    void offloadingQwenFreesItsWeightsForBatchRows() {
        MemoryPlanner offload = new MemoryPlanner(Step1XParams.official(), Qwen2ConnectorConfig.official(),
                AutoEncoderParams.official(), Qwen25VLConfig.qwen25Vl7BInstruct(), ModelVersion.V1_1, DataType.FLOAT16, true, SCORE);
        BucketKey k = new BucketKey(ModelVersion.V1_1, 1024, 1024, 28);
        MemoryPlanner.Plan resident = OFFICIAL.plan(k, 80 * GIB);
        MemoryPlanner.Plan visiting = offload.plan(k, 80 * GIB);
        // ~7.7B Qwen parameters (no LM head) at 2 bytes leave the resident set and come back while encoding
        assertThat(resident.weightBytes() - visiting.weightBytes()).isBetween(14 * GIB, 15 * GIB);
        assertThat(visiting.fixedBytes()).isGreaterThan(14 * GIB);
        assertThat(visiting.maxRequests()).isGreaterThan(resident.maxRequests());
        // 40 GiB: nothing fits resident, but offloaded the DiT has room for a request
        assertThat(OFFICIAL.plan(k, 40 * GIB).maxRequests()).isZero();
        assertThat(offload.plan(k, 40 * GIB).maxRequests()).isPositive();
    }

    @Test
    void theVaeIsCountedAtFloat32WhateverTheComputeType() {
        MemoryPlanner fp32 = new MemoryPlanner(Step1XParams.official(), Qwen2ConnectorConfig.official(),
                AutoEncoderParams.official(), Qwen25VLConfig.qwen25Vl7BInstruct(), ModelVersion.V1_1, DataType.FLOAT32, false, SCORE);
        BucketKey k = new BucketKey(ModelVersion.V1_1, 512, 512, 28);
        long vaeParams = dev.step1x.engine.vae.AutoEncoder.weightSpec(AutoEncoderParams.official()).numParams();
        // the fp32 plan holds every weight at 4 bytes, the fp16 one all but the VAE's at 2
        assertThat(2 * OFFICIAL.plan(k, 80 * GIB).weightBytes() - fp32.plan(k, 80 * GIB).weightBytes())
                .isEqualTo(4 * vaeParams);
    }

    @Test
    void moreMemoryFitsMoreRequests() {
        BucketKey k = new BucketKey(ModelVersion.V1_1, 768, 1024, 28);
        assertThat(OFFICIAL.plan(k, 141 * GIB).maxRequests()).isGreaterThan(OFFICIAL.plan(k, 80 * GIB).maxRequests());
    }
}

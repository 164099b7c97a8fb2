package dev.step1x.worker.batching;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.pipeline.BucketKey;
import dev.step1x.engine.pipeline.EditEngine;
import dev.step1x.engine.pipeline.EditInput;
import dev.step1x.engine.pipeline.EditOutput;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineLimitsTest {

    /** An engine whose memory plan allows 3 requests at 512x512 and none at 1024x1024. */
    static final EditEngine PLANNED = new EditEngine() {
        @Override
        public List<EditOutput> edit(List<EditInput> inputs) {
            throw new UnsupportedOperationException("not run in this test");
        }

        @Override
        public int maxBatchRequests(BucketKey bucket) {
            return bucket.height() * bucket.width() <= 512 * 512 ? 3 : 0;
        }

        @Override
        public String describe() {
            return "planned";
        }

        @Override
        public void close() {}
    };

    @Test
    void theEnginesPlanCapsTheConfiguredRowsOnceItIsOpen() {
        EngineLimits limits = new EngineLimits();
        BucketKey small = new BucketKey(ModelVersion.V1_1, 512, 512, 28);
        BucketKey big = new BucketKey(ModelVersion.V1_1, 1024, 1024, 28);
        assertThat(limits.cap(small, 8)).isEqualTo(8); // no engine yet: the configuration decides
        limits.engineReady(PLANNED);
        assertThat(limits.cap(small, 8)).isEqualTo(3);
        assertThat(limits.cap(small, 2)).isEqualTo(2);
        assertThat(limits.maxRequests(big)).isZero();
        assertThat(limits.cap(big, 8)).isEqualTo(1); // such requests are refused before they queue
    }

    @Test
    void anOutOfMemoryHalvesTheBucketsBatchesAndOnlyThatBucket() {
        EngineLimits limits = new EngineLimits();
        limits.engineReady(PLANNED);
        BucketKey small = new BucketKey(ModelVersion.V1_1, 512, 512, 28);
        BucketKey other = new BucketKey(ModelVersion.V1_1, 384, 512, 28);
        assertThat(limits.outOfMemory(small, 3)).isEqualTo(1);
        assertThat(limits.cap(small, 8)).isEqualTo(1);
        assertThat(limits.cap(other, 8)).isEqualTo(3); // the plan still decides elsewhere
        assertThat(limits.outOfMemory(other, 3)).isEqualTo(1);
        assertThat(limits.outOfMemory(other, 8)).isEqualTo(1); // a cap never grows back
        assertThat(limits.outOfMemory(small, 1)).isEqualTo(1); // never below one: a lone request fails on its own
    }
}

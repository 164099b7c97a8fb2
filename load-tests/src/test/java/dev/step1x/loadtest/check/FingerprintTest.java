package dev.step1x.loadtest.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.ModelVersion;
import dev.step1x.contracts.ResultStatus;
import dev.step1x.contracts.Timings;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class FingerprintTest {

    static EditResult ok(String worker, String sha, double total, int attempt) {
        return new EditResult(1, "r1", ResultStatus.SUCCEEDED,
                new EditResult.OutputRef("b", "p/r1.png", "etag-" + worker, sha, 10, 20, "image/png"), null,
                new Timings(null, null, null, null, null, null, null, null, null, total), null,
                new EditResult.WorkerInfo(worker, ModelVersion.V1_1, "cpu", "v"), attempt, Instant.now(), null);
    }

    @Test
    void aReRunWithTheSameOutputIsARedeliveryNotADuplicate() {
        String sha = "a".repeat(64);
        assertThat(Checker.fingerprint(ok("w1", sha, 100, 1))).isEqualTo(Checker.fingerprint(ok("w2", sha, 900, 2)));
    }

    @Test
    void differentOutputsOrStatusesAreDifferentTerminalResults() {
        assertThat(Checker.fingerprint(ok("w1", "a".repeat(64), 1, 1)))
                .isNotEqualTo(Checker.fingerprint(ok("w1", "b".repeat(64), 1, 1)));
        EditResult failed = EditResult.unsuccessful("r1", ErrorCode.STORAGE_UNAVAILABLE, "x", null, null,
                new EditResult.WorkerInfo("w1", ModelVersion.V1_1, "cpu", "v"), 1, Instant.now(), null);
        assertThat(Checker.fingerprint(failed)).isNotEqualTo(Checker.fingerprint(ok("w1", "a".repeat(64), 1, 1)));
    }
}

package dev.step1x.loadtest.check;

import dev.step1x.contracts.ResultStatus;
import java.util.List;
import java.util.Map;

/**
 * What the checker found. The three headline counts must be 0:
 * <ul>
 *   <li><b>lost</b>: requests the fleet acknowledged (offset committed) without ever answering, plus
 *       SUCCEEDED results whose output object is missing;</li>
 *   <li><b>duplicated</b>: requests with two DIFFERENT terminal results (different status, error code or
 *       output reference/sha256), plus requests with two output objects;</li>
 *   <li><b>unanswered</b>: requests acknowledged by the broker that have no result at the end.</li>
 * </ul>
 * Identical re-publications of a result (at-least-once redelivery, e.g. after a SIGKILL between publish and
 * commit) are allowed and counted as <b>redelivered</b>. <b>wrong</b> counts answers that are there but wrong:
 * unexpected status or code, output sha256 or size that does not match, results that do not validate, results
 * for ids nobody sent, a good request dead-lettered. <b>orphans</b> are output objects without a SUCCEEDED
 * result.
 */
public record CheckResult(
        int sent,
        int sendFailed,
        int answered,
        Map<ResultStatus, Integer> byStatus,
        int expectedGood,
        int lost,
        int lostCommitted,
        int lostOutputs,
        int duplicated,
        int conflictingResults,
        int multipleOutputs,
        int redelivered,
        int redeliveredRequests,
        int redeliveredByteIdentical,
        int unanswered,
        int wrong,
        int wrongStatus,
        int shaMismatch,
        int sizeMismatch,
        int invalidResults,
        int unknownResults,
        int goodDeadLettered,
        int orphans,
        int deadLettered,
        int outputObjects,
        long groupLag,
        List<String> problems) {

    /** True when nothing is lost, duplicated, unanswered, wrong or orphaned. */
    public boolean clean() {
        return lost == 0 && duplicated == 0 && unanswered == 0 && wrong == 0 && orphans == 0 && sendFailed == 0;
    }

    public int succeeded() {
        return byStatus.getOrDefault(ResultStatus.SUCCEEDED, 0);
    }
}

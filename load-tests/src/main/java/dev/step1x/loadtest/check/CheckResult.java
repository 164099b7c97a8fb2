package dev.step1x.loadtest.check;

import dev.step1x.contracts.ResultStatus;
import java.util.List;
import java.util.Map;

/**
 * What the checker found. The four headline counts must be 0:
 * <ul>
 *   <li><b>lost</b>: requests the fleet acknowledged (offset committed) without ever answering, plus
 *       SUCCEEDED results whose output object is missing;</li>
 *   <li><b>duplicated</b>: requests with two different terminal results that are not both SUCCEEDED (e.g.
 *       SUCCEEDED and EXPIRED, or two error codes), plus requests with two output objects;</li>
 *   <li><b>conflicting</b>: requests with two SUCCEEDED results naming different outputs (another sha256): the
 *       request was computed twice and the first answer points at bytes that are gone;</li>
 *   <li><b>unanswered</b>: requests acknowledged by the broker that have no result at the end.</li>
 * </ul>
 * Identical re-publications of a result (at-least-once delivery, e.g. after a SIGKILL between publish and
 * commit) are allowed and counted as <b>redelivered</b>; <b>answeredFromExisting</b> counts SUCCEEDED results
 * without a batch, i.e. taken from the output object of an earlier run. <b>wrong</b> counts answers that are
 * there but wrong: unexpected status or code, output sha256 or size that does not match, results that do not
 * validate, results for ids nobody sent, a good request dead-lettered. <b>orphans</b> are output objects without a
 * SUCCEEDED result.
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
        int differingResults,
        int multipleOutputs,
        int conflicting,
        int redelivered,
        int redeliveredRequests,
        int redeliveredByteIdentical,
        int answeredFromExisting,
        int answeredFromExistingRequests,
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

    /** True when nothing is lost, duplicated, conflicting, unanswered, wrong or orphaned. */
    public boolean clean() {
        return lost == 0 && duplicated == 0 && conflicting == 0 && unanswered == 0 && wrong == 0 && orphans == 0
                && sendFailed == 0;
    }

    public int succeeded() {
        return byStatus.getOrDefault(ResultStatus.SUCCEEDED, 0);
    }
}

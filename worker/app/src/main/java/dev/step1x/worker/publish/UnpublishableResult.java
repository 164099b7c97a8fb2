package dev.step1x.worker.publish;

import dev.step1x.contracts.ContractJson;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.ResultStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FAILED result that replaces a result the producer refused terminally: same request, worker, attempt and
 * timings, error {@code INTERNAL_ERROR} (not retryable: the same request would meet the same refusal) saying why,
 * and no metadata (the only part of a result its request can make large).
 */
final class UnpublishableResult {

    private static final Logger log = LoggerFactory.getLogger(UnpublishableResult.class);

    private UnpublishableResult() {}

    /** The replacement's JSON, or null when the original does not parse (then nothing can replace it). */
    static byte[] replacement(String requestId, byte[] resultJson, PublishFailure failure) {
        EditResult original;
        try {
            original = ContractJson.mapper().readValue(resultJson, EditResult.class);
        } catch (RuntimeException e) {
            log.error("the unpublishable result of {} does not parse, no FAILED result can replace it: {}", requestId,
                    e.toString());
            return null;
        }
        EditResult failed = new EditResult(EditResult.SCHEMA_VERSION, original.requestId(), ResultStatus.FAILED, null,
                new EditResult.ErrorDetail(ErrorCode.INTERNAL_ERROR, StreamBridgeResultSink.cut("the worker could not "
                        + "publish this request's result (" + original.status() + ", " + resultJson.length + " bytes): "
                        + failure.reason() + ": " + failure.cause().getMessage() + "; request metadata dropped from "
                        + "this result", 2000), false),
                original.timings(), original.batch(), original.worker(), original.attempt(), original.completedAt(),
                null);
        return ContractJson.toBytes(failed);
    }
}

package dev.step1x.loadtest.gen;

import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.ResultStatus;

/**
 * The answer a request must get.
 *
 * @param status       the terminal status
 * @param code         the error code (null for SUCCEEDED)
 * @param width        output width for SUCCEEDED (the input's; Step1X-Edit resizes back), else 0
 * @param height       output height for SUCCEEDED, else 0
 * @param deadLettered whether a dead-letter copy is expected too
 */
public record Expectation(ResultStatus status, ErrorCode code, int width, int height, boolean deadLettered) {

    public static Expectation succeeded(int width, int height) {
        return new Expectation(ResultStatus.SUCCEEDED, null, width, height, false);
    }

    public static Expectation of(BadKind bad) {
        return new Expectation(bad.status(), bad.code(), 0, 0, bad.deadLettered());
    }

    public boolean good() {
        return status == ResultStatus.SUCCEEDED;
    }
}

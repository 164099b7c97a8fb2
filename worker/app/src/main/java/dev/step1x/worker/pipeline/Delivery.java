package dev.step1x.worker.pipeline;

/**
 * One delivery of a request: how to report on it, and what its answer carries back.
 *
 * @param attempt the sender's attempt number (echoed in the result)
 * @param traceparent the W3C trace context of the request record, or null
 */
public record Delivery(Completion completion, int attempt, String traceparent) {}

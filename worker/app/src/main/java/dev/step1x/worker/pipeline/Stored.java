package dev.step1x.worker.pipeline;

import dev.step1x.contracts.EditResult;

/**
 * An output written to S3, to be answered.
 *
 * @param encodeMs resizing back to the input's size and encoding
 * @param uploadMs the S3 write
 */
public record Stored(Edited edited, EditResult.OutputRef output, double encodeMs, double uploadMs) {}

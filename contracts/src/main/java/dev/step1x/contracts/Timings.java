package dev.step1x.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@link EditResult#timings()}: wall-clock milliseconds per stage, each non-negative; {@code null} for a
 * stage the request never reached. Stages shared by a batch ({@code mllm}, {@code vaeEncode},
 * {@code denoise}, {@code vaeDecode}) report the whole batch's time.
 *
 * @param queue     Kafka record timestamp to start of processing
 * @param fetch     reading the input from S3
 * @param decode    decoding and resizing the input
 * @param mllm      Qwen2.5-VL encoding
 * @param vaeEncode VAE encoding of the reference image
 * @param denoise   the denoising loop
 * @param vaeDecode VAE decoding
 * @param encode    resizing back and PNG/JPEG encoding
 * @param upload    writing the output to S3
 * @param total     Kafka record timestamp to result ready
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Timings(
        Double queue,
        Double fetch,
        Double decode,
        Double mllm,
        Double vaeEncode,
        Double denoise,
        Double vaeDecode,
        Double encode,
        Double upload,
        Double total) {

    /** No stage measured. */
    public static final Timings NONE = new Timings(null, null, null, null, null, null, null, null, null, null);
}

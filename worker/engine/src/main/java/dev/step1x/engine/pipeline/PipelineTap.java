package dev.step1x.engine.pipeline;

import ai.djl.ndarray.NDArray;
import dev.step1x.engine.image.RgbImage;

/**
 * Sees the intermediates of one {@link Step1XEditPipeline} batch at its stage boundaries, for parity checks
 * against the official pipeline's tensors. Production runs use {@link #NONE}, which the pipeline recognises
 * ({@link #active()} false) and then captures nothing.
 *
 * <p>Names follow the official {@code generate_image}'s variables. Batch tensors ({@code request ==}
 * {@link #BATCH}) have the pipeline's row layout: N requests, and where the DiT batch is meant, rows
 * [0, N) the instructions and rows [N, 2N) the negative prompts. Per-request values carry the request's
 * index in the batch. Arrays belong to the pipeline and are valid during the call only: copy what you keep.
 *
 * <ul>
 *   <li>images, per request: {@code ref_image} (the size-level resize), {@code qwen.fetch_image},
 *       {@code qwen.processor_resized}, {@code image_u8_bucket} (to_pil_image, truncated),
 *       {@code image_u8} (back at the input size);</li>
 *   <li>per request: {@code vae_moments} [1, 2C, h, w], {@code qwen.image_grid_thw} [1, 3], and for each of
 *       {@code qwen.instruction.*} / {@code qwen.negative.*}: {@code processor_input_ids},
 *       {@code input_ids}, {@code attention_mask} [1, L], {@code position_ids} [3, 1, L],
 *       {@code rope_deltas} [1, 1], {@code last_hidden_state} [1, L, hidden];</li>
 *   <li>batch: {@code ref_latents}, {@code noise} [N, C, h, w]; {@code llm_embedding} [2N, 640, hidden],
 *       {@code mask} [2N, 640]; {@code timesteps} [steps + 1]; {@code img_ids} [2N, 2T, 3]; per step k
 *       {@code step<k>.img_in} [2N, 2T, 64], {@code step<k>.t_vec} [2N], {@code step<k>.connector_txt},
 *       {@code step<k>.connector_y}, {@code step<k>.pred} [2N, 2T, 64], {@code step<k>.latents} [N, T, 64];
 *       {@code latents_unpacked} [N, C, h, w], {@code decoded} and {@code image01} [N, 3, H, W].</li>
 * </ul>
 */
interface PipelineTap {

    /** The request index of a tensor that covers the whole batch. */
    int BATCH = -1;

    /** Captures nothing; the pipeline skips the work of reporting. */
    PipelineTap NONE = new PipelineTap() {
        @Override
        public boolean active() {
            return false;
        }

        @Override
        public void tensor(String name, int request, NDArray value) {}

        @Override
        public void image(String name, int request, RgbImage image) {}
    };

    /** False: nothing is reported, and the pipeline captures nothing. */
    default boolean active() {
        return true;
    }

    void tensor(String name, int request, NDArray value);

    void image(String name, int request, RgbImage image);
}

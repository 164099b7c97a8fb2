package dev.step1x.engine.conditioner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.step1x.engine.Tap;
import dev.step1x.engine.image.RgbImage;
import java.util.List;

/**
 * Stage 9 of the official script: the MLLM text conditioning that feeds the DiT's connector. For each request,
 * the edit instruction and the negative prompt are encoded together with the request's (resized) reference image.
 */
public interface MllmEncoder extends AutoCloseable {

    /** Row-aligned embeddings and masks: rows [0, N) the instructions, rows [N, 2N) the negative prompts. */
    record Conditioning(NDArray embeddings, NDArray mask) {}

    /**
     * @param images the resized reference image of each request (as the DiT sees it)
     * @param instructions one per request
     * @param negativePrompts one per request ("" for editing)
     * @return embeddings [2N, L, hidden] and int64 masks [2N, L] on {@code manager}
     */
    Conditioning encode(NDManager manager, List<RgbImage> images, List<String> instructions,
            List<String> negativePrompts);

    /** As {@link #encode(NDManager, List, List, List)}, showing the encoder's intermediates to {@code tap}. */
    default Conditioning encode(NDManager manager, List<RgbImage> images, List<String> instructions,
            List<String> negativePrompts, Tap tap) {
        return encode(manager, images, instructions, negativePrompts);
    }

    @Override
    void close();
}

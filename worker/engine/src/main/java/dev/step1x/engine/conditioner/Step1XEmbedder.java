// Port of stepfun-ai/Step1X-Edit modules/conditioner.py @ 570eba6 (Qwen25VL_7b_Embedder.forward,
// from the model call on the final ids onwards; the ids themselves come from Step1XPrompt).
package dev.step1x.engine.conditioner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.Tap;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLModel;
import dev.step1x.engine.nn.Scoped;
import java.util.List;

/**
 * Step1X-Edit's text embedder on given token ids: for each prompt, one Qwen2.5-VL forward with
 * {@code attention_mask = ids > 0} (token 0 is {@code !}, so a stand-alone {@code !} is masked, a quirk
 * kept for parity), {@code hidden_states[-1]} (the normed last hidden state), the first
 * {@value Step1XPrompt#DROP_TOKENS} positions dropped and at most {@code maxLength} rows kept:
 * {@code embs[i, :n] = H[0, 217:][:maxLength]}, {@code masks[i, :n] = 1} with
 * {@code n = min(maxLength, L - 217)}; the rest of {@code embs} is zero and of {@code masks} 0. The kept
 * mask is length-based: a masked {@code !} row inside the kept range still has mask 1.
 *
 * <p>Prompts run one at a time, as upstream; the image (the same for every prompt) goes through the
 * vision tower once.
 */
public final class Step1XEmbedder {

    /**
     * @param embs [B, maxLength, hidden], zero after each prompt's n rows
     * @param masks [B, maxLength] int64, 1 for the first n rows of each prompt
     */
    public record Output(NDArray embs, NDArray masks) {}

    private final Qwen25VLModel model;
    private final int maxLength;
    private final int dropTokens;

    public Step1XEmbedder(Qwen25VLModel model) {
        this(model, Step1XPrompt.MAX_LENGTH, Step1XPrompt.DROP_TOKENS);
    }

    public Step1XEmbedder(Qwen25VLModel model, int maxLength, int dropTokens) {
        if (maxLength <= 0 || dropTokens < 0) {
            throw new IllegalArgumentException("maxLength must be positive and dropTokens non-negative, got "
                    + maxLength + ", " + dropTokens);
        }
        this.model = model;
        this.maxLength = maxLength;
        this.dropTokens = dropTokens;
    }

    public Qwen25VLModel model() {
        return model;
    }

    public int maxLength() {
        return maxLength;
    }

    public int dropTokens() {
        return dropTokens;
    }

    /** Step1X-Edit's attention mask: {@code (ids > 0)} as int64. */
    public static NDArray attentionMask(NDArray inputIds) {
        return Scoped.run(() -> inputIds.gt(0).toType(DataType.INT64, false));
    }

    /** One prompt: ids [1, L] with the image's pad tokens, the image's pixel values and grid. */
    public Output embed(NDArray inputIds, NDArray pixelValues, long[][] gridThw) {
        return embed(List.of(inputIds), pixelValues, gridThw);
    }

    /**
     * Several prompts (e.g. instruction and negative prompt) sharing one image.
     *
     * @param inputIds per prompt [1, L_i]
     * @param pixelValues [Σ t·h·w, 1176], or null for text-only prompts
     * @param gridThw the image grid(s), or null
     */
    public Output embed(List<NDArray> inputIds, NDArray pixelValues, long[][] gridThw) {
        return embed(inputIds, pixelValues, gridThw, Tap.NONE);
    }

    /**
     * As {@link #embed(List, NDArray, long[][])}, showing {@code tap} each prompt's forward with the prompt's index
     * as the request: what {@link Qwen25VLModel#forwardWithImageFeatures(NDArray, NDArray, NDArray, long[][], Tap)}
     * shows ({@code position_ids} [3, 1, L], {@code rope_deltas} [1, 1], ...), then {@code attention_mask} [1, L]
     * int64 ({@code ids > 0}) and {@code last_hidden_state} [1, L, hidden] ({@code hidden_states[-1]}, before the
     * drop).
     */
    public Output embed(List<NDArray> inputIds, NDArray pixelValues, long[][] gridThw, Tap tap) {
        Tap.require(tap);
        NDArray[] out = Scoped.runAll(() -> {
            NDArray features = pixelValues == null ? null : model.encodeImages(pixelValues, gridThw);
            Output o = embedWithImageFeatures(inputIds, features, gridThw, tap);
            return new NDArray[] {o.embs(), o.masks()};
        });
        return new Output(out[0], out[1]);
    }

    /** As {@link #embed(List, NDArray, long[][])} with the vision tower's output given. */
    public Output embedWithImageFeatures(List<NDArray> inputIds, NDArray imageFeatures, long[][] gridThw) {
        return embedWithImageFeatures(inputIds, imageFeatures, gridThw, Tap.NONE);
    }

    /** As {@link #embedWithImageFeatures(List, NDArray, long[][])}, showing {@code tap} what {@link #embed} shows. */
    public Output embedWithImageFeatures(List<NDArray> inputIds, NDArray imageFeatures, long[][] gridThw, Tap tap) {
        Tap.require(tap);
        if (inputIds.isEmpty()) {
            throw new IllegalArgumentException("no prompt");
        }
        long[] masks = new long[inputIds.size() * maxLength];
        NDArray embs = Scoped.run(() -> {
            NDList rows = new NDList();
            for (int i = 0; i < inputIds.size(); i++) {
                NDArray ids = inputIds.get(i);
                Shape s = ids.getShape();
                if (s.dimension() != 2 || s.get(0) != 1) {
                    throw new IllegalArgumentException("prompt " + i + ": input_ids must be [1, L], got " + s);
                }
                long l = s.get(1);
                if (l < dropTokens) {
                    throw new IllegalArgumentException("prompt " + i + " has " + l + " tokens, fewer than the "
                            + dropTokens + " Step1X-Edit drops");
                }
                int n = (int) Math.min(maxLength, l - dropTokens);
                NDArray mask = attentionMask(ids);
                int prompt = i;
                Tap promptTap = tap.active() ? (name, request, value) -> tap.tensor(name, prompt, value) : Tap.NONE;
                NDArray hidden = model.forwardWithImageFeatures(ids, mask, imageFeatures, gridThw, promptTap);
                if (tap.active()) {
                    tap.tensor("attention_mask", i, mask);
                    tap.tensor("last_hidden_state", i, hidden);
                }
                rows.add(keep(hidden, n));
                java.util.Arrays.fill(masks, i * maxLength, i * maxLength + n, 1L);
            }
            return NDArrays.stack(rows, 0);
        });
        NDManager m = embs.getManager();
        NDArray maskArray = m.create(masks, new Shape(inputIds.size(), maxLength));
        return new Output(embs, maskArray);
    }

    /** {@code hidden[0, drop : drop + n]} followed by zero rows up to maxLength: [maxLength, hidden]. */
    private NDArray keep(NDArray hidden, int n) {
        long width = hidden.getShape().get(2);
        NDArray zeros = hidden.getManager().zeros(new Shape(maxLength - n, width), hidden.getDataType());
        if (n == 0) {
            return zeros;
        }
        NDArray kept = hidden.get(new NDIndex("0, {}:{}", dropTokens, dropTokens + n));
        return n == maxLength ? kept : NDArrays.concat(new NDList(kept, zeros), 0);
    }
}

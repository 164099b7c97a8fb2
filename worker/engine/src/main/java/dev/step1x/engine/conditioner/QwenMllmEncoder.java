package dev.step1x.engine.conditioner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.Tap;
import dev.step1x.engine.image.Qwen2VLImageProcessor;
import dev.step1x.engine.image.QwenVlUtils;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLConfig;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLModel;
import dev.step1x.engine.nn.LoadedParams;
import dev.step1x.engine.nn.Scoped;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.tokenizer.QwenTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Qwen2.5-VL as Step1X-Edit's text conditioning ({@code Qwen25VL_7b_Embedder}): the resized reference
 * goes through qwen_vl_utils' pre-resize and the processor with Step1X's pixel limits, each prompt is
 * rendered and tokenized with the quote-splitting rule, and the last hidden states after the first 217
 * positions (up to 640) become the conditioning. The vision tower runs once per request; both prompts
 * of the request reuse its features.
 */
public final class QwenMllmEncoder implements MllmEncoder {

    private final QwenTokenizer tokenizer;
    private final Step1XPrompt prompt;
    private final Qwen25VLConfig config;
    /** The resident model; null when offloaded. */
    private final Step1XEmbedder embedder;
    /** Offloaded: the weights in host memory, copied to the batch's device for each encoding; else null. */
    private final Map<String, NDArray> hostWeights;
    private final Qwen2VLImageProcessor processor = Qwen2VLImageProcessor.step1x();

    private final long maxScoreBytes;

    private QwenMllmEncoder(QwenTokenizer tokenizer, Qwen25VLConfig config, Step1XEmbedder embedder,
            Map<String, NDArray> hostWeights, long maxScoreBytes) {
        this.maxScoreBytes = maxScoreBytes;
        this.tokenizer = tokenizer;
        this.prompt = new Step1XPrompt(tokenizer);
        this.config = config;
        this.embedder = embedder;
        this.hostWeights = hostWeights;
    }

    /** Builds the Qwen weights, by hub key, onto a manager. */
    @FunctionalInterface
    public interface Weights {
        Map<String, NDArray> onto(NDManager manager) throws IOException;
    }

    /**
     * Loads the tokenizer and Qwen in the runtime's precision: onto {@code manager}'s device, or, with
     * {@link EngineRuntime#qwenOffload()}, into host memory (a CPU sub-manager of {@code manager}).
     */
    public static QwenMllmEncoder load(EngineRuntime runtime, NDManager manager, Path tokenizerJson, Path qwenDir,
            Qwen25VLConfig config) throws IOException {
        DataType type = runtime.precision().dataType();
        return create(runtime, manager, tokenizerJson, config,
                m -> Qwen25VLModel.loadTensors(m, qwenDir, config, type));
    }

    /** As {@link #load}, with the weights from {@code weights} (checkpoint files or random tensors). */
    public static QwenMllmEncoder create(EngineRuntime runtime, NDManager manager, Path tokenizerJson,
            Qwen25VLConfig config, Weights weights) throws IOException {
        QwenTokenizer tokenizer = QwenTokenizer.load(tokenizerJson);
        try {
            tokenizer.checkAgainst(config);
            if (runtime.qwenOffload()) {
                NDManager host = manager.newSubManager(Device.cpu());
                return new QwenMllmEncoder(tokenizer, config, null, weights.onto(host), runtime.maxScoreBytes());
            }
            return new QwenMllmEncoder(tokenizer, config,
                    embedder(weights.onto(manager), config, runtime.maxScoreBytes()), null, runtime.maxScoreBytes());
        } catch (IOException | RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /** The model over {@code weights} (keys as {@link Qwen25VLModel#loadTensors}), attention blocks bounded. */
    private static Step1XEmbedder embedder(Map<String, NDArray> weights, Qwen25VLConfig config, long maxScoreBytes) {
        Qwen25VLModel model = new Qwen25VLModel(new LoadedParams(weights), config);
        model.textModel().setMaxScoreBytes(maxScoreBytes);
        return new Step1XEmbedder(model);
    }

    @Override
    public Conditioning encode(NDManager manager, List<RgbImage> images, List<String> instructions,
            List<String> negativePrompts) {
        return encode(manager, images, instructions, negativePrompts, Tap.NONE);
    }

    /**
     * Shows {@code tap}, per request (its index as the request): the images {@code qwen.fetch_image} and
     * {@code qwen.processor_resized}, {@code qwen.image_grid_thw} [1, 3], and for each of {@code qwen.instruction.*}
     * and {@code qwen.negative.*}: {@code processor_input_ids}, {@code input_ids}, {@code attention_mask} [1, L],
     * {@code position_ids} [3, 1, L], {@code rope_deltas} [1, 1], {@code last_hidden_state} [1, L, hidden].
     */
    @Override
    public Conditioning encode(NDManager manager, List<RgbImage> images, List<String> instructions,
            List<String> negativePrompts, Tap tap) {
        Tap.require(tap);
        if (hostWeights == null) {
            return encode(embedder, manager, images, instructions, negativePrompts, tap);
        }
        // Offloaded: one host-to-device copy of the weights for the whole batch, freed when it is encoded.
        try (NDManager visit = manager.newSubManager()) {
            Map<String, NDArray> onDevice = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : hostWeights.entrySet()) {
                NDArray copy = e.getValue().toDevice(visit.getDevice(), true);
                copy.attach(visit);
                onDevice.put(e.getKey(), copy);
            }
            Conditioning c = encode(embedder(onDevice, config, maxScoreBytes), manager, images, instructions,
                    negativePrompts, tap);
            c.embeddings().attach(manager);
            c.mask().attach(manager);
            return c;
        }
    }

    /** The names of a request's two prompts in what the tap is shown. */
    private static final List<String> PROMPT_NAMES = List.of("qwen.instruction.", "qwen.negative.");
    /** What the tap is shown of each prompt's forward (the model's other intermediates are left out). */
    private static final Set<String> PROMPT_TENSORS = Set.of("position_ids", "rope_deltas", "attention_mask",
            "last_hidden_state");

    private Conditioning encode(Step1XEmbedder embedder, NDManager manager, List<RgbImage> images,
            List<String> instructions, List<String> negativePrompts, Tap tap) {
        int n = images.size();
        NDArray[] out = Scoped.runAll(() -> {
            List<NDArray> cond = new ArrayList<>();
            List<NDArray> uncond = new ArrayList<>();
            List<NDArray> condMask = new ArrayList<>();
            List<NDArray> uncondMask = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                // to_pil_image of the resized u8 reference is lossless; then qwen_vl_utils and the processor
                RgbImage fetched = QwenVlUtils.fetchImage(images.get(i));
                Qwen2VLImageProcessor.Result pixels = processor.preprocess(manager, fetched);
                long[][] grid = {pixels.gridThw()};
                int imageTokens = (int) processor.numImageTokens(pixels.gridThw());
                Step1XPrompt.Tokens tokens = prompt.tokenize(instructions.get(i), imageTokens);
                Step1XPrompt.Tokens negTokens = prompt.tokenize(negativePrompts.get(i), imageTokens);
                NDArray ids = ids(manager, tokens.step1xIds());
                NDArray negIds = ids(manager, negTokens.step1xIds());
                Tap promptTap = Tap.NONE;
                if (tap.active()) {
                    int request = i;
                    tap.image("qwen.fetch_image", request, fetched);
                    tap.image("qwen.processor_resized", request, pixels.resized());
                    tap.tensor("qwen.image_grid_thw", request, manager.create(pixels.gridThw(), new Shape(1, 3)));
                    List<Step1XPrompt.Tokens> both = List.of(tokens, negTokens);
                    for (int p = 0; p < 2; p++) {
                        tap.tensor(PROMPT_NAMES.get(p) + "processor_input_ids", request, ids(manager, both.get(p).inputIds()));
                        tap.tensor(PROMPT_NAMES.get(p) + "input_ids", request, p == 0 ? ids : negIds);
                    }
                    promptTap = (name, prompt, value) -> {
                        if (PROMPT_TENSORS.contains(name)) {
                            tap.tensor(PROMPT_NAMES.get(prompt) + name, request, value);
                        }
                    };
                }
                Step1XEmbedder.Output o = embedder.embed(List.of(ids, negIds), pixels.pixelValues(), grid, promptTap);
                cond.add(o.embs().get("0:1"));
                uncond.add(o.embs().get("1:2"));
                condMask.add(o.masks().get("0:1"));
                uncondMask.add(o.masks().get("1:2"));
            }
            // rows [0, N): instructions; rows [N, 2N): negative prompts
            List<NDArray> rows = new ArrayList<>(cond);
            rows.addAll(uncond);
            List<NDArray> masks = new ArrayList<>(condMask);
            masks.addAll(uncondMask);
            return new NDArray[] {NDArrays.concat(new NDList(rows), 0), NDArrays.concat(new NDList(masks), 0)};
        });
        // An op's result lives in its first operand's manager: here the Qwen weights', which lives as long as the
        // engine. Moved to the caller's (per-batch) manager, or every batch would leave its conditioning behind.
        out[0].attach(manager);
        out[1].attach(manager);
        return new Conditioning(out[0], out[1]);
    }

    private static NDArray ids(NDManager manager, long[] ids) {
        return manager.create(ids, new Shape(1, ids.length));
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}

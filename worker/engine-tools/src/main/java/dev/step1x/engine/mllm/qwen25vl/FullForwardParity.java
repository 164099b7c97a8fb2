package dev.step1x.engine.mllm.qwen25vl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.step1x.engine.conditioner.Step1XEmbedder;
import dev.step1x.engine.conditioner.Step1XPrompt;
import dev.step1x.engine.parity.CaseData;
import dev.step1x.engine.parity.ParityComponent;
import dev.step1x.engine.parity.TapRecorder;
import dev.step1x.engine.weights.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine side of the golden cases {@code full_forward}, {@code full_forward_bang} and
 * {@code full_forward_step1x}: the tiny Qwen2.5-VL of the set ({@code model.safetensors},
 * {@code config.json}) run on the case's {@code input_ids}, {@code image_grid_thw} and pixel values
 * (the case's own {@code pixel_values}, else those of the file its metadata {@code pixel_values_source}
 * names in {@code cases/}):
 * <ul>
 *   <li>without a mask: {@code position_ids}, {@code rope_deltas}, {@code vision_output},
 *       {@code inputs_embeds}, {@code text_rope_cos/sin}, {@code text_mrope_cos/sin},
 *       {@code layer<i>_out}, {@code last_hidden_state};</li>
 *   <li>with Step1X-Edit's mask {@code ids > 0}: {@code position_ids_mask}, {@code rope_deltas_mask},
 *       {@code last_hidden_state_mask}, and the {@link Step1XEmbedder} outputs {@code step1x_embs},
 *       {@code step1x_masks} (drop and max length from the metadata, default 217 / 640).</li>
 * </ul>
 */
public final class FullForwardParity {

    /** The case names this component serves. */
    public static final List<String> CASES = List.of("full_forward", "full_forward_bang", "full_forward_step1x");

    private FullForwardParity() {}

    public static ParityComponent component() {
        return (manager, data) -> {
            Path dir = data.setDir();
            Qwen25VLConfig cfg = Qwen25VLConfig.fromJson(dir.resolve("config.json"));
            Qwen25VLModel model = Qwen25VLModel.load(manager, dir.resolve("model.safetensors"), cfg,
                    data.precision().dataType());
            NDArray ids = data.tensor("input_ids");
            long[][] grid = grid(data.tensor("image_grid_thw"));
            NDArray pixels = pixelValues(manager, data);

            // vision_output, inputs_embeds, position_ids, rope_deltas, text_(m)rope_cos/sin, layer<i>_out
            TapRecorder shown = new TapRecorder(manager);
            NDArray lastHiddenState = model.forward(ids, null, pixels, grid, shown);
            Map<String, NDArray> out = new LinkedHashMap<>(shown.tensors());
            out.put("last_hidden_state", lastHiddenState);
            NDArray imageFeatures = shown.tensor("vision_output");

            NDArray mask = Step1XEmbedder.attentionMask(ids);
            RopeIndex.Result masked = RopeIndex.getRopeIndex(ids, grid, mask, cfg);
            out.put("position_ids_mask", masked.positionIds());
            out.put("rope_deltas_mask", masked.ropeDeltas());
            out.put("last_hidden_state_mask", model.forwardWithImageFeatures(ids, mask, imageFeatures, grid));

            Map<String, String> meta = data.metadata();
            Step1XEmbedder embedder = new Step1XEmbedder(model,
                    Integer.parseInt(meta.getOrDefault("max_length", Integer.toString(Step1XPrompt.MAX_LENGTH))),
                    Integer.parseInt(meta.getOrDefault("drop_tokens", Integer.toString(Step1XPrompt.DROP_TOKENS))));
            Step1XEmbedder.Output e = embedder.embedWithImageFeatures(List.of(ids), imageFeatures, grid);
            out.put("step1x_embs", e.embs());
            out.put("step1x_masks", e.masks());
            return out;
        };
    }

    /** The case's {@code pixel_values}, else those of {@code cases/<pixel_values_source>}. */
    static NDArray pixelValues(NDManager manager, CaseData data) throws IOException {
        if (data.has("pixel_values")) {
            return data.tensor("pixel_values");
        }
        String source = data.metadata().get("pixel_values_source");
        if (source == null) {
            throw new IOException(data.parityCase().file() + ": no pixel_values and no pixel_values_source metadata");
        }
        try (SafetensorsFile f = SafetensorsFile.open(data.setDir().resolve("cases").resolve(source))) {
            return f.load(manager, "pixel_values");
        }
    }

    /** An integer [n, 3] array as (t, h, w) rows. */
    static long[][] grid(NDArray gridThw) {
        long[] flat = gridThw.toLongArray();
        long[][] rows = new long[flat.length / 3][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new long[] {flat[3 * i], flat[3 * i + 1], flat[3 * i + 2]};
        }
        return rows;
    }
}

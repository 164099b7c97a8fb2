package dev.step1x.engine.tokenizer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.step1x.engine.conditioner.Step1XPrompt;
import dev.step1x.engine.parity.CaseData;
import dev.step1x.engine.parity.ParityComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The engine side of the golden case {@code qwen25vl/tokenize}: for every {@code <name>.instruction}
 * of the case metadata, {@link Step1XPrompt} with {@code n_image_tokens} image pads gives
 * {@code <name>.input_ids}, {@code <name>.input_ids_step1x} and {@code <name>.template_ids}, each
 * I64 [1, L]. Only the instructions and the image size come from the case; the prompt, the split and
 * the ids are computed.
 */
public final class TokenizeParity {

    /** The case name the component is registered under. */
    public static final String CASE = "tokenize";

    private TokenizeParity() {}

    /** With the tokenizer of {@link TestTokenizer#path()}, located when the case runs. */
    public static ParityComponent component() {
        return component(TestTokenizer::path);
    }

    /** With the given tokenizer.json (or model directory). */
    public static ParityComponent component(Path tokenizer) {
        return component(() -> tokenizer);
    }

    private static ParityComponent component(Supplier<Path> tokenizer) {
        return (manager, data) -> {
            try (QwenTokenizer tok = QwenTokenizer.load(tokenizer.get())) {
                return run(manager, data, tok);
            }
        };
    }

    static Map<String, NDArray> run(NDManager manager, CaseData data, QwenTokenizer tokenizer) {
        Map<String, String> md = data.metadata();
        int n = imageTokens(md);
        Step1XPrompt prompt = new Step1XPrompt(tokenizer);
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (String name : instructionNames(md)) {
            Step1XPrompt.Tokens t = prompt.tokenize(md.get(name + ".instruction"), n);
            out.put(name + ".input_ids", row(manager, t.inputIds()));
            out.put(name + ".input_ids_step1x", row(manager, t.step1xIds()));
            out.put(name + ".template_ids", row(manager, t.templateIds()));
        }
        return out;
    }

    /** The {@code <name>} of every {@code <name>.instruction} metadata key, in metadata order. */
    public static List<String> instructionNames(Map<String, String> metadata) {
        List<String> names = new ArrayList<>();
        for (String key : metadata.keySet()) {
            if (key.endsWith(".instruction")) {
                names.add(key.substring(0, key.length() - ".instruction".length()));
            }
        }
        if (names.isEmpty()) {
            throw new IllegalStateException("the case metadata has no <name>.instruction entries");
        }
        return names;
    }

    /**
     * {@code n_image_tokens}, which must agree with {@code image_grid_thw} ({@code t·h·w/4} summed over
     * the images; one image here).
     */
    public static int imageTokens(Map<String, String> metadata) {
        String nText = metadata.get("n_image_tokens");
        String gridText = metadata.get("image_grid_thw");
        if (nText == null && gridText == null) {
            throw new IllegalStateException("the case metadata has neither n_image_tokens nor image_grid_thw");
        }
        Integer fromGrid = null;
        if (gridText != null) {
            JsonArray grids = JsonParser.parseString(gridText).getAsJsonArray();
            if (grids.size() != 1) {
                throw new IllegalStateException("Step1X-Edit's prompt has one image; image_grid_thw has " + grids.size());
            }
            JsonArray g = grids.get(0).getAsJsonArray();
            if (g.size() != 3) {
                throw new IllegalStateException("image_grid_thw entries are (t, h, w); got " + g);
            }
            long[] thw = new long[3];
            int i = 0;
            for (JsonElement e : g) {
                thw[i++] = e.getAsLong();
            }
            fromGrid = Step1XPrompt.imageTokens(thw[0], thw[1], thw[2]);
        }
        if (nText == null) {
            return fromGrid;
        }
        int n = Integer.parseInt(nText.trim());
        if (fromGrid != null && fromGrid != n) {
            throw new IllegalStateException("n_image_tokens " + n + " differs from image_grid_thw " + gridText + " ("
                    + fromGrid + ")");
        }
        return n;
    }

    private static NDArray row(NDManager manager, long[] ids) {
        return manager.create(ids, new Shape(1, ids.length));
    }
}

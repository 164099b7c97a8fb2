package dev.step1x.engine.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The Qwen2.5-VL text tokenizer: a byte-level BPE {@code tokenizer.json} run by the HF tokenizers
 * library through DJL's JNI binding.
 *
 * <p>Built with truncation and padding OFF. DJL's binding otherwise truncates every encoding to
 * {@code modelMaxLength = 512} without a word, and Step1X-Edit prompts are 500 to 600 tokens long.
 * {@link #encode} never adds special tokens (the Qwen post-processor adds none anyway); added tokens
 * such as {@code <|im_start|>} or {@code <|image_pad|>} written in the text are matched whole.
 *
 * <p>The ids of the special tokens are looked up in the loaded file, not hard-coded;
 * {@link #checkAgainst(Qwen25VLConfig)} compares them with a model config.
 */
public final class QwenTokenizer implements AutoCloseable {

    public static final String ENDOFTEXT = "<|endoftext|>";
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";
    public static final String VISION_START = "<|vision_start|>";
    public static final String VISION_END = "<|vision_end|>";
    public static final String VISION_PAD = "<|vision_pad|>";
    public static final String IMAGE_PAD = "<|image_pad|>";
    public static final String VIDEO_PAD = "<|video_pad|>";

    private final HuggingFaceTokenizer tokenizer;
    private final Path file;
    private final long endOfTextId;
    private final long imStartId;
    private final long imEndId;
    private final long visionStartId;
    private final long visionEndId;
    private final long visionPadId;
    private final long imagePadId;
    private final long videoPadId;

    private QwenTokenizer(HuggingFaceTokenizer tokenizer, Path file) {
        this.tokenizer = tokenizer;
        this.file = file;
        try {
            this.endOfTextId = lookUp(ENDOFTEXT);
            this.imStartId = lookUp(IM_START);
            this.imEndId = lookUp(IM_END);
            this.visionStartId = lookUp(VISION_START);
            this.visionEndId = lookUp(VISION_END);
            this.visionPadId = lookUp(VISION_PAD);
            this.imagePadId = lookUp(IMAGE_PAD);
            this.videoPadId = lookUp(VIDEO_PAD);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /**
     * Loads {@code tokenizer.json}: the file itself, or a model directory that holds it (e.g.
     * {@code Qwen2.5-VL-7B-Instruct/}).
     */
    public static QwenTokenizer load(Path fileOrModelDir) throws IOException {
        Path f = Files.isDirectory(fileOrModelDir) ? fileOrModelDir.resolve("tokenizer.json") : fileOrModelDir;
        if (!Files.isRegularFile(f)) {
            throw new IOException("Qwen tokenizer file not found: " + f.toAbsolutePath());
        }
        keepDjlOffline();
        // newInstance(Path, options) reads only this file (no tokenizer_config.json, no hub look-up).
        HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(f, Map.of(
                "addSpecialTokens", "false",
                "truncation", "false",
                "padding", "false"));
        return new QwenTokenizer(hf, f);
    }

    /** DJL's own settings, as {@code EngineRuntime} sets them: no downloads, no call home. Unset ones only. */
    private static void keepDjlOffline() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
    }

    /** The file this tokenizer was loaded from. */
    public Path file() {
        return file;
    }

    /** Ids of {@code text}, no special tokens added, never truncated or padded. */
    public long[] encode(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    /** Token strings (byte-level alphabet) of {@code text}, as {@link #encode}. */
    public String[] tokens(String text) {
        return tokenizer.encode(text, false, false).getTokens();
    }

    /** Text of {@code ids}, special tokens kept. */
    public String decode(long[] ids) {
        return tokenizer.decode(ids, false);
    }

    /** The binding's truncation strategy; {@code DO_NOT_TRUNCATE} for every instance of this class. */
    public String truncation() {
        return tokenizer.getTruncation();
    }

    /** The binding's padding strategy; {@code DO_NOT_PAD} for every instance of this class. */
    public String padding() {
        return tokenizer.getPadding();
    }

    /**
     * The id of a token that the file defines as one whole token (an added/special token such as
     * {@code <|vision_end|>}): encoding it alone must give exactly that token.
     */
    public long tokenId(String token) {
        return lookUp(token);
    }

    private long lookUp(String token) {
        Encoding e = tokenizer.encode(token, false, false);
        long[] ids = e.getIds();
        String[] toks = e.getTokens();
        if (ids.length != 1 || !toks[0].equals(token)) {
            throw new IllegalArgumentException(file + " does not define " + token + " as one token (it encodes to "
                    + Arrays.toString(toks) + " " + Arrays.toString(ids) + "); is this a Qwen2/2.5/3 tokenizer.json?");
        }
        return ids[0];
    }

    public long endOfTextId() {
        return endOfTextId;
    }

    public long imStartId() {
        return imStartId;
    }

    public long imEndId() {
        return imEndId;
    }

    public long visionStartId() {
        return visionStartId;
    }

    public long visionEndId() {
        return visionEndId;
    }

    public long visionPadId() {
        return visionPadId;
    }

    public long imagePadId() {
        return imagePadId;
    }

    public long videoPadId() {
        return videoPadId;
    }

    /**
     * Fails unless the special ids of this file are the ones the model config names:
     * {@code bos_token_id} = {@code <|endoftext|>}, {@code eos_token_id} = {@code <|im_end|>},
     * {@code vision_start/end_token_id}, {@code vision_token_id} = {@code <|vision_pad|>},
     * {@code image_token_id} = {@code <|image_pad|>}, {@code video_token_id} = {@code <|video_pad|>}.
     * Every id must also lie inside the config's vocabulary.
     */
    public void checkAgainst(Qwen25VLConfig config) {
        List<String> bad = new ArrayList<>();
        same(bad, "bos_token_id", config.bosTokenId(), ENDOFTEXT, endOfTextId);
        same(bad, "eos_token_id", config.eosTokenId(), IM_END, imEndId);
        same(bad, "vision_start_token_id", config.visionStartTokenId(), VISION_START, visionStartId);
        same(bad, "vision_end_token_id", config.visionEndTokenId(), VISION_END, visionEndId);
        same(bad, "vision_token_id", config.visionTokenId(), VISION_PAD, visionPadId);
        same(bad, "image_token_id", config.imageTokenId(), IMAGE_PAD, imagePadId);
        same(bad, "video_token_id", config.videoTokenId(), VIDEO_PAD, videoPadId);
        long[] all = {endOfTextId, imStartId, imEndId, visionStartId, visionEndId, visionPadId, imagePadId, videoPadId};
        for (long id : all) {
            if (id >= config.vocabSize()) {
                bad.add("token id " + id + " is outside the config's vocab_size " + config.vocabSize());
            }
        }
        if (!bad.isEmpty()) {
            throw new IllegalStateException("tokenizer " + file + " does not match the model config: "
                    + String.join("; ", bad));
        }
    }

    private static void same(List<String> bad, String field, long configId, String token, long tokenizerId) {
        if (configId != tokenizerId) {
            bad.add(field + " is " + configId + " but the tokenizer's " + token + " is " + tokenizerId);
        }
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}

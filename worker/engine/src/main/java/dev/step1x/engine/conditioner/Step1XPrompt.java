package dev.step1x.engine.conditioner;

import dev.step1x.engine.tokenizer.QwenTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The text side of Step1X-Edit's Qwen2.5-VL embedder ({@code Qwen25VL_7b_Embedder}): the chat prompt
 * for one instruction and one reference image, its token ids exactly as the official code builds
 * them (quote-splitting quirk included), the attention mask and the kept slice.
 *
 * <p>Three id lists come out of one instruction (see {@link Tokens}):
 * <ul>
 *   <li>{@code templateIds}: the rendered chat template with its single {@code <|image_pad|>};
 *   <li>{@code inputIds}: the processor's ids, the template with that pad expanded to {@code n} copies
 *       ({@code n = t·h·w / 4} of the image grid) and tokenised as one string;
 *   <li>{@code step1xIds}: what Step1X-Edit feeds the model. {@code inputIds} up to (not including)
 *       the first {@code <|vision_end|>}, then the ids of {@link #splitSegments the template's
 *       segments}, each tokenised on its own and concatenated, from their first {@code <|vision_end|>}
 *       on. Equal to {@code inputIds} when the instruction has no {@code "}, {@code “}, {@code ”} or
 *       {@code '}.
 * </ul>
 * Step1X-Edit then masks with {@code ids > 0} (so a stand-alone {@code !}, id 0, is masked), drops
 * the first {@value #DROP_TOKENS} positions of the model's last hidden states and keeps at most
 * {@value #MAX_LENGTH} of the rest, zero-padded to {@value #MAX_LENGTH} rows.
 */
public final class Step1XPrompt {

    /** The system turn the Qwen2.5-VL chat template inserts when the messages have none. */
    public static final String DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant.";

    /**
     * {@code Qwen25VL_7b_PREFIX}: the "Enhanced prompt" instruction placed before the image (model
     * data, 1058 characters, ends with "User Prompt:" and no space).
     */
    public static final String PREFIX =
            "Given a user prompt, generate an \"Enhanced prompt\" that provides detailed visual descriptions suitable for image generation. Evaluate the level of detail in the user prompt:\n" +
            "- If the prompt is simple, focus on adding specifics about colors, shapes, sizes, textures, and spatial relationships to create vivid and concrete scenes.\n" +
            "- If the prompt is already detailed, refine and enhance the existing details slightly without overcomplicating.\n" +
            "\n" +
            "Here are examples of how to transform or refine prompts:\n" +
            "- User Prompt: A cat sleeping -> Enhanced: A small, fluffy white cat curled up in a round shape, sleeping peacefully on a warm sunny windowsill, surrounded by pots of blooming red flowers.\n" +
            "- User Prompt: A busy city street -> Enhanced: A bustling city street scene at dusk, featuring glowing street lamps, a diverse crowd of people in colorful clothing, and a double-decker bus passing by towering glass skyscrapers.\n" +
            "\n" +
            "Please generate only the enhanced description for the prompt below and avoid including any additional commentary or evaluations:\n" +
            "User Prompt:";

    /** Step1X-Edit drops this many leading positions: the system turn and PREFIX, all but its final ":". */
    public static final int DROP_TOKENS = 217;
    /** Rows of the embedding Step1X-Edit keeps after the drop ({@code max_length}). */
    public static final int MAX_LENGTH = 640;
    /** A {@code "} toggles quoting only at a character index greater than this (PREFIX's own quotes are before). */
    public static final int QUOTE_MIN_INDEX = 155;
    /** {@code “}: a segment's ids starting with this and ending with {@link #CLOSE_QUOTE_ID} lose both. */
    public static final long OPEN_QUOTE_ID = 2073;
    /** {@code ”}. */
    public static final long CLOSE_QUOTE_ID = 854;
    /** Qwen2.5-VL's {@code spatial_merge_size}: one image token per 2×2 patches. */
    public static final int SPATIAL_MERGE_SIZE = 2;

    private final QwenTokenizer tokenizer;
    private final int dropTokens;
    private final int maxLength;

    /** Step1X-Edit's settings: drop {@value #DROP_TOKENS}, keep {@value #MAX_LENGTH}. */
    public Step1XPrompt(QwenTokenizer tokenizer) {
        this(tokenizer, DROP_TOKENS, MAX_LENGTH);
    }

    public Step1XPrompt(QwenTokenizer tokenizer, int dropTokens, int maxLength) {
        if (dropTokens < 0 || maxLength < 1) {
            throw new IllegalArgumentException("dropTokens must be >= 0 and maxLength >= 1, got " + dropTokens + ", "
                    + maxLength);
        }
        // Step1X-Edit compares raw ids with 2073/854; make sure this tokenizer spells the quotes that way.
        long[] open = tokenizer.encode("\u201C");
        long[] close = tokenizer.encode("\u201D");
        if (open.length != 1 || open[0] != OPEN_QUOTE_ID || close.length != 1 || close[0] != CLOSE_QUOTE_ID) {
            throw new IllegalArgumentException("tokenizer " + tokenizer.file() + " encodes \u201C/\u201D as "
                    + Arrays.toString(open) + "/" + Arrays.toString(close) + ", not [" + OPEN_QUOTE_ID + "]/["
                    + CLOSE_QUOTE_ID + "] as the Qwen2.5 vocabulary Step1X-Edit was written for");
        }
        this.tokenizer = tokenizer;
        this.dropTokens = dropTokens;
        this.maxLength = maxLength;
    }

    public QwenTokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * The chat template of Step1X-Edit's one user turn ({@code PREFIX}, the image, the instruction),
     * default system turn, vision ids on ("Picture 1: ") and the generation prompt, with ONE
     * {@code <|image_pad|>}.
     */
    public static String render(String instruction) {
        if (instruction == null) {
            throw new IllegalArgumentException("instruction must not be null (the unconditional row is \"\")");
        }
        return QwenTokenizer.IM_START + "system\n" + DEFAULT_SYSTEM_PROMPT + QwenTokenizer.IM_END + "\n"
                + QwenTokenizer.IM_START + "user\n"
                + PREFIX
                + "Picture 1: " + QwenTokenizer.VISION_START + QwenTokenizer.IMAGE_PAD + QwenTokenizer.VISION_END
                + instruction
                + QwenTokenizer.IM_END + "\n"
                + QwenTokenizer.IM_START + "assistant\n";
    }

    /** The processor's expansion: every {@code <|image_pad|>} of {@code template} becomes {@code n} of them. */
    public static String expandImagePads(String template, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("an image has at least one token, got " + n);
        }
        return template.replace(QwenTokenizer.IMAGE_PAD, QwenTokenizer.IMAGE_PAD.repeat(n));
    }

    /** Image tokens of a {@code (t, h, w)} patch grid: {@code t·h·w / 4} (2×2 merge). */
    public static int imageTokens(long t, long h, long w) {
        long merge = (long) SPATIAL_MERGE_SIZE * SPATIAL_MERGE_SIZE;
        if (t < 1 || h < 1 || w < 1 || h % SPATIAL_MERGE_SIZE != 0 || w % SPATIAL_MERGE_SIZE != 0) {
            throw new IllegalArgumentException("image grid (" + t + ", " + h + ", " + w + ") must be positive with h and w"
                    + " multiples of " + SPATIAL_MERGE_SIZE);
        }
        return Math.toIntExact(t * h * w / merge);
    }

    /**
     * Step1X-Edit's split of a rendered prompt into separately tokenised pieces.
     *
     * <p>{@code “}, {@code ”} and {@code '} (an apostrophe too) first become {@code "}. Walking the
     * characters (Unicode code points, indexed as Python does): a {@code "} at an index greater than
     * {@value #QUOTE_MIN_INDEX} toggles "quoted"; an opening one ends the current piece (it is that
     * piece's last character), a closing one is the first character of the next piece. Every
     * character inside quotes (spaces, newlines and the chat tail's characters included) is a piece
     * of its own, wrapped as {@code “c”}. Any other character extends the current piece; a non-empty
     * last piece is kept. An unbalanced quote (an apostrophe, say) therefore leaves everything after
     * it, the chat tail's special tokens included, split character by character.
     */
    public static List<String> splitSegments(String prompt) {
        String s = prompt.replace('\u201C', '"').replace('\u201D', '"').replace('\'', '"');
        List<String> pieces = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        int index = 0;
        for (int i = 0; i < s.length(); index++) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == '"' && index > QUOTE_MIN_INDEX) {
                current.append('"');
                if (!quoted) {
                    pieces.add(current.toString());
                    current.setLength(0);
                }
                quoted = !quoted;
            } else if (quoted) {
                pieces.add(new StringBuilder(3).append('\u201C').appendCodePoint(cp).append('\u201D').toString());
            } else {
                current.appendCodePoint(cp);
            }
        }
        if (current.length() > 0) {
            pieces.add(current.toString());
        }
        return pieces;
    }

    /**
     * The ids of {@code pieces}, each tokenised on its own; a piece whose ids start with {@code “}
     * ({@value #OPEN_QUOTE_ID}) and end with {@code ”} ({@value #CLOSE_QUOTE_ID}) loses those two.
     */
    public long[] segmentIds(List<String> pieces) {
        LongList out = new LongList(1024);
        for (String piece : pieces) {
            long[] ids = tokenizer.encode(piece);
            if (ids.length > 0 && ids[0] == OPEN_QUOTE_ID && ids[ids.length - 1] == CLOSE_QUOTE_ID) {
                out.addAll(ids, 1, Math.max(1, ids.length - 1));
            } else {
                out.addAll(ids, 0, ids.length);
            }
        }
        return out.toArray();
    }

    /** All ids for {@code instruction} with one image of {@code imageTokens} tokens. */
    public Tokens tokenize(String instruction, int imageTokens) {
        String template = render(instruction);
        long[] templateIds = tokenizer.encode(template);
        long[] inputIds = tokenizer.encode(expandImagePads(template, imageTokens));
        List<String> segments = splitSegments(template);
        long[] pieceIds = segmentIds(segments);
        long visionEnd = tokenizer.visionEndId();
        int cutOld = firstIndex(inputIds, visionEnd, "the prompt's ids");
        int cutNew = firstIndex(pieceIds, visionEnd, "the split prompt's ids");
        long[] step1x = new long[cutOld + pieceIds.length - cutNew];
        System.arraycopy(inputIds, 0, step1x, 0, cutOld);
        System.arraycopy(pieceIds, cutNew, step1x, cutOld, pieceIds.length - cutNew);
        return new Tokens(instruction, template, List.copyOf(segments), templateIds, inputIds, step1x, dropTokens,
                maxLength);
    }

    private static int firstIndex(long[] ids, long id, String what) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == id) {
                return i;
            }
        }
        throw new IllegalStateException(what + " have no <|vision_end|> (" + id + ")");
    }

    /**
     * One instruction's ids.
     *
     * @param template the rendered prompt with one {@code <|image_pad|>}
     * @param segments {@link #splitSegments(String)} of {@code template}
     * @param templateIds ids of {@code template}
     * @param inputIds the processor's ids (image pads expanded), length L
     * @param step1xIds the ids Step1X-Edit feeds the model, length L'
     * @param dropTokens leading positions dropped from the hidden states
     * @param maxLength rows kept after the drop
     */
    public record Tokens(String instruction, String template, List<String> segments, long[] templateIds,
                         long[] inputIds, long[] step1xIds, int dropTokens, int maxLength) {

        /** Step1X-Edit's {@code attention_mask = (input_ids > 0)} over {@link #step1xIds()}: 0 where the id is 0 ({@code !}). */
        public long[] attentionMask() {
            long[] m = new long[step1xIds.length];
            for (int i = 0; i < m.length; i++) {
                m[i] = step1xIds[i] > 0 ? 1 : 0;
            }
            return m;
        }

        /** Rows kept: {@code min(maxLength, L' - dropTokens)}, at least 0. */
        public int keptLength() {
            return Math.max(0, Math.min(maxLength, step1xIds.length - dropTokens));
        }

        /** Index of the first kept position in {@link #step1xIds()}. */
        public int keptStart() {
            return dropTokens;
        }

        /** {@code step1xIds[dropTokens : dropTokens + keptLength()]}, the ids of the kept rows. */
        public long[] keptIds() {
            int n = keptLength();
            return n == 0 ? new long[0] : Arrays.copyOfRange(step1xIds, dropTokens, dropTokens + n);
        }

        /** Step1X-Edit's output mask, length {@code maxLength}: 1 for the kept rows (a kept {@code !} too), 0 after. */
        public long[] keptMask() {
            long[] m = new long[maxLength];
            Arrays.fill(m, 0, keptLength(), 1L);
            return m;
        }

        /** Whether the instruction's quotes/apostrophes changed the ids ({@code step1xIds != inputIds}). */
        public boolean quoteSplit() {
            return !Arrays.equals(inputIds, step1xIds);
        }
    }

    /** A growable long array. */
    private static final class LongList {
        private long[] a;
        private int n;

        LongList(int capacity) {
            a = new long[capacity];
        }

        void addAll(long[] src, int from, int to) {
            int len = to - from;
            if (len <= 0) {
                return;
            }
            if (n + len > a.length) {
                a = Arrays.copyOf(a, Math.max(a.length * 2, n + len));
            }
            System.arraycopy(src, from, a, n, len);
            n += len;
        }

        long[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}

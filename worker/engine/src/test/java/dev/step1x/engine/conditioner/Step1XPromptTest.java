package dev.step1x.engine.conditioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.tokenizer.QwenTokenizer;
import dev.step1x.engine.weights.SafetensorsFile;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Step1X-Edit's prompt ids: the quote quirk, the '!' hole, the 217/640 slice, the full_forward cases. */
class Step1XPromptTest {

    static QwenTokenizer tokenizer;
    static Step1XPrompt prompt;

    @BeforeAll
    static void load() throws Exception {
        tokenizer = QwenTokenizer.load(TestPaths.qwenTokenizer());
        prompt = new Step1XPrompt(tokenizer);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    // ---- the split, no tokenizer needed

    @Test
    void quotesUpToIndex155AreOrdinaryCharacters() {
        String s = "x".repeat(150) + "\"ab\"" + "cd";   // '"' at 150 and 153: both <= 155
        assertThat(Step1XPrompt.splitSegments(s)).containsExactly(s);
        String t = "x".repeat(156) + "\"ab\"cd";        // '"' at 156 opens, at 159 closes
        assertThat(Step1XPrompt.splitSegments(t))
                .containsExactly("x".repeat(156) + "\"", "\u201Ca\u201D", "\u201Cb\u201D", "\"cd");
    }

    @Test
    void curlyQuotesAndApostrophesBecomeStraightQuotes() {
        String head = "y".repeat(200);
        assertThat(Step1XPrompt.splitSegments(head + "\u201C \u201D!"))
                .containsExactly(head + "\"", "\u201C \u201D", "\"!");
        // an apostrophe opens a quote that never closes: the rest goes character by character
        assertThat(Step1XPrompt.splitSegments(head + "girl's\n"))
                .containsExactly(head + "girl\"", "\u201Cs\u201D", "\u201C\n\u201D");
        // a quote that closes at the very end leaves a last piece of just '"'
        assertThat(Step1XPrompt.splitSegments(head + "'A'")).containsExactly(head + "\"", "\u201CA\u201D", "\"");
    }

    @Test
    void charactersAreCodePointsLikePython() {
        String head = "z".repeat(200);
        String emoji = new String(Character.toChars(0x1F600));
        assertThat(Step1XPrompt.splitSegments(head + "\"" + emoji + "a\""))
                .containsExactly(head + "\"", "\u201C" + emoji + "\u201D", "\u201Ca\u201D", "\"");
        // the emoji at index 154 is ONE character, so the first '"' is at index 155 (no toggle) and the
        // second at 157 opens a quote at the very end: one piece. Counting UTF-16 units would toggle at 156.
        String before = "w".repeat(154) + emoji + "\"q\"";
        assertThat(Step1XPrompt.splitSegments(before)).containsExactly(before);
    }

    // ---- ids

    @Test
    void theBangInstructionHasAMaskHoleLikeFullForwardBang() throws Exception {
        Step1XPrompt.Tokens t = prompt.tokenize("Make the sky purple!", 20);
        assertThat(t.step1xIds()).hasSize(255).isEqualTo(t.inputIds());
        assertThat(t.step1xIds()[249]).isZero();
        long[] mask = t.attentionMask();
        assertThat(mask[249]).isZero();
        assertThat(LongStream.of(mask).sum()).isEqualTo(254);
        assertThat(t.keptLength()).isEqualTo(38);
        assertThat(t.keptMask()).hasSize(640);
        assertThat(LongStream.of(t.keptMask()).sum()).isEqualTo(38);   // the '!' row is kept (length-based)
        assertThat(t.keptMask()[249 - 217]).isEqualTo(1);
        assertSameAsCase("cases/full_forward_bang.safetensors", t);
    }

    @Test
    void theEnglishInstructionMatchesFullForward() throws Exception {
        Step1XPrompt.Tokens t = prompt.tokenize("Make the sky purple and add a full moon.", 20);
        assertThat(t.keptLength()).isEqualTo(43);
        assertSameAsCase("cases/full_forward.safetensors", t);
    }

    @Test
    void step1xResolution280ImageTokensIsNotTruncatedAt512() throws Exception {
        Step1XPrompt.Tokens t = prompt.tokenize("Make the sky purple and add a full moon.", Step1XPrompt.imageTokens(1, 28, 40));
        assertThat(t.step1xIds()).hasSize(520);
        assertThat(t.keptLength()).isEqualTo(303);
        assertSameAsCase("cases/full_forward_step1x.safetensors", t);
        // the real pipeline's 324 tokens (504x504)
        assertThat(prompt.tokenize("Make the sky purple and add a full moon.", 324).inputIds()).hasSize(260 - 20 + 324);
    }

    private static void assertSameAsCase(String file, Step1XPrompt.Tokens t) throws Exception {
        EngineRuntime runtime = EngineRuntime.startDefault();
        try (NDManager m = runtime.newManager(); SafetensorsFile f = SafetensorsFile.open(TestPaths.qwen25vl(file))) {
            assertThat(t.step1xIds()).isEqualTo(f.load(m, "input_ids").toLongArray());
            assertThat(t.attentionMask()).isEqualTo(f.load(m, "attention_mask").toLongArray());
            assertThat(t.keptMask()).isEqualTo(f.load(m, "step1x_masks").toLongArray());
            long[] grid = f.load(m, "image_grid_thw").toLongArray();
            assertThat(t.inputIds()).containsOnlyOnce(tokenizer.visionEndId());
            assertThat(Arrays.stream(t.inputIds()).filter(x -> x == tokenizer.imagePadId()).count())
                    .isEqualTo(Step1XPrompt.imageTokens(grid[0], grid[1], grid[2]));
            assertThat(f.metadata()).containsEntry("drop_tokens", String.valueOf(Step1XPrompt.DROP_TOKENS))
                    .containsEntry("max_length", String.valueOf(Step1XPrompt.MAX_LENGTH));
        }
    }

    @Test
    void aLongInstructionIsCutTo640AfterDropping217() {
        String instruction = "Paint the wall blue ".repeat(300).trim();   // 1200 words
        Step1XPrompt.Tokens t = prompt.tokenize(instruction, 324);
        int l = t.step1xIds().length;
        assertThat(l).isGreaterThan(217 + 640);
        assertThat(t.inputIds()).hasSize(l);   // never truncated by the tokenizer
        assertThat(t.keptLength()).isEqualTo(640);
        assertThat(t.keptIds()).isEqualTo(Arrays.copyOfRange(t.step1xIds(), 217, 857));
        assertThat(t.keptMask()).containsOnly(1L).hasSize(640);
        // the chat tail is past the cut
        assertThat(t.keptIds()).doesNotContain(tokenizer.imEndId());
        assertThat(t.step1xIds()[l - 1]).isEqualTo(198);   // "\n" after "assistant"
    }

    @Test
    void theEmptyNegativePromptKeepsTheTemplateOnly() {
        Step1XPrompt.Tokens t = prompt.tokenize("", 20);
        assertThat(t.template()).endsWith("<|vision_end|><|im_end|>\n<|im_start|>assistant\n");
        assertThat(t.step1xIds()).isEqualTo(t.inputIds()).hasSize(260 - 10);   // en's instruction is 10 tokens
        assertThat(t.segments()).hasSize(1);
        long[] kept = t.keptIds();
        assertThat(kept).hasSize(33);
        assertThat(Arrays.copyOfRange(kept, 27, 33)).containsExactly(tokenizer.visionEndId(), tokenizer.imEndId(), 198,
                tokenizer.imStartId(), 77091, 198);
        assertThat(t.attentionMask()).containsOnly(1L);
    }

    @Test
    void anApostropheSplitsTheChatTailCharacterByCharacter() {
        Step1XPrompt.Tokens t = prompt.tokenize("Add pendant with a ruby around this girl's neck.", 20);
        assertThat(t.quoteSplit()).isTrue();
        List<String> seg = t.segments();
        assertThat(seg.get(0)).endsWith("<|vision_end|>Add pendant with a ruby around this girl\"");
        assertThat(seg.get(seg.size() - 1)).isEqualTo("\u201C\n\u201D");
        assertThat(seg).contains("\u201C<\u201D", "\u201C|\u201D");
        int visionEnd = indexOf(t.step1xIds(), tokenizer.visionEndId());
        long[] tail = Arrays.copyOfRange(t.step1xIds(), visionEnd + 1, t.step1xIds().length);
        // the special tokens of the tail are gone: only the vision_end before the instruction is special
        assertThat(tail).doesNotContain(tokenizer.imEndId(), tokenizer.imStartId());
        assertThat(t.step1xIds().length).isGreaterThan(t.inputIds().length);
        // ids before <|vision_end|> are the processor's
        assertThat(Arrays.copyOf(t.step1xIds(), visionEnd)).isEqualTo(Arrays.copyOf(t.inputIds(), visionEnd));
        // the '"' that replaced the apostrophe ends the instruction's first piece
        assertThat(tokenizer.decode(Arrays.copyOfRange(t.step1xIds(), visionEnd + 1, visionEnd + 12)))
                .startsWith("Add pendant with a ruby around this girl\"");
    }

    @Test
    void quotedLettersLoseTheirWrappingQuoteTokensOnlyWhenBothAreSeparate() {
        // each quoted character piece is tokenised alone; “ ” around it are dropped only when they are
        // the separate ids 2073 ... 854
        String instruction = "Replace 'TRAIN' with 'PLANE'";
        Step1XPrompt.Tokens t = prompt.tokenize(instruction, 20);
        long[] all = t.step1xIds();
        int visionEnd = indexOf(all, tokenizer.visionEndId());
        long[] rest = Arrays.copyOfRange(all, visionEnd, all.length);
        long[] expected = prompt.segmentIds(t.segments());
        expected = Arrays.copyOfRange(expected, indexOf(expected, tokenizer.visionEndId()), expected.length);
        assertThat(rest).isEqualTo(expected);
        for (String piece : t.segments()) {
            long[] ids = tokenizer.encode(piece);
            boolean wrapped = ids[0] == Step1XPrompt.OPEN_QUOTE_ID && ids[ids.length - 1] == Step1XPrompt.CLOSE_QUOTE_ID;
            long[] got = prompt.segmentIds(List.of(piece));
            assertThat(got).hasSize(wrapped ? ids.length - 2 : ids.length);
        }
        // the quoted space keeps its quote tokens: “ then " ”"
        long[] space = prompt.segmentIds(List.of("\u201C \u201D"));
        assertThat(space).isEqualTo(tokenizer.encode("\u201C \u201D"));
        assertThat(space[0]).isEqualTo(Step1XPrompt.OPEN_QUOTE_ID);
        assertThat(tokenizer.encode("\u201C")).containsExactly(Step1XPrompt.OPEN_QUOTE_ID);
        assertThat(tokenizer.encode("\u201D")).containsExactly(Step1XPrompt.CLOSE_QUOTE_ID);
    }

    @Test
    void imageTokensAreAQuarterOfThePatchGrid() {
        assertThat(Step1XPrompt.imageTokens(1, 8, 10)).isEqualTo(20);
        assertThat(Step1XPrompt.imageTokens(1, 36, 36)).isEqualTo(324);
        assertThatThrownBy(() -> Step1XPrompt.imageTokens(1, 7, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Step1XPrompt.expandImagePads("x", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Step1XPrompt.render(null)).isInstanceOf(IllegalArgumentException.class);
    }

    private static int indexOf(long[] a, long v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }
}

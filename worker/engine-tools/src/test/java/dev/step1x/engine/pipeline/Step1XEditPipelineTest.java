package dev.step1x.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.image.EncodedImage;
import dev.step1x.engine.image.ImageEncoding;
import dev.step1x.engine.image.ImageFiles;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.image.Step1XResize;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.tokenizer.TestTokenizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole edit on the demo model: batched equals alone, shapes, determinism, bucket checks. */
class Step1XEditPipelineTest {

    @TempDir
    static Path tmp;
    static Step1XEditPipeline engine;

    @BeforeAll
    static void open() throws Exception {
        Path dir = tmp.resolve("demo");
        DemoModel.write(EngineRuntime.startDefault(), dir, TestTokenizer.path());
        engine = Step1XEditPipeline.open(dir, EngineRuntime.Options.defaults());
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    static RgbImage picture(int w, int h, int salt) {
        byte[] d = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                d[i] = (byte) (x * 255 / w + salt);
                d[i + 1] = (byte) (y * 255 / h);
                d[i + 2] = (byte) (((x / 8 + y / 8) % 2) * 200 + salt);
            }
        }
        return new RgbImage(w, h, d);
    }

    static EditInput input(RgbImage img, String instruction, float guidance, long seed, ModelVersion v) {
        return new EditInput(img, instruction, "", 64, 3, guidance, seed, v);
    }

    private static float maxDiff(RgbImage a, RgbImage b) {
        int max = 0;
        for (int i = 0; i < a.data().length; i++) {
            max = Math.max(max, Math.abs((a.data()[i] & 0xff) - (b.data()[i] & 0xff)));
        }
        return max;
    }

    @Test
    void batchedOutputsEqualEachRequestAlone() {
        for (ModelVersion v : ModelVersion.values()) {
            // three requests of one bucket: 100x150 and 102x148 both resize to the same 48x64 at level 64
            List<EditInput> inputs = List.of(
                    input(picture(100, 150, 0), "Make the sky purple and add a full moon.", 6f, 1, v),
                    input(picture(102, 148, 40), "把背景换成海边日落", 2.5f, 7, v),
                    input(picture(100, 150, 90), "Change the sign to say \"HELLO\"", 9f, -3, v));
            assertThat(inputs.stream().map(EditInput::bucket).distinct()).hasSize(1);
            List<EditOutput> batch = engine.edit(inputs);
            assertThat(batch).hasSize(3);
            for (int i = 0; i < 3; i++) {
                EditOutput alone = engine.edit(List.of(inputs.get(i))).get(0);
                EditOutput together = batch.get(i);
                assertThat(together.batchRows()).isEqualTo(3);
                // pixels at the bucket's size, with the input's size for the resize back
                assertThat(together.image().width()).isEqualTo(inputs.get(i).bucket().width());
                assertThat(together.image().height()).isEqualTo(inputs.get(i).bucket().height());
                assertThat(together.inputWidth()).isEqualTo(inputs.get(i).image().width());
                assertThat(together.inputHeight()).isEqualTo(inputs.get(i).image().height());
                // uint8 after truncation: float differences ~1e-6 can move a value across an integer by one
                assertThat(maxDiff(together.image(), alone.image())).as(v + " request " + i).isLessThanOrEqualTo(1);
            }
            // before the uint8 truncation the decoded images agree to 1e-5
            float[] batched = engine.generate(inputs, inputs.get(0).bucket(), new Step1XEditPipeline.StageClock(EditProgress.NONE));
            int per = batched.length / 3;
            for (int i = 0; i < 3; i++) {
                float[] alone = engine.generate(List.of(inputs.get(i)), inputs.get(i).bucket(),
                        new Step1XEditPipeline.StageClock(EditProgress.NONE));
                for (int k = 0; k < per; k++) {
                    assertThat(batched[i * per + k]).as(v + " request " + i + " value " + k)
                            .isCloseTo(alone[k], org.assertj.core.data.Offset.offset(1e-5f));
                }
            }
            // pairs of the same request also agree
            List<EditOutput> two = engine.edit(inputs.subList(0, 2));
            assertThat(maxDiff(two.get(1).image(), batch.get(1).image())).isLessThanOrEqualTo(1);
        }
    }

    /**
     * A batch leaves no tensor behind: the engine's live-tensor count comes back to where it was, batch after batch
     * (it once grew by two per batch: the conditioning stayed in the Qwen weights' manager, ~9 MB per request on the
     * real model).
     */
    @Test
    void batchesLeaveNoTensorBehind() {
        List<EditInput> inputs = List.of(
                input(picture(100, 150, 0), "Make the sky purple.", 6f, 1, ModelVersion.V1_1),
                input(picture(102, 148, 40), "把背景换成海边日落", 2.5f, 7, ModelVersion.V1_1));
        engine.edit(inputs);                       // first batch: loads the DiT, builds lazy caches
        long settled = engine.liveTensors();
        assertThat(settled).isPositive();
        for (int i = 0; i < 3; i++) {
            engine.edit(i % 2 == 0 ? inputs : inputs.subList(0, 1));
            assertThat(engine.liveTensors()).as("after batch " + i).isEqualTo(settled);
        }
        assertThat(engine.deviceMemoryInUse()).as("on the CPU").isEqualTo(-1);
    }

    /** Qwen offloaded to host memory encodes exactly as resident; float16 compute stays close to float32. */
    @Test
    void qwenOffloadIsExactAndFloat16IsCloseToFloat32() throws Exception {
        Path dir = tmp.resolve("demo");
        List<EditInput> batch = List.of(input(picture(64, 64, 5), "make it blue", 6f, 21, ModelVersion.V1_1),
                input(picture(64, 64, 9), "把天空变成红色", 4f, 22, ModelVersion.V1_1));
        List<EditOutput> resident = engine.edit(batch);
        try (Step1XEditPipeline offloaded = Step1XEditPipeline.open(dir,
                EngineRuntime.Options.defaults().withQwenOffload(true))) {
            assertThat(offloaded.describe()).contains("Qwen offloaded");
            List<EditOutput> out = offloaded.edit(batch);
            List<EditOutput> again = offloaded.edit(batch); // the visiting weights were freed and come back
            for (int i = 0; i < batch.size(); i++) {
                assertThat(out.get(i).image()).isEqualTo(resident.get(i).image());
                assertThat(again.get(i).image()).isEqualTo(resident.get(i).image());
            }
        }
        try (Step1XEditPipeline half = Step1XEditPipeline.open(dir, EngineRuntime.Options.defaults().withDtype("fp16"))) {
            assertThat(half.describe()).contains("compute fp16").contains("VAE float32");
            List<EditOutput> out = half.edit(batch);
            for (int i = 0; i < batch.size(); i++) {
                float max = maxDiff(out.get(i).image(), resident.get(i).image());
                System.out.println("fp16 vs fp32 request " + i + ": max |diff| " + max + " of 255");
                assertThat(max).isGreaterThan(0).isLessThanOrEqualTo(8);
            }
        }
    }

    @Test
    void seedAndGuidanceChangeTheOutputAndTheSameRequestRepeats() {
        RgbImage img = picture(64, 64, 3);
        EditOutput a = engine.edit(List.of(input(img, "add a hat", 6f, 11, ModelVersion.V1_1))).get(0);
        EditOutput again = engine.edit(List.of(input(img, "add a hat", 6f, 11, ModelVersion.V1_1))).get(0);
        EditOutput otherSeed = engine.edit(List.of(input(img, "add a hat", 6f, 12, ModelVersion.V1_1))).get(0);
        assertThat(again.image()).isEqualTo(a.image());
        assertThat(maxDiff(otherSeed.image(), a.image())).isGreaterThan(1);
        assertThat(a.stageMillis()).containsKeys("resize", "vaeEncode", "mllm", "denoise", "vaeDecode", "total");
    }

    /** The caller's last step: back to the input's size with the official BICUBIC resize, then encoded. */
    @Test
    void finishResizesBackToTheInputSizeAndEncodes() throws Exception {
        RgbImage img = picture(90, 60, 5);
        EditOutput out = engine.edit(List.of(new EditInput(img, "blue", "", 64, 2, 6f, 1, ModelVersion.V1_0))).get(0);
        assertThat(out.image().width()).isEqualTo(out.bucket().width());
        RgbImage back = out.atInputSize();
        assertThat(back).isEqualTo(Step1XResize.resizeOutput(out.image(), 90, 60));
        EncodedImage png = out.finish(ImageEncoding.PNG);
        assertThat(png.contentType()).isEqualTo("image/png");
        assertThat(ImageFiles.probe(png.bytes())).isEqualTo(new ImageFiles.Probe(ImageFiles.Format.PNG, 90, 60));
        assertThat(ImageFiles.decode(png.bytes(), 1_000_000)).isEqualTo(back);
        EncodedImage jpeg = out.finish(ImageEncoding.jpeg(90));
        assertThat(jpeg.contentType()).isEqualTo("image/jpeg");
        assertThat(ImageFiles.probe(jpeg.bytes()).format()).isEqualTo(ImageFiles.Format.JPEG);
    }

    /** A picture resized to its bucket before the batch (the worker's prefetch) gives the same edit. */
    @Test
    void aPictureResizedBeforeTheBatchGivesTheSameEdit() {
        EditInput in = input(picture(100, 150, 7), "add a hat", 6f, 3, ModelVersion.V1_1);
        EditInput early = in.resizedToBucket();
        assertThat(early.resized().width()).isEqualTo(in.bucket().width());
        assertThat(engine.edit(List.of(early)).get(0).image()).isEqualTo(engine.edit(List.of(in)).get(0).image());
        assertThatThrownBy(() -> new EditInput(in.image(), "x", "", 64, 3, 6f, 1, ModelVersion.V1_1, null,
                picture(16, 16, 0))).hasMessageContaining("the resized picture is 16x16");
    }

    @Test
    void aBatchMustShareOneBucket() {
        assertThatThrownBy(() -> engine.edit(List.of(input(picture(64, 64, 0), "a", 6f, 1, ModelVersion.V1_1),
                input(picture(128, 64, 0), "b", 6f, 1, ModelVersion.V1_1))))
                .hasMessageContaining("one batch holds one bucket");
    }
}

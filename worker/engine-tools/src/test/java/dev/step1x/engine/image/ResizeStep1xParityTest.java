package dev.step1x.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.parity.ParityCase;
import dev.step1x.engine.parity.ParityCatalog;
import dev.step1x.engine.parity.ParityRunner;
import dev.step1x.engine.parity.ParityRunner.Row;
import dev.step1x.engine.parity.ParityRunner.Status;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.SafetensorsFile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The golden case step1x/resize_step1x and the qwen25vl preprocessing resizes, byte for byte. */
class ResizeStep1xParityTest {

    static EngineRuntime runtime;
    NDManager manager;

    @BeforeAll
    static void start() {
        runtime = EngineRuntime.startDefault();
    }

    @BeforeEach
    void open() {
        manager = runtime.newManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void everyOutputOfTheCasePasses() throws Exception {
        ParityCase c = ParityCatalog.find(TestPaths.parityDir(), ResizeStep1xParity.CASE);
        List<Row> rows = new ParityRunner(runtime, Map.of(ResizeStep1xParity.CASE, ResizeStep1xParity.component()))
                .runCase(c);
        new ParityRunner.Report(rows).print(System.out);
        assertThat(rows).hasSize(26);
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.status()).as(r.toString()).isEqualTo(Status.PASS);
            assertThat(r.maxAbsDiff()).as(r.tensor()).isZero();
        });
    }

    @Test
    void theInputPngDecodesToTheCaseImage() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(TestPaths.step1x("resize_step1x.safetensors"))) {
            RgbImage expected = RgbImage.fromHwc(f.load(manager, "in.image_u8_hwc"));
            RgbImage png = RgbImage.read(TestPaths.step1x("resize_step1x_input.png"));
            assertThat(png).isEqualTo(expected);
            assertThat(png.width()).isEqualTo(100);
            assertThat(png.height()).isEqualTo(150);
            // and the S=64 outputs straight from the PNG
            assertThat(Step1XResize.resizeInput(png, 64, ModelVersion.V1_0))
                    .isEqualTo(RgbImage.fromHwc(f.load(manager, "out.s64.v10_bicubic.image_u8_hwc")));
            assertThat(Step1XResize.resizeInput(png, 64, ModelVersion.V1_1))
                    .isEqualTo(RgbImage.fromHwc(f.load(manager, "out.s64.v11_lanczos.image_u8_hwc")));
        }
    }

    @Test
    void toPilImageTruncatesLikeTorch() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(TestPaths.step1x("resize_step1x.safetensors"))) {
            NDArray x01 = f.load(manager, "in.back_s64.image01");
            RgbImage pil = Step1XResize.toPilImage(x01.toFloatArray(), 48, 64);
            assertThat(pil).isEqualTo(RgbImage.fromHwc(f.load(manager, "mid.back_s64.pil_u8_hwc")));
            // The case's float values really do sit off the integer grid (truncation matters).
            float[] v = x01.toFloatArray();
            long nonInteger = 0;
            long roundingWouldDiffer = 0;
            for (float x : v) {
                float p = x * 255f;
                if (p != (float) Math.floor(p)) {
                    nonInteger++;
                }
                if (Math.round(p) != (int) p) {
                    roundingWouldDiffer++;
                }
            }
            assertThat(nonInteger).isEqualTo(6862);
            assertThat(roundingWouldDiffer).isPositive();
        }
    }

    @Test
    void qwenProcessorResizeOfImagePngIsByteEqual() throws Exception {
        RgbImage png = RgbImage.read(TestPaths.qwen25vl("cases/image.png"));
        assertThat(png.width()).isEqualTo(150);
        assertThat(png.height()).isEqualTo(100);
        try (SafetensorsFile f = SafetensorsFile.open(TestPaths.qwen25vl("cases/image_preprocess.safetensors"))) {
            assertThat(png).isEqualTo(RgbImage.fromChw(f.load(manager, "image")));
            RgbImage expected = RgbImage.fromChw(f.load(manager, "resized_uint8"));
            assertThat(expected.width()).isEqualTo(140);
            assertThat(expected.height()).isEqualTo(112);
            RgbImage actual = PillowResize.resize(png, 140, 112, PillowResize.Filter.BICUBIC);
            assertThat(actual).isEqualTo(expected);
            // and in the file's own layout: [3, 112, 140] uint8
            NDArray chw = actual.toChw(manager);
            assertThat(chw.getShape()).isEqualTo(f.load(manager, "resized_uint8").getShape());
            assertThat(chw.toByteArray()).isEqualTo(f.load(manager, "resized_uint8").toByteArray());
        }
    }

    @Test
    void qwenStep1xLimitsResizeIsByteEqual() throws Exception {
        RgbImage png = RgbImage.read(TestPaths.qwen25vl("cases/image.png"));
        try (SafetensorsFile f = SafetensorsFile.open(TestPaths.qwen25vl("cases/image_preprocess_step1x.safetensors"))) {
            RgbImage expected = RgbImage.fromChw(f.load(manager, "resized_uint8"));
            assertThat(expected.width()).isEqualTo(560);
            assertThat(expected.height()).isEqualTo(392);
            assertThat(PillowResize.resize(png, 560, 392, PillowResize.Filter.BICUBIC)).isEqualTo(expected);
        }
    }
}

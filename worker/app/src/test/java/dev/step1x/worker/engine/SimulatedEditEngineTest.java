package dev.step1x.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.image.ImageFiles;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.pipeline.EditInput;
import dev.step1x.engine.pipeline.EditOutput;
import dev.step1x.engine.pipeline.ImageEncoding;
import dev.step1x.worker.support.Images;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatedEditEngineTest {

    final SimulatedEditEngine engine = new SimulatedEditEngine(Duration.ofMillis(20), Duration.ofMillis(10));

    static EditInput input(String sample, long seed, ImageEncoding enc) throws Exception {
        RgbImage img = ImageFiles.decode(Images.sample(sample), 1 << 24);
        return new EditInput(img, "make it blue", "", 512, 28, 6f, seed, ModelVersion.V1_1, enc);
    }

    @Test
    void deterministicBatchedEqualsAloneAndInvertsColours() throws Exception {
        EditInput a = input(Images.LANDSCAPE_PNG, 1, ImageEncoding.PNG);
        EditInput b = input(Images.LANDSCAPE_PNG, 2, ImageEncoding.jpeg(80));
        List<EditOutput> batch = engine.edit(List.of(a, b));
        List<EditOutput> alone = engine.edit(List.of(a));
        assertThat(batch).hasSize(2);
        assertThat(batch.get(0).image()).isEqualTo(alone.get(0).image());
        assertThat(batch.get(0).encoded()).isEqualTo(alone.get(0).encoded());
        assertThat(batch.get(0).batchRows()).isEqualTo(2);
        assertThat(batch.get(0).contentType()).isEqualTo("image/png");
        assertThat(batch.get(1).contentType()).isEqualTo("image/jpeg");
        assertThat(ImageFiles.probe(batch.get(1).encoded()).format()).isEqualTo(ImageFiles.Format.JPEG);
        RgbImage in = a.image();
        RgbImage out = batch.get(0).image();
        assertThat(out.width()).isEqualTo(in.width());
        assertThat(out.height()).isEqualTo(in.height());
        // the sky pixel in the corner is inverted
        assertThat(out.get(2, 2, 0)).isEqualTo(255 - in.get(2, 2, 0));
        assertThat(batch.get(0).stageMillis()).containsKeys("mllm", "denoise", "total");
    }

    @Test
    void aVaryingEngineGivesEachRunOfARequestOtherBytesWithinOneLevel() throws Exception {
        SimulatedEditEngine varying = new SimulatedEditEngine(Duration.ZERO, Duration.ZERO, 0, 1.0, true);
        EditInput a = input(Images.LANDSCAPE_PNG, 1, ImageEncoding.PNG);
        EditOutput first = varying.edit(List.of(a)).get(0);
        EditOutput second = varying.edit(List.of(a)).get(0);
        EditOutput plain = engine.edit(List.of(a)).get(0);
        assertThat(varying.variesPerRun()).isTrue();
        assertThat(first.encoded()).isNotEqualTo(second.encoded());
        byte[] x = first.image().data();
        byte[] y = plain.image().data();
        int differing = 0;
        for (int i = 0; i < x.length; i++) {
            int d = Math.abs((x[i] & 0xFF) - (y[i] & 0xFF));
            assertThat(d).as("sample %d", i).isLessThanOrEqualTo(1);
            differing += d;
        }
        assertThat(differing).isBetween(1, 16);
        // and without the flag every run is the same
        assertThat(engine.edit(List.of(a)).get(0).encoded()).isEqualTo(plain.encoded());
    }

    @Test
    void costIsBasePlusPerRow() throws Exception {
        EditInput a = input(Images.SQUARE_PNG, 1, null);
        long t0 = System.nanoTime();
        engine.edit(List.of(a, a, a, a));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).isGreaterThanOrEqualTo(60);
    }

    @Test
    void refusesMixedBuckets() throws Exception {
        EditInput a = input(Images.SQUARE_PNG, 1, null);
        EditInput b = input(Images.PORTRAIT_JPEG, 1, null);
        assertThatThrownBy(() -> engine.edit(List.of(a, b))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSimulatedDeviceRunsOutOfMemoryAsCudaDoesAndItsPlanOverclaims() throws Exception {
        EditInput a = input(Images.LANDSCAPE_PNG, 1, ImageEncoding.PNG);
        long row = (long) a.bucket().width() * a.bucket().height();
        SimulatedEditEngine small = new SimulatedEditEngine(Duration.ZERO, Duration.ZERO, 2 * row, 2.0);
        assertThat(small.maxBatchRequests(a.bucket())).isEqualTo(4);
        assertThat(small.edit(List.of(a, a))).hasSize(2);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> small.edit(List.of(a, a, a)))
                .hasMessageContaining("CUDA out of memory").hasMessageContaining("3 rows");
        assertThat(engine.maxBatchRequests(a.bucket())).isEqualTo(Integer.MAX_VALUE);
    }
}

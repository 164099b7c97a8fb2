package dev.step1x.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.image.ImageEncoding;
import dev.step1x.engine.image.ImageFiles;
import dev.step1x.engine.image.OutputImages;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.pipeline.EditInput;
import dev.step1x.engine.pipeline.EditOutput;
import dev.step1x.worker.support.Images;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatedEditEngineTest {

    final SimulatedEditEngine engine = new SimulatedEditEngine(Duration.ofMillis(20), Duration.ofMillis(10));

    static EditInput input(String sample, long seed) throws Exception {
        RgbImage img = ImageFiles.decode(Images.sample(sample), 1 << 24);
        return new EditInput(img, "make it blue", "", 512, 28, 6f, seed, ModelVersion.V1_1);
    }

    @Test
    void deterministicBatchedEqualsAloneAndInvertsColoursAtTheBucketSize() throws Exception {
        EditInput a = input(Images.LANDSCAPE_PNG, 1);
        EditInput b = input(Images.LANDSCAPE_PNG, 2);
        List<EditOutput> batch = engine.edit(List.of(a, b));
        List<EditOutput> alone = engine.edit(List.of(a));
        assertThat(batch).hasSize(2);
        assertThat(batch.get(0).image()).isEqualTo(alone.get(0).image());
        assertThat(batch.get(0).batchRows()).isEqualTo(2);
        RgbImage out = batch.get(0).image();
        assertThat(out.width()).isEqualTo(a.bucket().width());
        assertThat(out.height()).isEqualTo(a.bucket().height());
        assertThat(batch.get(0).inputWidth()).isEqualTo(a.image().width());
        assertThat(batch.get(0).inputHeight()).isEqualTo(a.image().height());
        // the sky pixel in the corner is inverted
        RgbImage in = a.image();
        assertThat(out.get(2, 2, 0)).isEqualTo(255 - in.get(2, 2, 0));
        assertThat(batch.get(0).stageMillis()).containsKeys("mllm", "denoise", "total");
    }

    @Test
    void aPictureResizedByTheCallerIsUsedAsIs() throws Exception {
        EditInput a = input(Images.LANDSCAPE_PNG, 1).resizedToBucket();
        RgbImage out = engine.edit(List.of(a)).get(0).image();
        RgbImage ref = a.resized();
        assertThat(out.width()).isEqualTo(ref.width());
        for (int i = 0; i < ref.data().length; i += 997) {
            assertThat(out.data()[i] & 0xff).isEqualTo(255 - (ref.data()[i] & 0xff));
        }
    }

    @Test
    void aVaryingEngineGivesEachRunOfARequestOtherBytesWithinOneLevel() throws Exception {
        SimulatedEditEngine varying = new SimulatedEditEngine(Duration.ZERO, Duration.ZERO, 0, 1.0, true);
        EditInput a = input(Images.LANDSCAPE_PNG, 1).resizedToBucket();
        EditOutput first = varying.edit(List.of(a)).get(0);
        EditOutput second = varying.edit(List.of(a)).get(0);
        EditOutput plain = engine.edit(List.of(a)).get(0);
        assertThat(varying.variesPerRun()).isTrue();
        assertThat(first.image()).isNotEqualTo(second.image());
        byte[] x = first.image().data();
        byte[] y = plain.image().data();
        int differing = 0;
        for (int i = 0; i < x.length; i++) {
            int d = Math.abs((x[i] & 0xFF) - (y[i] & 0xFF));
            assertThat(d).as("sample %d", i).isLessThanOrEqualTo(1);
            differing += d;
        }
        int patches = 4 * SimulatedEditEngine.NUDGE_PATCH * SimulatedEditEngine.NUDGE_PATCH * RgbImage.CHANNELS;
        assertThat(differing).isBetween(1, patches);
        // the difference survives the finisher's resize back to the (smaller) input size and the encoding
        byte[] firstPng = ImageEncoding.PNG.encode(OutputImages.toInputSize(first.image(), first.inputWidth(),
                first.inputHeight()));
        byte[] secondPng = ImageEncoding.PNG.encode(OutputImages.toInputSize(second.image(), second.inputWidth(),
                second.inputHeight()));
        assertThat(firstPng).isNotEqualTo(secondPng);
        // and without the flag every run is the same
        assertThat(engine.edit(List.of(a)).get(0).image()).isEqualTo(plain.image());
    }

    @Test
    void costIsBasePlusPerRow() throws Exception {
        EditInput a = input(Images.SQUARE_PNG, 1);
        long t0 = System.nanoTime();
        engine.edit(List.of(a, a, a, a));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).isGreaterThanOrEqualTo(60);
    }

    @Test
    void refusesMixedBuckets() throws Exception {
        EditInput a = input(Images.SQUARE_PNG, 1);
        EditInput b = input(Images.PORTRAIT_JPEG, 1);
        assertThatThrownBy(() -> engine.edit(List.of(a, b))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSimulatedDeviceRunsOutOfMemoryAsCudaDoesAndItsPlanOverclaims() throws Exception {
        EditInput a = input(Images.LANDSCAPE_PNG, 1);
        long row = (long) a.bucket().width() * a.bucket().height();
        SimulatedEditEngine small = new SimulatedEditEngine(Duration.ZERO, Duration.ZERO, 2 * row, 2.0);
        assertThat(small.maxBatchRequests(a.bucket())).isEqualTo(4);
        assertThat(small.edit(List.of(a, a))).hasSize(2);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> small.edit(List.of(a, a, a)))
                .hasMessageContaining("CUDA out of memory").hasMessageContaining("3 rows");
        assertThat(engine.maxBatchRequests(a.bucket())).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void reportsEachSimulatedStepAndCostsMoreForMoreStepsAndPixels() throws Exception {
        // 20 ms per row, step and megapixel: a 512-level row (~0.26 MP) at 28 steps costs ~150 ms
        SimulatedEditEngine stepped = new SimulatedEditEngine(Duration.ZERO, Duration.ZERO, Duration.ofMillis(20), 0,
                1.0, false);
        EditInput in = input(Images.LANDSCAPE_PNG, 1);
        double oneRow = stepped.costMillis(in.bucket(), 1);
        double mp = (double) in.bucket().width() * in.bucket().height() / 1e6;
        assertThat(oneRow).isCloseTo(20 * 28 * mp, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(stepped.costMillis(in.bucket(), 2)).isCloseTo(2 * oneRow, org.assertj.core.data.Offset.offset(1e-6));
        List<Integer> steps = new java.util.ArrayList<>();
        List<Long> at = new java.util.ArrayList<>();
        long t0 = System.nanoTime();
        stepped.edit(List.of(in), new dev.step1x.engine.pipeline.EditProgress() {
            @Override
            public void step(int done, int total) {
                assertThat(total).isEqualTo(28);
                steps.add(done);
                at.add(System.nanoTime() - t0);
            }
        });
        long took = System.nanoTime() - t0;
        assertThat(steps).hasSize(28).startsWith(1, 2, 3).endsWith(28);
        assertThat(took / 1e6).as("the whole cost is slept").isGreaterThanOrEqualTo(oneRow);
        assertThat(at.get(0) / 1e6).as("the first step ends after the stages before it and one step")
                .isGreaterThanOrEqualTo(oneRow * (0.15 + 0.8 / 28));
        for (int i = 1; i < at.size(); i++) {
            assertThat(at.get(i)).as("steps in order, spread over the batch").isGreaterThan(at.get(i - 1));
        }
    }
}

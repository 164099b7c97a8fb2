package dev.step1x.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.engine.TestPaths;
import dev.step1x.engine.parity.ParityCase;
import dev.step1x.engine.parity.ParityCatalog;
import dev.step1x.engine.parity.ParityComponent;
import dev.step1x.engine.parity.ParityRunner;
import dev.step1x.engine.parity.ParityRunner.Row;
import dev.step1x.engine.parity.ParityRunner.Status;
import dev.step1x.engine.runtime.EngineRuntime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The qwen25vl golden cases image_preprocess and image_preprocess_step1x through the parity runner. */
class ImagePreprocessParityTest {

    static EngineRuntime runtime;

    @BeforeAll
    static void start() {
        runtime = EngineRuntime.startDefault();
    }

    private static List<Row> run(String caseName, ParityComponent component) throws Exception {
        ParityCase c = ParityCatalog.find(TestPaths.parityDir(), caseName);
        List<Row> rows = new ParityRunner(runtime, Map.of(caseName, component)).runCase(c);
        new ParityRunner.Report(rows).print(System.out);
        return rows;
    }

    @Test
    void processorDefaultsCasePassesExactly() throws Exception {
        List<Row> rows = run(ImagePreprocessParity.CASE, ImagePreprocessParity.component(false));
        assertThat(rows).extracting(Row::tensor).containsExactlyInAnyOrder(
                "resized_size_hw", "resized_uint8", "normalized", "pixel_values", "image_grid_thw");
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.status()).as(r.toString()).isEqualTo(Status.PASS);
            assertThat(r.maxAbsDiff()).as(r.tensor()).isZero();
        });
    }

    @Test
    void step1xLimitsCasePassesExactly() throws Exception {
        List<Row> rows = run(ImagePreprocessParity.CASE_STEP1X, ImagePreprocessParity.component(true));
        assertThat(rows).extracting(Row::tensor).containsExactlyInAnyOrder(
                "resized_size_hw", "resized_uint8", "pixel_values", "image_grid_thw");
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.status()).as(r.toString()).isEqualTo(Status.PASS);
            assertThat(r.maxAbsDiff()).as(r.tensor()).isZero();
        });
    }

    @Test
    void theWrongLimitsAreCaughtByTheCaseMetadata() throws Exception {
        List<Row> rows = run(ImagePreprocessParity.CASE_STEP1X, ImagePreprocessParity.component(false));
        assertThat(rows).anySatisfy(r -> assertThat(r.status()).isEqualTo(Status.FAIL));
    }
}

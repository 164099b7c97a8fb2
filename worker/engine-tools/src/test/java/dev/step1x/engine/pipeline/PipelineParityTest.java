package dev.step1x.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.image.ImageFiles;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.parity.ParityCase;
import dev.step1x.engine.parity.ParityCatalog;
import dev.step1x.engine.parity.ParityComponents;
import dev.step1x.engine.parity.ParityPaths;
import dev.step1x.engine.parity.ParityRunner;
import dev.step1x.engine.parity.ParityRunner.Row;
import dev.step1x.engine.parity.ParityTestAccess;
import dev.step1x.engine.parity.TensorComparison;
import dev.step1x.engine.parity.Tolerance;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pipeline golden set (whole edits of the official pipeline on the tiny models) through the production
 * {@link Step1XEditPipeline}: every case alone and batched passes every intermediate at the set's tolerances,
 * and the comparison really depends on what it claims to.
 */
class PipelineParityTest {

    static final EngineRuntime RT = EngineRuntime.startDefault();
    static final Path DIR = ParityPaths.defaultParityDir();

    static Stream<String> pipelineCases() throws Exception {
        return ParityCatalog.cases(DIR).stream().filter(c -> c.set().equals("pipeline")).map(ParityCase::name);
    }

    @ParameterizedTest
    @MethodSource("pipelineCases")
    void everyIntermediateAndOutputMatchesTheOfficialPipeline(String name) throws Exception {
        ParityCase c = ParityCatalog.find(DIR, name);
        List<Row> rows = new ParityRunner(RT, ParityComponents.registered()).runCase(c);
        rows.forEach(System.out::println);
        assertThat(rows).allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(ParityRunner.Status.PASS));
        // every mid.* / out.* tensor of the file is compared, plus the batch-versus-alone rows of a batch case
        int extra = c.variant().equals(ParityCase.BATCH) ? 8 : 0;
        assertThat(rows).hasSize(c.outputs().size() + extra);
        assertThat(c.outputs()).containsKeys("mid.llm_embedding", "mid.step0.pred", "mid.qwen.row0.input_ids",
                "out.image_u8_hwc", "out.image_u8_hwc_bucket");
        Row image = rows.stream().filter(r -> r.tensor().equals("out.image_u8_hwc")).findFirst().orElseThrow();
        assertThat(image.tolerance()).isEqualTo(Tolerance.UINT8_IMAGE.toString());
        if (extra > 0) {
            assertThat(rows).filteredOn(r -> r.tensor().startsWith("batch=alone partner")).hasSize(4);
            assertThat(rows).filteredOn(r -> r.tensor().startsWith("batch=alone golden")).hasSize(4);
        }
    }

    /**
     * The injected draws are what make the run the official one: with the production seeded noise the
     * reference latents (and everything after them) leave the tolerance, while everything before the first
     * draw (resize, VAE moments, the Qwen front end) still matches; swapping the two draws breaks the
     * reference latents too.
     */
    @Test
    void theComparisonDependsOnTheInjectedDraws() throws Exception {
        ParityCase c = ParityCatalog.find(DIR, "edit_zh");
        Map<String, TensorComparison.Result> seeded = compare(c, injected -> NoiseSource.SEEDED);
        assertThat(seeded.get("mid.vae_moments").pass()).isTrue();
        assertThat(seeded.get("mid.ref_image_u8_hwc").pass()).isTrue();
        assertThat(seeded.get("mid.qwen.row0.input_ids").pass()).isTrue();
        assertThat(seeded.get("mid.timesteps").pass()).isTrue();
        assertThat(seeded.get("mid.ref_latents").pass()).isFalse();
        assertThat(seeded.get("mid.prepare.img").pass()).isFalse();
        assertThat(seeded.get("mid.step0.pred").pass()).isFalse();
        assertThat(seeded.get("out.image_u8_hwc").pass()).isFalse();

        Map<String, TensorComparison.Result> swapped = compare(c, injected -> (draw, request, count) -> injected.draw(
                draw == NoiseSource.Draw.POSTERIOR_EPS ? NoiseSource.Draw.INITIAL_NOISE : NoiseSource.Draw.POSTERIOR_EPS,
                request, count));
        assertThat(swapped.get("mid.vae_moments").pass()).isTrue();
        assertThat(swapped.get("mid.ref_latents").pass()).isFalse();
        assertThat(swapped.get("out.image_u8_hwc").pass()).isFalse();
    }

    private static Map<String, TensorComparison.Result> compare(ParityCase c, UnaryOperator<NoiseSource> draws)
            throws Exception {
        try (NDManager m = RT.newManager(); SafetensorsFile f = SafetensorsFile.open(c.file())) {
            Map<String, NDArray> out = PipelineParity.run(m, ParityTestAccess.caseData(c, f, m), draws);
            Map<String, TensorComparison.Result> results = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, Tolerance> e : c.outputs().entrySet()) {
                results.put(e.getKey(), TensorComparison.compare(out.get(e.getKey()), f.load(m, e.getKey()), e.getValue()));
            }
            return results;
        }
    }

    /** The set's pictures: the input PNG decodes to the case's input tensor, the output PNG to its output tensor. */
    @Test
    void theCasePicturesAreTheCaseTensors() throws Exception {
        for (String name : pipelineCases().filter(n -> !n.endsWith(ParityCatalog.BATCH_SUFFIX)).toList()) {
            Path dir = DIR.resolve("pipeline");
            try (NDManager m = RT.newManager(); SafetensorsFile f = SafetensorsFile.open(dir.resolve(name + ".safetensors"))) {
                for (String[] pair : new String[][] {{"_input.png", "in.image_u8_hwc"}, {"_output.png", "out.image_u8_hwc"}}) {
                    Path png = dir.resolve(name + pair[0]);
                    if (Files.exists(png)) {
                        RgbImage decoded = ImageFiles.decode(Files.readAllBytes(png), 100_000_000);
                        assertThat(decoded).as(png.toString()).isEqualTo(RgbImage.fromHwc(f.load(m, pair[1])));
                    }
                }
            }
        }
    }

    /** The batch partner shares the golden request's bucket but differs in everything else that is per request. */
    @Test
    void theBatchPartnerSharesTheBucketAndNothingElse() {
        byte[] px = new byte[5 * 3 * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) i;
        }
        EditInput golden = new EditInput(new RgbImage(5, 3, px), "Replace 'A' with 'B'", "", 32, 4, 6f, 42,
                ModelVersion.V1_0);
        EditInput partner = PipelineParity.partner(golden);
        assertThat(partner.bucket()).isEqualTo(golden.bucket());
        assertThat(partner.instruction()).isNotEqualTo(golden.instruction());
        assertThat(partner.guidance()).isNotEqualTo(golden.guidance());
        assertThat(partner.seed()).isNotEqualTo(golden.seed());
        assertThat(partner.image().data()).isNotEqualTo(golden.image().data());
        // mirrored: the first pixel of a row is the last one of the golden row
        assertThat(java.util.Arrays.copyOfRange(partner.image().data(), 0, 3))
                .isEqualTo(java.util.Arrays.copyOfRange(px, 12, 15));
    }
}

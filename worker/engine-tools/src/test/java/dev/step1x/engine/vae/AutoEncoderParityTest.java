package dev.step1x.engine.vae;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.parity.ParityCase;
import dev.step1x.engine.parity.ParityCatalog;
import dev.step1x.engine.parity.ParityRunner;
import dev.step1x.engine.parity.ParityRunner.Row;
import dev.step1x.engine.parity.ParityRunner.Status;
import dev.step1x.engine.parity.TensorComparison;
import dev.step1x.engine.parity.Tolerance;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.SafetensorsFile;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tiny FLUX autoencoder against the official code's golden case {@code vae_roundtrip}. */
class AutoEncoderParityTest {

    private static final Tolerance TOL = Tolerance.of(1e-4);

    static EngineRuntime runtime;
    static ParityCase roundtrip;
    static NDManager manager;
    static AutoEncoder ae;
    static SafetensorsFile file;

    @BeforeAll
    static void setUp() throws Exception {
        runtime = EngineRuntime.startDefault();
        roundtrip = ParityCatalog.find(TestPaths.parityDir(), VaeRoundtripParity.CASE);
        manager = runtime.newManager();
        ae = AutoEncoder.load(manager, TestPaths.step1x("vae.safetensors"),
                AutoEncoderParams.fromJson(TestPaths.step1x("vae_config.json")));
        file = SafetensorsFile.open(roundtrip.file());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (file != null) {
            file.close();
        }
        if (manager != null) {
            manager.close();
        }
    }

    @Test
    void everyOutputOfTheCasePasses() {
        List<Row> rows = new ParityRunner(runtime, Map.of(VaeRoundtripParity.CASE, VaeRoundtripParity.component()))
                .runCase(roundtrip);
        rows.forEach(r -> System.out.printf(Locale.ROOT, "vae_roundtrip %-24s max abs diff %.3e  %s %s%n", r.tensor(),
                r.maxAbsDiff(), r.status(), r.note()));
        assertThat(rows).extracting(Row::tensor).containsExactlyInAnyOrder("out.enc.mean", "out.enc.logvar",
                "out.enc.latents_mode", "out.enc.latents_sample", "out.dec.image", "out.roundtrip.image");
        assertThat(rows).allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(Status.PASS));
    }

    @Test
    void intermediatesMatch() throws Exception {
        try (NDManager m = manager.newSubManager()) {
            NDArray image = file.load(m, "in.image");
            NDArray latents = file.load(m, "in.dec.latents");
            Map<String, NDArray> actual = new LinkedHashMap<>();
            NDArray encMid = ae.encoder().features(image);
            actual.put("mid.enc.mid", encMid);
            actual.put("mid.enc.moments", ae.encoder().head(encMid));
            NDArray z = ae.denormalize(latents);
            actual.put("mid.dec.z_unscaled", z);
            NDArray convIn = ae.decoder().convIn(z);
            actual.put("mid.dec.conv_in", convIn);
            actual.put("mid.dec.mid", ae.decoder().mid(convIn));
            for (Map.Entry<String, NDArray> e : actual.entrySet()) {
                TensorComparison.Result r = TensorComparison.compare(e.getValue(), file.load(m, e.getKey()), TOL);
                System.out.printf(Locale.ROOT, "vae_roundtrip %-24s max abs diff %.3e%n", e.getKey(), r.maxAbsDiff());
                assertThat(r.pass()).as(e.getKey() + ": " + r).isTrue();
            }
        }
    }

    @Test
    void publicEncodeAndEncodeSampleGiveTheCaseLatents() throws Exception {
        try (NDManager m = manager.newSubManager()) {
            NDArray image = file.load(m, "in.image");
            assertClose(ae.encode(image), file.load(m, "out.enc.latents_mode"), "encode");
            assertClose(ae.encodeSample(image, file.load(m, "in.enc.eps")), file.load(m, "out.enc.latents_sample"),
                    "encodeSample");
            // moments = cat(mean, logvar) on the channel axis
            NDArray moments = ae.moments(image);
            assertClose(moments.get(new NDIndex(":, 16:")), file.load(m, "out.enc.logvar"), "moments logvar half");
        }
    }

    @Test
    void callsLeakNothing() throws Exception {
        try (NDManager m = manager.newSubManager()) {
            NDArray image = file.load(m, "in.image");
            NDArray eps = file.load(m, "in.enc.eps");
            NDArray latents = file.load(m, "in.dec.latents");
            int before = manager.getManagedArrays().size();
            Map<String, java.util.function.Supplier<NDArray>> calls = new LinkedHashMap<>();
            calls.put("encode", () -> ae.encode(image));
            calls.put("encodeSample", () -> ae.encodeSample(image, eps));
            calls.put("moments", () -> ae.moments(image));
            calls.put("decode", () -> ae.decode(latents));
            for (Map.Entry<String, java.util.function.Supplier<NDArray>> call : calls.entrySet()) {
                NDArray out = call.getValue().get();
                assertThat(manager.getManagedArrays().size()).as(call.getKey() + ": only the result is new")
                        .isEqualTo(before + 1);
                out.close();
                assertThat(manager.getManagedArrays().size()).as(call.getKey()).isEqualTo(before);
            }
            try (DiagonalGaussian posterior = ae.posterior(image)) {
                assertThat(manager.getManagedArrays().size()).isEqualTo(before + 2);
            }
            assertThat(manager.getManagedArrays().size()).isEqualTo(before);
        }
    }

    @Test
    void anySizeDivisibleByEightRoundTripsAndBatchesAreIndependent() {
        try (NDManager m = manager.newSubManager()) {
            // 24x40: a multiple of 8 but not of 16 (odd latent sizes 3x5), batch of 2
            NDArray images = m.randomUniform(-1f, 1f, new Shape(2, 3, 24, 40), DataType.FLOAT32);
            NDArray latents = ae.encode(images);
            assertThat(latents.getShape()).isEqualTo(new Shape(2, 16, 3, 5));
            NDArray decoded = ae.decode(latents);
            assertThat(decoded.getShape()).isEqualTo(new Shape(2, 3, 24, 40));
            // GroupNorm statistics and attention are per sample: sample 1 alone gives the same numbers
            NDArray one = images.get(new NDIndex("1:2"));
            assertClose(ae.encode(one), latents.get(new NDIndex("1:2")), "batch row 1 latents");
            assertClose(ae.decode(latents.get(new NDIndex("1:2"))), decoded.get(new NDIndex("1:2")), "batch row 1 image");
            // non-square the other way round
            assertThat(ae.encode(m.zeros(new Shape(1, 3, 56, 8))).getShape()).isEqualTo(new Shape(1, 16, 7, 1));
        }
    }

    @Test
    void wrongChannelCountsAreRejectedByName() {
        try (NDManager m = manager.newSubManager()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ae.encode(m.zeros(new Shape(1, 4, 16, 16))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[B, 3, H, W]");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ae.decode(m.zeros(new Shape(1, 3, 2, 2))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[B, 16, h, w]");
        }
    }

    @Test
    void loadIsStrict() {
        Path vae = TestPaths.step1x("vae.safetensors");
        AutoEncoderParams official = AutoEncoderParams.official();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AutoEncoder.load(manager, vae, official))
                .hasMessageContaining("does not match the model");
    }

    private static void assertClose(NDArray actual, NDArray expected, String what) {
        TensorComparison.Result r = TensorComparison.compare(actual, expected, TOL);
        assertThat(r.pass()).as(what + ": " + r).isTrue();
    }
}

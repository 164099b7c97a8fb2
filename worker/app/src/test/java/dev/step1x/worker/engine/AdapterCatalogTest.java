package dev.step1x.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.lora.LoraTargets;
import dev.step1x.engine.weights.DType;
import dev.step1x.engine.weights.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Catalog entries from files and S3, each checked against the official DiT's LoRA targets from headers alone. */
class AdapterCatalogTest {

    static final LoraTargets TARGETS = Step1XEdit.loraTargets(Step1XParams.official(), Qwen2ConnectorConfig.official());

    @TempDir
    static Path tmp;
    static Path fits;
    static Path wrongShape;
    static byte[] fitsBytes;

    /** One module of the official DiT, rank 4; {@code extraIn} widens lora_down so it no longer fits. */
    static Path lora(Path file, int extraIn) throws IOException {
        LoraTargets.Target t = TARGETS.byName().get("lora_unet_double_blocks_0_img_attn_proj");
        int rank = 4;
        long in = t.in() + extraIn;
        new SafetensorsWriter()
                .add(t.loraName() + ".alpha", DType.F32, new long[0], new byte[4])
                .add(t.loraName() + ".lora_down.weight", DType.F32, new long[] {rank, in}, new byte[(int) (rank * in * 4)])
                .add(t.loraName() + ".lora_up.weight", DType.F32, new long[] {t.out(), rank},
                        new byte[(int) (t.out() * rank * 4)])
                .write(file);
        return file;
    }

    @BeforeAll
    static void files() throws IOException {
        fits = lora(tmp.resolve("fits.safetensors"), 0);
        wrongShape = lora(tmp.resolve("wrong.safetensors"), 1);
        fitsBytes = Files.readAllBytes(fits);
    }

    @Test
    void filesAndS3ObjectsResolveAndAreCheckedAgainstTheModel() {
        Path downloads = tmp.resolve("downloads");
        AdapterCatalog.Downloader s3 = (bucket, key) -> {
            if (bucket.equals("adapters") && key.equals("styles/water.safetensors")) {
                return fitsBytes;
            }
            throw new NoSuchFileException("s3://" + bucket + "/" + key);
        };
        AdapterCatalog catalog = AdapterCatalog.resolve(Map.of(
                "sketch", fits.toString(),
                "watercolor-v2", "s3://adapters/styles/water.safetensors",
                "wide", wrongShape.toString(),
                "gone", "s3://adapters/styles/missing.safetensors",
                "nofile", tmp.resolve("nope.safetensors").toString()), downloads, s3, TARGETS);

        assertThat(catalog.names()).containsExactly("gone", "nofile", "sketch", "watercolor-v2", "wide");
        assertThat(catalog.ready()).containsOnlyKeys("sketch", "watercolor-v2");
        assertThat(catalog.lookup("sketch")).isEqualTo(new AdapterCatalog.Ready("sketch", fits, fits.toString()));
        AdapterCatalog.Ready water = (AdapterCatalog.Ready) catalog.lookup("watercolor-v2");
        assertThat(water.file()).startsWith(downloads).hasBinaryContent(fitsBytes);

        AdapterCatalog.Incompatible wide = (AdapterCatalog.Incompatible) catalog.lookup("wide");
        assertThat(wide.message()).contains("'wide'").contains("lora_unet_double_blocks_0_img_attn_proj");
        assertThat(((AdapterCatalog.Incompatible) catalog.lookup("gone")).message()).contains("cannot be fetched")
                .contains("missing.safetensors");
        assertThat(((AdapterCatalog.Incompatible) catalog.lookup("nofile")).message()).contains("no such file");
        assertThat(catalog.incompatible()).extracting(AdapterCatalog.Incompatible::name)
                .containsExactly("gone", "nofile", "wide");

        AdapterCatalog.Unknown unknown = (AdapterCatalog.Unknown) catalog.lookup("oil-paint");
        assertThat(unknown.message()).contains("'oil-paint'").contains("gone, nofile, sketch, watercolor-v2, wide");
        assertThat(((AdapterCatalog.Unknown) AdapterCatalog.empty().lookup("x")).message()).contains("known: none");
    }

    @Test
    void withoutTargetsOnlyTheFileMustExist() {
        AdapterCatalog catalog = AdapterCatalog.resolve(Map.of("wide", wrongShape.toString()), tmp, (b, k) -> null, null);
        assertThat(catalog.lookup("wide")).isInstanceOf(AdapterCatalog.Ready.class);
    }

    @Test
    void badNamesAndEmptyLocationsAreConfigurationErrors() {
        assertThatThrownBy(() -> AdapterCatalog.resolve(Map.of("Water Color", fits.toString()), tmp, (b, k) -> null,
                TARGETS)).hasMessageContaining("worker.lora.catalog.Water Color").hasMessageContaining("not an adapter name");
        assertThatThrownBy(() -> AdapterCatalog.resolve(Map.of("sketch", " "), tmp, (b, k) -> null, TARGETS))
                .hasMessageContaining("worker.lora.catalog.sketch is empty");
        AdapterCatalog bad = AdapterCatalog.resolve(Map.of("x", "s3://just-a-bucket"), tmp, (b, k) -> null, TARGETS);
        assertThat(((AdapterCatalog.Incompatible) bad.lookup("x")).message()).contains("is not s3://bucket/key");
    }
}

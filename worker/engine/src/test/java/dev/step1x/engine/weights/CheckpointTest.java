package dev.step1x.engine.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.step1x.engine.runtime.EngineRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

    @TempDir
    Path tmp;

    private void shards() throws IOException {
        new TestSafetensors().f32("a.weight", new long[] {2, 2}, 1, 2, 3, 4).f32("a.bias", new long[] {2}, 5, 6)
                .write(tmp.resolve("model-00001-of-00002.safetensors"));
        new TestSafetensors().bf16("b.weight", new long[] {3}, 1, 2, 4)
                .write(tmp.resolve("model-00002-of-00002.safetensors"));
    }

    private Path index(String weightMap) throws IOException {
        return Files.writeString(tmp.resolve("model.safetensors.index.json"),
                "{\"metadata\":{\"total_size\":36},\"weight_map\":{" + weightMap + "}}");
    }

    private static final String GOOD_MAP = "\"a.weight\":\"model-00001-of-00002.safetensors\","
            + "\"a.bias\":\"model-00001-of-00002.safetensors\",\"b.weight\":\"model-00002-of-00002.safetensors\"";

    @Test
    void opensShardsThroughTheIndexOrTheDirectory() throws IOException {
        shards();
        Path idx = index(GOOD_MAP);
        for (Path p : new Path[] {idx, tmp}) {
            try (Checkpoint c = Checkpoint.open(p); NDManager m = EngineRuntime.startDefault().newManager()) {
                assertThat(c.tensors().keySet()).containsExactlyInAnyOrder("a.weight", "a.bias", "b.weight");
                assertThat(c.info("b.weight").file().getFileName().toString()).isEqualTo("model-00002-of-00002.safetensors");
                assertThat(c.load(m, "b.weight", null).toFloatArray()).containsExactly(1f, 2f, 4f);
            }
        }
    }

    @Test
    void indexPointingAtTheWrongShardIsRejectedByKey() throws IOException {
        shards();
        index(GOOD_MAP.replace("\"a.bias\":\"model-00001", "\"a.bias\":\"model-00002"));
        assertThatThrownBy(() -> Checkpoint.open(tmp.resolve("model.safetensors.index.json")))
                .isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("a.bias (index says model-00002-of-00002.safetensors, found in model-00001-of-00002.safetensors)");
    }

    @Test
    void indexMissingAKeyOrNamingAnAbsentOneIsRejected() throws IOException {
        shards();
        index("\"a.weight\":\"model-00001-of-00002.safetensors\",\"b.weight\":\"model-00002-of-00002.safetensors\","
                + "\"ghost\":\"model-00002-of-00002.safetensors\"");
        assertThatThrownBy(() -> Checkpoint.open(tmp))
                .hasMessageContaining("ghost (index says model-00002-of-00002.safetensors, not in that shard)")
                .hasMessageContaining("a.bias (in model-00001-of-00002.safetensors, not in the index)");
    }

    @Test
    void missingShardFileIsNamed() throws IOException {
        shards();
        Files.delete(tmp.resolve("model-00002-of-00002.safetensors"));
        index(GOOD_MAP);
        assertThatThrownBy(() -> Checkpoint.open(tmp)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("model-00002-of-00002.safetensors");
    }

    @Test
    void shardPathsMayNotLeaveTheDirectory() throws IOException {
        shards();
        index("\"a.weight\":\"../evil.safetensors\"");
        assertThatThrownBy(() -> Checkpoint.open(tmp)).hasMessageContaining("not a plain file name");
    }

    @Test
    void keyInTwoShardsIsAnError() throws IOException {
        new TestSafetensors().f32("x", new long[] {1}, 1).write(tmp.resolve("one.safetensors"));
        new TestSafetensors().f32("x", new long[] {1}, 2).write(tmp.resolve("two.safetensors"));
        assertThatThrownBy(() -> Checkpoint.open(tmp)).hasMessageContaining("'x' is in both one.safetensors and two.safetensors");
    }

    @Test
    void strictLoaderReportsEveryProblemByName() throws IOException {
        shards();
        WeightSpec spec = WeightSpec.builder()
                .linear("a", 2, 2, true)       // matches
                .add("b.weight", 4)             // wrong shape
                .add("c.weight", 1)             // missing
                .build();
        try (Checkpoint c = Checkpoint.open(index(GOOD_MAP))) {
            StrictLoader.Report r = StrictLoader.check(spec, c);
            assertThat(r.ok()).isFalse();
            assertThat(r.missing()).containsExactly("c.weight");
            assertThat(r.mismatched()).containsExactly("b.weight is [3], expected [4]");
            assertThat(r.unused()).isEmpty();
            assertThatThrownBy(() -> StrictLoader.requireMatch(spec, c, Set.of()))
                    .isInstanceOf(StrictLoader.WeightMismatchException.class)
                    .hasMessageContaining("missing (1): c.weight")
                    .hasMessageContaining("wrong shape or dtype (1): b.weight is [3], expected [4]");
        }
    }

    @Test
    void strictLoaderNamesUnusedKeysUnlessIgnorable() throws IOException {
        shards();
        WeightSpec spec = WeightSpec.builder().linear("a", 2, 2, true).build();
        try (Checkpoint c = Checkpoint.open(index(GOOD_MAP)); NDManager m = EngineRuntime.startDefault().newManager()) {
            assertThat(StrictLoader.check(spec, c).unused()).containsExactly("b.weight");
            Map<String, NDArray> loaded = StrictLoader.loadAll(m, spec, c, null, Set.of("b.weight"));
            assertThat(loaded.keySet()).containsExactly("a.weight", "a.bias");
            assertThat(loaded.get("a.bias").toFloatArray()).containsExactly(5f, 6f);
        }
    }

    @Test
    void strictLoaderRejectsIntegerTensorsForParameters() throws IOException {
        Path f = new TestSafetensors().i64("w", new long[] {2}, 1, 2).write(tmp.resolve("int.safetensors"));
        try (Checkpoint c = Checkpoint.open(f)) {
            assertThat(StrictLoader.check(WeightSpec.builder().add("w", 2).build(), c).mismatched())
                    .containsExactly("w has dtype I64, expected a float type (F32, F16, BF16, F8_E4M3, F8_E5M2)");
        }
    }

    @Test
    void specRejectsDuplicateDeclarations() {
        WeightSpec.Builder b = WeightSpec.builder().add("x", 1);
        assertThatThrownBy(() -> b.add("x", 1)).hasMessageContaining("declared twice: x");
    }
}

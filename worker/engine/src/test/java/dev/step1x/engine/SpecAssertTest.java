package dev.step1x.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.engine.weights.WeightSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The test helper itself: mismatches are reported by key. */
class SpecAssertTest {

    @Test
    void mismatchesAreReportedByKey() {
        WeightSpec spec = WeightSpec.builder().linear("a", 4, 8, true).add("s", 1).build();
        Map<String, long[]> file = new LinkedHashMap<>();
        file.put("a.weight", new long[] {8, 5});
        file.put("a.bias", new long[] {8});
        file.put("extra", new long[] {2});
        assertThatThrownBy(() -> SpecAssert.assertSameKeysAndShapes(spec, file, "f.safetensors"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("f.safetensors")
                .hasMessageContaining("in spec, not in file (1): s [1]")
                .hasMessageContaining("in file, not in spec (1): extra [2]")
                .hasMessageContaining("a.weight: spec [8, 4], file [8, 5]");
    }
}

package dev.step1x.engine.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.DType;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterCacheTest {

    static final EngineRuntime RT = EngineRuntime.startDefault();

    @Test
    void leastRecentlyUsedGoesFirstPinnedStayAndBytesAreCounted(@TempDir Path tmp) throws Exception {
        LoraTargets t = LoraFileTest.tinyTargets();
        try (NDManager m = RT.newManager()) {
            Path a = RandomLora.write(m, t, 4, 4f, 1, DType.BF16, tmp.resolve("a.safetensors"));
            Path b = RandomLora.write(m, t, 4, 4f, 2, DType.F16, tmp.resolve("b.safetensors"));
            Path c = RandomLora.write(m, t, 8, 8f, 3, DType.F32, tmp.resolve("c.safetensors"));
            long rank4 = AdapterCache.bytesForRank(t, 4, DataType.FLOAT32);
            try (AdapterCache cache = new AdapterCache(m, t, DataType.FLOAT32, 2 * rank4)) {
                cache.register("a", a);
                cache.register("b", b);
                cache.register("c", c);
                assertThat(cache.acquire("a").bytes()).isEqualTo(rank4);
                cache.acquire("b");
                assertThat(cache.residentBytes()).isEqualTo(2 * rank4);
                cache.acquire("a"); // a is now the most recently used
                cache.acquire("c"); // rank 8 = 2 x rank 4: both a and b must go
                assertThat(cache.residentNames()).containsExactly("c");
                assertThat(cache.residentBytes()).isEqualTo(2 * rank4);
                cache.acquire("a");
                assertThat(cache.residentNames()).containsExactly("a"); // c (LRU) evicted
                cache.pin(List.of("a"));
                cache.acquire("b");
                assertThat(cache.residentNames()).containsExactly("a", "b");
                cache.acquire("c"); // a pinned: over the cap for this batch rather than failing
                assertThat(cache.residentNames()).contains("a", "c").doesNotContain("b");
                assertThat(cache.evict("a")).isFalse();
                cache.unpin(List.of("a"));
                assertThat(cache.residentBytes()).isLessThanOrEqualTo(2 * rank4);
                assertThat(cache.evict("c") || cache.evict("a")).isTrue();
                assertThatThrownBy(() -> cache.acquire("zzz")).hasMessageContaining("unknown LoRA adapter 'zzz'")
                        .hasMessageContaining("[a, b, c]");
            }
            try (AdapterCache cache = new AdapterCache(m, t, DataType.FLOAT32, rank4)) {
                LoraAdapter r = cache.add("random", mm -> RandomLoraAdapter.of(mm, "random", cache.targets(), 4, DataType.FLOAT32));
                assertThat(r.layers()).isEqualTo(32);
                assertThat(r.bytes()).isEqualTo(rank4);
                assertThat(cache.acquire("random")).isSameAs(r); // resident without a file
            }
            try (AdapterCache off = new AdapterCache(m, t, DataType.FLOAT32, 0)) {
                off.register("a", a);
                assertThatThrownBy(() -> off.acquire("a")).hasMessageContaining("disabled");
            }
        }
    }
}

package dev.step1x.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.worker.pipeline.Finisher;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** worker.output.png-level reaches the finisher's settings, and a level zlib does not have stops the wiring. */
class OutputPropertiesTest {

    static WorkerProperties bind(Map<String, String> props) {
        return new Binder(new MapConfigurationPropertySource(props)).bind("worker", Bindable.of(WorkerProperties.class))
                .orElseGet(WorkerProperties::new);
    }

    @Test
    void thePngLevelReachesTheFinisher() {
        assertThat(bind(Map.of()).getOutput().toFinisherSettings(4)).isEqualTo(new Finisher.Settings(4, 1));
        assertThat(bind(Map.of("worker.output.png-level", "0")).getOutput().toFinisherSettings(2))
                .isEqualTo(new Finisher.Settings(2, 0));
        WorkerProperties bad = bind(Map.of("worker.output.png-level", "12"));
        assertThatThrownBy(() -> bad.getOutput().toFinisherSettings(4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("zlib level must be 0..9, got 12");
    }
}

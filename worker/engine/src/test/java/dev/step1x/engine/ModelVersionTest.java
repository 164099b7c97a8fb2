package dev.step1x.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ModelVersionTest {

    @Test
    void labelsAndParsing() {
        assertThat(ModelVersion.V1_0.label()).isEqualTo("v1.0");
        assertThat(ModelVersion.V1_1).hasToString("v1.1");
        assertThat(ModelVersion.parse("v1.0")).isEqualTo(ModelVersion.V1_0);
        assertThat(ModelVersion.parse("V1.1")).isEqualTo(ModelVersion.V1_1);
        assertThat(ModelVersion.parse("v1p1")).isEqualTo(ModelVersion.V1_1);
        assertThat(ModelVersion.parse("1.0")).isEqualTo(ModelVersion.V1_0);
        assertThat(ModelVersion.parse("V1_1")).isEqualTo(ModelVersion.V1_1);
        assertThatThrownBy(() -> ModelVersion.parse("v1.2")).hasMessageContaining("v1.0, v1.1");
        assertThatThrownBy(() -> ModelVersion.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void onlyV10HasTheConnectorScaleFactor() {
        assertThat(ModelVersion.V1_0.connectorHasScaleFactor()).isTrue();
        assertThat(ModelVersion.V1_1.connectorHasScaleFactor()).isFalse();
    }
}

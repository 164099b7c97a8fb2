package dev.step1x.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.engine.ModelVersion;
import dev.step1x.worker.config.EngineProperties;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start-up check of the engine settings, without Spring (the model-directory cases are in EngineStartupIT). */
class EngineFactoryTest {

    @TempDir
    Path tmp;

    private static EngineProperties engine(String mode, String modelDir, String... versions) {
        EngineProperties e = new EngineProperties();
        if (mode != null) {
            e.setMode(mode);
        }
        e.setModelDir(modelDir);
        if (versions.length > 0) {
            e.setModelVersions(List.of(versions));
        }
        return e;
    }

    private static EngineSettings settings(String mode, String modelDir, String... versions) {
        return engine(mode, modelDir, versions).toSettings();
    }

    @Test
    void theDefaultIsTheModelAndItNeedsAModelDirectory() {
        EngineProperties e = new EngineProperties();
        assertThat(e.getMode()).isEqualTo("model");
        assertThat(EngineFactory.simulatedRequested(e.toSettings())).isFalse();
        assertThatThrownBy(() -> EngineFactory.check(e.toSettings()))
                .isInstanceOf(EngineConfigurationException.class)
                .hasMessageStartingWith("worker.engine.model-dir is not set")
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("\n"));
        assertThatThrownBy(() -> EngineFactory.check(settings("model", "  ")))
                .hasMessageStartingWith("worker.engine.model-dir is not set");
    }

    @Test
    void simulatedOnlyByName() {
        EngineFactory.Setup s = EngineFactory.check(settings(" Simulated ", null, "v1.1", "v1.0"));
        assertThat(s.simulated()).isTrue();
        assertThat(s.model()).isNull();
        assertThat(s.warmupVersion()).isEqualTo(ModelVersion.V1_1);
        assertThat(s.versions()).containsExactly(ModelVersion.V1_1, ModelVersion.V1_0);
        for (String other : new String[] {"auto", "", "sim", "stub"}) {
            assertThatThrownBy(() -> EngineFactory.check(settings(other, null)))
                    .as(other).isInstanceOf(EngineConfigurationException.class)
                    .hasMessageStartingWith("worker.engine.mode='" + other + "' is not a mode");
        }
    }

    @Test
    void modelVersionsAreSpelledExactlyAndNotEmpty() {
        assertThatThrownBy(() -> EngineFactory.check(settings("simulated", null, "v1.1", "v2")))
                .hasMessageContaining("worker.engine.model-versions names 'v2'");
        assertThatThrownBy(() -> EngineFactory.check(settings("simulated", null, "1.1")))
                .hasMessageContaining("names '1.1'");
        assertThatThrownBy(() -> EngineFactory.check(settings("simulated", null, " ")))
                .hasMessageStartingWith("worker.engine.model-versions is empty");
    }

    @Test
    void deviceAndDtypeAreCheckedAtStart() {
        EngineProperties e = engine(null, tmp.toString());
        e.setDevice("cuda");
        assertThatThrownBy(() -> EngineFactory.check(e.toSettings())).isInstanceOf(EngineConfigurationException.class)
                .hasMessageContaining("worker.engine.device=cuda").hasMessageContaining("cpu, gpu, gpu:N");
        e.setDevice("gpu:1");
        e.setDtype("bf16");
        assertThatThrownBy(() -> EngineFactory.check(e.toSettings())).hasMessageContaining("dtype 'bf16' is not one of");
        e.setDtype("fp16");
        e.setFusedOps("flash");
        assertThatThrownBy(() -> EngineFactory.check(e.toSettings())).hasMessageStartingWith("worker.engine.fused-ops=flash")
                .hasMessageContaining("not one of: auto, fused, composed");
    }

    @Test
    void aMissingModelDirectoryIsReportedWithTheProperty() {
        Path missing = tmp.resolve("nowhere");
        assertThatThrownBy(() -> EngineFactory.check(settings(null, missing.toString())))
                .isInstanceOf(EngineConfigurationException.class)
                .hasMessageStartingWith("worker.engine.model-dir=" + missing + " does not open")
                .hasMessageContaining("not a directory");
    }

    @Test
    void theFailureAnalyzerGivesDescriptionAndAction() {
        EngineConfigurationException e = new EngineConfigurationException("worker.engine.model-dir is not set", "Set it.");
        var analysis = new EngineConfigurationFailureAnalyzer().analyze(new IllegalStateException("wrapped", e));
        assertThat(analysis).isNotNull();
        assertThat(analysis.getDescription()).isEqualTo("worker.engine.model-dir is not set");
        assertThat(analysis.getAction()).isEqualTo("Set it.");
    }
}

package dev.step1x.worker.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.worker.config.WorkerProperties;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.yaml.snakeyaml.Yaml;

/**
 * Ties the deployment files (infra/helm, infra/image) to this application, in the build that every commit
 * runs: the chart's ConfigMap entries bind to {@link WorkerProperties} through Spring's environment-variable
 * binding exactly as the pods get them, no chart key names a property the worker does not have, the shutdown
 * budget covers the worker's drain, and the images set what the engine needs. The full checks (rendering,
 * Kubernetes schemas, Terraform, alert tests) are in infra/validate.sh.
 */
class DeploymentFilesTest {

    private static final Path REPO = findRepo();

    private static Path findRepo() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("infra/helm/step1x-worker/values.yaml"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("repository root with infra/helm not found above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> values() throws IOException {
        try (InputStream in = Files.newInputStream(REPO.resolve("infra/helm/step1x-worker/values.yaml"))) {
            return new Yaml().load(in);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> m, String key) {
        return (Map<String, Object>) m.get(key);
    }

    private static int integer(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).intValue();
    }

    /** The chart's rule (templates/_helpers.tpl "step1x-worker.envName"): dots to _, dashes dropped, upper case. */
    static String envName(String property) {
        return property.replace('.', '_').replace("-", "").toUpperCase(Locale.ROOT);
    }

    /** What the chart's ConfigMap holds for the default values: config entries plus the derived shutdown keys. */
    private static Map<String, String> chartWorkerProperties() throws IOException {
        Map<String, Object> v = values();
        Map<String, String> props = new LinkedHashMap<>();
        map(v, "config").forEach((k, val) -> {
            if (val != null && !String.valueOf(val).isEmpty()) {
                props.put(k, String.valueOf(val));
            }
        });
        Map<String, Object> shutdown = map(v, "shutdown");
        props.put("worker.batching.batch-time-budget", integer(shutdown, "batchTimeBudgetSeconds") + "s");
        props.put("worker.lifecycle.drain-grace",
                (integer(shutdown, "batchTimeBudgetSeconds") + integer(shutdown, "publishSeconds")) + "s");
        props.put("worker.kafka.static-membership", "true"); // the chart adds it with kafka.staticMembership
        // the weights volume is the model directory (templates/configmap.yaml); config wins over it
        props.putIfAbsent("worker.engine.model-dir", String.valueOf(map(v, "model").get("mountPath")));
        return props;
    }

    private static Binder envBinder(Map<String, String> properties) {
        Map<String, Object> env = new LinkedHashMap<>();
        properties.forEach((k, val) -> env.put(envName(k), val));
        SystemEnvironmentPropertySource source = new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, env);
        return new Binder(ConfigurationPropertySources.from(source));
    }

    @Test
    void chartConfigMapBindsToWorkerPropertiesAsEnvironmentVariables() throws IOException {
        Map<String, String> props = chartWorkerProperties();
        Map<String, String> worker = new LinkedHashMap<>();
        props.forEach((k, val) -> {
            if (k.startsWith("worker.")) {
                worker.put(k, val);
            }
        });
        assertThat(worker).isNotEmpty();

        // NoUnboundElementsBindHandler: a chart key that is no WorkerProperties field fails here.
        WorkerProperties bound = envBinder(worker)
                .bind("worker", Bindable.of(WorkerProperties.class), new NoUnboundElementsBindHandler(BindHandler.DEFAULT))
                .orElseThrow(IllegalStateException::new);

        Map<String, Object> shutdown = map(values(), "shutdown");
        assertThat(bound.getEngine().getMode()).isEqualTo(worker.get("worker.engine.mode")).isEqualTo("model");
        // model mode needs a model directory: the chart points it at the weights volume
        assertThat(bound.getEngine().getModelDir()).isEqualTo(map(values(), "model").get("mountPath"))
                .isEqualTo("/models");
        assertThat(bound.getEngine().getQwenDir()).as("unset by default: Qwen inside the model directory").isNull();
        assertThat(dev.step1x.worker.engine.EngineFactory.simulatedRequested(bound.getEngine().toSettings())).isFalse();
        assertThat(bound.getEngine().getDevice()).isEqualTo("gpu");
        assertThat(bound.getEngine().getModelVersions()).containsExactly("v1.1");
        assertThat(bound.getBatching().getMaxBatchRows()).isEqualTo(Integer.parseInt(worker.get("worker.batching.max-batch-rows")));
        assertThat(bound.getBatching().getMaxDelay()).isEqualTo(DurationStyle.detectAndParse(worker.get("worker.batching.max-delay")));
        assertThat(bound.getLimits().getMaxInputBytes()).isEqualTo(Long.parseLong(worker.get("worker.limits.max-input-bytes")));
        assertThat(bound.getBatching().getBatchTimeBudget())
                .isEqualTo(Duration.ofSeconds(integer(shutdown, "batchTimeBudgetSeconds")));
        assertThat(bound.getKafka().isStaticMembership()).isTrue();
        assertThat(bound.getLifecycle().getDrainGrace()).isEqualTo(Duration.ofSeconds(
                integer(shutdown, "batchTimeBudgetSeconds") + integer(shutdown, "publishSeconds")));
        // the chart's drain grace and poll interval are what the worker derives from the same budget by itself
        WorkerProperties derived = new WorkerProperties();
        derived.getBatching().setBatchTimeBudget(bound.getBatching().getBatchTimeBudget());
        assertThat(derived.drainGrace()).isEqualTo(bound.drainGrace());
        assertThat(derived.maxPollIntervalMs()).isEqualTo(bound.maxPollIntervalMs()).isEqualTo(350_000);
        assertThat(bound.maxInFlight()).as("two batches").isEqualTo(2 * bound.getBatching().getMaxBatchRows());
    }

    /** The storage keys the chart offers bind as the pods get them: an env var per key, or the properties file. */
    @Test
    void storageOwnerAndOutputPrefixesBindFromTheChart() throws IOException {
        Map<String, Object> config = map(values(), "config");
        assertThat(config).containsKey("worker.storage.expected-bucket-owner");
        WorkerProperties owner = envBinder(Map.of("worker.storage.expected-bucket-owner", "123456789012"))
                .bind("worker", Bindable.of(WorkerProperties.class), new NoUnboundElementsBindHandler(BindHandler.DEFAULT))
                .orElseThrow(IllegalStateException::new);
        assertThat(owner.getStorage().getExpectedBucketOwner()).isEqualTo("123456789012");

        // values.yaml shows the output-prefixes line for applicationProperties: it binds with the bucket name intact
        Matcher example = Pattern.compile("#\\s+(worker\\.storage\\.output-prefixes\\[[^]]+]=\\S+)")
                .matcher(Files.readString(REPO.resolve("infra/helm/step1x-worker/values.yaml")));
        assertThat(example.find()).as("the example line in values.yaml").isTrue();
        Properties file = new Properties();
        file.load(new java.io.StringReader(example.group(1)));
        WorkerProperties prefixes = new Binder(ConfigurationPropertySources.from(
                new org.springframework.core.env.PropertiesPropertySource("applicationProperties", file)))
                .bind("worker", Bindable.of(WorkerProperties.class)).orElseThrow(IllegalStateException::new);
        assertThat(prefixes.getStorage().getOutputPrefixes())
                .containsExactly(Map.entry("my-fleet-output", List.of("edits/", "tmp/")));
        // as an environment variable the bucket name would lose its dashes: why the chart takes it as a file
        WorkerProperties fromEnv = envBinder(Map.of("worker.storage.output-prefixes.my-fleet-output", "edits/"))
                .bind("worker", Bindable.of(WorkerProperties.class)).orElseThrow(IllegalStateException::new);
        assertThat(fromEnv.getStorage().getOutputPrefixes()).doesNotContainKey("my-fleet-output");
    }

    /** The worker refuses to start in model mode without a model directory: the images must give it one. */
    @Test
    void theImagesEnvironmentBindsTheEngineSettings() throws IOException {
        for (String image : List.of("Dockerfile", "Dockerfile.cpu")) {
            String df = Files.readString(REPO.resolve("infra/image/" + image));
            Map<String, Object> env = new LinkedHashMap<>();
            Matcher m = Pattern.compile("\\b(WORKER_ENGINE_[A-Z_]+)=(\\S+)").matcher(df);
            while (m.find()) {
                env.put(m.group(1), m.group(2));
            }
            assertThat(env).as(image).containsKeys("WORKER_ENGINE_MODE", "WORKER_ENGINE_MODEL_DIR");
            // The images use the underscore spelling (WORKER_ENGINE_MODEL_DIR), which Spring binds to model-dir through
            // its legacy environment mapping; NoUnboundElementsBindHandler does not understand that mapping (it reports
            // worker.engine.model.dir unbound), so each value is checked instead.
            WorkerProperties bound = new Binder(ConfigurationPropertySources.from(new SystemEnvironmentPropertySource(
                    StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, env)))
                    .bind("worker", Bindable.of(WorkerProperties.class)).orElseThrow(IllegalStateException::new);
            assertThat(bound.getEngine().getMode()).as(image).isEqualTo("model");
            assertThat(bound.getEngine().getModelDir()).as(image).isEqualTo(map(values(), "model").get("mountPath"));
            assertThat(bound.getEngine().getCacheDir()).as(image).isEqualTo(env.get("WORKER_ENGINE_CACHE_DIR"));
            assertThat(bound.getEngine().getDevice()).as(image).isEqualTo(env.get("WORKER_ENGINE_DEVICE"));
        }
    }

    @Test
    void kafkaClientSettingsReachTheBinderConfigurationMapWithTheirDottedNames() {
        Map<String, String> env = Map.of(
                "spring.cloud.stream.kafka.binder.configuration.sasl.mechanism", "AWS_MSK_IAM",
                "spring.cloud.stream.kafka.binder.configuration.sasl.client.callback.handler.class", "x.Handler",
                "spring.cloud.stream.kafka.binder.consumer-properties.session.timeout.ms", "120000");
        Binder binder = envBinder(env);
        Map<String, String> configuration = binder
                .bind("spring.cloud.stream.kafka.binder.configuration", Bindable.mapOf(String.class, String.class))
                .orElseThrow(IllegalStateException::new);
        assertThat(configuration).containsEntry("sasl.mechanism", "AWS_MSK_IAM")
                .containsEntry("sasl.client.callback.handler.class", "x.Handler");
        Map<String, String> consumer = binder
                .bind("spring.cloud.stream.kafka.binder.consumer-properties", Bindable.mapOf(String.class, String.class))
                .orElseThrow(IllegalStateException::new);
        assertThat(consumer).containsEntry("session.timeout.ms", "120000");
    }

    /** max.poll.records is a binder setting (the worker no longer has its own): the chart and the defaults set it. */
    @Test
    void maxPollRecordsGoesThroughTheBinderInTheChartAndTheDefaults() throws IOException {
        String key = "spring.cloud.stream.kafka.binder.consumer-properties.max.poll.records";
        assertThat(Files.readString(REPO.resolve("infra/helm/step1x-worker/templates/_helpers.tpl")))
                .contains(key + ": {{ $k.maxPollRecords");
        Object records = map(values(), "kafka").get("maxPollRecords");
        assertThat(records).isEqualTo(32);
        Properties app = new Properties();
        try (InputStream in = Files.newInputStream(REPO.resolve("worker/app/src/main/resources/application.properties"))) {
            app.load(in);
        }
        assertThat(app.getProperty(key)).isEqualTo(String.valueOf(records));
        assertThat(app.stringPropertyNames()).noneMatch(k -> k.startsWith("worker.kafka.max-poll"));
        Map<String, String> consumer = envBinder(Map.of(key, "32"))
                .bind("spring.cloud.stream.kafka.binder.consumer-properties", Bindable.mapOf(String.class, String.class))
                .orElseThrow(IllegalStateException::new);
        assertThat(consumer).containsEntry("max.poll.records", "32");
    }

    @Test
    void gracePeriodCoversTheDrainAndTheShutdownPhase() throws IOException {
        Map<String, Object> s = map(values(), "shutdown");
        int preStop = integer(s, "preStopSleepSeconds");
        int drain = integer(s, "batchTimeBudgetSeconds") + integer(s, "publishSeconds");
        int set = integer(s, "terminationGracePeriodSeconds");
        // 0: the chart derives it (templates/_helpers.tpl "terminationGraceSeconds")
        int grace = set > 0 ? set : preStop + drain + integer(s, "exitMarginSeconds");
        assertThat(grace).isGreaterThanOrEqualTo(preStop + drain + integer(s, "exitMarginSeconds"));
        assertThat(grace).as("inside the two minutes of a spot notice").isLessThanOrEqualTo(120);

        Properties app = new Properties();
        try (InputStream in = Files.newInputStream(REPO.resolve("worker/app/src/main/resources/application.properties"))) {
            app.load(in);
        }
        String phase = app.getProperty("spring.lifecycle.timeout-per-shutdown-phase");
        if (phase != null) {
            long phaseSeconds = DurationStyle.detectAndParse(phase).toSeconds();
            assertThat(grace).as("Spring's shutdown phase ends before Kubernetes sends SIGKILL")
                    .isGreaterThanOrEqualTo(preStop + (int) phaseSeconds);
        }
    }

    @Test
    void imagesRunNonRootOfflineWithTheTunablesTheCliUses() throws IOException {
        String pom = Files.readString(REPO.resolve("pom.xml"));
        Matcher tunables = Pattern.compile("<glibc\\.tunables>([^<]+)</glibc\\.tunables>").matcher(pom);
        assertThat(tunables.find()).isTrue();
        String cli = Files.readString(REPO.resolve("bin/step1x-edit"));
        assertThat(cli).contains("GLIBC_TUNABLES:-" + tunables.group(1) + "}");

        for (String[] image : List.of(new String[] {"Dockerfile", "cu124"}, new String[] {"Dockerfile.cpu", "cpu"})) {
            String df = Files.readString(REPO.resolve("infra/image/" + image[0]));
            assertThat(df).as(image[0])
                    .contains("GLIBC_TUNABLES=" + tunables.group(1))
                    .contains("DJL_OFFLINE=true")
                    .contains("OPT_OUT_TRACKING=true")
                    .contains("PYTORCH_LIBRARY_PATH=/opt/libtorch/lib")
                    .contains("PYTORCH_FLAVOR=" + image[1])
                    .contains("--enable-native-access=ALL-UNNAMED")
                    .contains("-XX:+ExitOnOutOfMemoryError")
                    .contains("\nUSER 10001:10001\n")
                    .contains("ENTRYPOINT [\"java\", \"-jar\", \"/app/app.jar\"]");
        }
        Map<String, Object> pod = map(values(), "podSecurityContext");
        assertThat(pod.get("runAsUser")).isEqualTo(10001);
        assertThat(pod.get("runAsNonRoot")).isEqualTo(true);
    }

    @Test
    void envNamesFollowRelaxedBinding() {
        assertThat(envName("worker.batching.max-batch-rows")).isEqualTo("WORKER_BATCHING_MAXBATCHROWS");
        assertThat(envName("management.endpoint.health.probes.enabled")).isEqualTo("MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED");
    }
}

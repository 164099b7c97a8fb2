// The Helm chart: values against values.schema.json (ajv), every rendered manifest against the Kubernetes,
// KEDA and prometheus-operator schemas (kubernetes-models), the settings the fleet depends on, and the
// template-time `fail` checks. Rendering uses infra/tools/chart-render (Go text/template + sprig, as Helm).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Ajv from "ajv";
import { parse as parseYaml } from "yaml";
import { CHART, CHART_RENDER, list, read, readYaml, render, byKind, one } from "./lib.mjs";

import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import { TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";

const MODELS = {
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "keda.sh/v1alpha1/ScaledObject": ScaledObject,
  "keda.sh/v1alpha1/TriggerAuthentication": TriggerAuthentication,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
};

const CI_VALUES = list("infra", "helm", "step1x-worker", "ci").filter((f) => f.endsWith("-values.yaml"));
const ciFile = (f) => join(CHART, "ci", f);
const needRenderer = CHART_RENDER ? {} : { skip: "CHART_RENDER not built (run infra/validate.sh)" };

function deepMerge(a, b) {
  if (b === null || typeof b !== "object" || Array.isArray(b)) return b;
  const out = { ...(a && typeof a === "object" && !Array.isArray(a) ? a : {}) };
  for (const [k, v] of Object.entries(b)) out[k] = deepMerge(out[k], v);
  return out;
}

describe("values.schema.json", () => {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  const validate = ajv.compile(JSON.parse(read("infra", "helm", "step1x-worker", "values.schema.json")));
  const defaults = readYaml("infra", "helm", "step1x-worker", "values.yaml");

  test("values.yaml passes the schema", () => {
    assert.ok(validate(defaults), JSON.stringify(validate.errors, null, 1));
  });

  for (const f of CI_VALUES) {
    test(`values.yaml + ci/${f} pass the schema`, () => {
      const merged = deepMerge(defaults, parseYaml(read("infra", "helm", "step1x-worker", "ci", f)));
      assert.ok(validate(merged), JSON.stringify(validate.errors, null, 1));
    });
  }

  test("the schema rejects what would break the fleet", () => {
    const bad = [
      ["two GPUs per pod", { gpu: { count: 2 } }],
      ["a numeric config value (rendered as a float)", { config: { "worker.batching.max-batch-rows": 4 } }],
      ["root containers", { podSecurityContext: { runAsNonRoot: false } }],
      ["unknown auth", { kafka: { auth: "ssl" } }],
      ["a typo in a top-level key", { autoscalling: {} }],
    ];
    for (const [what, patch] of bad) {
      assert.equal(validate(deepMerge(defaults, patch)), false, what);
    }
  });
});

describe("rendered manifests", needRenderer, () => {
  for (const f of CI_VALUES) {
    test(`ci/${f}: every document matches its Kubernetes/KEDA/prometheus-operator schema`, () => {
      const r = render([ciFile(f)]);
      assert.ok(r.ok, r.stderr);
      assert.ok(r.docs.length >= 5);
      for (const doc of r.docs) {
        const key = `${doc.apiVersion}/${doc.kind}`;
        const Model = MODELS[key];
        assert.ok(Model, `no schema for ${key}`);
        assert.doesNotThrow(() => new Model(doc).validate(), `${key} ${doc.metadata?.name}`);
        assert.ok(doc.metadata.labels?.["app.kubernetes.io/name"], `${key} has the standard labels`);
      }
    });
  }

  test("default: Deployment with one GPU, spot node selector, probes, grace period, preStop, identity, scraping", () => {
    const { ok, docs, stderr } = render([ciFile("default-values.yaml")]);
    assert.ok(ok, stderr);
    const values = readYaml("infra", "helm", "step1x-worker", "values.yaml");
    const d = one(docs, "Deployment");
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    assert.equal(d.spec.replicas, undefined, "KEDA owns the replica count");
    assert.equal(d.spec.strategy.rollingUpdate.maxSurge, 0, "no surge beyond the GPUs");

    assert.equal(c.resources.limits["nvidia.com/gpu"], "1");
    assert.equal(c.resources.requests["nvidia.com/gpu"], "1");
    assert.equal(pod.nodeSelector["karpenter.sh/capacity-type"], "spot");
    assert.ok(pod.tolerations.some((t) => t.key === "nvidia.com/gpu" && t.effect === "NoSchedule"));

    assert.equal(c.readinessProbe.httpGet.path, "/actuator/health/readiness");
    assert.equal(c.livenessProbe.httpGet.path, "/actuator/health/liveness");
    assert.equal(c.startupProbe.httpGet.path, "/actuator/health/liveness");
    assert.ok(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold >= 600, "weights load before liveness starts");

    const s = values.shutdown;
    assert.equal(s.terminationGracePeriodSeconds, 0, "derived by default");
    assert.equal(pod.terminationGracePeriodSeconds,
        s.preStopSleepSeconds + s.batchTimeBudgetSeconds + s.publishSeconds + s.exitMarginSeconds,
        "derived from the batch time budget");
    assert.ok(pod.terminationGracePeriodSeconds <= 120, "inside the 2-minute spot notice");
    assert.deepEqual(c.lifecycle.preStop.exec.command, ["sleep", String(s.preStopSleepSeconds)]);

    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.runAsUser, 10001);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"]);
    const mounts = Object.fromEntries(c.volumeMounts.map((m) => [m.mountPath, m]));
    assert.equal(mounts["/models"].readOnly, true);
    assert.ok(mounts["/var/cache/djl"] && mounts["/tmp"], "writable DJL cache and /tmp on a read-only root");
    assert.equal(pod.volumes.find((v) => v.name === "models").persistentVolumeClaim.claimName, "step1x-models");

    const podName = c.env.find((e) => e.name === "POD_NAME");
    assert.equal(podName.valueFrom.fieldRef.fieldPath, "metadata.name");
    assert.equal(c.envFrom[0].configMapRef.name, d.metadata.name);

    const sa = one(docs, "ServiceAccount");
    assert.equal(pod.serviceAccountName, sa.metadata.name);
    assert.equal(sa.metadata.name, "step1x-worker", "terraform's Pod Identity association binds step1x/step1x-worker");
    assert.equal(sa.automountServiceAccountToken, false);

    const ann = d.spec.template.metadata.annotations;
    assert.equal(ann["prometheus.io/scrape"], "true");
    assert.equal(ann["prometheus.io/path"], "/actuator/prometheus");
    assert.match(ann["checksum/config"], /^[0-9a-f]{64}$/);

    const pdb = one(docs, "PodDisruptionBudget");
    assert.equal(pdb.spec.maxUnavailable, 1);
    assert.deepEqual(pdb.spec.selector.matchLabels, d.spec.selector.matchLabels);
  });

  test("default: ConfigMap mirrors the worker's properties and the MSK IAM client settings", () => {
    const { docs } = render([ciFile("default-values.yaml")]);
    const cm = one(docs, "ConfigMap").data;
    assert.equal(cm.SPRING_CLOUD_STREAM_KAFKA_BINDER_CONFIGURATION_SECURITY_PROTOCOL, "SASL_SSL");
    assert.equal(cm.SPRING_CLOUD_STREAM_KAFKA_BINDER_CONFIGURATION_SASL_MECHANISM, "AWS_MSK_IAM");
    assert.match(cm.SPRING_CLOUD_STREAM_KAFKA_BINDER_BROKERS, /:9098/);
    assert.equal(cm.WORKER_ENGINE_DEVICE, "gpu");
    assert.equal(cm.WORKER_ENGINE_MODE, "model");
    assert.equal(cm.WORKER_ENGINE_MODELDIR, "/models", "model mode needs the model directory: the weights volume");
    assert.equal(cm.WORKER_ENGINE_QWENDIR, undefined, "empty: Qwen inside the model directory");
    assert.equal(cm.WORKER_KAFKA_WORSTBATCHTIME, undefined, "replaced by the batch time budget");
    assert.equal(cm.WORKER_BATCHING_BATCHTIMEBUDGET, "90s");
    assert.equal(cm.WORKER_LIFECYCLE_DRAINGRACE, "110s", "budget + publish");
    // 2 x budget + drain grace + 60 s, the worker's own rule
    assert.equal(cm.SPRING_CLOUD_STREAM_KAFKA_BINDER_CONSUMERPROPERTIES_MAX_POLL_INTERVAL_MS, "350000");
    assert.equal(cm.WORKER_BATCHING_MAXINFLIGHT, undefined, "the worker's default: two batches");
    assert.equal(cm.AWS_EC2_METADATA_DISABLED, "true");
    assert.equal(cm.MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED, "true");
    assert.equal(cm.WORKER_STORAGE_ALLOWEDINPUTBUCKETS, "step1x-prod-input");
    for (const k of Object.keys(cm)) assert.match(k, /^[A-Z][A-Z0-9_]*$/, `env var name ${k}`);
    assert.equal(cm.WORKER_KAFKA_STATICMEMBERSHIP, undefined, "static membership is off by default");
  });

  test("default: KEDA ScaledObject on the request topic's lag, capped at the partitions, MSK IAM auth", () => {
    const { docs } = render([ciFile("default-values.yaml")]);
    const values = readYaml("infra", "helm", "step1x-worker", "values.yaml");
    const so = one(docs, "ScaledObject");
    const trig = so.spec.triggers[0];
    assert.equal(so.spec.scaleTargetRef.kind, "Deployment");
    assert.equal(so.spec.scaleTargetRef.name, one(docs, "Deployment").metadata.name);
    assert.ok(so.spec.maxReplicaCount <= values.kafka.partitions);
    assert.ok(so.spec.minReplicaCount >= 1);
    assert.equal(trig.type, "kafka");
    assert.equal(trig.metadata.topic, "image-edit.requests");
    assert.equal(trig.metadata.consumerGroup, "image-edit-workers");
    assert.equal(trig.metadata.lagThreshold, String(values.autoscaling.lagThreshold));
    assert.equal(trig.metadata.allowIdleConsumers, "false");
    assert.equal(trig.metadata.sasl, "oauthbearer");
    assert.equal(trig.metadata.saslTokenProvider, "aws_msk_iam");
    assert.equal(trig.metadata.tls, "enable");
    const ta = one(docs, "TriggerAuthentication");
    assert.equal(trig.authenticationRef.name, ta.metadata.name);
    assert.equal(ta.spec.podIdentity.provider, "aws");
    const down = so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown;
    assert.equal(down.policies[0].value, 1, "scale in one draining pod at a time");
  });

  test("static membership: StatefulSet with stable names, group.instance.id from the pod name, KEDA on the StatefulSet", () => {
    const { ok, docs, stderr } = render([ciFile("static-membership-values.yaml")]);
    assert.ok(ok, stderr);
    assert.equal(byKind(docs, "Deployment").length, 0);
    const sts = one(docs, "StatefulSet");
    assert.equal(sts.spec.podManagementPolicy, "Parallel");
    assert.equal(sts.spec.serviceName, one(docs, "Service").metadata.name);
    assert.equal(one(docs, "Service").spec.clusterIP, "None");
    const cms = byKind(docs, "ConfigMap");
    const env = cms.find((c) => c.data.WORKER_KAFKA_STATICMEMBERSHIP).data;
    assert.equal(env.WORKER_KAFKA_STATICMEMBERSHIP, "true");
    assert.equal(env.SPRING_CLOUD_STREAM_KAFKA_BINDER_CONSUMERPROPERTIES_SESSION_TIMEOUT_MS, "120000");
    assert.equal(env.WORKER_LIFECYCLE_SPOTWATCHER_ENABLED, "true");
    assert.equal(env.SPRING_CONFIG_ADDITIONALLOCATION, "optional:file:/config/");
    assert.match(cms.find((c) => c.data["application.properties"]).data["application.properties"], /max-rows-by-bucket/);
    assert.equal(one(docs, "ScaledObject").spec.scaleTargetRef.kind, "StatefulSet");
    assert.equal(one(docs, "ScaledObject").spec.maxReplicaCount, 12);
    assert.equal(one(docs, "TriggerAuthentication").spec.podIdentity.roleArn, "arn:aws:iam::111122223333:role/step1x-keda");
    assert.equal(one(docs, "ServiceMonitor").spec.endpoints[0].path, "/actuator/prometheus");
    assert.equal(sts.spec.template.metadata.annotations["prometheus.io/scrape"], undefined);
    assert.equal(sts.spec.template.metadata.annotations["karpenter.sh/do-not-disrupt"], "true");
    assert.equal(one(docs, "PersistentVolumeClaim").metadata.annotations["helm.sh/resource-policy"], "keep");
    assert.equal(one(docs, "ServiceAccount").metadata.annotations["eks.amazonaws.com/role-arn"], "arn:aws:iam::111122223333:role/step1x-worker");
  });

  test("scram + hostPath + fixed replicas: no KEDA objects, SCRAM JAAS from the Secret, hostPath weights", () => {
    const { ok, docs, stderr } = render([ciFile("scram-hostpath-values.yaml")]);
    assert.ok(ok, stderr);
    assert.equal(byKind(docs, "ScaledObject").length, 0);
    const d = one(docs, "Deployment");
    assert.equal(d.spec.replicas, 3);
    const c = d.spec.template.spec.containers[0];
    const jaas = c.env.find((e) => e.name === "SPRING_CLOUD_STREAM_KAFKA_BINDER_CONFIGURATION_SASL_JAAS_CONFIG");
    assert.match(jaas.value, /ScramLoginModule required username="\$\(KAFKA_SCRAM_USERNAME\)"/);
    assert.equal(c.env.find((e) => e.name === "KAFKA_SCRAM_PASSWORD").valueFrom.secretKeyRef.name, "step1x-kafka-scram");
    assert.equal(one(docs, "ConfigMap").data.SPRING_CLOUD_STREAM_KAFKA_BINDER_CONFIGURATION_SASL_MECHANISM, "SCRAM-SHA-512");
    assert.equal(d.spec.template.spec.volumes.find((v) => v.name === "models").hostPath.path, "/opt/step1x/models");
    assert.equal(d.spec.template.spec.terminationGracePeriodSeconds, 200);
  });

  const failures = [
    ["no bootstrap servers", [], [], /kafka.bootstrapServers is required/],
    ["maxReplicaCount above the partitions", ["default-values.yaml"], ["autoscaling.maxReplicaCount=30"], /maxReplicaCount=30 exceeds kafka.partitions=24/],
    ["grace period shorter than the drain", ["default-values.yaml"], ["shutdown.terminationGracePeriodSeconds=60"], /terminationGracePeriodSeconds=60 is shorter than .* = 120 s/],
    ["grace period beyond the spot notice", ["default-values.yaml"], ["shutdown.batchTimeBudgetSeconds=150", "shutdown.terminationGracePeriodSeconds=200"], /exceeds the 120 s a spot instance lives/],
    ["derived grace beyond the spot notice", ["default-values.yaml"], ["shutdown.batchTimeBudgetSeconds=120"], /terminationGracePeriodSeconds=150 exceeds the 120 s/],
    ["static membership on a Deployment", ["default-values.yaml"], ["kafka.staticMembership.enabled=true"], /needs stable pod names/],
    ["two GPUs per pod", ["default-values.yaml"], ["gpu.count=2"], /gpu.count must be 1/],
    ["min above max", ["default-values.yaml"], ["autoscaling.minReplicaCount=9"], /minReplicaCount=9 exceeds autoscaling.maxReplicaCount=8/],
    ["fixed replicas above the partitions", ["scram-hostpath-values.yaml"], ["workload.replicas=40"], /workload.replicas=40 exceeds kafka.partitions=24/],
    ["scram without a Secret", ["default-values.yaml"], ["kafka.auth=scram"], /needs kafka.scram.secretName/],
    ["a config key env vars cannot express", ["default-values.yaml"], ["config.worker\\.batching\\.max-rows-by-bucket[v1]=2"], /put it into applicationProperties/],
  ];
  for (const [what, files, sets, message] of failures) {
    test(`template-time check fails: ${what}`, () => {
      const r = render(files.map(ciFile), sets);
      assert.equal(r.ok, false, "should not render");
      assert.match(r.stderr, message);
    });
  }
});

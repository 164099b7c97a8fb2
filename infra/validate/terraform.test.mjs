// terraform/: every file parsed by HashiCorp's HCL parser (@cdktf/hcl2json, the Go hcl library as wasm) and
// the security-relevant settings checked on the parsed tree. `terraform validate` needs the providers and
// modules from the Terraform registry, which this machine cannot reach; validate.sh runs `terraform fmt
// -check` when a terraform binary is present. The Karpenter manifests template is rendered and checked
// against Karpenter's CRD schemas (@kubernetes-models/karpenter).
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse as parseHcl } from "@cdktf/hcl2json";
import { parseAllDocuments } from "yaml";
import { EC2NodeClass } from "@kubernetes-models/karpenter/karpenter.k8s.aws/v1/EC2NodeClass";
import { NodePool } from "@kubernetes-models/karpenter/karpenter.sh/v1/NodePool";
import { list, read, readYaml } from "./lib.mjs";

/** Parses every .tf file of a directory and merges the top-level blocks. */
async function parseDir(...dir) {
  const merged = {};
  for (const f of list(...dir).filter((n) => n.endsWith(".tf"))) {
    const json = await parseHcl(f, read(...dir, f));
    for (const [kind, blocks] of Object.entries(json)) {
      if (Array.isArray(blocks)) { // terraform {}, locals {}: a list of blocks
        merged[kind] = [...(merged[kind] ?? []), ...blocks];
        continue;
      }
      merged[kind] ??= {};
      for (const [type, body] of Object.entries(blocks)) {
        if (Array.isArray(body)) {
          merged[kind][type] = [...(merged[kind][type] ?? []), ...body];
        } else {
          merged[kind][type] = { ...(merged[kind][type] ?? {}), ...body };
        }
      }
    }
  }
  return merged;
}

const first = (x) => (Array.isArray(x) ? x[0] : x);
const statements = (doc) => first(doc).statement;
const locals = (tree) => Object.assign({}, ...tree.locals);
const sids = (doc) => Object.fromEntries(statements(doc).map((s) => [s.sid, s]));

let root;
let example;
before(async () => {
  root = await parseDir("terraform");
  example = await parseDir("terraform", "examples", "complete");
});

describe("terraform/ (root module)", () => {
  test("providers and modules are pinned", () => {
    const aws = first(root.terraform).required_providers[0].aws;
    assert.match(aws.version, />= 6\.42, < 7\.0/);
    for (const [name, blocks] of Object.entries(root.module)) {
      const m = first(blocks);
      if (m.source.startsWith("terraform-aws-modules/")) {
        assert.match(m.version, /^\d+\.\d+\.\d+$/, `module ${name} pinned to an exact version`);
      }
    }
    assert.equal(first(root.module.eks).version, first(root.module.karpenter).version, "eks and its karpenter sub-module together");
  });

  test("every variable has a type and a description", () => {
    for (const [name, blocks] of Object.entries(root.variable)) {
      const v = first(blocks);
      assert.ok(v.type, `variable ${name} type`);
      assert.ok(v.description && v.description.length > 10, `variable ${name} description`);
    }
  });

  for (const bucket of ["input_bucket", "output_bucket"]) {
    test(`${bucket}: private, SSE-KMS with bucket keys, TLS only, lifecycle`, () => {
      const b = first(root.module[bucket]);
      assert.equal(b.source, "terraform-aws-modules/s3-bucket/aws");
      for (const k of ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]) {
        assert.equal(b[k], true, k);
      }
      assert.equal(b.object_ownership, "BucketOwnerEnforced");
      const rule = b.server_side_encryption_configuration.rule;
      assert.equal(rule.apply_server_side_encryption_by_default.sse_algorithm, "aws:kms");
      assert.equal(rule.apply_server_side_encryption_by_default.kms_master_key_id, "${aws_kms_key.data.arn}");
      assert.equal(rule.bucket_key_enabled, true);
      assert.equal(b.attach_deny_insecure_transport_policy, true, "deny non-TLS");
      assert.equal(b.attach_require_latest_tls_policy, true);
      assert.equal(b.attach_deny_incorrect_kms_key_sse, true);
      assert.equal(b.allowed_kms_key_arn, "${aws_kms_key.data.arn}");
      assert.equal(b.versioning.enabled, true);
      const lc = b.lifecycle_rule[0];
      assert.equal(lc.enabled, true);
      assert.equal(lc.abort_incomplete_multipart_upload_days, 1);
      assert.ok(lc.expiration.days, "objects expire");
      assert.ok(lc.noncurrent_version_expiration.days, "old versions expire");
    });
  }

  test("KMS keys rotate; S3 may use the data key only through S3", () => {
    for (const k of ["data", "msk"]) assert.equal(first(root.resource.aws_kms_key[k]).enable_key_rotation, true);
    const s = sids(root.data.aws_iam_policy_document.data_key).S3UseThroughTheService;
    assert.equal(first(s.condition).variable, "kms:ViaService");
  });

  test("MSK: TLS in transit (client and in-cluster), IAM auth only, encrypted at rest, the contracts' topics", () => {
    const m = first(root.module.msk);
    assert.equal(m.source, "terraform-aws-modules/msk-kafka-cluster/aws");
    assert.equal(m.encryption_in_transit_client_broker, "TLS");
    assert.equal(m.encryption_in_transit_in_cluster, true);
    assert.equal(m.encryption_at_rest_kms_key_arn, "${aws_kms_key.msk.arn}");
    assert.equal(m.client_authentication.sasl.iam, true);
    assert.equal(m.client_authentication.unauthenticated, false);
    assert.equal(m.client_authentication.sasl.scram, undefined);
    assert.equal(m.configuration_server_properties["auto.create.topics.enable"], false);
    assert.match(m.topics, /local\.topics/);
    const topics = locals(root).topics;
    const names = Object.values(topics).map((t) => t.name).sort();
    const contract = read("contracts", "README.md");
    for (const n of names) assert.ok(contract.includes("`" + n + "`"), `${n} is a contract topic`);
    assert.deepEqual(names, ["image-edit.metrics", "image-edit.requests", "image-edit.requests.dlq", "image-edit.results"]);
    assert.equal(topics.requests.partitions, "${var.request_partitions}");
    const ingress = first(root.resource.aws_vpc_security_group_ingress_rule.msk_from_nodes);
    assert.equal(ingress.from_port, 9098, "SASL/IAM TLS port only");
    assert.equal(ingress.referenced_security_group_id, "${module.eks.node_security_group_id}");
  });

  test("worker IAM: least privilege on S3, KMS and MSK (no wildcard action or resource)", () => {
    const s = sids(root.data.aws_iam_policy_document.worker);
    const expected = {
      ReadInputs: [["s3:GetObject", "s3:GetObjectVersion"], ["${module.input_bucket.s3_bucket_arn}/*"]],
      ListInputs: [["s3:ListBucket"], ["${module.input_bucket.s3_bucket_arn}"]],
      WriteOutputs: [["s3:AbortMultipartUpload", "s3:PutObject"], ["${module.output_bucket.s3_bucket_arn}/*"]],
      ReadOutputs: [["s3:GetObject", "s3:GetObjectVersion"], ["${module.output_bucket.s3_bucket_arn}/*"]],
      ListOutputs: [["s3:ListBucket"], ["${module.output_bucket.s3_bucket_arn}"]],
      DataKeyThroughS3Only: [["kms:Decrypt", "kms:GenerateDataKey"], ["${aws_kms_key.data.arn}"]],
      KafkaConnect: [["kafka-cluster:Connect", "kafka-cluster:WriteDataIdempotently"], ["${local.msk_cluster_arn}"]],
      ReadRequests: [["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"], ["${local.msk_request_topic}"]],
      WriteResultsMetricsDeadLetters: [["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"], "${local.msk_write_topics}"],
      ConsumerGroup: [["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"], ["${local.msk_worker_group}"]],
    };
    assert.deepEqual(Object.keys(s).sort(), Object.keys(expected).sort());
    for (const [sid, [actions, resources]] of Object.entries(expected)) {
      assert.deepEqual([...s[sid].actions].sort(), actions, sid);
      assert.deepEqual(s[sid].resources, resources, sid);
      for (const a of s[sid].actions) assert.doesNotMatch(a, /\*/);
      assert.equal(s[sid].effect ?? "Allow", "Allow");
    }
    assert.equal(first(s.DataKeyThroughS3Only.condition).variable, "kms:ViaService");
    const l = locals(root);
    assert.match(l.msk_topic_prefix, /:cluster\/", ":topic\//);
    assert.match(l.msk_group_prefix, /:cluster\/", ":group\//);
    assert.match(l.msk_worker_group, /var\.consumer_group/);
  });

  test("KEDA IAM: read-only lag access", () => {
    const s = statements(root.data.aws_iam_policy_document.keda);
    const actions = s.flatMap((x) => x.actions).sort();
    assert.deepEqual(actions, ["kafka-cluster:Connect", "kafka-cluster:DescribeGroup", "kafka-cluster:DescribeTopic"]);
  });

  test("Pod Identity: trust pods.eks.amazonaws.com (AssumeRole + TagSession), associations for worker and KEDA", () => {
    const t = statements(root.data.aws_iam_policy_document.pod_identity_trust)[0];
    assert.deepEqual([...t.actions].sort(), ["sts:AssumeRole", "sts:TagSession"]);
    assert.deepEqual(first(t.principals).identifiers, ["pods.eks.amazonaws.com"]);
    const w = first(root.resource.aws_eks_pod_identity_association.worker);
    assert.equal(w.namespace, "${var.worker_namespace}");
    assert.equal(w.service_account, "${var.worker_service_account}");
    assert.equal(first(root.variable.worker_service_account).default, "step1x-worker");
    assert.ok(root.resource.aws_eks_pod_identity_association.keda);
  });

  test("EKS + Karpenter: Pod Identity agent, spot interruption queue, node security group discovery tag", () => {
    const eks = first(root.module.eks);
    assert.ok(eks.addons["eks-pod-identity-agent"]);
    assert.match(JSON.stringify(eks.node_security_group_tags), /karpenter\.sh\/discovery/);
    const k = first(root.module.karpenter);
    assert.equal(k.source, "terraform-aws-modules/eks/aws//modules/karpenter");
    assert.equal(k.enable_spot_termination, true);
    assert.equal(k.create_pod_identity_association, true);
    assert.equal(first(root.variable.gpu_instance_families).default.join(","), "p5,p4d,g6e");
    assert.deepEqual(first(root.variable.gpu_capacity_types).default, ["spot"]);
  });

  test("Karpenter GPU NodePool + EC2NodeClass render and match Karpenter's v1 schemas", () => {
    const vars = {
      name: "step1x", node_role: "step1x-karpenter-node", gpu_limit: "16", root_volume_size: "200", imds_hop_limit: "1",
    };
    const lists = { instance_families: ["p5", "p4d", "g6e"], capacity_types: ["spot"] };
    const text = read("terraform", "templates", "karpenter-gpu.yaml.tftpl")
      .replace(/\$\{jsonencode\(merge\(tags, \{ "karpenter\.sh\/discovery" = name \}\)\)\}/g, JSON.stringify({ "karpenter.sh/discovery": "step1x" }))
      .replace(/\$\{jsonencode\((\w+)\)\}/g, (_, v) => JSON.stringify(lists[v]))
      .replace(/\$\{(\w+)\}/g, (_, v) => {
        assert.ok(v in vars, `template variable ${v} is set`);
        return vars[v];
      });
    assert.doesNotMatch(text, /\$\{/, "every template expression substituted");
    const docs = parseAllDocuments(text).map((d) => d.toJS());
    const nodeClass = docs.find((d) => d.kind === "EC2NodeClass");
    const pool = docs.find((d) => d.kind === "NodePool");
    new EC2NodeClass(nodeClass).validate();
    new NodePool(pool).validate();
    assert.equal(nodeClass.spec.metadataOptions.httpTokens, "required");
    assert.equal(pool.spec.template.spec.nodeClassRef.name, nodeClass.metadata.name);
    const req = Object.fromEntries(pool.spec.template.spec.requirements.map((r) => [r.key, r.values]));
    assert.deepEqual(req["karpenter.k8s.aws/instance-family"], ["p5", "p4d", "g6e"]);
    assert.deepEqual(req["karpenter.sh/capacity-type"], ["spot"]);
    assert.deepEqual(pool.spec.template.spec.taints, [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }]);
    assert.equal(pool.spec.limits["nvidia.com/gpu"], 16);
    const chart = readYaml("infra", "helm", "step1x-worker", "values.yaml");
    assert.equal(chart.nodeSelector["karpenter.sh/nodepool"], pool.metadata.name, "the chart selects this NodePool");
    assert.ok(chart.tolerations.some((t) => t.key === "nvidia.com/gpu"), "the chart tolerates its taint");
    const tf = locals(root).karpenter_manifests;
    for (const v of [...Object.keys(vars), ...Object.keys(lists)]) assert.match(tf, new RegExp(`\\b${v}\\s*=`), `eks.tf passes ${v}`);
  });

  test("helm_values output ties the chart to the stack", () => {
    const out = first(root.output.helm_values).value;
    for (const k of ["bootstrap_brokers_sasl_iam", "request_partitions", "allowed-input-buckets", "allowed-output-buckets", "sse-kms-key-id"]) {
      assert.ok(out.includes(k), k);
    }
  });
});

describe("terraform/examples/complete", () => {
  test("uses the root module, pins everything, wires Karpenter's interruption queue under the right key", () => {
    assert.equal(first(example.module.step1x).source, "../..");
    assert.match(first(example.module.vpc).version, /^\d+\.\d+\.\d+$/);
    const karpenter = first(example.resource.helm_release.karpenter);
    assert.match(karpenter.version, /^\d+\.\d+\.\d+$/);
    const values = JSON.stringify(karpenter.values);
    assert.match(values, /interruptionQueue\s*=\s*module\.step1x\.karpenter_interruption_queue/);
    assert.doesNotMatch(values, /interruptionQueueName/, "the old key is silently ignored (eksctl#7697)");
    for (const r of ["keda", "nvidia_device_plugin"]) {
      assert.match(first(example.resource.helm_release[r]).version, /^\d+\.\d+\.\d+$/, r);
    }
    const worker = first(example.resource.helm_release.worker);
    assert.match(worker.chart, /infra\/helm\/step1x-worker/);
    assert.equal(worker.name, "step1x-worker", "release name = the service account terraform binds");
    const req = first(example.terraform).required_providers[0];
    for (const p of ["aws", "helm", "kubectl"]) assert.match(req[p].version, /</, `${p} has an upper bound`);
  });
});

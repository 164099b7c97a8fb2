// Alert rules and the Grafana dashboard. validate.sh runs `promtool check rules` and `promtool test rules` on the
// rule file; here every dashboard query goes through promtool's PromQL parser too (as recording rules), and
// every metric name is checked against the names the worker registers (worker/app WorkerMeters).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { stringify } from "yaml";
import { PROMTOOL, exists, read, readYaml } from "./lib.mjs";

const RULES = readYaml("infra", "observability", "prometheus", "step1x-worker.rules.yaml");
const DASHBOARD = JSON.parse(read("infra", "observability", "grafana", "step1x-worker-dashboard.json"));
const METERS_JAVA = ["worker", "app", "src", "main", "java", "dev", "step1x", "worker", "metrics", "WorkerMeters.java"];

/** Prometheus names of the worker's own meters (Micrometer: dots -> underscores), when the source is there. */
function workerMeterNames() {
  if (!exists(...METERS_JAVA)) return null;
  const src = read(...METERS_JAVA);
  return [...src.matchAll(/\("(step1x\.[a-z0-9.]+)",/g)].map((m) => m[1].replaceAll(".", "_"));
}

/** Names the queries may use besides the worker's meters. */
const EXTERNAL = [
  /^step1x:[a-z0-9_:]+$/, // recording rules
  /^resilience4j_circuitbreaker_state$/,
  /^spring_cloud_stream_binder_kafka_offset$/,
  /^keda_scaler_metrics_value$/,
  /^kafka_consumergroup_(current_offset|lag)$/, // a Kafka exporter (per-partition committed offset and lag)
  /^jvm_info$/,
  /^jvm_memory_used_bytes$/,
  /^DCGM_FI_[A-Z_]+$/,
];
const SUFFIXES = ["_seconds_bucket", "_seconds_count", "_seconds_sum", "_seconds_max", "_seconds", "_bucket", "_count", "_sum", "_max", "_total", "_bytes"];
const PROMQL_WORDS = new Set(["sum", "max", "min", "avg", "count", "rate", "increase", "deriv", "by", "on", "and", "or", "unless", "without",
  "histogram_quantile", "le", "absent", "time", "bool", "offset", "ignoring", "group_left", "group_right", "__name__"]);

function metricNames(expr) {
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\{[^}]*\}/g, "{}").replace(/\[[^\]]*\]/g, "[]")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\boffset\s+[0-9][0-9smhdwy]*/g, " "); // "offset 15m": a duration, not a metric
  const names = new Set();
  for (const m of noStrings.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const w = m[0];
    if (PROMQL_WORDS.has(w) || /^\d/.test(w)) continue;
    const after = noStrings.slice(m.index + w.length).trimStart();
    if (after.startsWith("(")) continue; // a function
    names.add(w);
  }
  // {__name__=~"a(_bytes)?"} selectors
  for (const m of expr.matchAll(/__name__=~"([a-z0-9_]+)\(_bytes\)\?"/g)) names.add(m[1]);
  return [...names];
}

function checkName(name, meters) {
  if (EXTERNAL.some((re) => re.test(name))) return;
  assert.match(name, /^step1x_/, `unknown metric ${name}`);
  if (!meters) return;
  const base = SUFFIXES.reduce((n, s) => (n.endsWith(s) && meters.includes(n.slice(0, -s.length)) ? n.slice(0, -s.length) : n), name);
  assert.ok(meters.includes(base), `${name}: no such meter in WorkerMeters (${meters.join(", ")})`);
}

const dashboardTargets = () => DASHBOARD.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));

describe("alert rules", () => {
  const alerts = RULES.groups.flatMap((g) => g.rules).filter((r) => r.alert);
  const byName = Object.fromEntries(alerts.map((a) => [a.alert, a]));

  test("the alerts the fleet needs exist, each with a severity and a summary", () => {
    for (const name of ["Step1xConsumerLagGrowing", "Step1xErrorRateHigh", "Step1xInferenceStuck", "Step1xS3CircuitOpen"]) {
      assert.ok(byName[name], name);
    }
    for (const a of alerts) {
      assert.match(a.labels.severity, /^(critical|warning|info)$/, a.alert);
      assert.ok(a.annotations.summary, a.alert);
    }
    assert.match(byName.Step1xInferenceStuck.expr, /step1x:consumer_lag:max > 0/);
    assert.match(byName.Step1xInferenceStuck.expr, /increase\(step1x_inference_exec_count_total/);
    assert.match(byName.Step1xS3CircuitOpen.expr, /resilience4j_circuitbreaker_state\{state=~"open/);
  });

  test("every metric name in the rules is one the worker, Resilience4j, the Kafka binder, KEDA or a Kafka exporter exports", () => {
    const meters = workerMeterNames();
    for (const r of RULES.groups.flatMap((g) => g.rules)) {
      for (const n of metricNames(r.expr)) checkName(n, meters);
    }
  });
});

describe("Grafana dashboard", () => {
  test("is a well-formed dashboard: uid, unique panel ids, a Prometheus datasource variable, every query with a refId", () => {
    assert.equal(DASHBOARD.uid, "step1x-worker-fleet");
    assert.ok(DASHBOARD.schemaVersion >= 36);
    const ids = DASHBOARD.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(DASHBOARD.templating.list.some((v) => v.type === "datasource" && v.query === "prometheus"));
    for (const p of DASHBOARD.panels) {
      assert.ok(p.gridPos && p.gridPos.w > 0 && p.gridPos.h > 0, p.title);
      if (p.type === "row") continue;
      assert.equal(p.datasource.uid, "${datasource}", p.title);
      assert.ok(p.targets.length > 0, p.title);
      for (const t of p.targets) assert.ok(t.expr && t.refId, p.title);
    }
  });

  test("covers the Triton-style set: queue vs stage time, batch rows and fill, results by status/code, S3, in-flight, memory, breaker, lag", () => {
    const all = dashboardTargets().map((t) => t.expr).join("\n");
    for (const m of ["step1x_inference_queue_duration_seconds_bucket", "step1x_inference_stage_duration_seconds_bucket",
      "step1x_inference_batch_rows_bucket", "step1x_inference_batch_fill_ratio", "step1x_inference_results_total",
      "step1x_s3_request_duration_seconds_bucket", "step1x_s3_errors_total", "step1x_worker_in_flight",
      "step1x_process_resident_memory", "resilience4j_circuitbreaker_state", "step1x:consumer_lag:max",
      "step1x_inference_exec_count_total", "DCGM_FI_DEV_GPU_UTIL"]) {
      assert.ok(all.includes(m), m);
    }
  });

  test("every metric name in the dashboard is one the worker or its neighbours export", () => {
    const meters = workerMeterNames();
    for (const t of dashboardTargets()) {
      for (const n of metricNames(t.expr)) checkName(n, meters);
    }
  });

  test("every dashboard query parses as PromQL (promtool)", { skip: PROMTOOL ? false : "PROMTOOL not set (run infra/validate.sh)" }, () => {
    const rules = dashboardTargets().map((t, i) => ({
      record: `dashboard:q${i}`,
      expr: t.expr.replaceAll("$__rate_interval", "5m").replaceAll("$namespace", ".*").replaceAll("$pod", ".*"),
    }));
    const dir = mkdtempSync(join(tmpdir(), "dash-"));
    const file = join(dir, "dashboard-queries.rules.yaml");
    writeFileSync(file, stringify({ groups: [{ name: "dashboard", rules }] }));
    const r = spawnSync(PROMTOOL, ["check", "rules", file], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`SUCCESS: ${rules.length} rules found`));
  });
});

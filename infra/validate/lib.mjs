// Shared helpers of the infra checks (node --test, started by infra/validate.sh).
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, parse as parseYaml } from "yaml";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CHART = join(REPO, "infra", "helm", "step1x-worker");
export const TERRAFORM = join(REPO, "terraform");

export const read = (...p) => readFileSync(join(REPO, ...p), "utf8");
export const readYaml = (...p) => parseYaml(read(...p));
export const exists = (...p) => existsSync(join(REPO, ...p));
export const list = (...p) => readdirSync(join(REPO, ...p));

/** The helm-compatible renderer built by validate.sh (Go text/template + sprig); null when not built. */
export const CHART_RENDER = process.env.CHART_RENDER && existsSync(process.env.CHART_RENDER) ? process.env.CHART_RENDER : null;
export const PROMTOOL = process.env.PROMTOOL && existsSync(process.env.PROMTOOL) ? process.env.PROMTOOL : null;

/** Renders the chart; returns {ok, docs, stderr}. */
export function render(valueFiles = [], sets = []) {
  const args = ["--strict", "--release", "step1x-worker", "--namespace", "step1x"];
  for (const f of valueFiles) args.push("-f", f);
  for (const s of sets) args.push("--set", s);
  args.push(CHART);
  const r = spawnSync(CHART_RENDER, args, { encoding: "utf8" });
  if (r.status !== 0) {
    return { ok: false, docs: [], stderr: r.stderr };
  }
  const docs = parseAllDocuments(r.stdout).map((d) => {
    if (d.errors.length) throw new Error("rendered YAML does not parse: " + d.errors[0].message);
    return d.toJS();
  }).filter((d) => d);
  return { ok: true, docs, stderr: r.stderr, text: r.stdout };
}

export const byKind = (docs, kind) => docs.filter((d) => d.kind === kind);
export const one = (docs, kind) => {
  const found = byKind(docs, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0];
};

export function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: "utf8", ...opts });
}

// The container images: both Dockerfiles linted by dockerfile-utils (the Docker language server's linter) and
// checked for what the worker needs at run time. They cannot be built here (no Docker engine); validate.sh
// additionally runs unpack-app.sh + an offline engine start on the CPU fat jar.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { DockerfileParser } from "dockerfile-ast";
import { validate as lintDockerfile } from "dockerfile-utils";
import { read } from "./lib.mjs";

const GLIBC_TUNABLES_POM = read("pom.xml").match(/<glibc\.tunables>([^<]+)<\/glibc\.tunables>/)[1];
const GLIBC_TUNABLES_CLI = read("bin", "step1x-edit").match(/GLIBC_TUNABLES:-([^}"]+)\}/)[1];

const IMAGES = {
  "Dockerfile": { flavor: "cu124", cuda: true, device: "gpu" },
  "Dockerfile.cpu": { flavor: "cpu", cuda: false, device: "cpu" },
};

/** An instruction's full source text (flags such as --from and --mount included). */
function raw(text, ins) {
  const r = ins.getRange();
  return text.split("\n").slice(r.start.line, r.end.line + 1).join("\n");
}

/** The instructions of the last stage, with ENV folded into a map. */
function finalStage(text) {
  const df = DockerfileParser.parse(text);
  const all = df.getInstructions();
  const froms = all.map((ins, i) => [ins, i]).filter(([ins]) => ins.getKeyword() === "FROM");
  const start = froms[froms.length - 1][1];
  const stage = all.slice(start);
  const env = {};
  for (const ins of stage.filter((i) => i.getKeyword() === "ENV")) {
    for (const p of ins.getProperties()) env[p.getName()] = (p.getValue() ?? "").replace(/^"|"$/g, "");
  }
  return { df, all, froms: froms.map(([f]) => f.getArgumentsContent()), stage, env };
}

for (const [file, spec] of Object.entries(IMAGES)) {
  describe(`infra/image/${file}`, () => {
    const text = read("infra", "image", file);
    const { all, froms, stage, env } = finalStage(text);
    const kw = (k) => stage.filter((i) => i.getKeyword() === k);

    test("dockerfile-utils reports no problem", () => {
      const diags = lintDockerfile(text, { deprecatedMaintainer: 1, emptyContinuationLine: 1, instructionCasing: 1, instructionCmdMultiple: 1, instructionEntrypointMultiple: 1, instructionHealthcheckMultiple: 1, instructionJSONInSingleQuotes: 1 });
      assert.deepEqual(diags.map((d) => `${d.range.start.line + 1}: ${d.message}`), []);
    });

    test("multi-stage: a Maven build stage, the runtime stage last", () => {
      assert.ok(froms.length >= 2, "at least build + runtime");
      assert.match(froms[0], /AS build$/);
      const args = Object.fromEntries(all.filter((i) => i.getKeyword() === "ARG").map((i) => i.getArgumentsContent().split("=")));
      assert.match(args.MAVEN_IMAGE, /^maven:\d+\.\d+\.\d+-eclipse-temurin-17$/, "pinned Maven + JDK 17");
      assert.match(args.JRE_IMAGE, /^eclipse-temurin:17\.[0-9._]+-jre-jammy$/, "pinned JRE 17 on Ubuntu 22.04 (glibc 2.35)");
      if (spec.cuda) {
        assert.match(args.CUDA_IMAGE, /^nvidia\/cuda:12\.4\.\d+-base-ubuntu22\.04$/, "CUDA 12.4 for the cu124 libtorch");
        assert.equal(froms[froms.length - 1], "${CUDA_IMAGE}");
      } else {
        assert.equal(froms[froms.length - 1], "${JRE_IMAGE}");
      }
      const build = all.filter((i) => i.getKeyword() === "RUN").map((i) => raw(text, i)).join("\n");
      assert.match(build, /--mount=type=cache,target=\/root\/\.m2/);
      assert.match(build, /mvn -B -q .*-pl worker\/app -am package/);
      assert.equal(/-Pcuda/.test(build), spec.cuda, "cuda profile only in the GPU image");
      assert.match(build, new RegExp(`unpack-app\\.sh "\\$jar" /out/app /out/libtorch ${spec.flavor}`));
    });

    test("non-root user, numeric (runAsNonRoot can verify it)", () => {
      const users = kw("USER");
      assert.equal(users.length, 1);
      const [uid, gid] = users[0].getArgumentsContent().split(":");
      assert.match(uid, /^[1-9]\d*$/);
      assert.notEqual(uid, "0");
      assert.equal(uid, "10001", "the chart's runAsUser");
      assert.equal(gid, "10001");
      const last = stage.filter((i) => ["USER", "RUN", "COPY", "ADD"].includes(i.getKeyword())).pop();
      assert.equal(last.getKeyword(), "USER", "nothing runs as root after USER");
    });

    test("DJL offline, libtorch extracted at build time and selected by PYTORCH_LIBRARY_PATH + PYTORCH_FLAVOR", () => {
      assert.equal(env.DJL_OFFLINE, "true");
      assert.equal(env.OPT_OUT_TRACKING, "true");
      assert.equal(env.DJL_CACHE_DIR, "/var/cache/djl");
      assert.equal(env.PYTORCH_LIBRARY_PATH, "/opt/libtorch/lib");
      assert.equal(env.PYTORCH_FLAVOR, spec.flavor);
      assert.equal(env.PYTORCH_VERSION, undefined, "PYTORCH_VERSION would make DJL look for (download) another JNI");
      const copies = kw("COPY").map((c) => raw(text, c));
      assert.ok(copies.some((c) => /--from=build \/out\/libtorch \/opt\/libtorch/.test(c)));
      assert.ok(copies.some((c) => /--from=build \/out\/app \/app/.test(c)));
    });

    test("GLIBC_TUNABLES as bin/step1x-edit and the pom set them", () => {
      assert.equal(GLIBC_TUNABLES_CLI, GLIBC_TUNABLES_POM);
      assert.equal(env.GLIBC_TUNABLES, GLIBC_TUNABLES_CLI);
    });

    test("JVM flags: native access, container-aware heap, exit on OOM, no GC log by default", () => {
      const opts = env.JDK_JAVA_OPTIONS;
      assert.ok(opts, "JDK_JAVA_OPTIONS set");
      assert.match(opts, /--enable-native-access=ALL-UNNAMED/);
      assert.match(opts, /-XX:MaxRAMPercentage=\d+/);
      assert.match(opts, /-XX:\+ExitOnOutOfMemoryError/);
      assert.doesNotMatch(opts, /-Xlog:gc|-verbose:gc|PrintGC/);
      assert.doesNotMatch(opts, /-Xmx/, "no fixed heap: it follows the container limit");
    });

    test("worker defaults, model volume, exec-form entrypoint", () => {
      assert.equal(env.WORKER_ENGINE_MODE, "model");
      assert.equal(env.WORKER_ENGINE_MODEL_DIR, "/models");
      assert.equal(env.WORKER_ENGINE_DEVICE, spec.device);
      assert.equal(kw("VOLUME")[0].getArgumentsContent(), '["/models"]');
      assert.equal(kw("EXPOSE")[0].getArgumentsContent(), "8080");
      assert.equal(kw("ENTRYPOINT")[0].getArgumentsContent(), '["java", "-jar", "/app/app.jar"]', "exec form: the JVM is PID 1 and gets SIGTERM");
    });

    test(`${file}.dockerignore sends only poms, sources and the unpack script`, () => {
      const lines = read("infra", "image", `${file}.dockerignore`).split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
      assert.equal(lines[0], "*", "everything excluded first");
      assert.ok(lines.includes("**/target/**"));
      const allowed = lines.filter((l) => l.startsWith("!")).map((l) => l.slice(1));
      const sources = all.filter((i) => i.getKeyword() === "COPY" && !/--from=/.test(raw(text, i)))
        .map((i) => i.getArgumentsContent().split(/\s+/)[0]);
      for (const src of sources) {
        assert.ok(allowed.some((a) => a === src || a === `${src}/**`), `COPY ${src} is in the build context`);
      }
    });
  });
}

test("the .dockerignore files are the same list", () => {
  const body = (f) => read("infra", "image", f).split("\n").filter((l) => !l.startsWith("#")).join("\n");
  assert.equal(body("Dockerfile.cpu.dockerignore"), body("Dockerfile.dockerignore"));
  assert.equal(body(".dockerignore"), body("Dockerfile.dockerignore"));
});

test("the cuda profile is the libtorch the GPU image extracts", () => {
  const pom = read("pom.xml");
  const cuda = pom.slice(pom.indexOf("<id>cuda</id>"));
  assert.match(cuda, /<pytorch\.native\.artifact>pytorch-native-cu124<\/pytorch\.native\.artifact>/);
  // the profile takes its versions from properties shared with the cuda-cpu-natives profile
  const prop = (name) => (pom.match(new RegExp(`<${name.replace(/\./g, "\\.")}>([^<]+)</`)) || [])[1];
  const resolve = (v) => v.replace(/\$\{([^}]+)\}/g, (_, n) => prop(n));
  assert.equal(resolve(cuda.match(/<djl\.version>([^<]+)<\/djl\.version>/)[1]), "0.33.0");
  assert.equal(resolve(cuda.match(/<pytorch\.version>([^<]+)<\/pytorch\.version>/)[1]), "2.5.1");
});

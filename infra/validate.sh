#!/usr/bin/env bash
# Offline validation of the deployment files (infra/, terraform/). Installs its tools from Debian and npm
# only (no direct downloads), then:
#   chart     infra/tools/chart-render (Go text/template + sprig, as Helm renders) renders the chart for every
#             ci/*-values.yaml; node tests check values against values.schema.json (ajv), every manifest
#             against the Kubernetes / KEDA / prometheus-operator schemas (kubernetes-models), the fleet's
#             settings, and the template-time `fail` checks
#   rules     promtool check rules + promtool test rules (alert unit tests); dashboard queries through promtool
#   terraform HCL parse of every .tf (@cdktf/hcl2json) + checks of buckets, MSK, IAM, Karpenter manifests
#             (Karpenter CRD schemas); `terraform fmt -check` when a terraform binary exists
#   image     Dockerfiles linted (dockerfile-utils) and checked; shellcheck on the scripts; when the worker's
#             fat jar is built (mvn package), unpack-app.sh runs on it and the engine starts offline from the
#             extracted libtorch (PYTORCH_LIBRARY_PATH + PYTORCH_FLAVOR=cpu), as in the CPU image
# Not possible here: docker build (no engine), helm itself, terraform validate/plan (registry providers).
# Usage: infra/validate.sh            (about a minute on a fresh machine, seconds after)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export DEBIAN_FRONTEND=noninteractive
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { echo "== validate: $*"; }

# ---------------------------------------------------------------- tools (Debian + npm)
need=()
command -v go >/dev/null 2>&1 || need+=(golang-go)
[ -d /usr/share/gocode/src/github.com/Masterminds/sprig ] || need+=(golang-github-masterminds-sprig-dev)
[ -d /usr/share/gocode/src/gopkg.in/yaml.v3 ] || need+=(golang-gopkg-yaml.v3-dev)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
if [ "${#need[@]}" -gt 0 ]; then
  step "installing ${need[*]} (apt)"
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi

step "npm packages (infra/validate/package-lock.json)"
if ! (cd infra/validate && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null 2>&1); then
  (cd infra/validate && npm install --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
fi

# ---------------------------------------------------------------- the chart renderer
step "building infra/tools/chart-render (GOPATH mode over Debian's Go libraries)"
gopath="$work/gopath"
mkdir -p "$gopath/src/github.com/Masterminds/sprig" "$gopath/src/github.com/Masterminds/semver" "$gopath/src/step1x"
# Debian installs sprig v3 and semver v3 without the /v3 directory their import paths name.
ln -s /usr/share/gocode/src/github.com/Masterminds/sprig "$gopath/src/github.com/Masterminds/sprig/v3"
ln -s /usr/share/gocode/src/github.com/Masterminds/semver "$gopath/src/github.com/Masterminds/semver/v3"
cp -r infra/tools/chart-render "$gopath/src/step1x/chart-render"
(cd "$gopath/src/step1x/chart-render" && GO111MODULE=off GOFLAGS='' GOPATH="$gopath:/usr/share/gocode" \
  GOCACHE="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/step1x-go-build" go build -o "$work/chart-render" .)
export CHART_RENDER="$work/chart-render"
export PROMTOOL
PROMTOOL=$(command -v promtool)

step "rendering the chart with each ci/*-values.yaml"
for f in infra/helm/step1x-worker/ci/*-values.yaml; do
  "$CHART_RENDER" --strict --release step1x-worker --namespace step1x -f "$f" infra/helm/step1x-worker \
    > "$work/$(basename "$f" .yaml).rendered.yaml"
  echo "   $(basename "$f"): $(grep -c '^kind:' "$work/$(basename "$f" .yaml).rendered.yaml") objects"
done

# ---------------------------------------------------------------- Prometheus rules
step "promtool check rules + test rules"
(cd infra/observability/prometheus && promtool check rules step1x-worker.rules.yaml && promtool test rules step1x-worker.rules.test.yaml)

# ---------------------------------------------------------------- shell scripts
step "shellcheck"
shellcheck infra/validate.sh infra/image/unpack-app.sh bin/gpu-kit infra/gpu-check/gpu-check.sh

# ---------------------------------------------------------------- terraform fmt (only if terraform exists)
if command -v terraform >/dev/null 2>&1; then
  step "terraform fmt -check ($(TF_CLI_CONFIG_FILE=/dev/null terraform version | head -n 1))"
  TF_CLI_CONFIG_FILE=/dev/null terraform fmt -check -recursive terraform
else
  step "terraform not installed (not in Debian or npm): HCL is parsed by @cdktf/hcl2json only"
fi

# ---------------------------------------------------------------- image: unpack + offline engine start
jar=${STEP1X_WORKER_JAR:-}   # default: the jar `mvn package` left in worker/app/target
if [ -z "$jar" ]; then
  for f in worker/app/target/worker-app-*.jar; do
    case "$f" in *-plain.jar | *-sources.jar | *-tests.jar) ;; *) [ -f "$f" ] && jar=$f ;; esac
  done
fi
# The fat jar holds no command line: the engine is started by `step1x-edit info` from the engine-tools jar (its
# classes plus picocli, the one library the app does not ship) on the extracted app's classpath.
tools=""
for f in worker/engine-tools/target/engine-tools-*.jar; do
  case "$f" in *-sources.jar | *-tests.jar) ;; *) [ -f "$f" ] && tools=$repo/$f ;; esac
done
for f in worker/engine-tools/target/lib/picocli-*.jar; do
  [ -n "$tools" ] && [ -f "$f" ] && tools=$tools:$repo/$f
done
if [ -n "$jar" ] && [ -n "$tools" ] && unzip -l "$jar" 2>/dev/null | grep -q 'BOOT-INF/lib/pytorch-native-cpu-'; then
  step "image: unpack-app.sh on $jar, then the engine from the extracted libtorch with no network"
  sh infra/image/unpack-app.sh "$jar" "$work/app" "$work/libtorch" cpu
  if compgen -G "$work/app/lib/pytorch-native-*.jar" >/dev/null; then echo "native jar left in lib/" >&2; exit 1; fi
  netns=()
  if unshare -n true 2>/dev/null; then netns=(unshare -n); fi
  out=$(env -i PATH="$PATH" HOME="$work" ${JAVA_HOME:+JAVA_HOME="$JAVA_HOME"} \
        DJL_OFFLINE=true OPT_OUT_TRACKING=true DJL_CACHE_DIR="$work/djl-cache" \
        PYTORCH_LIBRARY_PATH="$work/libtorch/lib" PYTORCH_FLAVOR=cpu \
        GLIBC_TUNABLES="$(sed -n 's/.*<glibc.tunables>\(.*\)<\/glibc.tunables>.*/\1/p' pom.xml)" \
        "${netns[@]}" java --enable-native-access=ALL-UNNAMED -cp "$work/app/lib/*:$tools" \
        dev.step1x.engine.cli.Step1xEditCli info 2>&1) || { echo "$out" >&2; exit 1; }
  echo "$out" | grep -E '^engine ' || { echo "$out" >&2; exit 1; }
  echo "$out" | grep -q 'PyTorch 2.7.1' || { echo "engine did not load libtorch 2.7.1" >&2; exit 1; }
else
  step "image: worker fat jar or engine-tools jar not built (mvn -B -DskipTests package): skipping the unpack + offline start check"
fi

# ---------------------------------------------------------------- node tests (schemas, settings)
step "node --test infra/validate (chart, image, terraform, observability)"
cd "$repo/infra/validate"
node --test --test-reporter=spec ./*.test.mjs

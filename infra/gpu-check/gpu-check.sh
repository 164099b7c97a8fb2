#!/usr/bin/env bash
# The GPU check: runs on a GPU host that has Python torch (and its CUDA libraries) but no Java and no network,
# from the repository root, with the kit that bin/gpu-kit wrote to .gpu/kit:
#   bash infra/gpu-check/gpu-check.sh
# It builds DJL's PyTorch JNI against the host's torch, points DJL at that torch (PYTORCH_LIBRARY_PATH +
# PYTORCH_FLAVOR), and runs with a jlinked JRE: engine info, the JNI/torch ABI check, parity at fp32 and fp16 on
# the GPU, the attention benchmark (and torch's fused SDPA at the same shape, for comparison), and the full-size
# random benchmark. Everything goes to $OUT (default ./gpu-out): gpu-figures.txt (the figures), steps.log (every
# step's output), jni-build.log. A failing step is recorded and the next one runs. The whole run is time-boxed
# (GPU_CHECK_BUDGET_S, default 540 s).
# GPU_CHECK_DEVICE=cpu runs the same route on a CPU-only host (CPU torch; no CUDA, fp16 and full-size steps),
# to check the kit, the JNI build and the library wiring without a GPU. TORCH_LIB_DIR / TORCH_CMAKE_PREFIX
# override where torch's libraries and CMake files are (default: from python3 -c 'import torch').
set -uo pipefail
root="$(pwd)"
kit="${GPU_CHECK_KIT:-$root/.gpu/kit}"
out="${OUT:-$root/gpu-out}"
work="${GPU_CHECK_WORK:-/tmp/step1x-gpu-check}"
mode="${GPU_CHECK_DEVICE:-gpu}"
budget="${GPU_CHECK_BUDGET_S:-540}"
start="$(date +%s)"
mkdir -p "$out"
figures="$out/gpu-figures.txt"
steps="$out/steps.log"
: > "$figures"
: > "$steps"

note() { echo "$*" | tee -a "$figures"; }
left() { echo $((budget - ($(date +%s) - start))); }
# run NAME LIMIT_S COMMAND...: output to steps.log (and the console), rc and time to the figures
run() {
  local name="$1" limit="$2" t0 rc remaining
  shift 2
  remaining="$(left)"
  if [ "$remaining" -lt 20 ]; then
    note "step $name: SKIPPED (time budget spent)"
    return 1
  fi
  [ "$limit" -gt "$remaining" ] && limit="$remaining"
  t0="$(date +%s)"
  echo "===== $name (limit ${limit}s): $*" >> "$steps"
  timeout --kill-after=10 "$limit" "$@" 2>&1 | tee -a "$steps"
  rc="${PIPESTATUS[0]}"
  note "step $name: rc=$rc in $(($(date +%s) - t0)) s$([ "$rc" = 124 ] && echo ' (timed out: partial output above)')"
  return "$rc"
}
unpack() { python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$1" "$2"; }

case "$mode" in gpu | cpu) ;; *) echo "GPU_CHECK_DEVICE must be gpu or cpu, got $mode" >&2; exit 2 ;; esac
for f in jre.tar.xz jars.tar.xz jni.tar.xz parity.tar.xz tokenizer.json.xz; do
  [ -f "$kit/$f" ] || { echo "no $kit/$f: run bin/gpu-kit on a machine with Java first" >&2; exit 2; }
done
note "step1x gpu-check $(date -u +%FT%TZ) mode=$mode host=$(hostname) cores=$(nproc)"
if [ "$mode" = gpu ]; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | sed 's/^/gpu: /' | tee -a "$figures"
fi

# 1. Unpack the kit.
rm -rf "$work" && mkdir -p "$work"
for f in jre jars jni parity; do unpack "$kit/$f.tar.xz" "$work"; done
python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
  "$kit/tokenizer.json.xz" "$work/tokenizer.json"
mkdir -p "$work/parity-dir" && mv "$work/step1x" "$work/qwen25vl" "$work/step1x_lora" "$work/step1x_fp8" "$work/parity-dir/"
# the kit carries no pipeline set (too large for it); the catalog reads every set directory, so an empty one
mkdir -p "$work/parity-dir/pipeline"
java="$work/jre/bin/java"
note "glibc: $(getconf GNU_LIBC_VERSION 2>&1) (the kit's JRE and libtokenizers.so need glibc 2.34 or newer)"
"$java" -version 2>&1 | head -n 1 | sed 's/^/java: /' | tee -a "$figures"

# 2. The host's torch: libraries, CMake files, and (GPU) the CUDA libraries of its pip wheels.
torch_lib="${TORCH_LIB_DIR:-$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')}"
torch_cmake="${TORCH_CMAKE_PREFIX:-$(python3 -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')}"
python3 -c 'import torch; print("torch:", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' \
  2>&1 | tee -a "$figures"
# DJL reports PYTORCH_VERSION as the engine version; with the JNI in the library directory it downloads nothing
torch_version="${TORCH_VERSION:-$(python3 -c 'import torch; print(torch.__version__.split("+")[0])' 2>/dev/null || true)}"
cuda_dirs=""
cuda_includes=""
if [ "$mode" = gpu ]; then
  nvidia_root="$(python3 -c 'import nvidia, os; print(os.path.dirname(list(nvidia.__path__)[0]) + "/nvidia")' 2>/dev/null || true)"
  if [ -n "$nvidia_root" ] && [ -d "$nvidia_root" ]; then
    cuda_dirs="$(find "$nvidia_root" -name 'lib*.so*' -printf '%h\n' | sort -u | tr '\n' ':')"
    # headers of the wheels (cusparse.h, cublas_v2.h, ...), in case the host's toolkit is only nvcc + cudart
    cuda_includes="$(find "$nvidia_root" -mindepth 2 -maxdepth 3 -type d -name include -printf ' -isystem %p')"
  fi
  # torch's CMake files need nvcc (enable_language(CUDA)); H100/H200 = 9.0, so no GPU-arch probing at configure
  if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then PATH="/usr/local/cuda/bin:$PATH"; fi
  export TORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-9.0}"
  note "nvcc: $(command -v nvcc || echo 'not found') $(nvcc --version 2>/dev/null | grep -o 'release [0-9.]*' || true)"
  # DJL counts GPUs through JNA's "cudart"; the wheels ship only libcudart.so.<major>
  mkdir -p "$work/jna"
  cudart="$(find "$nvidia_root" "$torch_lib" /usr/local/cuda/lib64 -name 'libcudart.so*' 2>/dev/null | head -n 1)"
  [ -n "$cudart" ] && ln -sf "$cudart" "$work/jna/libcudart.so"
  note "cudart for DJL: ${cudart:-none found}"
fi

# 3. DJL's JNI, built against exactly this torch (DJL's own recipe: cmake, then for CUDA relink without the
#    toolkit's cudart/nvrtc so the ones torch loads are used).
src="$work/jni/engines/pytorch/pytorch-native"
use_cuda=""
[ "$mode" = gpu ] && use_cuda=1
# torch's CMake files find_library() its libraries with PATHS, which come after the system's: with a libtorch in
# /usr/lib the JNI links the wrong libc10 (seen with Debian's libtorch-dev next to a pip torch). Pin them.
pins=()
for l in TORCH_LIBRARY:libtorch.so c10_LIBRARY:libc10.so C10_CUDA_LIBRARY:libc10_cuda.so \
  CAFFE2_NVRTC_LIBRARY:libcaffe2_nvrtc.so; do
  [ -f "$torch_lib/${l#*:}" ] && pins+=("-D${l%%:*}=$torch_lib/${l#*:}")
done
build_jni() {
  # DJL_PT_VERSION=V1_13_X selects DJL's code paths for torch 1.13-2.1; newer torch needs none
  cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$torch_cmake" -DUSE_CUDA="$use_cuda" \
    -DPT_VERSION="${DJL_PT_VERSION:-}" "${pins[@]}" -DCMAKE_CXX_FLAGS="$cuda_includes" \
    -DJAVA_INCLUDE_PATH="$work/jni/include" -DJAVA_INCLUDE_PATH2="$work/jni/include/linux" \
    -DJAVA_AWT_INCLUDE_PATH=NotNeeded -DJAVA_AWT_LIBRARY=NotNeeded -DJAVA_JVM_LIBRARY=NotNeeded &&
    cmake --build "$src/build" -- -j "$(nproc)" &&
    if [ -n "$use_cuda" ]; then
      (cd "$src/build" && sed -i -r 's/\/usr\/local\/cuda(.{5})?\/lib64\/lib(cudart|nvrtc)\.so//g' CMakeFiles/djl_torch.dir/link.txt &&
        rm -f libdjl_torch.so && sh CMakeFiles/djl_torch.dir/link.txt)
    fi
}
t0="$(date +%s)"
build_jni > "$out/jni-build.log" 2>&1
rc=$?
note "step jni-build: rc=$rc in $(($(date +%s) - t0)) s (log: jni-build.log)"
grep -m 1 -E 'Found Torch' "$out/jni-build.log" | tee -a "$figures"
if [ "$rc" != 0 ] && [ -n "$use_cuda" ]; then
  # Without USE_CUDA the JNI lacks only DJL's CUDA extras (e.g. emptying the caching allocator); tensors still
  # go to the GPU through libtorch_cuda, which DJL loads for a cu* flavor.
  grep -E 'error|Error' "$out/jni-build.log" | head -n 10 | tee -a "$figures"
  note "retrying the JNI build without USE_CUDA"
  use_cuda=""
  rm -rf "$src/build/CMakeCache.txt" "$src/build/CMakeFiles"
  t0="$(date +%s)"
  build_jni >> "$out/jni-build.log" 2>&1
  rc=$?
  note "step jni-build (no USE_CUDA): rc=$rc in $(($(date +%s) - t0)) s"
fi
if [ "$rc" != 0 ] || [ ! -f "$src/build/libdjl_torch.so" ]; then
  grep -E 'error|Error' "$out/jni-build.log" | head -n 20 | tee -a "$figures"
  note "the JNI did not build against this torch: nothing else can run"
  exit 1
fi

# 4. A library directory for DJL: the torch libraries (links) and our JNI. DJL loads every lib*.so* it finds there.
lib="$work/torchlib"
mkdir -p "$lib"
for f in "$torch_lib"/lib*.so*; do ln -sf "$f" "$lib/"; done
cp "$src/build/libdjl_torch.so" "$lib/"
missing="$(comm -23 <(nm -D --undefined-only "$lib/libdjl_torch.so" | awk '{print $2}' | sort -u) \
  <(nm -D --defined-only "$torch_lib"/libtorch*.so* "$torch_lib"/libc10*.so* 2>/dev/null | awk '{print $3}' | sort -u) \
  | grep -E '_ZN(K)?[0-9]*(2at|3c10|5torch)' || true)"
note "abi check: $(printf '%s' "$missing" | grep -c . || true) torch symbols the JNI uses are missing from this torch"
[ -n "$missing" ] && printf '%s\n' "$missing" | head -n 20 | tee -a "$figures"

export PYTORCH_LIBRARY_PATH="$lib"
flavor=cpu
[ "$mode" = gpu ] && flavor=cu130
export PYTORCH_FLAVOR="$flavor"
[ -n "$torch_version" ] && export PYTORCH_VERSION="$torch_version"
export LD_LIBRARY_PATH="$lib:$torch_lib:$cuda_dirs${LD_LIBRARY_PATH:-}"
export DJL_CACHE_DIR="$work/djl-cache"
# the engine's command line as a file, so that timeout can run it
cli="$work/step1x-edit"
printf '#!/usr/bin/env bash\nexec %q --enable-native-access=ALL-UNNAMED -Djna.library.path=%q -Xmx16g -cp %q dev.step1x.engine.cli.Step1xEditCli "$@"\n' \
  "$java" "$work/jna" "$work/jars/*" > "$cli"
chmod +x "$cli"

# 5. The checks.
dev="$mode"
# the cases that run models, and the two Qwen preprocess cases (ImageIO: the kit's JRE has java.desktop);
# tokenize and resize_step1x are pure Java, checked in CI, and their files are not in the kit
cases=dit_forward,dit_forward_bf16weights,connector_forward,denoise_cfg_v11,sampler_end2end,sampler_end2end_v11
cases=$cases,vae_roundtrip,vision_forward,full_forward,full_forward_bang,full_forward_step1x
cases=$cases,image_preprocess,image_preprocess_step1x
# LoRA merged at load, FP8 weights held as bytes and decoded per layer (on a GPU: float16 compute)
cases=$cases,lora_merge,lora_merge_split,dit_forward_fp8,fp8_convert
run info 90 "$cli" info --device "$dev"
run parity-fp32 120 "$cli" parity --dir "$work/parity-dir" --cases "$cases" --device "$dev" --dtype fp32
if [ "$mode" = gpu ]; then
  run parity-fp16 120 "$cli" parity --dir "$work/parity-dir" --cases "$cases" --device gpu --dtype fp16
  run attention 90 "$cli" bench --attention --device gpu --batch 2 --heads 24 --tokens 8832 --head-dim 128
  run sdpa 60 python3 - <<'PY'
import time, torch
import torch.nn.functional as F
q, k, v = (torch.randn(2, 24, 8832, 128, device="cuda", dtype=torch.float16) for _ in range(3))
flop = 4 * 2 * 24 * 8832 * 8832 * 128
for name in ("fused SDPA (torch default backend)",):
    for _ in range(3):
        F.scaled_dot_product_attention(q, k, v)
    torch.cuda.synchronize()
    times = []
    for _ in range(10):
        t = time.perf_counter(); F.scaled_dot_product_attention(q, k, v); torch.cuda.synchronize()
        times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    print(f"torch {torch.__version__} {name} fp16 B=2 H=24 L=8832 D=128: median {times[5]:.2f} ms, "
          f"{flop / times[5] / 1e9:.1f} TFLOP/s")
PY
  # batch 1 at every size level first (the official figures are batch 1), then batches 2 and 4
  run full-size-b1 300 "$cli" bench --full-size-random --device gpu --dtype fp16 --size-levels 512,768,1024 \
    --batches 1 --steps 28 --tokenizer "$work/tokenizer.json"
  run full-size-b24 600 "$cli" bench --full-size-random --device gpu --dtype fp16 --size-levels 512,768,1024 \
    --batches 2,4 --steps 28 --tokenizer "$work/tokenizer.json"
else
  run attention 120 "$cli" bench --attention --device cpu --batch 1 --heads 4 --tokens 512 --head-dim 64 --iterations 2
fi

# 6. The figures.
{
  echo
  echo "---- figures ----"
  grep -E '^engine |^parity sets in|passed, .* failed|  FAIL|^(fp32|fp16) |^attention:|^torch .*SDPA|^full-size random|^batch |^[0-9]+ +v1\.[01]:|^official:|^--blocks| failed' "$steps"
} >> "$figures"
note "total $(($(date +%s) - start)) s"

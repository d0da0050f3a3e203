#!/usr/bin/env bash
# Issue 5's LLM benchmark on the llama-1b synthetic model (about 1.1B parameters, Q8_0, random weights):
#   - load time; prompt and generation tokens/s with 1 and STREAMS parallel streams, straight to the LLM
#     worker and through the orchestrator (interleaved runs on the same loaded model); the worker's peak RSS;
#   - llama.cpp's own llama-bench and batched-bench on the SAME shared libraries and model, same threads, prompt
#     and generation lengths and parallel sequences (built here from the release's source, linked against the
#     bundled libraries).
# Usage: bench/llm.sh [threads=nproc] [prompt-tokens=256] [gen-tokens=64] [runs=3] [streams=4]
# Run it on an idle machine (check /proc/loadavg): another busy process halves any figure.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
ensure_jar
THREADS=${1:-$(nproc)}; PROMPT=${2:-256}; GEN=${3:-64}; RUNS=${4:-3}; STREAMS=${5:-4}
MODELS=${MYSTI_BENCH_MODELS:-bench/models}
MODEL=llama-1b-q8_0.gguf
if [[ ! -f "$MODELS/llm/$MODEL" ]]; then
  echo "writing the llama-1b synthetic model into $MODELS/llm (about 1.1 GB)"
  java -jar dist/mysticanvas.jar synth-models --out "$MODELS" --preset llama-1b >/dev/null
fi

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
out=bench/target/llm-classes
mkdir -p "$out"
javac -d "$out" -cp dist/mysticanvas.jar bench/java/LlmBench.java bench/java/ProxyBench.java bench/java/StreamTiming.java bench/java/SseSourceWorker.java
echo "== MystiCanvas (threads $THREADS, prompt $PROMPT, generate $GEN, $RUNS runs)"
java --enable-native-access=ALL-UNNAMED -cp "dist/mysticanvas.jar:$out" LlmBench \
  "$MODELS" "$MODEL" "$THREADS" "$PROMPT" "$GEN" "$RUNS" "$STREAMS" 2>&1 | grep -vE '^\[(llm|sd)\]'

# ---- reference: llama-bench of the same release, on the same .so files ------------------------------
index=$(unzip -p dist/mysticanvas.jar com/mysticanvas/llm/natives/llama-natives.properties)
pkg=$(sed -n 's/^package=//p' <<<"$index"); version=$(sed -n 's/^version=//p' <<<"$index")
backend=$(sed -n 's/^backend=//p' <<<"$index")
cache="${XDG_CACHE_HOME:-$HOME/.cache}/mysticanvas"
libs="$cache/llama/$version-$backend"          # unpacked by the worker above
ref="$cache/llama-bench/$version-$backend"
if [[ ! -x "$ref/llama-bench" || ! -x "$ref/batched-bench" ]]; then
  echo "building llama-bench and batched-bench $version from node-llama-cpp's source bundle (once)"
  command -v g++ >/dev/null && command -v git >/dev/null || { echo "g++ and git are needed for the reference" >&2; exit 1; }
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  npmcache="$cache/npm"; mkdir -p "$npmcache"
  [[ -f "$npmcache/node-llama-cpp-$version.tgz" ]] || (cd "$npmcache" && npm pack "node-llama-cpp@$version" --silent >/dev/null)
  tar -xzf "$npmcache/node-llama-cpp-$version.tgz" -C "$tmp" package/llama/gitRelease.bundle
  git -c advice.detachedHead=false clone -q "$tmp/package/llama/gitRelease.bundle" "$tmp/src"
  pkgtgz="$npmcache/${pkg//\//+}-$version.tgz"   # the build's download: it also holds libllama-common
  tar -xzf "$pkgtgz" -C "$tmp" --wildcards 'package/bins/*/libllama-common.so'
  mkdir -p "$ref"
  cp "$tmp"/package/bins/*/libllama-common.so "$ref/"
  s="$tmp/src"
  for tool in llama-bench batched-bench; do
    g++ -std=c++17 -O2 -DNDEBUG -o "$ref/$tool" "$s/tools/$tool/$tool.cpp" "$s/tools/$tool/main.cpp" \
      -I"$s/include" -I"$s/ggml/include" -I"$s/common" -I"$s/vendor" \
      -L"$ref" -L"$libs" -l:libllama-common.so -l:"$(cd "$libs" && ls libllama.*.so)" -l:"$(cd "$libs" && ls libggml.*.so)" \
      -l:libggml-base.so -Wl,-rpath,"$ref:$libs" -pthread
  done
fi
echo "== llama.cpp llama-bench on the same libraries (threads $THREADS)"
model_path=$(realpath "$MODELS/llm/$MODEL")
# ggml looks for its CPU backends in the working directory: run it from the libraries' folder.
(cd "$libs" && "$ref/llama-bench" -m "$model_path" -t "$THREADS" -p "$PROMPT" -n "$GEN" -r "$RUNS" 2>&1 | grep -E '^\|')
echo "== llama.cpp batched-bench: 1 and $STREAMS sequences decoded together (S_TG = aggregate generation tok/s)"
(cd "$libs" && "$ref/batched-bench" -m "$model_path" -t "$THREADS" -c $(( STREAMS * (PROMPT + GEN + 64) )) -b 512 -ub 512 \
  -npp "$PROMPT" -ntg "$GEN" -npl "1,$STREAMS" 2>&1 | grep -E '^\|')

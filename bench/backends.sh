#!/usr/bin/env bash
# Routing overhead of issue 17's two ways to other machines, each against talking to it directly, in one run:
#  1. an external OpenAI-compatible backend (a stand-in server): time to first byte and a paced token stream;
#  2. a real MystiCanvas LLM worker started as on another machine (--listen, --worker-token) and taken with
#     --remote-worker: time to first token and tokens/s of real llama.cpp completions, on the llama-1b synthetic
#     model (a realistic rate on one thread) and on the tiny one (thousands of tokens/s: the proxy's worst case).
# Usage: bench/backends.sh [ttfb-rounds=500] [worker-rounds=10]
# Run it on an idle machine (check /proc/loadavg): a second busy process halves any figure.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
ensure_jar
out=bench/target/backends-classes
tiny=bench/target/tiny-models
MODELS=${MYSTI_BENCH_MODELS:-bench/models} # shared with bench/llm.sh
mkdir -p "$out"
[[ -f "$tiny/llm/tiny-llama.gguf" ]] || java -jar dist/mysticanvas.jar synth-models --out "$tiny" --preset tiny >/dev/null
if [[ ! -f "$MODELS/llm/llama-1b-q8_0.gguf" ]]; then
  echo "writing the llama-1b synthetic model into $MODELS/llm (about 1.1 GB)"
  java -jar dist/mysticanvas.jar synth-models --out "$MODELS" --preset llama-1b >/dev/null
fi
javac -d "$out" -cp dist/mysticanvas.jar bench/java/StreamTiming.java bench/java/BackendsBench.java bench/java/LlmBench.java \
  bench/java/ProxyBench.java bench/java/SseSourceWorker.java bench/java/RemoteWorkerBench.java
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
run() { java --enable-native-access=ALL-UNNAMED -cp "dist/mysticanvas.jar:$out" "$@" 2>&1 | grep -vE '^\[(llm|sd)\]'; }
run BackendsBench "${1:-500}"
run RemoteWorkerBench "$MODELS" llama-1b-q8_0.gguf "${2:-10}" 32
run RemoteWorkerBench "$tiny" tiny-llama.gguf "$(( ${2:-10} * 2 ))" 200

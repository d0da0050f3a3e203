#!/usr/bin/env bash
# Issue 7's benchmark: chat generation tokens/s through the orchestrator alone and while an SD 1.5-shape 512x512
# image job runs (llama-1b and sd15 synthetic models, cores split between the workers); time from an image
# request to its first progress events.
# Usage: bench/parallel.sh [llm-threads=nproc/2] [sd-threads=rest] [gen-tokens=48] [steps=4]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
ensure_jar
CORES=$(nproc)
LLM_THREADS=${1:-$(( CORES / 2 > 0 ? CORES / 2 : 1 ))}; SD_THREADS=${2:-$(( CORES - LLM_THREADS > 0 ? CORES - LLM_THREADS : 1 ))}
GEN=${3:-48}; STEPS=${4:-4}
MODELS=${MYSTI_BENCH_MODELS:-bench/models}
[[ -f "$MODELS/llm/llama-1b-q8_0.gguf" ]] || java -jar dist/mysticanvas.jar synth-models --out "$MODELS" --preset llama-1b >/dev/null
[[ -f "$MODELS/sd/checkpoints/sd15-synth.safetensors" ]] || java -jar dist/mysticanvas.jar synth-models --out "$MODELS" --preset sd15 >/dev/null
out=bench/target/parallel-classes
mkdir -p "$out"
javac -d "$out" -cp dist/mysticanvas.jar bench/java/ParallelBench.java bench/java/LlmBench.java bench/java/ProxyBench.java bench/java/StreamTiming.java bench/java/SseSourceWorker.java
echo "machine: $CORES cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
java --enable-native-access=ALL-UNNAMED -cp "dist/mysticanvas.jar:$out" ParallelBench "$MODELS" llama-1b-q8_0.gguf \
  sd15-synth.safetensors "$LLM_THREADS" "$SD_THREADS" "$GEN" "$STEPS" 2>&1 | grep -vE '^\[(llm|sd)\]'

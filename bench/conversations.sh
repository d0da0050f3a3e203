#!/usr/bin/env bash
# Issue 15's "three conversations, follow-up turn" on the llama-1b synthetic model: three chats with long first
# prompts, then follow-ups alternating between them; for each follow-up the prompt tokens evaluated (the rest came
# from the prompt cache) and the time to the first token. MystiCanvas's LLM worker, then llama-server of the same
# llama.cpp release (built here once from node-llama-cpp's source bundle with cmake), same model, threads, 4 slots
# sharing a 16384-token unified KV cache. Run on an idle machine.
# Usage: bench/conversations.sh [threads=nproc] [first-prompt-words=300] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
ensure_jar
THREADS=${1:-$(nproc)}; WORDS=${2:-300}; ROUNDS=${3:-3}
MODELS=${MYSTI_BENCH_MODELS:-bench/models}
MODEL=llama-1b-q8_0.gguf
if [[ ! -f "$MODELS/llm/$MODEL" ]]; then
  echo "writing the llama-1b synthetic model into $MODELS/llm (about 1.1 GB)"
  java -jar dist/mysticanvas.jar synth-models --out "$MODELS" --preset llama-1b >/dev/null
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"

index=$(unzip -p dist/mysticanvas.jar com/mysticanvas/llm/natives/llama-natives.properties)
version=$(sed -n 's/^version=//p' <<<"$index")
cache="${XDG_CACHE_HOME:-$HOME/.cache}/mysticanvas"
server="$cache/llama-server/$version/build/bin/llama-server"
if [[ ! -x "$server" ]]; then
  echo "building llama-server of node-llama-cpp $version's llama.cpp with cmake (once; minutes)"
  command -v cmake >/dev/null && command -v g++ >/dev/null && command -v git >/dev/null \
    || { echo "cmake, g++ and git are needed for the reference" >&2; exit 1; }
  npmcache="$cache/npm"; mkdir -p "$npmcache"
  [[ -f "$npmcache/node-llama-cpp-$version.tgz" ]] || (cd "$npmcache" && npm pack "node-llama-cpp@$version" --silent >/dev/null)
  src="$cache/llama-server/$version"; rm -rf "$src"; mkdir -p "$src.tmp"
  tar -xzf "$npmcache/node-llama-cpp-$version.tgz" -C "$src.tmp" package/llama/gitRelease.bundle
  git -c advice.detachedHead=false clone -q "$src.tmp/package/llama/gitRelease.bundle" "$src"; rm -rf "$src.tmp"
  # native code without AMX: ggml's AMX kernels crash (SIGSEGV) in VMs that do not grant the AMX tiles
  noamx="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
  cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DGGML_NATIVE=ON \
    -DCMAKE_C_FLAGS="$noamx" -DCMAKE_CXX_FLAGS="$noamx" -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF >/dev/null
  cmake --build "$src/build" --target llama-server -j "$(nproc)" >/dev/null
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$server" -m "$(realpath "$MODELS/llm/$MODEL")" -t "$THREADS" -c 16384 -np 4 --kv-unified --jinja \
  --host 127.0.0.1 --port "$port" >"${TMPDIR:-/tmp}/llama-server-bench.log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do
  kill -0 $server_pid 2>/dev/null || { echo "llama-server did not start:" >&2; tail -20 "${TMPDIR:-/tmp}/llama-server-bench.log" >&2; exit 1; }
  sleep 0.5
done
out=bench/target/llm-classes
mkdir -p "$out"
javac -d "$out" -cp dist/mysticanvas.jar bench/java/ConversationsBench.java bench/java/LlmBench.java \
  bench/java/ProxyBench.java bench/java/StreamTiming.java bench/java/SseSourceWorker.java
java --enable-native-access=ALL-UNNAMED -cp "dist/mysticanvas.jar:$out" ConversationsBench \
  "$MODELS" "$MODEL" "$THREADS" "$WORDS" "$ROUNDS" "http://127.0.0.1:$port" 2>&1 | grep -vE '^\[(llm|sd)\]'

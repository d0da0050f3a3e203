#!/usr/bin/env bash
# Streaming proxy overhead: SSE time-to-first-byte and throughput, direct to a worker vs through the
# orchestrator, in one run. Usage: bench/proxy.sh [ttfb-rounds=500] [stream-events=20000]
# Run it on an idle machine (check /proc/loadavg): a second busy process halves any figure.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
ensure_jar
out=bench/target/proxy-classes
mkdir -p "$out"
javac -q -d "$out" -cp dist/mysticanvas.jar bench/java/SseSourceWorker.java bench/java/StreamTiming.java bench/java/ProxyBench.java 2>/dev/null \
  || javac -d "$out" -cp dist/mysticanvas.jar bench/java/SseSourceWorker.java bench/java/StreamTiming.java bench/java/ProxyBench.java
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
java --enable-native-access=ALL-UNNAMED -cp "dist/mysticanvas.jar:$out" ProxyBench "${1:-500}" "${2:-20000}" 2>&1 | grep -vE '^\[(llm|sd)\]'

#!/usr/bin/env bash
# Routing overhead of an external OpenAI-compatible backend: time to first byte and a paced token stream, straight to
# a stand-in server and through the orchestrator, in one run. Usage: bench/backends.sh [ttfb-rounds=500]
# Run it on an idle machine (check /proc/loadavg): a second busy process halves any figure.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
ensure_jar
out=bench/target/backends-classes
mkdir -p "$out"
javac -d "$out" -cp dist/mysticanvas.jar bench/java/StreamTiming.java bench/java/BackendsBench.java
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
java --enable-native-access=ALL-UNNAMED -cp "dist/mysticanvas.jar:$out" BackendsBench "${1:-500}" 2>&1 | grep -vE '^\[(llm|sd)\]'

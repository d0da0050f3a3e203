#!/usr/bin/env bash
# Bounded soak test on loopback: mixed chat and image requests against the real program with the tiny
# models, a worker killed every minute; reports requests served, errors, restarts, lost writes (must be
# 0) and memory growth. Usage: bench/soak.sh [seconds=600]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
ensure_jar
out=bench/target/soak-classes
mkdir -p "$out"
javac -d "$out" -cp dist/mysticanvas.jar bench/java/Soak.java
echo "machine: $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
java -cp "dist/mysticanvas.jar:$out" Soak dist/mysticanvas.jar "${1:-600}"

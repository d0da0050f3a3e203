#!/usr/bin/env bash
# Issue 6's SD benchmark: seconds per UNet step at 512x512 with CFG, text encoder, VAE decode, total for 20 steps,
# peak RSS and load time, on a synthetic checkpoint (random f16 weights, every key and shape of the real one):
# MYSTI_BENCH_PRESET=sd15 (default), sd21 or sdxl. Run it on an otherwise idle machine; threads default to all cores.
#   [MYSTI_BENCH_PRESET=sdxl] bench/sd.sh [size=512] [steps=20] [threads=nproc] [runs=3] [memory=balanced|low]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-512}; STEPS=${2:-20}; THREADS=${3:-$(nproc)}; RUNS=${4:-3}; MEMORY=${5:-balanced}
MODELS=${MYSTI_BENCH_MODELS:-bench/models}
JAR=dist/mysticanvas.jar
JAVA=""
for home in ${JAVA_HOME:-} /usr/lib/jvm/*; do # the first JDK >= 25, as ./mysticanvas picks one
  [ -x "$home/bin/java" ] || continue
  v=$("$home/bin/java" -XshowSettings:properties -version 2>&1 | sed -n "s/^ *java.specification.version = //p" | cut -d. -f1 || true)
  if [ -n "$v" ] && [ "$v" -ge 25 ]; then JAVA="$home/bin/java"; export JAVA_HOME="$home"; break; fi
done
[ -n "$JAVA" ] || { echo "no JDK 25 or newer found; set JAVA_HOME" >&2; exit 1; }
[ -f "$JAR" ] || mvn -q -DskipTests package
# SdBench writes the synthetic checkpoint the first time (sd15 about 2 GB, sd21 2.6 GB, sdxl 6.9 GB).
PRESET=${MYSTI_BENCH_PRESET:-sd15}
CKPT="$MODELS/sd/checkpoints/$PRESET-synth.safetensors"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (figures are only comparable on an idle machine)"
out=bench/target/sd-classes
mkdir -p "$out"
"$JAVA_HOME/bin/javac" -d "$out" -cp "$JAR" bench/java/SdBench.java
exec "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$JAR:$out" SdBench "$CKPT" "$SIZE" "$STEPS" "$THREADS" "$RUNS" "$MEMORY"

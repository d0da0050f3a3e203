#!/usr/bin/env bash
# The tiled VAE decode on SD 1.5's VAE (the synthetic sd15 checkpoint, random f16 weights): seconds and how far from
# the whole decode (mean |difference| in [-1, 1] units) for tiles that normalize by their own group-norm statistics
# and for tiles sharing them (SdModel.decodeTiled), against one whole decode, in one sitting.
#   bench/vae-tiles.sh [latent side=96 (768 px)] [tile=64] [threads=nproc]
set -euo pipefail
cd "$(dirname "$0")/.."
SIDE=${1:-96}; TILE=${2:-64}; THREADS=${3:-$(nproc)}
MODELS=${MYSTI_BENCH_MODELS:-bench/models}
source bench/common.sh
ensure_jar
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (figures are only comparable on an idle machine)"
out=bench/target/vae-tiles-classes
mkdir -p "$out"
javac -d "$out" -cp dist/mysticanvas.jar bench/java/VaeTilesBench.java
java --enable-native-access=ALL-UNNAMED -cp "dist/mysticanvas.jar:$out" VaeTilesBench \
  "$MODELS/sd/checkpoints/sd15-synth.safetensors" "$SIDE" "$TILE" "$THREADS"

#!/usr/bin/env bash
# Upscaler models: seconds per image through our ONNX graphs (RealESRGAN_x4plus-shaped RRDBNet and
# realesr-general-x4v3-shaped compact net, random f16 weights), and, when Debian's python3-torch is installed, the
# same networks and weights in torch on the same machine in the same sitting (bench/upscale_torch.py), as a ratio.
#   bench/upscale.sh [size=192] [threads=nproc] [runs=3]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-192}; THREADS=${2:-$(nproc)}; RUNS=${3:-3}
MODELS=${MYSTI_BENCH_MODELS:-bench/models}
source bench/common.sh
ensure_jar
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (figures are only comparable on an idle machine)"
out=bench/target/upscale-classes
mkdir -p "$out"
javac -d "$out" -cp dist/mysticanvas.jar bench/java/UpscaleBench.java
java --enable-native-access=ALL-UNNAMED -cp "dist/mysticanvas.jar:$out" UpscaleBench "$MODELS" "$SIZE" "$THREADS" "$RUNS"
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  /usr/bin/python3 bench/upscale_torch.py "$MODELS/sd/upscalers" "$SIZE" "$THREADS" "$RUNS"
else
  echo "torch: not installed (apt-get install python3-torch for the comparison)"
fi

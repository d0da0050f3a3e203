package com.mysticanvas.sd.noise;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * torchsde's {@code BrownianTree} (a {@code BrownianInterval} with {@code halfway_tree=True}, {@code tol=1e-6},
 * {@code pool_size=24}, no Levy area), as k-diffusion's {@code BrownianTreeNoiseSampler} makes one per image for the
 * SDE samplers: a Brownian motion over [t0, t1] fixed by its entropy alone. The whole interval's increment is drawn
 * first; each node, split at its rounded middle when a query needs it, divides its increment between its children by
 * a Brownian bridge whose noise is a fresh {@code randn} of a seed from NumPy's {@link SeedSequence} (entropy, spawn
 * key of the node's place, depth). {@code randn} is the generator torch would use on the device: CUDA's Philox for
 * A1111 on an NVIDIA GPU, the CPU's Mersenne Twister for ComfyUI (which builds its tree on the CPU).
 */
public final class BrownianTree {
    private static final int POOL_SIZE = 24;
    private static final int DIGITS = 6; // -log10(tol)
    private static final int CACHED = 64;

    private final long entropy;
    private final int size;
    private final LongFunction<NoiseStream> randn;
    private final Node root;
    private final float[] rootIncrement;
    /** The increments of the nodes used last (torchsde keeps 45): deeper ones are made again from their parents. */
    private final Map<Node, float[]> recent = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Node, float[]> eldest) {
            return size() > CACHED;
        }
    };

    private final class Node {
        final double start;
        final double end;
        final Node parent;
        final boolean left;
        double midway = Double.NaN;
        long spawnKey;
        int depth;
        long wSeed;
        Node leftChild;
        Node rightChild;

        Node(double start, double end, Node parent, boolean left) {
            this.start = round(start);
            this.end = round(end);
            this.parent = parent;
            this.left = left;
        }

        float[] increment() {
            float[] increment = this == root ? rootIncrement : recent.get(this);
            if (increment == null) {
                float[] w = parent.increment();
                float leftDiff = (float) (parent.midway - parent.start);
                double reciprocal = 1 / (parent.end - parent.start);
                float h = (float) reciprocal;
                float deviation = (float) Math.sqrt((parent.midway - parent.start) * (parent.end - parent.midway) * reciprocal);
                float[] noise = randn.apply(parent.wSeed).next(size);
                float[] out = new float[size];
                for (int i = 0; i < size; i++) { // float32 as torch computes it
                    float leftW = leftDiff * w[i] * h + deviation * noise[i];
                    out[i] = left ? leftW : w[i] - leftW;
                }
                increment = out;
                recent.put(this, out);
            }
            return increment;
        }

        void split(double at) { // the halfway tree: always at the middle, down to the point asked for
            splitExact(0.5 * (end + start));
            if (at > midway) {
                rightChild.split(at);
            } else if (at < midway) {
                leftChild.split(at);
            }
        }

        void splitExact(double at) {
            midway = round(at);
            spawnKey = parent == null ? 0 : 2 * parent.spawnKey + (left ? 0 : 1);
            depth = parent == null ? 0 : parent.depth + 1;
            wSeed = new SeedSequence(entropy, new long[] {spawnKey, depth}, POOL_SIZE).generateState(4)[0];
            leftChild = new Node(start, at, this, true);
            rightChild = new Node(at, end, this, false);
        }

        /** torchsde's {@code _loc}: the existing nodes covering [ta, tb], in order, splitting where needed. */
        void locate(double ta, double tb, List<Node> out) {
            if (ta == start && tb == end) {
                out.add(this);
                return;
            }
            if (Double.isNaN(midway)) { // torchsde splits, asks a child, which hands back up what it does not hold
                split(ta == start ? tb : ta);
                locate(ta, tb, out);
                return;
            }
            if (tb <= midway) {
                leftChild.locate(ta, tb, out);
            } else if (ta >= midway) {
                rightChild.locate(ta, tb, out);
            } else {
                leftChild.locate(ta, midway, out);
                rightChild.locate(midway, tb, out);
            }
        }
    }

    /**
     * The tree over [t0, t1] (t0 < t1) for samples of {@code size} values, fixed by {@code entropy}; {@code randn}
     * gives a fresh generator for a seed.
     */
    public BrownianTree(double t0, double t1, int size, long entropy, LongFunction<NoiseStream> randn) {
        if (!(t0 < t1)) {
            throw new IllegalArgumentException("a Brownian tree needs t0 < t1, got " + t0 + " and " + t1);
        }
        this.entropy = entropy;
        this.size = size;
        this.randn = randn;
        root = new Node(t0, t1, null, false);
        long wSeed = new SeedSequence(entropy, new long[0], POOL_SIZE).generateState(3)[0];
        float[] w = randn.apply(wSeed).next(size);
        float scale = (float) Math.sqrt(t1 - t0);
        for (int i = 0; i < size; i++) {
            w[i] *= scale;
        }
        rootIncrement = w;
    }

    /** The motion's increment W(tb) - W(ta) over [ta, tb] within [t0, t1] (clamped to it, as torchsde does). */
    public float[] increment(double ta, double tb) {
        ta = Math.clamp(ta, root.start, root.end);
        tb = Math.clamp(tb, root.start, root.end);
        if (ta > tb) {
            throw new IllegalArgumentException("ta > tb: " + ta + " > " + tb);
        }
        float[] sum = new float[size];
        if (ta == tb) {
            return sum;
        }
        if (round(ta) == round(tb)) {
            return sum; // shorter than the tree's resolution (torchsde recurses without end there)
        }
        List<Node> nodes = new ArrayList<>();
        root.locate(round(ta), round(tb), nodes);
        for (int k = 0; k < nodes.size(); k++) {
            float[] w = nodes.get(k).increment();
            if (k == 0) {
                System.arraycopy(w, 0, sum, 0, size);
            } else {
                for (int i = 0; i < size; i++) {
                    sum[i] += w[i];
                }
            }
        }
        return sum;
    }

    /** Python's {@code round(x, 6)}: the exact binary value rounded half to even. */
    private static double round(double x) {
        return new BigDecimal(x).setScale(DIGITS, RoundingMode.HALF_EVEN).doubleValue();
    }
}

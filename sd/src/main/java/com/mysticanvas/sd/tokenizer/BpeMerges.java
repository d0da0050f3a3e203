package com.mysticanvas.sd.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The ranked merge list of a byte-level BPE and the merging itself. A word is cut into its characters
 * (the last one marked {@code </w>}) and the lowest-ranked adjacent pair is merged until none is left,
 * leftmost first among equals: the result CLIP's reference loop gives. A priority queue keeps this
 * O(n log n), so a pasted 100 000-letter "word" cannot stall a worker.
 */
final class BpeMerges {
    static final String END_OF_WORD = "</w>";

    private final Map<String, Integer> symbolIds = new HashMap<>();
    private final List<String> symbols = new ArrayList<>();
    private final Map<Long, Integer> rankOfPair = new HashMap<>();
    private final int[] mergedSymbol;

    /** @param merges pairs in rank order, each {@code {left, right}} */
    BpeMerges(List<String[]> merges) {
        mergedSymbol = new int[merges.size()];
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] pair = merges.get(rank);
            long key = pairKey(intern(pair[0]), intern(pair[1]));
            rankOfPair.put(key, rank); // a repeated pair keeps its last rank, as CLIP's dict does
            mergedSymbol[rank] = intern(pair[0] + pair[1]);
        }
    }

    private int intern(String symbol) {
        Integer id = symbolIds.get(symbol);
        if (id == null) {
            id = symbols.size();
            symbols.add(symbol);
            symbolIds.put(symbol, id);
        }
        return id;
    }

    private static long pairKey(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private record Candidate(int rank, int left, int leftSymbol, int rightSymbol) implements Comparable<Candidate> {
        @Override
        public int compareTo(Candidate o) {
            return rank != o.rank ? Integer.compare(rank, o.rank) : Integer.compare(left, o.left);
        }
    }

    /** The BPE pieces of one byte-encoded word, the last one ending in {@code </w>}. */
    List<String> apply(String word) {
        int n = word.length();
        if (n == 0) {
            return List.of();
        }
        int[] sym = new int[n];
        int[] next = new int[n];
        int[] prev = new int[n];
        String[] unknown = new String[n]; // characters no merge mentions stay as they are
        for (int i = 0; i < n; i++) {
            String piece = i == n - 1 ? word.charAt(i) + END_OF_WORD : String.valueOf(word.charAt(i));
            Integer id = symbolIds.get(piece);
            sym[i] = id == null ? -1 : id;
            unknown[i] = id == null ? piece : null;
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>();
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, i, i + 1, sym);
        }
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            int right = next[c.left];
            if (right < 0 || sym[c.left] != c.leftSymbol || sym[right] != c.rightSymbol) {
                continue; // stale: one side was merged away since this pair was queued
            }
            sym[c.left] = mergedSymbol[c.rank];
            sym[right] = -2;
            next[c.left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = c.left;
                offer(queue, c.left, next[right], sym);
            }
            if (prev[c.left] >= 0) {
                offer(queue, prev[c.left], c.left, sym);
            }
        }
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i >= 0; i = next[i]) {
            pieces.add(sym[i] >= 0 ? symbols.get(sym[i]) : unknown[i]);
        }
        return pieces;
    }

    private void offer(PriorityQueue<Candidate> queue, int left, int right, int[] sym) {
        if (sym[left] < 0 || sym[right] < 0) {
            return;
        }
        Integer rank = rankOfPair.get(pairKey(sym[left], sym[right]));
        if (rank != null) {
            queue.add(new Candidate(rank, left, sym[left], sym[right]));
        }
    }
}

package dev.lstar.conformance.gen;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.SplittableRandom;

/** Edge-case and random operand values. */
public final class Values {
    private Values() {}

    private static final long[] EDGES = {0, 1, 2, -1, -2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff,
            0x7fffffffL, 0x80000000L, 0xffffffffL, 0x100000000L, 0x7fffffffffffffffL, 0x8000000000000000L,
            0x5555555555555555L, 0xaaaaaaaaaaaaaaaaL};

    /** Raw shift/rotate counts: 0, 1, width-1, width, width+1 for every width, and large values. */
    private static final long[] COUNTS = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 200, 255};

    /** Bit indexes for BT* with a memory operand: within +-255 bytes of the operand. */
    private static final long[] MEM_BIT_INDEXES = {0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 65, -1, -8, -9, -16, -33,
            -64, -65, 1000, -1000, 2040, -2040};

    /** Mask of the low {@code bits} bits. */
    public static long mask(int bits) {
        return bits >= 64 ? -1L : (1L << bits) - 1;
    }

    /** Distinct edge values truncated to {@code bits}: 0, 1, -1, the sign boundaries, patterns. */
    public static long[] edges(int bits) {
        Set<Long> s = new LinkedHashSet<>();
        long m = mask(bits);
        for (long e : EDGES) {
            s.add(e & m);
        }
        long signMin = 1L << (bits - 1);
        s.add(signMin & m);
        s.add((signMin - 1) & m);
        s.add((signMin + 1) & m);
        return s.stream().mapToLong(Long::longValue).toArray();
    }

    /** Shift counts; with {@code max16} only those whose 5-bit masked value is at most 16. */
    public static long[] counts(boolean max16) {
        return java.util.Arrays.stream(COUNTS).filter(c -> !max16 || (c & 31) <= 16).toArray();
    }

    /** Bit indexes that keep a BT* memory access within 255 bytes of the operand address. */
    public static long[] memBitIndexes() {
        return MEM_BIT_INDEXES.clone();
    }

    /** A random value of {@code bits} bits, biased towards small magnitudes and edges. */
    public static long random(SplittableRandom rnd, int bits) {
        long v = switch (rnd.nextInt(6)) {
            case 0 -> rnd.nextLong(256) - 128; // small, either sign
            case 1 -> EDGES[rnd.nextInt(EDGES.length)] + rnd.nextLong(5) - 2; // near an edge
            case 2 -> 1L << rnd.nextInt(64); // a single bit
            default -> rnd.nextLong();
        };
        return v & mask(bits);
    }
}

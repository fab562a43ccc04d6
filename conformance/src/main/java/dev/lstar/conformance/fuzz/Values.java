package dev.lstar.conformance.fuzz;

import java.util.SplittableRandom;

/** Random values with a bias towards edges, and the deterministic fill of the data pages. */
final class Values {
    private Values() {}

    /** A {@code bits}-wide immediate: edges (0, 1, -1, min, max), small numbers or random bits. */
    static long imm(SplittableRandom rnd, int bits) {
        long mask = bits == 64 ? -1L : (1L << bits) - 1;
        return switch (rnd.nextInt(6)) {
            case 0 -> new long[] {0, 1, -1, 1L << (bits - 1), (1L << (bits - 1)) - 1, 2}[rnd.nextInt(6)] & mask;
            case 1, 2 -> rnd.nextInt(64) & mask;
            default -> rnd.nextLong() & mask;
        };
    }

    /** A register value: a data or stack pointer, a small number, an edge or random. */
    static long reg(SplittableRandom rnd) {
        return switch (rnd.nextInt(8)) {
            case 0 -> Layout.DATA + rnd.nextInt(Layout.DATA_SIZE);
            case 1 -> Layout.STACK + rnd.nextInt(Layout.STACK_SIZE);
            case 2, 3 -> rnd.nextInt(64);
            case 4 -> new long[] {0, -1, 1L << 63, Long.MAX_VALUE, 0xFFFF_FFFFL, 0x8000_0000L, 0x40000000L}[rnd.nextInt(7)];
            default -> rnd.nextLong();
        };
    }

    /**
     * The data and stack pages' contents: xorshift64 from {@code seed} (0: all zero). Written out
     * the same way in generated regression tests, so they need nothing from this module.
     */
    /**
     * {@link #fill}, memoised per thread for the last few (seed, size) pairs: every engine of a
     * stream (all run on one thread) writes the same pages, and threads do not wait for each other.
     * The array is shared: callers must not change it.
     */
    static byte[] fillShared(long seed, int n) {
        Memo m = MEMO.get();
        for (int i = 0; i < m.seed.length; i++) {
            if (m.bytes[i] != null && m.seed[i] == seed && m.bytes[i].length == n) return m.bytes[i];
        }
        byte[] b = fill(seed, n);
        m.seed[m.next] = seed;
        m.bytes[m.next] = b;
        m.next = (m.next + 1) % m.bytes.length;
        return b;
    }

    private static final class Memo {
        final long[] seed = new long[4];
        final byte[][] bytes = new byte[4][];
        int next;
    }

    private static final ThreadLocal<Memo> MEMO = ThreadLocal.withInitial(Memo::new);

    static byte[] fill(long seed, int n) {
        byte[] b = new byte[n];
        if (seed == 0) return b;
        long x = seed;
        for (int i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b[i] = (byte) x;
        }
        return b;
    }
}

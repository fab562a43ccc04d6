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

    /**
     * xorshift64 from {@code seed}, byte {@code i} the low byte of the state after step
     * {@code i + 1}. The {@link #LANES} quarters of the buffer are filled side by side, each from
     * the state at its start (reached by a jump: the step is linear over GF(2), so {@code k} steps
     * are one 64x64 bit-matrix product, {@link #jump}): the same bytes as one chain
     * ({@link #fillSerial}), in about a third of the time, as the four chains' dependent
     * shift/xor sequences overlap in the CPU.
     */
    static byte[] fill(long seed, int n) {
        byte[] b = new byte[n];
        if (seed == 0) return b;
        int q = n / LANES;
        if (q < 64) return fillSerial(seed, n);
        long[][] j = jumps(q);
        long x0 = seed, x1 = apply(j[0], seed), x2 = apply(j[1], seed), x3 = apply(j[2], seed);
        for (int i = 0; i < q; i++) {
            x0 ^= x0 << 13; x0 ^= x0 >>> 7; x0 ^= x0 << 17;
            x1 ^= x1 << 13; x1 ^= x1 >>> 7; x1 ^= x1 << 17;
            x2 ^= x2 << 13; x2 ^= x2 >>> 7; x2 ^= x2 << 17;
            x3 ^= x3 << 13; x3 ^= x3 >>> 7; x3 ^= x3 << 17;
            b[i] = (byte) x0;
            b[q + i] = (byte) x1;
            b[2 * q + i] = (byte) x2;
            b[3 * q + i] = (byte) x3;
        }
        long x = x3;
        for (int i = 4 * q; i < n; i++) { // the tail when n is not a multiple of LANES
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b[i] = (byte) x;
        }
        return b;
    }

    /** The reference: one xorshift64 chain (what generated regression tests write out). */
    static byte[] fillSerial(long seed, int n) {
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

    static final int LANES = 4;

    /** Per quarter size q: the matrices of q, 2q and 3q steps (as columns: column k = the image of bit k). */
    private static final java.util.concurrent.ConcurrentHashMap<Integer, long[][]> JUMPS = new java.util.concurrent.ConcurrentHashMap<>();

    private static long[][] jumps(int q) {
        return JUMPS.computeIfAbsent(q, k -> {
            long[] one = jump(k);
            long[] two = mul(one, one);
            return new long[][] {one, two, mul(one, two)};
        });
    }

    /** The matrix of {@code k} xorshift64 steps. */
    static long[] jump(int k) {
        long[] step = new long[64];
        for (int c = 0; c < 64; c++) {
            long x = 1L << c;
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            step[c] = x;
        }
        long[] r = null, p = step;
        for (int e = k; e != 0; e >>>= 1) {
            if ((e & 1) != 0) r = r == null ? p : mul(p, r);
            p = mul(p, p);
        }
        if (r == null) {
            r = new long[64];
            for (int c = 0; c < 64; c++) r[c] = 1L << c;
        }
        return r;
    }

    /** a * b (apply b, then a). */
    private static long[] mul(long[] a, long[] b) {
        long[] r = new long[64];
        for (int c = 0; c < 64; c++) r[c] = apply(a, b[c]);
        return r;
    }

    private static long apply(long[] m, long x) {
        long r = 0;
        for (long v = x; v != 0; v &= v - 1) r ^= m[Long.numberOfTrailingZeros(v)];
        return r;
    }
}

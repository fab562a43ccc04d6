package dev.lstar.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The word-wide paths of {@link SseInt#shiftLanes}, {@link SseInt#interleave} and
 * {@link SseInt#narrow} (what the JIT calls for PSLL/PSRL/PSRA, PUNPCK and PACK on each 64-bit
 * half) against lane-by-lane definitions written from the SDM's pseudo-code: random halves with
 * every shift count up to 70 and a few huge ones, and edge lanes.
 */
class SseIntLanesTest {
    static final long[] EDGES = {0, -1, 0x8000_8000_8000_8000L, 0x7FFF_7FFF_7FFF_7FFFL, 0x8000_0000_7FFF_FFFFL,
            0x0123_4567_89AB_CDEFL, 0xFF00_FF00_00FF_00FFL, 0x0080_007F_FF80_FF7FL};

    static long lane(long v, int bits, int k) {
        return bits == 64 ? v : v >>> (bits * k) & ((1L << bits) - 1);
    }

    static long signed(long x, int bits) {
        return x << (64 - bits) >> (64 - bits);
    }

    /** PSLL/PSRL/PSRA on one half: each lane shifted; a count past the lane width gives 0 (or the sign). */
    static long shiftRef(long v, int bits, int kind, long n) {
        long r = 0;
        for (int k = 0; k < 64 / bits; k++) {
            long a = lane(v, bits, k), x;
            boolean big = n < 0 || n >= bits;
            if (kind == 0) x = big ? 0 : a << n;
            else if (kind == 1) x = big ? 0 : a >>> n;
            else x = signed(a, bits) >> (big ? bits - 1 : n);
            r |= (bits == 64 ? x : x & ((1L << bits) - 1)) << (bits * k);
        }
        return r;
    }

    /** PUNPCKL/H on one half: the low (high) lanes of a and b, alternating, a first. */
    static long interleaveRef(long a, long b, int bits, boolean upper) {
        int n = 64 / bits, first = upper ? n / 2 : 0;
        long r = 0;
        for (int k = 0; k < n / 2; k++) {
            r |= lane(a, bits, first + k) << (2 * k * bits);
            r |= lane(b, bits, first + k) << ((2 * k + 1) * bits);
        }
        return n == 1 ? (upper ? b : a) : r;
    }

    /** PACK on one source half: each lane saturated to [min, max], half as wide. */
    static long narrowRef(long q, int bits, long min, long max) {
        long r = 0;
        for (int k = 0; k < 64 / bits; k++) {
            long x = Math.max(min, Math.min(max, signed(lane(q, bits, k), bits)));
            r |= (x & ((1L << (bits / 2)) - 1)) << (bits / 2 * k);
        }
        return r;
    }

    static long[] values(Random rnd) {
        long[] v = new long[EDGES.length + 200];
        System.arraycopy(EDGES, 0, v, 0, EDGES.length);
        for (int k = EDGES.length; k < v.length; k++) v[k] = rnd.nextLong();
        return v;
    }

    @Test
    void laneShiftsMatchTheLaneDefinition() {
        long[] counts = new long[75];
        for (int n = 0; n <= 70; n++) counts[n] = n;
        counts[71] = 255;
        counts[72] = 1L << 32;
        counts[73] = Long.MIN_VALUE;
        counts[74] = -1;
        for (long v : values(new Random(1))) {
            for (int bits : new int[] {16, 32, 64}) {
                for (int kind = 0; kind < (bits == 64 ? 2 : 3); kind++) {
                    for (long n : counts) {
                        assertEquals(shiftRef(v, bits, kind, n), SseInt.shiftLanes(v, bits, kind, n),
                                () -> "bits " + bits + " v " + Long.toHexString(v) + " n " + n);
                    }
                }
            }
        }
    }

    @Test
    void interleavesMatchTheLaneDefinition() {
        Random rnd = new Random(2);
        for (long a : values(rnd)) {
            long b = rnd.nextLong();
            for (int bits : new int[] {8, 16, 32, 64}) {
                for (boolean upper : new boolean[] {false, true}) {
                    assertEquals(interleaveRef(a, b, bits, upper), SseInt.interleave(a, b, bits, upper),
                            () -> "bits " + bits + " upper " + upper + " a " + Long.toHexString(a) + " b " + Long.toHexString(b));
                }
            }
        }
    }

    @Test
    void packsMatchTheLaneDefinition() {
        long[][] forms = {{16, -128, 127}, {16, 0, 255}, {32, -32768, 32767}, {32, 0, 65535}};
        for (long q : values(new Random(3))) {
            for (long[] f : forms) {
                assertEquals(narrowRef(q, (int) f[0], f[1], f[2]), SseInt.narrow(q, (int) f[0], f[1], f[2]),
                        () -> "form " + f[0] + "/" + f[1] + " q " + Long.toHexString(q));
            }
        }
    }
}

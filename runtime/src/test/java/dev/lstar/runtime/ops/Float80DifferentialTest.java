package dev.lstar.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lstar.runtime.ops.Float80.Ctx;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The allocation-free arithmetic of {@link Float80} (128-bit magnitudes, the 128/64 division,
 * the Newton square root, the long-only integer conversions and compares) against
 * {@link Float80Reference}, the BigInteger-only implementation it replaced: result, flags and C1
 * identical for random and edge operands under every control word that matters (the four
 * rounding modes, the three precisions, overflow/underflow masked and unmasked). The host CPU
 * stays the oracle of both through the conformance x87 family.
 */
class Float80DifferentialTest {
    static final int N = 60_000;

    /** Control words: every RC x PC, all exceptions masked, plus some with OE/UE/PE/DE unmasked. */
    static int cw(SplittableRandom r) {
        int rc = r.nextInt(4), pc = r.nextInt(4);
        int masks = r.nextInt(8) == 0 ? r.nextInt(0x40) : 0x3F;
        return 0x40 | rc << 10 | pc << 8 | masks;
    }

    /** Operands: mostly normals near each other (cancellation) or far apart, some edges. */
    static long[] operand(SplittableRandom r, int nearSe) {
        int kind = r.nextInt(20);
        int sign = r.nextBoolean() ? 0x8000 : 0;
        long m = r.nextLong() | Float80.INT_BIT;
        if (r.nextInt(4) == 0) m &= -1L << r.nextInt(64); // short significands: exact results, ties
        if (r.nextInt(8) == 0) m = Float80.INT_BIT | (r.nextBoolean() ? 0 : r.nextLong() & 0xFFFF); // near powers of two
        int e = switch (kind) {
            case 0 -> 0; // zero or denormal
            case 1 -> 1 + r.nextInt(80); // tiny
            case 2 -> 0x7FFE - r.nextInt(80); // huge
            case 3 -> 0x7FFF; // inf / NaN
            case 4, 5, 6, 7, 8 -> Math.max(1, Math.min(0x7FFE, (nearSe & 0x7FFF) + r.nextInt(140) - 70));
            default -> 0x3FFF + r.nextInt(400) - 200;
        };
        if (kind == 0) m = r.nextInt(4) == 0 ? 0 : r.nextLong() >>> r.nextInt(64);
        if (kind == 0 && r.nextInt(8) == 0) m |= Float80.INT_BIT; // pseudo-denormal
        if (kind == 3) m = r.nextBoolean() ? Float80.INT_BIT : m;
        if (kind == 4 && r.nextBoolean()) { e = nearSe & 0x7FFF; }
        return new long[] {sign | e, m};
    }

    static void check(String what, Ctx a, Ctx b, int cw, long[] x, long[] y) {
        String ctx = what + " cw=" + Integer.toHexString(cw) + " x=" + Long.toHexString(x[0]) + ":" + Long.toHexString(x[1])
                + (y == null ? "" : " y=" + Long.toHexString(y[0]) + ":" + Long.toHexString(y[1]));
        assertEquals(Integer.toHexString(b.flags), Integer.toHexString(a.flags), ctx + " flags");
        assertEquals(Integer.toHexString(b.se), Integer.toHexString(a.se), ctx + " se");
        assertEquals(Long.toHexString(b.m), Long.toHexString(a.m), ctx + " m");
    }

    @Test
    void binaryOperationsMatchTheBigIntegerReference() {
        SplittableRandom r = new SplittableRandom(0x87_80L);
        Ctx a = new Ctx(0), b = new Ctx(0);
        for (int n = 0; n < N; n++) {
            int cw = cw(r);
            long[] x = operand(r, 0x3FFF);
            long[] y = operand(r, (int) x[0]);
            int op = n & 3;
            a.reset(cw);
            b.reset(cw);
            int xs = (int) x[0], ys = (int) y[0];
            switch (op) {
                case 0 -> { Float80.add(a, xs, x[1], ys, y[1]); Float80Reference.add(b, xs, x[1], ys, y[1]); }
                case 1 -> { Float80.sub(a, xs, x[1], ys, y[1]); Float80Reference.sub(b, xs, x[1], ys, y[1]); }
                case 2 -> { Float80.mul(a, xs, x[1], ys, y[1]); Float80Reference.mul(b, xs, x[1], ys, y[1]); }
                default -> { Float80.div(a, xs, x[1], ys, y[1]); Float80Reference.div(b, xs, x[1], ys, y[1]); }
            }
            check(new String[] {"add", "sub", "mul", "div"}[op], a, b, cw, x, y);
            a.reset(cw);
            b.reset(cw);
            int ca = Float80.compare(a, xs, x[1], ys, y[1], (n & 4) != 0), cb = Float80Reference.compare(b, xs, x[1], ys, y[1], (n & 4) != 0);
            assertEquals(cb, ca, "compare");
            assertEquals(b.flags, a.flags, "compare flags");
        }
    }

    @Test
    void unaryOperationsAndConversionsMatchTheBigIntegerReference() {
        SplittableRandom r = new SplittableRandom(0x87_81L);
        Ctx a = new Ctx(0), b = new Ctx(0);
        for (int n = 0; n < N; n++) {
            int cw = cw(r);
            long[] x = operand(r, r.nextBoolean() ? 0x3FFF + r.nextInt(70) : 0x3FFF - r.nextInt(80));
            int xs = (int) x[0];
            if (n % 5 == 4) xs &= 0x7FFF;
            long[] xv = {xs, x[1]};
            a.reset(cw); b.reset(cw);
            Float80.sqrt(a, xs, x[1]); Float80Reference.sqrt(b, xs, x[1]);
            check("sqrt", a, b, cw, xv, null);
            a.reset(cw); b.reset(cw);
            Float80.rndint(a, xs, x[1]); Float80Reference.rndint(b, xs, x[1]);
            check("rndint", a, b, cw, xv, null);
            for (int bytes : new int[] {2, 4, 8}) {
                a.reset(cw); b.reset(cw);
                long va = Float80.toInt(a, xs, x[1], bytes), vb = Float80Reference.toInt(b, xs, x[1], bytes);
                assertEquals(vb, va, "toInt" + bytes + " " + Long.toHexString(x[0]) + ":" + Long.toHexString(x[1]));
                assertEquals(b.flags, a.flags, "toInt flags");
            }
            for (boolean dbl : new boolean[] {false, true}) {
                a.reset(cw); b.reset(cw);
                a.se = 0x1234; a.m = 42;
                long fa = Float80.toFloat(a, xs, x[1], dbl), fb = Float80Reference.toFloat(b, xs, x[1], dbl);
                assertEquals(Long.toHexString(fb), Long.toHexString(fa), "toFloat " + dbl + " cw=" + Integer.toHexString(cw) + " " + Long.toHexString(x[0]) + ":" + Long.toHexString(x[1]));
                assertEquals(b.flags, a.flags, "toFloat flags");
                assertEquals(0x1234, a.se, "toFloat leaves the context's value");
                assertEquals(42, a.m);
            }
        }
    }

    @Test
    void divisionAndSquareRootHelpersAreExact() {
        SplittableRandom r = new SplittableRandom(0x87_82L);
        int slow = 0;
        for (int n = 0; n < 200_000; n++) {
            long v = r.nextLong() | Long.MIN_VALUE;
            if (n % 7 == 0) v = Long.MIN_VALUE | (r.nextLong() & 0xFF);
            if (n % 11 == 0) v = -1L - (r.nextLong() & 0xFF);
            long u1 = Long.remainderUnsigned(r.nextLong(), v), u0 = r.nextLong();
            if (n % 13 == 0) u1 = v - 1;
            long q = Float80.div128(u1, u0, v);
            java.math.BigInteger big = Float80.mag128(u1, u0), bv = Float80.mag(v);
            java.math.BigInteger[] qr = big.divideAndRemainder(bv);
            assertEquals(qr[0], Float80.mag(q), "div128");
            assertEquals(qr[1], Float80.mag(u0 - q * v), "div128 remainder");
            long ah = r.nextLong() >>> r.nextInt(2), al = r.nextLong();
            ah |= 1L << 62;
            if (n % 17 == 0) { ah = -1L; al = -1L - r.nextInt(3); }
            long s = Float80.isqrt128(ah, al);
            if (s == 0) { slow++; continue; } // the caller's BigInteger path (a root next to 2^64)
            assertEquals(Float80.mag128(ah, al).sqrt(), Float80.mag(s), "isqrt128 " + Long.toHexString(ah) + ":" + Long.toHexString(al));
        }
        org.junit.jupiter.api.Assertions.assertTrue(slow < 200_000 / 17 + 10, "isqrt128 fell back " + slow + " times");
    }
}

package dev.lstar.runtime.ops;

import static dev.lstar.runtime.ops.Sse.hi;
import static dev.lstar.runtime.ops.Sse.lo;
import static dev.lstar.runtime.ops.Sse.x;
import static dev.lstar.runtime.ops.SoftFloat.D;
import static dev.lstar.runtime.ops.SoftFloat.S;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.OpcodeTable;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.interp.Operands;
import dev.lstar.runtime.ops.SoftFloat.Fmt;

/**
 * SSE/SSE2 floating-point instructions (Intel SDM Vol. 1 ch. 10-11, Vol. 2 for each): arithmetic,
 * square root, min/max, compares, COMIS/UCOMIS, conversions, unpacks and the RCP/RSQRT
 * approximations. Lane semantics (rounding, NaNs, DAZ/FTZ, exception flags) are in
 * {@link SoftFloat}; {@link Mxcsr} applies the exception precedence and #XM. Every instruction
 * reads its source (which may fault) first, computes all lanes, commits MXCSR (which may raise
 * #XM, leaving the destination unwritten) and then writes the destination.
 *
 * <p>Scalar forms (SS/SD) replace the low lane and keep the rest of the destination; a memory
 * source is 32 or 64 bits with no alignment rule. Packed forms take a 16-byte aligned m128.
 */
public final class SseFloat {
    private SseFloat() {}

    private static final long M32 = 0xFFFF_FFFFL;

    @FunctionalInterface
    interface Op {
        long apply(Fmt f, Mxcsr e, long a, long b);
    }

    /** Four single lanes; with an MMX destination (CVTPS2PI, CVTTPS2PI) the two low lanes only. */
    private static void packedS(Cpu c, Instruction i, Op op) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        long dlo = lo(c, i, 0), dhi = hi(c, i, 0);
        boolean two = Sse.mm(i, 0);
        Mxcsr e = Mxcsr.of(c);
        long r0 = op.apply(S, e, dlo & M32, slo & M32), r1 = op.apply(S, e, dlo >>> 32, slo >>> 32);
        long r2 = two ? 0 : op.apply(S, e, dhi & M32, shi & M32), r3 = two ? 0 : op.apply(S, e, dhi >>> 32, shi >>> 32);
        e.commit(c);
        Sse.store128(c, i, 0, (r0 & M32) | r1 << 32, (r2 & M32) | r3 << 32);
    }

    private static void packedD(Cpu c, Instruction i, Op op) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        int d = x(i, 0);
        Mxcsr e = Mxcsr.of(c);
        long r0 = op.apply(D, e, c.xmm[d], slo), r1 = op.apply(D, e, c.xmm[d + 1], shi);
        e.commit(c);
        c.xmm[d] = r0;
        c.xmm[d + 1] = r1;
    }

    private static void scalarS(Cpu c, Instruction i, Op op) {
        long b = lo(c, i, 1);
        int d = x(i, 0);
        c.xmm[d] = laneS(c, op, c.xmm[d], b);
    }

    private static void scalarD(Cpu c, Instruction i, Op op) {
        long b = lo(c, i, 1);
        int d = x(i, 0);
        c.xmm[d] = laneD(c, op, c.xmm[d], b);
    }

    /**
     * A scalar single operation on values: {@code dlo} is bits 63:0 of the destination, the low 32
     * bits of {@code b} the source lane; commits MXCSR (#XM leaves the destination unwritten)
     * and returns the new bits 63:0 (bits 63:32 kept).
     */
    private static long laneS(Cpu c, Op op, long dlo, long b) {
        Mxcsr e = Mxcsr.of(c);
        long r = op.apply(S, e, dlo & M32, b & M32);
        e.commit(c);
        return (dlo & ~M32) | (r & M32);
    }

    /** A scalar double operation on values (as {@link #laneS}): returns the new bits 63:0. */
    private static long laneD(Cpu c, Op op, long a, long b) {
        Mxcsr e = Mxcsr.of(c);
        long r = op.apply(D, e, a, b);
        e.commit(c);
        return r;
    }

    // ---- the scalar operations on values, for translated code (the destination's bits 63:0 and
    // the source operand's, already read): the same lanes the instructions above compute.
    //
    // Each first tries the fast path of compiled code's usual state: MXCSR with every exception
    // masked, round to nearest, no FTZ/DAZ and PE already set (sticky: the first inexact result
    // sets it), normal operands and a result that neither overflowed nor underflowed. Then Java's
    // arithmetic is the x86 result (both are IEEE 754 round-to-nearest-even) and MXCSR cannot
    // change (PE is the only flag such an operation can raise), so nothing else is computed.
    // Every other case takes the exact lane below (SoftFloat, Mxcsr).

    /** MXCSR bits 15:5 (FZ, RC, masks, DAZ, PE) and their value that allows the fast paths. */
    private static final int FAST_BITS = 0xFFE0, FAST = 0x1FA0;
    /** Biased exponents: the smallest kept on the fast path for singles (|x| >= 2^-100) and the NaN/infinity ones. */
    private static final int D_MAX = 0x7FF, S_TINY = 27, S_MAX = 0xFF;

    private static boolean fastMode(Cpu c) { return (c.mxcsr & FAST_BITS) == FAST; }
    /**
     * 0 in the fast mode, else 1: what translated code starts a ranged lane's taint with. Arithmetic
     * never leaves the fast mode (PE is set already; any other flag it raises is masked and below
     * bit 5), so the answer holds until MXCSR is loaded (LDMXCSR, FXRSTOR, a signal's return).
     */
    public static int slowMode(Cpu c) { return fastMode(c) ? 0 : 1; }
    private static int expD(long x) { return (int) (x >>> 52) & D_MAX; }
    private static int expS(long x) { return (int) (x >>> 23) & S_MAX; }
    /** A normal double: neither zero, denormal, infinity nor NaN. */
    private static boolean normalD(long x) { int e = expD(x); return e != 0 && e != D_MAX; }
    private static boolean normalS(long x) { int e = expS(x); return e != 0 && e != S_MAX; }
    /**
     * Whether an add, subtract, multiply or divide of {@code x} and {@code y} giving {@code r}
     * is exact in Java and leaves MXCSR alone (in the fast mode), as compares of the doubles (no
     * moves to integer registers): both operands at least {@link #D_FAST_MIN} in magnitude (so
     * normal or infinite — a NaN fails the compare — and no denormal-operand flag), and the
     * result at least that and at most MAX_VALUE (finite, so no overflow; above MIN_NORMAL, so no
     * underflow whether tininess is detected before or after rounding; an infinite operand
     * always gives an infinite, zero or NaN result, which fails one of the two).
     *
     * <p>One threshold for operands and results on purpose: a value this test let through as a
     * result is tested again as the next operation's operand with the very same compare, which
     * C2 then drops (the dominating test decides it), so a chain of arithmetic in one method
     * tests each intermediate value once.
     */
    private static boolean fastD(double x, double y, double r) {
        double m = Math.abs(r);
        return Math.abs(x) >= D_FAST_MIN && Math.abs(y) >= D_FAST_MIN && m >= D_FAST_MIN && m <= Double.MAX_VALUE;
    }
    /** 2^-1021: twice MIN_NORMAL, the smallest magnitude fastD lets through. */
    static final double D_FAST_MIN = 0x1p-1021;

    /**
     * The second chance of the add/subtract lanes, tried only when {@link #fastD} failed: zeros.
     * With operands that are zeros or finite and at least {@link #D_FAST_MIN} (no NaN, infinity
     * or denormal), a sum with a zero operand is the other operand or a signed zero, and a zero
     * result is an exact cancellation: exact, no flag, and Java's signs of zero are IEEE's, which
     * are x86's (+0 from x - x in round-to-nearest). Kept off the common path, so code whose
     * values start at zero (an accumulator, a Mandelbrot orbit) does not reach the soft-float
     * lane — nor, in translated code, make HotSpot compile it in.
     */
    private static boolean zeroSum(double x, double y, double r) {
        return (x == 0 || y == 0 || r == 0) && zeroOrFast(x) && zeroOrFast(y);
    }

    /** A zero, or a finite value at least {@link #D_FAST_MIN} in magnitude (false for a NaN). */
    private static boolean zeroOrFast(double x) {
        double m = Math.abs(x);
        return m == 0 || (m >= D_FAST_MIN && m <= Double.MAX_VALUE);
    }

    private static boolean saneS(long r) { int e = expS(r); return e >= S_TINY && e != S_MAX; }
    private static double d(long x) { return Double.longBitsToDouble(x); }
    private static float f(long x) { return Float.intBitsToFloat((int) x); }
    private static long bits(double x) { return Double.doubleToRawLongBits(x); }
    private static long bits(float x) { return Float.floatToRawIntBits(x) & M32; }

    public static long addsdLane(Cpu c, long a, long b) {
        if (fastMode(c)) { double x = d(a), y = d(b), r = x + y; if (fastD(x, y, r) || zeroSum(x, y, r)) return bits(r); }
        return laneD(c, ADD, a, b);
    }
    public static long subsdLane(Cpu c, long a, long b) {
        if (fastMode(c)) { double x = d(a), y = d(b), r = x - y; if (fastD(x, y, r) || zeroSum(x, y, r)) return bits(r); }
        return laneD(c, SUB, a, b);
    }
    public static long mulsdLane(Cpu c, long a, long b) {
        if (fastMode(c)) {
            double x = d(a), y = d(b), r = x * y;
            if (fastD(x, y, r) || ((x == 0 || y == 0) && zeroOrFast(x) && zeroOrFast(y))) return bits(r);
        }
        return laneD(c, MUL, a, b);
    }
    public static long divsdLane(Cpu c, long a, long b) {
        if (fastMode(c)) {
            double x = d(a), y = d(b), r = x / y;
            if (fastD(x, y, r) || (x == 0 && y != 0 && zeroOrFast(y))) return bits(r);
        }
        return laneD(c, DIV, a, b);
    }
    public static long sqrtsdLane(Cpu c, long a, long b) {
        if (fastMode(c) && ((normalD(b) && b > 0) || (b & ~SIGN_D) == 0)) return bits(Math.sqrt(d(b))); // a normal's root is normal; ±0's is itself
        return laneD(c, SQRT, a, b);
    }
    /** MIN/MAX of two numbers that are neither NaNs nor denormals: no flag, no mode matters. */
    public static long minsdLane(Cpu c, long a, long b) {
        if (plainD(a) && plainD(b)) return d(a) < d(b) ? a : b;
        return laneD(c, MIN, a, b);
    }
    public static long maxsdLane(Cpu c, long a, long b) {
        if (plainD(a) && plainD(b)) return d(a) > d(b) ? a : b;
        return laneD(c, MAX, a, b);
    }
    // ---- the scalar double operations with translated code's lane ranges (the translator's
    // LaneRanges). {@code taint} 0 says the caller has shown — by checks made earlier on the same
    // values (rangeExcess...), and the arithmetic between — that both operands are normal and
    // the exact result lies in [2^-1021, 2^1023] (a product or quotient), or at most 2^1023 in
    // magnitude (a sum or difference, whose tiny results are exact), and that MXCSR is in the fast
    // mode ({@link #slowMode} was 0 since it last could have been loaded); then no flag but PE can
    // arise, PE is set already, and Java's result is the x86 result: nothing is tested. Any other
    // taint (a check failed, or another mode): the lanes above.

    public static long addsdRanged(Cpu c, long a, long b, int taint) { return taint == 0 ? bits(d(a) + d(b)) : addsdLane(c, a, b); }
    public static long subsdRanged(Cpu c, long a, long b, int taint) { return taint == 0 ? bits(d(a) - d(b)) : subsdLane(c, a, b); }
    public static long mulsdRanged(Cpu c, long a, long b, int taint) { return taint == 0 ? bits(d(a) * d(b)) : mulsdLane(c, a, b); }
    public static long divsdRanged(Cpu c, long a, long b, int taint) { return taint == 0 ? bits(d(a) / d(b)) : divsdLane(c, a, b); }
    /** As the others; {@code taint} 0: {@code b} is known to be positive and normal. */
    public static long sqrtsdRanged(Cpu c, long a, long b, int taint) { return taint == 0 ? bits(Math.sqrt(d(b))) : sqrtsdLane(c, a, b); }

    /**
     * The exponent of the range checks: |x| in [2^-RANGE_EXP, 2^RANGE_EXP) — the biased exponent
     * in a window of 512 values, so a check is an unsigned compare of bits that several checks
     * share (three such factors still neither overflow nor underflow).
     */
    public static final int RANGE_EXP = 256;
    private static final long RANGE_BASE = (long) (1023 - RANGE_EXP) << 53;

    /**
     * A range check's <i>excess</i>: below 2^62 (unsigned) exactly when |x| is in
     * [2^-RANGE_EXP, 2^RANGE_EXP) — the sign shifted out, the exponent's window moved to 0 (a
     * zero, denormal, infinity or NaN lands far above). The checks of one operation OR their
     * excesses and make one test ({@link #rangeOk}): a single branch for both operands.
     */
    public static long rangeExcess(long x) { return (x << 1) - RANGE_BASE; }
    /** As {@link #rangeExcess}, and not negative (a set sign bit sets every bit). */
    public static long positiveExcess(long x) { return rangeExcess(x) | (x >> 63); }
    /** Whether the excesses OR-ed into {@code excess} were all within the range. */
    public static boolean rangeOk(long excess) { return excess >>> 62 == 0; }

    /** Whether x is not ±0 (the check of an integer's double, which is ±0 or at least 1 in magnitude). */
    public static boolean nonZero(long x) { return x << 1 != 0; }

    /** |x| in [2^-RANGE_EXP, 2^RANGE_EXP) (one check on its own). */
    public static boolean rangeWithin(long x) { return rangeOk(rangeExcess(x)); }
    /** x in [2^-RANGE_EXP, 2^RANGE_EXP) (positive). */
    public static boolean rangePositive(long x) { return rangeOk(positiveExcess(x)); }

    /** Zero, normal or infinite (not a NaN or a denormal). */
    private static boolean plainD(long x) { int e = expD(x); return (e != 0 && e != D_MAX) || (x & ~SIGN_D) == 0 || (x & ~SIGN_D) == INF_D; }
    private static boolean plainS(long x) { int e = expS(x); return (e != 0 && e != S_MAX) || (x & 0x7FFF_FFFFL) == 0 || (x & 0x7FFF_FFFFL) == INF_S; }
    private static final long SIGN_D = Long.MIN_VALUE, INF_D = 0x7FF0_0000_0000_0000L, INF_S = 0x7F80_0000L;

    public static long addssLane(Cpu c, long dlo, long b) {
        if (fastMode(c)) {
            float x = f(dlo), y = f(b), r = x + y;
            if ((normalS(dlo) && normalS(b) && saneS(bits(r))) || zeroSumS(dlo, b, r)) return (dlo & ~M32) | bits(r);
        }
        return laneS(c, ADD, dlo, b);
    }
    public static long subssLane(Cpu c, long dlo, long b) {
        if (fastMode(c)) {
            float x = f(dlo), y = f(b), r = x - y;
            if ((normalS(dlo) && normalS(b) && saneS(bits(r))) || zeroSumS(dlo, b, r)) return (dlo & ~M32) | bits(r);
        }
        return laneS(c, SUB, dlo, b);
    }
    public static long mulssLane(Cpu c, long dlo, long b) {
        if (fastMode(c)) {
            float x = f(dlo), y = f(b), r = x * y;
            if ((normalS(dlo) && normalS(b) && saneS(bits(r))) || ((x == 0 || y == 0) && zeroOrNormalS(dlo) && zeroOrNormalS(b))) {
                return (dlo & ~M32) | bits(r);
            }
        }
        return laneS(c, MUL, dlo, b);
    }
    public static long divssLane(Cpu c, long dlo, long b) {
        if (fastMode(c)) {
            float x = f(dlo), y = f(b), r = x / y;
            if ((normalS(dlo) && normalS(b) && saneS(bits(r))) || (x == 0 && zeroOrNormalS(dlo) && normalS(b))) return (dlo & ~M32) | bits(r);
        }
        return laneS(c, DIV, dlo, b);
    }
    public static long sqrtssLane(Cpu c, long dlo, long b) {
        if (fastMode(c) && ((normalS(b) && (b & 0x8000_0000L) == 0) || (b & 0x7FFF_FFFFL) == 0)) { // exact: see SoftFloat.sqrt; ±0's root is itself
            return (dlo & ~M32) | bits((float) Math.sqrt(f(b)));
        }
        return laneS(c, SQRT, dlo, b);
    }
    /** Singles' {@link #zeroSum}: operands zero or normal, and one of them or the result zero (exact, no flag). */
    private static boolean zeroSumS(long a, long b, float r) {
        return (f(a) == 0 || f(b) == 0 || r == 0) && zeroOrNormalS(a) && zeroOrNormalS(b);
    }
    /** The single in bits 31:0 is a zero or a normal number (not a denormal, infinity or NaN). */
    private static boolean zeroOrNormalS(long x) { return normalS(x) || (x & 0x7FFF_FFFFL) == 0; }
    public static long minssLane(Cpu c, long dlo, long b) {
        if (plainS(dlo) && plainS(b)) return (dlo & ~M32) | (f(dlo) < f(b) ? dlo : b) & M32;
        return laneS(c, MIN, dlo, b);
    }
    public static long maxssLane(Cpu c, long dlo, long b) {
        if (plainS(dlo) && plainS(b)) return (dlo & ~M32) | (f(dlo) > f(b) ? dlo : b) & M32;
        return laneS(c, MAX, dlo, b);
    }

    // ---- packed lanes on values, for translated code: ONLY while every MXCSR exception is masked
    // (the caller checks MXCSR.masks = 0x3F): then no lane can raise #XM and each lane may commit
    // its flags on its own, which is what committing all lanes at once does. A packed double's
    // lane is the scalar lane above; a packed single's 64-bit half is two scalar single lanes.

    public static long addpsHalf(Cpu c, long a, long b) { return addssLane(c, a, b) & M32 | addssLane(c, a >>> 32, b >>> 32) << 32; }
    public static long subpsHalf(Cpu c, long a, long b) { return subssLane(c, a, b) & M32 | subssLane(c, a >>> 32, b >>> 32) << 32; }
    public static long mulpsHalf(Cpu c, long a, long b) { return mulssLane(c, a, b) & M32 | mulssLane(c, a >>> 32, b >>> 32) << 32; }
    public static long divpsHalf(Cpu c, long a, long b) { return divssLane(c, a, b) & M32 | divssLane(c, a >>> 32, b >>> 32) << 32; }
    public static long sqrtpsHalf(Cpu c, long a, long b) { return sqrtssLane(c, 0, b) & M32 | sqrtssLane(c, 0, b >>> 32) << 32; }
    public static long minpsHalf(Cpu c, long a, long b) { return minssLane(c, a, b) & M32 | minssLane(c, a >>> 32, b >>> 32) << 32; }
    public static long maxpsHalf(Cpu c, long a, long b) { return maxssLane(c, a, b) & M32 | maxssLane(c, a >>> 32, b >>> 32) << 32; }

    /**
     * UCOMISD/COMISD on values (bits 63:0 of both operands): ZF PF CF, OF SF AF cleared. Two
     * numbers that are neither NaNs nor denormals compare without touching MXCSR.
     */
    public static void comisdOn(Cpu c, long a, long b, boolean signalling) {
        comiOn(c, D, a, b, signalling);
    }

    /** COMISS/UCOMISS on values (bits 31:0 of both operands), as {@link #comisdOn}. */
    public static void comissOn(Cpu c, long a, long b, boolean signalling) {
        comiOn(c, S, a & M32, b & M32, signalling);
    }

    /** The compares' one definition (the interpreter's and the translated code's). */
    private static void comiOn(Cpu c, Fmt f, long a, long b, boolean signalling) {
        if (f == D ? plainD(a) && plainD(b) : plainS(a) && plainS(b)) {
            double x = f == D ? d(a) : f(a), y = f == D ? d(b) : f(b); // (a single widens exactly)
            setZpc(c, x < y ? CF : x == y ? ZF : 0);
            return;
        }
        Mxcsr e = Mxcsr.of(c);
        int zpc = SoftFloat.comi(f, e, a, b, signalling);
        e.commit(c);
        setZpc(c, zpc);
    }

    private static final int CF = 1, ZF = 0x40;

    private static void setZpc(Cpu c, int zpc) {
        c.setArithmeticFlags(zpc);
    }

    private static final Op ADD = (f, e, a, b) -> SoftFloat.add(f, e, a, b, false);
    private static final Op SUB = (f, e, a, b) -> SoftFloat.add(f, e, a, b, true);
    private static final Op MUL = SoftFloat::mul;
    private static final Op DIV = SoftFloat::div;
    private static final Op SQRT = (f, e, a, b) -> SoftFloat.sqrt(f, e, b);
    private static final Op MIN = (f, e, a, b) -> SoftFloat.minMax(f, e, a, b, false);
    private static final Op MAX = (f, e, a, b) -> SoftFloat.minMax(f, e, a, b, true);

    // ---- arithmetic
    public static void addps(Cpu c, Instruction i) { packedS(c, i, ADD); }
    public static void addpd(Cpu c, Instruction i) { packedD(c, i, ADD); }
    public static void addss(Cpu c, Instruction i) { long b = lo(c, i, 1); int d = x(i, 0); c.xmm[d] = addssLane(c, c.xmm[d], b); }
    public static void addsd(Cpu c, Instruction i) { long b = lo(c, i, 1); int d = x(i, 0); c.xmm[d] = addsdLane(c, c.xmm[d], b); }
    public static void subps(Cpu c, Instruction i) { packedS(c, i, SUB); }
    public static void subpd(Cpu c, Instruction i) { packedD(c, i, SUB); }
    public static void subss(Cpu c, Instruction i) { long b = lo(c, i, 1); int d = x(i, 0); c.xmm[d] = subssLane(c, c.xmm[d], b); }
    public static void subsd(Cpu c, Instruction i) { long b = lo(c, i, 1); int d = x(i, 0); c.xmm[d] = subsdLane(c, c.xmm[d], b); }
    public static void mulps(Cpu c, Instruction i) { packedS(c, i, MUL); }
    public static void mulpd(Cpu c, Instruction i) { packedD(c, i, MUL); }
    public static void mulss(Cpu c, Instruction i) { long b = lo(c, i, 1); int d = x(i, 0); c.xmm[d] = mulssLane(c, c.xmm[d], b); }
    public static void mulsd(Cpu c, Instruction i) { long b = lo(c, i, 1); int d = x(i, 0); c.xmm[d] = mulsdLane(c, c.xmm[d], b); }
    public static void divps(Cpu c, Instruction i) { packedS(c, i, DIV); }
    public static void divpd(Cpu c, Instruction i) { packedD(c, i, DIV); }
    public static void divss(Cpu c, Instruction i) { long b = lo(c, i, 1); int d = x(i, 0); c.xmm[d] = divssLane(c, c.xmm[d], b); }
    public static void divsd(Cpu c, Instruction i) { long b = lo(c, i, 1); int d = x(i, 0); c.xmm[d] = divsdLane(c, c.xmm[d], b); }
    public static void sqrtps(Cpu c, Instruction i) { packedS(c, i, SQRT); }
    public static void sqrtpd(Cpu c, Instruction i) { packedD(c, i, SQRT); }
    public static void sqrtss(Cpu c, Instruction i) { long b = lo(c, i, 1); int d = x(i, 0); c.xmm[d] = sqrtssLane(c, c.xmm[d], b); }
    public static void sqrtsd(Cpu c, Instruction i) { long b = lo(c, i, 1); int d = x(i, 0); c.xmm[d] = sqrtsdLane(c, c.xmm[d], b); }
    /** MINPS...MAXSD: the second operand when either is a NaN (IE) or both are zeros, unlike Math.min. */
    public static void minps(Cpu c, Instruction i) { packedS(c, i, MIN); }
    public static void minpd(Cpu c, Instruction i) { packedD(c, i, MIN); }
    public static void minss(Cpu c, Instruction i) { long b = lo(c, i, 1); int d = x(i, 0); c.xmm[d] = minssLane(c, c.xmm[d], b); }
    public static void minsd(Cpu c, Instruction i) { long b = lo(c, i, 1); int d = x(i, 0); c.xmm[d] = minsdLane(c, c.xmm[d], b); }
    public static void maxps(Cpu c, Instruction i) { packedS(c, i, MAX); }
    public static void maxpd(Cpu c, Instruction i) { packedD(c, i, MAX); }
    public static void maxss(Cpu c, Instruction i) { long b = lo(c, i, 1); int d = x(i, 0); c.xmm[d] = maxssLane(c, c.xmm[d], b); }
    public static void maxsd(Cpu c, Instruction i) { long b = lo(c, i, 1); int d = x(i, 0); c.xmm[d] = maxsdLane(c, c.xmm[d], b); }

    // ---- compares

    /** The compare lane of each predicate, made once (no lambda per instruction). */
    private static final Op[] CMP = new Op[8];

    static {
        for (int p = 0; p < 8; p++) {
            int pred = p;
            CMP[p] = (f, e, a, b) -> SoftFloat.cmp(f, e, a, b, pred) ? (f == S ? M32 : -1L) : 0;
        }
    }

    private static Op cmp(Instruction i) {
        return CMP[(int) i.imm & 7]; // legacy SSE: imm8[7:3] are ignored
    }

    /** CMPPS/CMPPD/CMPSS/CMPSD: all ones in a lane where predicate imm8[2:0] holds, else zero. */
    public static void cmpps(Cpu c, Instruction i) { packedS(c, i, cmp(i)); }
    public static void cmppd(Cpu c, Instruction i) { packedD(c, i, cmp(i)); }
    public static void cmpss(Cpu c, Instruction i) { scalarS(c, i, cmp(i)); }
    public static void cmpsd(Cpu c, Instruction i) { scalarD(c, i, cmp(i)); }

    private static void comi(Cpu c, Instruction i, Fmt f, boolean signalling) {
        long b = lo(c, i, 1), a = c.xmm[x(i, 0)];
        if (f == S) comissOn(c, a, b, signalling);
        else comisdOn(c, a, b, signalling);
    }

    /** COMISS/COMISD (IE for any NaN) and UCOMISS/UCOMISD (IE for an SNaN): ZF PF CF, OF SF AF cleared. */
    public static void comiss(Cpu c, Instruction i) { comi(c, i, S, true); }
    public static void comisd(Cpu c, Instruction i) { comi(c, i, D, true); }
    public static void ucomiss(Cpu c, Instruction i) { comi(c, i, S, false); }
    public static void ucomisd(Cpu c, Instruction i) { comi(c, i, D, false); }

    // ---- conversions with a GPR

    /** CVTSI2SS: a signed 32/64-bit integer to the low single, rounded by MXCSR.RC (PE). */
    public static void cvtsi2ss(Cpu c, Instruction i) {
        int d = x(i, 0);
        c.xmm[d] = cvtsi2ssLane(c, c.xmm[d], lo(c, i, 1), i.size[1]);
    }

    /**
     * CVTSI2SS on values: bits 31:0 of {@code dlo} replaced by the single of the signed
     * {@code size}-byte integer in {@code v}. An integer with at most 24 significant bits converts
     * exactly in every mode; the others round (MXCSR.RC, PE, #XM when PE is unmasked). The
     * interpreter's and the translated code's one definition.
     */
    public static long cvtsi2ssLane(Cpu c, long dlo, long v, int size) {
        long n = size == 4 ? (int) v : v;
        float r = n;
        if (n != Long.MAX_VALUE && (long) r == n) return (dlo & ~M32) | bits(r); // (MAX_VALUE: 2^63, which (long) saturates back)
        Mxcsr e = Mxcsr.of(c);
        long x = SoftFloat.fromInt(S, e, n);
        e.commit(c);
        return (dlo & ~M32) | x;
    }

    /** CVTSI2SD: a signed 32-bit (exact) or 64-bit (rounded by MXCSR.RC) integer to the low double. */
    public static void cvtsi2sd(Cpu c, Instruction i) {
        c.xmm[x(i, 0)] = cvtsi2sdLane(c, lo(c, i, 1), i.size[1]);
    }

    /**
     * CVTSI2SD on a value: the double of the signed {@code size}-byte integer in {@code v} (its
     * low 32 bits for size 4). A 32-bit integer, and a 64-bit one with at most 53 significant
     * bits, convert exactly in every mode and raise nothing; only the others round (MXCSR.RC, PE,
     * #XM when PE is unmasked). The interpreter's and the translated code's one definition.
     */
    public static long cvtsi2sdLane(Cpu c, long v, int size) {
        if (size == 4) return bits((double) (int) v);
        double r = v;
        if (v != Long.MAX_VALUE && (long) r == v) return bits(r); // (MAX_VALUE: 2^63, which (long) saturates back)
        Mxcsr e = Mxcsr.of(c);
        long x = SoftFloat.fromInt(D, e, v);
        e.commit(c);
        return x;
    }

    private static void toGpr(Cpu c, Instruction i, Fmt f, boolean truncate) {
        int size = i.size[0];
        Operands.writeReg(c, i.reg[0], size, toIntLane(c, lo(c, i, 1), f == S, size, truncate));
    }

    /**
     * CVT(T)SD2SI/CVT(T)SS2SI on a value: the double (or the single in bits 31:0 of {@code b})
     * to a signed {@code size}-byte integer, truncated or rounded by MXCSR.RC, zero-extended
     * from 32 bits. An integral value in range converts exactly in every mode; in the fast mode
     * (PE already set) an in-range one truncates (Java's cast) or rounds to nearest even
     * ({@code Math.rint}) as the CPU does; the rest (out of range, NaN, the other modes) is the
     * exact conversion (IE and the integer indefinite, PE, #XM). The interpreter's and the
     * translated code's one definition.
     */
    public static long toIntLane(Cpu c, long b, boolean single, int size, boolean truncate) {
        double x = single ? f(b) : d(b);
        boolean in = size == 4 ? x > -0x1p31 - 1 && x < 0x1p31 : x >= -0x1p63 && x < 0x1p63; // (false for a NaN)
        if (in) {
            double t = truncate ? (x < 0 ? Math.ceil(x) : Math.floor(x)) : Math.rint(x);
            if (t == x || (fastMode(c) && (truncate || t == Math.rint(x)))) {
                long r = (long) t;
                if (size == 8 || r == (int) r) return size == 4 ? r & M32 : r;
            }
        }
        Mxcsr e = Mxcsr.of(c);
        long r = SoftFloat.toInt(single ? S : D, e, single ? b & M32 : b, size * 8, truncate ? Mxcsr.RC_ZERO : e.rc);
        e.commit(c);
        return r;
    }

    /** CVTSS2SI/CVTSD2SI (MXCSR.RC) and CVTTSS2SI/CVTTSD2SI (truncating): integer indefinite with IE when out of range or NaN. */
    public static void cvtss2si(Cpu c, Instruction i) { toGpr(c, i, S, false); }
    public static void cvtsd2si(Cpu c, Instruction i) { toGpr(c, i, D, false); }
    public static void cvttss2si(Cpu c, Instruction i) { toGpr(c, i, S, true); }
    public static void cvttsd2si(Cpu c, Instruction i) { toGpr(c, i, D, true); }

    // ---- conversions between formats

    /** CVTSS2SD: the low single to the low double (exact). */
    public static void cvtss2sd(Cpu c, Instruction i) {
        c.xmm[x(i, 0)] = cvtss2sdLane(c, lo(c, i, 1));
    }

    /**
     * CVTSS2SD on a value: the double of the single in bits 31:0 of {@code b}. A zero or normal
     * single converts exactly with no flag; a denormal (DE, DAZ), infinity or NaN (IE for a
     * signalling one, quieted) takes the exact conversion. The interpreter's and the JIT's.
     */
    public static long cvtss2sdLane(Cpu c, long b) {
        if (zeroOrNormalS(b)) return bits((double) f(b));
        Mxcsr e = Mxcsr.of(c);
        long r = SoftFloat.s2d(e, b & M32);
        e.commit(c);
        return r;
    }

    /** CVTSD2SS: the low double to the low single, rounded. */
    public static void cvtsd2ss(Cpu c, Instruction i) {
        int d = x(i, 0);
        c.xmm[d] = cvtsd2ssLane(c, c.xmm[d], lo(c, i, 1));
    }

    /**
     * CVTSD2SS on values: bits 31:0 of {@code dlo} replaced by the single nearest the double
     * {@code b}. In the fast mode a normal double whose single is no smaller than the singles'
     * fast bound ({@code saneS}) and finite converts as Java's cast does (round to nearest even,
     * PE already set); a zero converts exactly in any mode; the rest is the exact conversion
     * (OE, UE, DE, IE, PE, #XM). The interpreter's and the JIT's.
     */
    public static long cvtsd2ssLane(Cpu c, long dlo, long b) {
        if ((b & ~SIGN_D) == 0) return (dlo & ~M32) | bits((float) d(b));
        if (fastMode(c) && normalD(b)) {
            long r = bits((float) d(b));
            if (saneS(r)) return (dlo & ~M32) | r;
        }
        Mxcsr e = Mxcsr.of(c);
        long r = SoftFloat.d2s(e, b);
        e.commit(c);
        return (dlo & ~M32) | r;
    }

    /** CVTPS2PD: the two low singles (m64) to two doubles. */
    public static void cvtps2pd(Cpu c, Instruction i) {
        long s = lo(c, i, 1);
        int d = x(i, 0);
        Mxcsr e = Mxcsr.of(c);
        long r0 = SoftFloat.s2d(e, s & M32), r1 = SoftFloat.s2d(e, s >>> 32);
        e.commit(c);
        c.xmm[d] = r0;
        c.xmm[d + 1] = r1;
    }

    /** CVTPD2PS: two doubles to the two low singles; bits 127:64 zeroed. */
    public static void cvtpd2ps(Cpu c, Instruction i) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        int d = x(i, 0);
        Mxcsr e = Mxcsr.of(c);
        long r0 = SoftFloat.d2s(e, slo), r1 = SoftFloat.d2s(e, shi);
        e.commit(c);
        c.xmm[d] = r0 | r1 << 32;
        c.xmm[d + 1] = 0;
    }

    /** CVTDQ2PS: four signed doublewords to singles, rounded. */
    public static void cvtdq2ps(Cpu c, Instruction i) {
        packedS(c, i, (f, e, a, b) -> SoftFloat.fromInt(f, e, (int) b));
    }

    /** CVTPS2DQ (MXCSR.RC) and CVTTPS2DQ (truncating): four singles to doublewords (0x80000000 indefinite). */
    public static void cvtps2dq(Cpu c, Instruction i) {
        packedS(c, i, (f, e, a, b) -> SoftFloat.toInt(f, e, b, 32, e.rc));
    }

    public static void cvttps2dq(Cpu c, Instruction i) {
        packedS(c, i, (f, e, a, b) -> SoftFloat.toInt(f, e, b, 32, Mxcsr.RC_ZERO));
    }

    /** CVTPI2PS: the two doublewords of mm/m64 to the two low singles, rounded; bits 127:64 kept. */
    public static void cvtpi2ps(Cpu c, Instruction i) {
        long s = lo(c, i, 1);
        int d = x(i, 0);
        Mxcsr e = Mxcsr.of(c);
        long r0 = SoftFloat.fromInt(S, e, (int) s), r1 = SoftFloat.fromInt(S, e, (int) (s >>> 32));
        e.commit(c);
        c.xmm[d] = (r0 & M32) | r1 << 32;
    }

    /** CVTPS2PI (MXCSR.RC) and CVTTPS2PI (truncating): the two low singles of xmm/m64 to doublewords in mm. */
    public static void cvtps2pi(Cpu c, Instruction i) { cvtps2dq(c, i); }
    public static void cvttps2pi(Cpu c, Instruction i) { cvttps2dq(c, i); }

    /** CVTDQ2PD, CVTPI2PD: the two low doublewords (xmm/m64, mm/m64) to doubles (exact). */
    public static void cvtdq2pd(Cpu c, Instruction i) {
        long s = lo(c, i, 1);
        int d = x(i, 0);
        Mxcsr e = Mxcsr.of(c);
        long r0 = SoftFloat.fromInt(D, e, (int) s), r1 = SoftFloat.fromInt(D, e, (int) (s >>> 32));
        e.commit(c);
        c.xmm[d] = r0;
        c.xmm[d + 1] = r1;
    }

    private static void pd2dq(Cpu c, Instruction i, boolean truncate) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        Mxcsr e = Mxcsr.of(c);
        int rc = truncate ? Mxcsr.RC_ZERO : e.rc;
        long r0 = SoftFloat.toInt(D, e, slo, 32, rc), r1 = SoftFloat.toInt(D, e, shi, 32, rc);
        e.commit(c);
        Sse.store128(c, i, 0, (r0 & M32) | r1 << 32, 0);
    }

    /**
     * CVTPD2DQ, CVTPD2PI (MXCSR.RC) and CVTTPD2DQ, CVTTPD2PI (truncating): two doubles to two
     * doublewords, the low half of the XMM destination (bits 127:64 zeroed) or the MMX register.
     */
    public static void cvtpd2dq(Cpu c, Instruction i) { pd2dq(c, i, false); }
    public static void cvttpd2dq(Cpu c, Instruction i) { pd2dq(c, i, true); }

    // ---- unpacks

    /** UNPCKLPS: destination = d0 s0 d1 s1 (singles, low first). */
    public static void unpcklps(Cpu c, Instruction i) {
        long s = lo(c, i, 1);
        hi(c, i, 1); // the m128 is read whole (alignment, page faults)
        int d = x(i, 0);
        long dl = c.xmm[d];
        c.xmm[d] = (dl & M32) | s << 32;
        c.xmm[d + 1] = (dl >>> 32) | (s >>> 32) << 32;
    }

    /** UNPCKHPS: destination = d2 s2 d3 s3. */
    public static void unpckhps(Cpu c, Instruction i) {
        long s = hi(c, i, 1);
        int d = x(i, 0);
        long dh = c.xmm[d + 1];
        c.xmm[d] = (dh & M32) | s << 32;
        c.xmm[d + 1] = (dh >>> 32) | (s >>> 32) << 32;
    }

    /** UNPCKLPD: destination = d.lo s.lo. */
    public static void unpcklpd(Cpu c, Instruction i) {
        long s = lo(c, i, 1);
        hi(c, i, 1);
        c.xmm[x(i, 0) + 1] = s;
    }

    /** UNPCKHPD: destination = d.hi s.hi. */
    public static void unpckhpd(Cpu c, Instruction i) {
        long s = hi(c, i, 1);
        int d = x(i, 0);
        c.xmm[d] = c.xmm[d + 1];
        c.xmm[d + 1] = s;
    }

    // ---- approximations (no exceptions, MXCSR ignored): see Approx

    /** RCPPS/RCPSS and RSQRTPS/RSQRTSS, the approximation tables of the host they were read from (Intel Xeon, see Approx). */
    public static void rcpps(Cpu c, Instruction i) { packedS(c, i, (f, e, a, b) -> Approx.rcp((int) b) & M32); }
    public static void rcpss(Cpu c, Instruction i) { scalarS(c, i, (f, e, a, b) -> Approx.rcp((int) b) & M32); }
    public static void rsqrtps(Cpu c, Instruction i) { packedS(c, i, (f, e, a, b) -> Approx.rsqrt((int) b) & M32); }
    public static void rsqrtss(Cpu c, Instruction i) { scalarS(c, i, (f, e, a, b) -> Approx.rsqrt((int) b) & M32); }

    // ---- SSE3: alternating and horizontal add/subtract

    /** ADDSUBPS: lanes 0 and 2 subtract, lanes 1 and 3 add (destination op source). */
    public static void addsubps(Cpu c, Instruction i) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        int d = x(i, 0);
        long dlo = c.xmm[d], dhi = c.xmm[d + 1];
        Mxcsr e = Mxcsr.of(c);
        long r0 = SoftFloat.add(S, e, dlo & M32, slo & M32, true), r1 = SoftFloat.add(S, e, dlo >>> 32, slo >>> 32, false);
        long r2 = SoftFloat.add(S, e, dhi & M32, shi & M32, true), r3 = SoftFloat.add(S, e, dhi >>> 32, shi >>> 32, false);
        e.commit(c);
        c.xmm[d] = (r0 & M32) | r1 << 32;
        c.xmm[d + 1] = (r2 & M32) | r3 << 32;
    }

    /** ADDSUBPD: the low lane subtracts, the high lane adds. */
    public static void addsubpd(Cpu c, Instruction i) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        int d = x(i, 0);
        Mxcsr e = Mxcsr.of(c);
        long r0 = SoftFloat.add(D, e, c.xmm[d], slo, true), r1 = SoftFloat.add(D, e, c.xmm[d + 1], shi, false);
        e.commit(c);
        c.xmm[d] = r0;
        c.xmm[d + 1] = r1;
    }

    /** HADDPS/HSUBPS: d0 op d1, d2 op d3, s0 op s1, s2 op s3 (the lower lane is the first operand). */
    private static void horizontalS(Cpu c, Instruction i, boolean sub) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        int d = x(i, 0);
        long dlo = c.xmm[d], dhi = c.xmm[d + 1];
        Mxcsr e = Mxcsr.of(c);
        long r0 = SoftFloat.add(S, e, dlo & M32, dlo >>> 32, sub), r1 = SoftFloat.add(S, e, dhi & M32, dhi >>> 32, sub);
        long r2 = SoftFloat.add(S, e, slo & M32, slo >>> 32, sub), r3 = SoftFloat.add(S, e, shi & M32, shi >>> 32, sub);
        e.commit(c);
        c.xmm[d] = (r0 & M32) | r1 << 32;
        c.xmm[d + 1] = (r2 & M32) | r3 << 32;
    }

    /** HADDPD/HSUBPD: d0 op d1, s0 op s1. */
    private static void horizontalD(Cpu c, Instruction i, boolean sub) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        int d = x(i, 0);
        Mxcsr e = Mxcsr.of(c);
        long r0 = SoftFloat.add(D, e, c.xmm[d], c.xmm[d + 1], sub), r1 = SoftFloat.add(D, e, slo, shi, sub);
        e.commit(c);
        c.xmm[d] = r0;
        c.xmm[d + 1] = r1;
    }

    public static void haddps(Cpu c, Instruction i) { horizontalS(c, i, false); }
    public static void hsubps(Cpu c, Instruction i) { horizontalS(c, i, true); }
    public static void haddpd(Cpu c, Instruction i) { horizontalD(c, i, false); }
    public static void hsubpd(Cpu c, Instruction i) { horizontalD(c, i, true); }

    // ---- SSE4.1: rounding to an integral value, dot products

    /**
     * ROUNDPS/PD/SS/SD: imm8[1:0] is the rounding mode unless imm8[2] selects MXCSR.RC; imm8[3]
     * suppresses the precision exception (see {@link SoftFloat#roundIntegral}).
     */
    private static final Op[] ROUND = new Op[16];

    static {
        for (int k = 0; k < 16; k++) {
            int imm = k;
            boolean quiet = (imm & 8) != 0;
            ROUND[k] = (f, e, a, b) -> SoftFloat.roundIntegral(f, e, b, (imm & 4) != 0 ? e.rc : imm & 3, quiet);
        }
    }

    private static Op round(Instruction i) {
        return ROUND[(int) i.imm & 15]; // made once per imm8[3:0] (no lambda per instruction)
    }

    public static void roundps(Cpu c, Instruction i) { packedS(c, i, round(i)); }
    public static void roundpd(Cpu c, Instruction i) { packedD(c, i, round(i)); }
    public static void roundss(Cpu c, Instruction i) { scalarS(c, i, round(i)); }
    public static void roundsd(Cpu c, Instruction i) { scalarD(c, i, round(i)); }

    /**
     * DPPS: the products of the lanes selected by imm8[7:4] (+0.0 for the others) summed in two
     * rounds of additions, every one rounded under MXCSR with its own exceptions (SDM DPPS
     * "Operation": (p0 + p1) + (p2 + p3)); the sum goes to the lanes selected by imm8[3:0], +0.0 to
     * the others. Each destination lane has its own operand order, which the host shows only in
     * which of two NaNs survives (measured on an Intel Xeon host): pairs t[k] = p[k^1] + p[k], then
     * lane k = t[k] + t[k^2].
     */
    public static void dpps(Cpu c, Instruction i) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        int d = x(i, 0);
        long dlo = c.xmm[d], dhi = c.xmm[d + 1];
        int imm = (int) i.imm;
        Mxcsr e = Mxcsr.of(c);
        long p0 = (imm & 0x10) != 0 ? SoftFloat.mul(S, e, dlo & M32, slo & M32) & M32 : 0;
        long p1 = (imm & 0x20) != 0 ? SoftFloat.mul(S, e, dlo >>> 32, slo >>> 32) & M32 : 0;
        long p2 = (imm & 0x40) != 0 ? SoftFloat.mul(S, e, dhi & M32, shi & M32) & M32 : 0;
        long p3 = (imm & 0x80) != 0 ? SoftFloat.mul(S, e, dhi >>> 32, shi >>> 32) & M32 : 0;
        long t0 = SoftFloat.add(S, e, p1, p0, false) & M32, t1 = SoftFloat.add(S, e, p0, p1, false) & M32;
        long t2 = SoftFloat.add(S, e, p3, p2, false) & M32, t3 = SoftFloat.add(S, e, p2, p3, false) & M32;
        long r0 = (imm & 1) != 0 ? SoftFloat.add(S, e, t0, t2, false) & M32 : 0;
        long r1 = (imm & 2) != 0 ? SoftFloat.add(S, e, t1, t3, false) & M32 : 0;
        long r2 = (imm & 4) != 0 ? SoftFloat.add(S, e, t2, t0, false) & M32 : 0;
        long r3 = (imm & 8) != 0 ? SoftFloat.add(S, e, t3, t1, false) & M32 : 0;
        if ((imm & 0xF) == 0) SoftFloat.add(S, e, t0, t2, false); // no lane written: the sum still signals
        e.commit(c);
        c.xmm[d] = r0 | r1 << 32;
        c.xmm[d + 1] = r2 | r3 << 32;
    }

    /** DPPD: the products selected by imm8[5:4] summed once (lane k: p[k] + p[k^1]); the sum to the lanes of imm8[1:0]. */
    public static void dppd(Cpu c, Instruction i) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        int d = x(i, 0);
        int imm = (int) i.imm;
        Mxcsr e = Mxcsr.of(c);
        long p0 = (imm & 0x10) != 0 ? SoftFloat.mul(D, e, c.xmm[d], slo) : 0;
        long p1 = (imm & 0x20) != 0 ? SoftFloat.mul(D, e, c.xmm[d + 1], shi) : 0;
        long r0 = SoftFloat.add(D, e, p0, p1, false), r1 = SoftFloat.add(D, e, p1, p0, false); // lane 1: the other order
        e.commit(c);
        c.xmm[d] = (imm & 1) != 0 ? r0 : 0;
        c.xmm[d + 1] = (imm & 2) != 0 ? r1 : 0;
    }
}

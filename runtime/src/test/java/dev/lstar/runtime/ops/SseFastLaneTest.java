package dev.lstar.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Vendor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The value lanes translated code calls ({@code SseFloat.xxxsdLane}, {@code xxxssLane},
 * {@code xxxpsHalf}, {@code comisdOn}) take shortcuts in compiled code's usual MXCSR state; each
 * must give exactly what the exact lane ({@link SoftFloat} under {@link Mxcsr}, the path the
 * packed instructions and the host-checked conformance cases use) gives: the same result bits
 * and the same MXCSR afterwards, for every kind of operand and several MXCSR states.
 */
class SseFastLaneTest {
    private static final int[] MXCSRS = {0x1FA0, 0x1F80, 0x1FBF, 0x1FA0 | 0x2000, 0x1FA0 | 0x8000, 0x1FA0 | 0x40, 0x1F20};
    private static final String[] OPS = {"add", "sub", "mul", "div", "sqrt", "min", "max"};

    private interface Exact {
        long apply(SoftFloat.Fmt f, Mxcsr e, long a, long b);
    }

    private static Exact exact(String op) {
        return switch (op) {
            case "add" -> (f, e, a, b) -> SoftFloat.add(f, e, a, b, false);
            case "sub" -> (f, e, a, b) -> SoftFloat.add(f, e, a, b, true);
            case "mul" -> SoftFloat::mul;
            case "div" -> SoftFloat::div;
            case "sqrt" -> (f, e, a, b) -> SoftFloat.sqrt(f, e, b);
            case "min" -> (f, e, a, b) -> SoftFloat.minMax(f, e, a, b, false);
            default -> (f, e, a, b) -> SoftFloat.minMax(f, e, a, b, true);
        };
    }

    private interface Lane {
        long apply(Cpu c, long a, long b);
    }

    private static Lane sd(String op) {
        return switch (op) {
            case "add" -> SseFloat::addsdLane; case "sub" -> SseFloat::subsdLane; case "mul" -> SseFloat::mulsdLane;
            case "div" -> SseFloat::divsdLane; case "sqrt" -> SseFloat::sqrtsdLane; case "min" -> SseFloat::minsdLane;
            default -> SseFloat::maxsdLane;
        };
    }

    private static Lane ss(String op) {
        return switch (op) {
            case "add" -> SseFloat::addssLane; case "sub" -> SseFloat::subssLane; case "mul" -> SseFloat::mulssLane;
            case "div" -> SseFloat::divssLane; case "sqrt" -> SseFloat::sqrtssLane; case "min" -> SseFloat::minssLane;
            default -> SseFloat::maxssLane;
        };
    }

    private static Lane ps(String op) {
        return switch (op) {
            case "add" -> SseFloat::addpsHalf; case "sub" -> SseFloat::subpsHalf; case "mul" -> SseFloat::mulpsHalf;
            case "div" -> SseFloat::divpsHalf; case "sqrt" -> SseFloat::sqrtpsHalf; case "min" -> SseFloat::minpsHalf;
            default -> SseFloat::maxpsHalf;
        };
    }

    /** Operands of every class: random bits, normals of every scale (near both ends too), zeros, denormals, infinities, NaNs. */
    private static long operand(SplittableRandom r, boolean dbl) {
        int mbits = dbl ? 52 : 23, ebits = dbl ? 11 : 8;
        long sign = r.nextBoolean() ? 1L << (mbits + ebits) : 0;
        long mant = r.nextLong() & ((1L << mbits) - 1);
        int emax = (1 << ebits) - 1;
        long exp = switch (r.nextInt(10)) {
            case 0 -> 0; // zero or denormal
            case 1 -> emax; // infinity or NaN
            case 2 -> r.nextInt(1, 80); // tiny
            case 3 -> emax - r.nextInt(1, 80); // huge
            case 4 -> { mant = 0; yield r.nextInt(emax); } // powers of two, zero
            default -> emax / 2 + r.nextInt(-40, 40); // ordinary
        };
        if (r.nextInt(20) == 0) return r.nextLong() & (dbl ? -1L : 0xFFFF_FFFFL);
        return sign | exp << mbits | mant;
    }

    @Test
    void fastLanesAgreeWithTheExactLanes() {
        SplittableRandom r = new SplittableRandom(20261203);
        for (String op : OPS) {
            Exact x = exact(op);
            Lane lsd = sd(op), lss = ss(op), lps = ps(op);
            for (int n = 0; n < 20_000; n++) {
                int mxcsr = MXCSRS[r.nextInt(MXCSRS.length)];
                // SD: bits 63:0
                long a = operand(r, true), b = operand(r, true);
                compare(op + "sd", mxcsr, a, b, lsd, (e, p, q) -> x.apply(SoftFloat.D, e, p, q));
                // SS: bits 31:0 of the lane, bits 63:32 of the destination kept
                long fa = operand(r, false) | (r.nextLong() & 0xFFFF_FFFF_0000_0000L), fb = operand(r, false);
                compare(op + "ss", mxcsr, fa, fb, lss,
                        (e, p, q) -> (p & 0xFFFF_FFFF_0000_0000L) | (x.apply(SoftFloat.S, e, p & 0xFFFF_FFFFL, q & 0xFFFF_FFFFL) & 0xFFFF_FFFFL));
                // PS half (only used while every exception is masked)
                if ((mxcsr & 0x1F80) == 0x1F80) {
                    long ha = operand(r, false) | operand(r, false) << 32, hb = operand(r, false) | operand(r, false) << 32;
                    compare(op + "ps", mxcsr, ha, hb, lps, (e, p, q) -> (x.apply(SoftFloat.S, e, p & 0xFFFF_FFFFL, q & 0xFFFF_FFFFL) & 0xFFFF_FFFFL)
                            | (x.apply(SoftFloat.S, e, p >>> 32, q >>> 32) & 0xFFFF_FFFFL) << 32);
                }
            }
        }
    }

    /**
     * Doubles whose operands or results sit at the fast path's edges: operands from the largest
     * denormal to 2^-1019 (the fast path's lower bound, 2^-1021, among them), results around
     * MIN_NORMAL (rounded up to it or not, tiny or not) and around MAX_VALUE (overflowing or not).
     */
    @Test
    void doublesAtTheFastPathsEdgesAgreeWithTheExactLanes() {
        SplittableRandom r = new SplittableRandom(20261204);
        String[] ops = {"add", "sub", "mul", "div"};
        for (int n = 0; n < 40_000; n++) {
            String op = ops[r.nextInt(ops.length)];
            boolean high = r.nextInt(4) == 0;
            int ea, eb; // unbiased exponents
            switch (op) {
                case "mul" -> { ea = high ? r.nextInt(500, 525) : -r.nextInt(495, 530); eb = (high ? 1023 : -1022) - ea + r.nextInt(-2, 3); }
                case "div" -> { ea = high ? r.nextInt(990, 1024) : -r.nextInt(990, 1023); eb = ea - (high ? 1023 : -1022) + r.nextInt(-2, 3); }
                default -> { ea = high ? r.nextInt(1020, 1024) : -r.nextInt(1019, 1024); eb = high ? r.nextInt(1018, 1024) : -r.nextInt(1019, 1024); }
            }
            long a = edgeDouble(r, ea), b = edgeDouble(r, eb);
            int mxcsr = r.nextInt(3) == 0 ? MXCSRS[r.nextInt(MXCSRS.length)] : 0x1FA0;
            compare(op + "sd", mxcsr, a, b, sd(op), (e, p, q) -> exact(op).apply(SoftFloat.D, e, p, q));
        }
    }

    private interface Ranged {
        long apply(Cpu c, long a, long b, int taint);
    }

    private static Ranged ranged(String op) {
        return switch (op) {
            case "add" -> SseFloat::addsdRanged; case "sub" -> SseFloat::subsdRanged; case "mul" -> SseFloat::mulsdRanged;
            case "div" -> SseFloat::divsdRanged; default -> SseFloat::sqrtsdRanged;
        };
    }

    /**
     * The ranged lanes ({@code SseFloat.addsdRanged}...): with the taint {@code SseFloat.slowMode}
     * gives (0 only in the fast mode), for operands meeting their contract (normal; a product or
     * quotient in [2^-1021, 2^1023], a sum at most 2^1023, a root's operand positive) — drawn right
     * up to those bounds — exactly the exact lane in every MXCSR state; tainted, for operands of
     * every kind, too.
     */
    @Test
    void rangedLanesAgreeWithTheExactLanesWithinTheirContract() {
        SplittableRandom r = new SplittableRandom(20261205);
        String[] ops = {"add", "sub", "mul", "div", "sqrt"};
        for (int n = 0; n < 60_000; n++) {
            String op = ops[r.nextInt(ops.length)];
            int mxcsr = r.nextInt(2) == 0 ? 0x1FA0 : MXCSRS[r.nextInt(MXCSRS.length)];
            Ranged lane = ranged(op);
            Lane asLane = (c, a, b) -> lane.apply(c, a, b, 1);
            long a = operand(r, true), b = operand(r, true);
            compare(op + "sdRanged tainted", mxcsr, a, b, asLane, (e, p, q) -> exact(op).apply(SoftFloat.D, e, p, q));
            // untainted: operands within the contract, results up to its edges
            int ea, eb;
            switch (op) {
                case "mul" -> { ea = r.nextInt(-1022, 1023); eb = r.nextInt(Math.max(-1022, -1021 - ea), Math.min(1022, 1022 - ea) + 1); }
                case "div" -> { ea = r.nextInt(-1022, 1023); eb = r.nextInt(Math.max(-1022, ea - 1022), Math.min(1022, ea + 1021) + 1); }
                case "sqrt" -> { ea = r.nextInt(-1022, 1023); eb = r.nextInt(-1022, 1023); }
                default -> { ea = r.nextInt(-1022, 1022); eb = r.nextInt(-1022, 1022); }
            }
            long x = edgeDouble(r, ea), y = edgeDouble(r, eb);
            if (op.equals("sqrt")) y &= Long.MAX_VALUE;
            if (!inContract(op, x, y)) continue;
            // (the taint translated code passes: 0 only in the fast mode)
            compare(op + "sdRanged", mxcsr, x, y, (c, p, q) -> lane.apply(c, p, q, SseFloat.slowMode(c)),
                    (e, p, q) -> exact(op).apply(SoftFloat.D, e, p, q));
        }
    }

    /** The ranged lanes' contract, on the exact values (BigDecimal: no rounding). */
    private static boolean inContract(String op, long a, long b) {
        double x = Double.longBitsToDouble(a), y = Double.longBitsToDouble(b);
        boolean normal = Math.abs(x) >= Double.MIN_NORMAL && Math.abs(y) >= Double.MIN_NORMAL
                && Double.isFinite(x) && Double.isFinite(y);
        if (!normal) return false;
        java.math.BigDecimal bx = new java.math.BigDecimal(x).abs(), by = new java.math.BigDecimal(y).abs();
        java.math.BigDecimal lo = new java.math.BigDecimal(0x1p-1021), hi = new java.math.BigDecimal(0x1p1023);
        return switch (op) {
            case "mul" -> { java.math.BigDecimal p = bx.multiply(by); yield p.compareTo(lo) >= 0 && p.compareTo(hi) <= 0; }
            case "div" -> { java.math.BigDecimal q = bx.divide(by, java.math.MathContext.DECIMAL128); yield q.compareTo(lo.multiply(java.math.BigDecimal.valueOf(1.001))) >= 0 && q.compareTo(hi.multiply(java.math.BigDecimal.valueOf(0.999))) <= 0; }
            case "sqrt" -> y > 0;
            default -> bx.add(by).compareTo(hi) <= 0;
        };
    }

    /**
     * The range checks are their window, [2^-256, 2^256) in magnitude (positive for
     * rangePositive), at its edges and for zeros, denormals, infinities and NaNs; and OR-ing the
     * excesses of several values passes exactly when each passes on its own (the translator's
     * one test for both operands of an operation).
     */
    @Test
    void theRangeChecksAreTheirWindow() {
        double lo = 0x1p-256, hi = 0x1p256;
        double[] at = {0, -0.0, Double.MIN_VALUE, Double.MIN_NORMAL, lo / 2, Math.nextDown(lo), lo, -lo, 1, -1, 1e-30, -7e40,
                Math.nextDown(hi), -Math.nextDown(hi), hi, -hi, hi * 2, Double.MAX_VALUE, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, Double.NaN, Double.longBitsToDouble(0xFFF8_0000_0000_0001L)};
        for (double v : at) {
            long x = Double.doubleToRawLongBits(v);
            double m = Math.abs(v);
            boolean in = m >= lo && m < hi;
            assertEquals(in, SseFloat.rangeWithin(x), "within " + v);
            assertEquals(in && (x >>> 63) == 0, SseFloat.rangePositive(x), "positive " + v);
            for (double w : at) {
                long y = Double.doubleToRawLongBits(w);
                boolean both = in && SseFloat.rangeWithin(y);
                assertEquals(both, SseFloat.rangeOk(SseFloat.rangeExcess(x) | SseFloat.rangeExcess(y)), v + " and " + w);
                assertEquals(in && SseFloat.rangePositive(y), SseFloat.rangeOk(SseFloat.rangeExcess(x) | SseFloat.positiveExcess(y)),
                        v + " and positive " + w);
            }
        }
        assertEquals(256, SseFloat.RANGE_EXP);
    }

    /** A double of unbiased exponent {@code e} (-1023: a denormal), random sign, a mantissa near its ends or random. */
    private static long edgeDouble(SplittableRandom r, int e) {
        long mant = switch (r.nextInt(4)) {
            case 0 -> r.nextInt(4);
            case 1 -> (1L << 52) - 1 - r.nextInt(4);
            default -> r.nextLong() & ((1L << 52) - 1);
        };
        long exp = Math.max(0, Math.min(0x7FE, e + 1023));
        return (r.nextBoolean() ? Long.MIN_VALUE : 0) | exp << 52 | mant;
    }

    private interface Ref {
        long apply(Mxcsr e, long a, long b);
    }

    /** Runs the lane and the reference (one Mxcsr commit) from the same MXCSR; #XM must agree too. */
    private static void compare(String what, int mxcsr, long a, long b, Lane fast, Ref ref) {
        Cpu c = new Cpu(Vendor.INTEL);
        c.mxcsr = mxcsr;
        String got;
        try {
            got = Long.toHexString(fast.apply(c, a, b)) + " mxcsr " + Integer.toHexString(c.mxcsr);
        } catch (RuntimeException ex) {
            got = "fault mxcsr " + Integer.toHexString(c.mxcsr);
        }
        Cpu d = new Cpu(Vendor.INTEL);
        d.mxcsr = mxcsr;
        String want;
        try {
            Mxcsr e = Mxcsr.of(d);
            long v = ref.apply(e, a, b);
            e.commit(d);
            want = Long.toHexString(v) + " mxcsr " + Integer.toHexString(d.mxcsr);
        } catch (RuntimeException ex) {
            want = "fault mxcsr " + Integer.toHexString(d.mxcsr);
        }
        assertEquals(want, got, () -> String.format("%s %x, %x with MXCSR %x", what, a, b, mxcsr));
    }

    @Test
    void comisdOnAgreesWithTheExactCompare() {
        comiOnAgreesWithTheExactCompare(true);
    }

    /** COMISS/UCOMISS's lane ({@code comissOn}, the JIT's inline form): bits 31:0 only, whatever bits 63:32 hold. */
    @Test
    void comissOnAgreesWithTheExactCompare() {
        comiOnAgreesWithTheExactCompare(false);
    }

    private static void comiOnAgreesWithTheExactCompare(boolean dbl) {
        SplittableRandom r = new SplittableRandom(dbl ? 7 : 8);
        for (int n = 0; n < 50_000; n++) {
            int mxcsr = MXCSRS[r.nextInt(MXCSRS.length)];
            long a = operand(r, dbl), b = r.nextInt(8) == 0 ? a : operand(r, dbl);
            if (!dbl) { // garbage above the single
                a |= r.nextLong() & 0xFFFF_FFFF_0000_0000L;
                b |= r.nextLong() & 0xFFFF_FFFF_0000_0000L;
            }
            boolean signalling = r.nextBoolean();
            Cpu c = new Cpu(Vendor.INTEL);
            c.mxcsr = mxcsr;
            c.setRflags(0x8D7); // every flag COMISD writes set: they must be cleared or set by it
            String got;
            try {
                if (dbl) SseFloat.comisdOn(c, a, b, signalling);
                else SseFloat.comissOn(c, a, b, signalling);
                got = "flags " + Long.toHexString(c.getRflags());
            } catch (RuntimeException ex) {
                got = "fault";
            }
            got += " mxcsr " + Integer.toHexString(c.mxcsr);
            Cpu d = new Cpu(Vendor.INTEL);
            d.mxcsr = mxcsr;
            String want;
            try {
                Mxcsr e = Mxcsr.of(d);
                int zpc = dbl ? SoftFloat.comi(SoftFloat.D, e, a, b, signalling)
                        : SoftFloat.comi(SoftFloat.S, e, a & 0xFFFF_FFFFL, b & 0xFFFF_FFFFL, signalling);
                e.commit(d);
                want = "flags " + Long.toHexString(2 | zpc);
            } catch (RuntimeException ex) {
                want = "fault";
            }
            want += " mxcsr " + Integer.toHexString(d.mxcsr);
            assertEquals(want, got, String.format("comis%s %x, %x MXCSR %x signalling %s", dbl ? "d" : "s", a, b, mxcsr, signalling));
        }
    }

    /**
     * The zero second chances ({@code zeroSum}, and MUL's/DIV's/SQRT's zero cases): every pair of
     * zeros of both signs with the fast path's edge values, exact cancellations (x - x, x + -x),
     * denormals, infinities and NaNs, in every op and MXCSR state, give the exact lane's result
     * bits (signs of zero too) and MXCSR. Without the zero cases an op with a zero operand went
     * to the soft-float lane; with a wrong one (e.g. 0 * denormal let through, which raises DE, or
     * 1 / 0 through, which raises ZE) this fails.
     */
    @Test
    void zerosTakeTheFastPathOnlyWhereItIsExact() {
        double[] v = {0.0, -0.0, 1.5, -1.5, Double.MIN_NORMAL, -Double.MIN_NORMAL, 0x1p-1021, -0x1p-1021,
                Math.nextUp(0x1p-1021), Double.MIN_VALUE, -Double.MIN_VALUE, 0x1p-1030, Double.MAX_VALUE,
                -Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 0x1p1023, 3.0};
        long[] extra = {0x7FF4_0000_0000_0001L, 0xFFF8_0000_0000_0002L}; // a signalling and a negative quiet NaN
        long[] all = new long[v.length + extra.length];
        for (int n = 0; n < v.length; n++) all[n] = Double.doubleToRawLongBits(v[n]);
        System.arraycopy(extra, 0, all, v.length, extra.length);
        for (String op : new String[] {"add", "sub", "mul", "div", "sqrt"}) {
            for (int mxcsr : MXCSRS) {
                for (long a : all) {
                    for (long b : all) {
                        compare(op + "sd", mxcsr, a, b, sd(op), (e, p, q) -> exact(op).apply(SoftFloat.D, e, p, q));
                        compare(op + "sdRanged tainted", mxcsr, a, b, (c, p, q) -> ranged(op).apply(c, p, q, 1),
                                (e, p, q) -> exact(op).apply(SoftFloat.D, e, p, q));
                    }
                    // exact cancellation: a - a and a + -a
                    long neg = a ^ Long.MIN_VALUE;
                    compare(op + "sd", mxcsr, a, op.equals("add") ? neg : a, sd(op), (e, p, q) -> exact(op).apply(SoftFloat.D, e, p, q));
                }
                // the single lanes' zero cases: the same values as singles, bits 63:32 of the destination kept
                for (long a : singles()) {
                    for (long b : singles()) {
                        long fa = a | 0x1234_5678_0000_0000L;
                        compare(op + "ss", mxcsr, fa, b, ss(op), (e, p, q) -> (p & 0xFFFF_FFFF_0000_0000L)
                                | (exact(op).apply(SoftFloat.S, e, p & 0xFFFF_FFFFL, q & 0xFFFF_FFFFL) & 0xFFFF_FFFFL));
                    }
                    long fa = a | 0x1234_5678_0000_0000L, neg = a ^ 0x8000_0000L;
                    compare(op + "ss", mxcsr, fa, op.equals("add") ? neg : a, ss(op), (e, p, q) -> (p & 0xFFFF_FFFF_0000_0000L)
                            | (exact(op).apply(SoftFloat.S, e, p & 0xFFFF_FFFFL, q & 0xFFFF_FFFFL) & 0xFFFF_FFFFL));
                }
            }
        }
    }

    /** Singles at the zero cases' edges: zeros, the smallest normal and S_TINY's bound, denormals, the largest, infinities, NaNs. */
    private static long[] singles() {
        float[] v = {0f, -0f, 1.5f, -1.5f, Float.MIN_NORMAL, -Float.MIN_NORMAL, 0x1p-100f, 0x1p-101f, Float.MIN_VALUE,
                -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 3f};
        long[] out = new long[v.length + 2];
        for (int n = 0; n < v.length; n++) out[n] = Float.floatToRawIntBits(v[n]) & 0xFFFF_FFFFL;
        out[v.length] = 0x7FA0_0001L; // a signalling NaN
        out[v.length + 1] = 0xFFC0_0002L; // a negative quiet NaN
        return out;
    }

    /**
     * CVTSI2SD's and CVTSI2SS's one definitions ({@code SseFloat.cvtsi2sdLane}/{@code cvtsi2ssLane},
     * the interpreter's and the JIT's): 32-bit integers (the low half of the value only) and 64-bit
     * ones at and around 2^24, 2^53, 2^63, the extremes and at random, in every rounding mode and
     * with PE masked or not, give what the exact conversion ({@code SoftFloat.fromInt}) gives,
     * MXCSR and #XM included (CVTSI2SS keeps bits 63:32).
     */
    @Test
    void cvtsi2sdAndSsLanesAgreeWithTheExactConversion() {
        SplittableRandom r = new SplittableRandom(20261205);
        java.util.List<Long> vs = new java.util.ArrayList<>(java.util.List.of(0L, 1L, -1L, (long) Integer.MIN_VALUE,
                (long) Integer.MAX_VALUE, 0xFFFF_FFFFL, 0x1_8000_0000L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1,
                Long.MAX_VALUE - 1, Long.MAX_VALUE - 511, Long.MAX_VALUE - 512, Long.MAX_VALUE - 1024));
        for (int k = -3; k <= 3; k++) {
            for (int bits : new int[] {24, 25, 53, 54}) {
                vs.add((1L << bits) + k);
                vs.add(-(1L << bits) + k);
            }
        }
        for (int n = 0; n < 2000; n++) vs.add(r.nextLong() >> r.nextInt(64));
        int[] modes = {0x1FA0, 0x1F80, 0x1F80 | 0x2000, 0x1F80 | 0x4000, 0x1F80 | 0x6000, 0x1F80 & ~0x1000, 0x1FA0 | 0x8040};
        for (long x : vs) {
            for (int mxcsr : modes) {
                for (int size : new int[] {4, 8}) {
                    long want = size == 4 ? (int) x : x;
                    compare("cvtsi2sd/" + size, mxcsr, x, 0, (c, p, q) -> SseFloat.cvtsi2sdLane(c, p, size),
                            (e, p, q) -> SoftFloat.fromInt(SoftFloat.D, e, want));
                    compare("cvtsi2ss/" + size, mxcsr, 0xABCD_EF01_2345_6789L, x, (c, p, q) -> SseFloat.cvtsi2ssLane(c, p, q, size),
                            (e, p, q) -> (p & 0xFFFF_FFFF_0000_0000L) | SoftFloat.fromInt(SoftFloat.S, e, want));
                }
            }
        }
    }

    /**
     * The conversions' lanes (CVT(T)SD2SI/CVT(T)SS2SI's {@code toIntLane}, {@code cvtss2sdLane},
     * {@code cvtsd2ssLane}, the interpreter's and the JIT's) against the exact conversions, for
     * values of every class and around the integer limits and halves, in every MXCSR state:
     * the same result bits and MXCSR (or the same #XM).
     */
    @Test
    void conversionLanesAgreeWithTheExactConversions() {
        SplittableRandom r = new SplittableRandom(20261207);
        java.util.List<Long> ds = new java.util.ArrayList<>();
        double[] edges = {0x1p31, -0x1p31, 0x1p31 - 0.5, 0x1p31 - 1, -0x1p31 - 0.5, -0x1p31 - 1, -0x1p31 + 0.5, 0x1p63, -0x1p63,
                Math.nextDown(0x1p63), Math.nextUp(-0x1p63), 0.5, -0.5, 1.5, 2.5, -2.5, 0.49999999999999994, 1e-310, -0.0, 0.0,
                Double.MAX_VALUE, Double.MIN_NORMAL, 0x1p-126, 0x1p-150, 0x1p128, Math.nextDown(0x1p128), 3.4028235677973366e38};
        for (double v : edges) ds.add(Double.doubleToRawLongBits(v));
        for (int n = 0; n < 3000; n++) ds.add(operand(r, true));
        for (int n = 0; n < 1000; n++) ds.add(Double.doubleToRawLongBits((r.nextDouble() - 0.5) * Math.scalb(1.0, r.nextInt(70))));
        for (long b : ds) {
            for (int mxcsr : MXCSRS) {
                for (int size : new int[] {4, 8}) {
                    for (boolean t : new boolean[] {true, false}) {
                        compare("cvt" + (t ? "t" : "") + "sd2si/" + size, mxcsr, b, 0, (c, p, q) -> SseFloat.toIntLane(c, p, false, size, t),
                                (e, p, q) -> SoftFloat.toInt(SoftFloat.D, e, p, size * 8, t ? Mxcsr.RC_ZERO : e.rc));
                        long fb = b & 0xFFFF_FFFFL; // the low half of a double's bits as a single: every class too
                        compare("cvt" + (t ? "t" : "") + "ss2si/" + size, mxcsr, fb | 0x5555_0000_0000_0000L, 0,
                                (c, p, q) -> SseFloat.toIntLane(c, p, true, size, t),
                                (e, p, q) -> SoftFloat.toInt(SoftFloat.S, e, p & 0xFFFF_FFFFL, size * 8, t ? Mxcsr.RC_ZERO : e.rc));
                    }
                }
                compare("cvtsd2ss", mxcsr, 0x1234_5678_9ABC_DEF0L, b, SseFloat::cvtsd2ssLane,
                        (e, p, q) -> (p & 0xFFFF_FFFF_0000_0000L) | SoftFloat.d2s(e, q));
                long single = (b >>> 32) ^ (b & 0xFFFF_FFFFL);
                compare("cvtss2sd", mxcsr, 0, single | 0x7777_0000_0000_0000L, (c, p, q) -> SseFloat.cvtss2sdLane(c, q),
                        (e, p, q) -> SoftFloat.s2d(e, q & 0xFFFF_FFFFL));
            }
        }
        for (long sgl : singles()) {
            for (int mxcsr : MXCSRS) {
                compare("cvtss2sd", mxcsr, 0, sgl, (c, p, q) -> SseFloat.cvtss2sdLane(c, q), (e, p, q) -> SoftFloat.s2d(e, q & 0xFFFF_FFFFL));
                for (int size : new int[] {4, 8}) {
                    compare("cvttss2si/" + size, mxcsr, sgl, 0, (c, p, q) -> SseFloat.toIntLane(c, p, true, size, true),
                            (e, p, q) -> SoftFloat.toInt(SoftFloat.S, e, p & 0xFFFF_FFFFL, size * 8, Mxcsr.RC_ZERO));
                }
            }
        }
    }
}

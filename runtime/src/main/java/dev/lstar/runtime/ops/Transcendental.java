package dev.lstar.runtime.ops;

import static dev.lstar.runtime.ops.Float80.*;

import java.math.BigInteger;

/**
 * The x87 transcendental instructions' values (F2XM1, FYL2X, FYL2XP1, FSIN, FCOS, FSINCOS, FPTAN,
 * FPATAN; SDM Vol. 2 each, Vol. 1 §8.3.10): each result is computed to about {@link #P} bits with
 * a small binary floating-point type ({@code value = m * 2^e}, a BigInteger significand cut to P
 * bits) and then rounded once by {@link Float80#round} to 64 bits under the FCW's rounding control
 * (precision control does not apply to these instructions, SDM Vol. 1 §8.1.5.2; measured), as if
 * the true value had infinitely many more bits (sticky). Results that are exact
 * (log2 of a power of two, 2^±1 - 1, ...) are rounded without the sticky bit; the host still
 * reports PE for them, and so does lstar (every non-trivial transcendental result sets PE).
 *
 * <p>FSIN, FCOS, FSINCOS and FPTAN reduce their argument by multiples of pi/2 with the 66-bit
 * approximation of pi the Intel FPUs use (SDM Vol. 1 §8.3.10, "Pi"): the reduced argument is
 * exact (x - k * pi66/2), so near multiples of pi the results match the host bit for bit, not the
 * mathematically exact sine.
 *
 * <p>The host's microcode is not correctly rounded: about 80-96% of random in-domain results are
 * bit-exact (README "Conformance report"), the rest one unit in the last place away; the
 * conformance family compares these rows with the tolerance of {@code conformance/gen/X87Tolerance}.
 * Each instruction allocates (BigInteger series, a few microseconds): they are rare in programs.
 */
final class Transcendental {
    private Transcendental() {}

    /** Working precision in bits. */
    static final int P = 200;

    /** A binary float m * 2^e (m signed, at most P bits after {@link #of}). */
    record B(BigInteger m, int e) {
        int lead() { return m.abs().bitLength() - 1 + e; }
        int signum() { return m.signum(); }
        B neg() { return new B(m.negate(), e); }
    }

    static B of(BigInteger m, int e) {
        int n = m.abs().bitLength() - P;
        if (n > 0) return new B(m.shiftRight(n), e + n); // (toward -inf for negatives: within 2^-P relative)
        return new B(m, e);
    }

    static B of(long v) { return of(BigInteger.valueOf(v), 0); }

    static B mul(B a, B b) { return of(a.m.multiply(b.m), a.e + b.e); }

    static B add(B a, B b) {
        if (a.signum() == 0) return b;
        if (b.signum() == 0) return a;
        if (a.e < b.e) { B t = a; a = b; b = t; }
        // a has the larger exponent e; b is shifted to a's grid, no further than P + 8 bits below a's lead
        int floor = Math.max(b.e, Math.min(a.e, a.lead() - P - 8));
        BigInteger am = a.m.shiftLeft(a.e - floor);
        BigInteger bm = b.e >= floor ? b.m.shiftLeft(b.e - floor) : b.m.shiftRight(floor - b.e);
        return of(am.add(bm), floor);
    }

    static B sub(B a, B b) { return add(a, b.neg()); }

    static B div(B a, B b) {
        int k = P + 8 + b.m.bitLength() - a.m.bitLength();
        return of(a.m.shiftLeft(Math.max(k, 0)).divide(b.m), a.e - Math.max(k, 0) - b.e);
    }

    static B half(B a) { return new B(a.m, a.e - 1); }

    static B sqrt(B a) {
        int k = 2 * P + 8 - a.m.bitLength();
        if (((a.e - k) & 1) != 0) k++;
        return of(a.m.shiftLeft(k).sqrt(), (a.e - k) / 2);
    }

    /** The extended value (finite, supported) as a B. */
    static B of80(int se, long m) {
        BigInteger v = mag(m);
        return new B(neg(se) ? v.negate() : v, scale(se));
    }

    static final B ONE = of(1);

    /** pi to P bits (Machin: 16 atan(1/5) - 4 atan(1/239)), ln 2 (2 atanh(1/3)). */
    static final B PI, LN2, PI66;

    static {
        PI = sub(mul(of(16), atanSeries(div(ONE, of(5)))), mul(of(4), atanSeries(div(ONE, of(239)))));
        LN2 = mul(of(2), atanhSeries(div(ONE, of(3))));
        // the 66-bit pi of the Intel FPUs: C90FDAA22168C234C (the first 66 bits of pi, truncated)
        PI66 = new B(new BigInteger("C90FDAA22168C234C", 16).shiftRight(2), 1 - 65);
    }

    /** atan(z) = z - z^3/3 + ... for small |z|. */
    static B atanSeries(B z) {
        B z2 = mul(z, z), t = z, s = z;
        for (int k = 3; ; k += 2) {
            t = mul(t, z2).neg();
            B term = div(t, of(k));
            s = add(s, term); // (a negligible last term still tells the direction of the rest)
            if (term.signum() == 0 || term.lead() < s.lead() - P - 4) return s;
        }
    }

    /** atanh(z) = z + z^3/3 + ... for small |z|. */
    static B atanhSeries(B z) {
        B z2 = mul(z, z), t = z, s = z;
        for (int k = 3; ; k += 2) {
            t = mul(t, z2);
            B term = div(t, of(k));
            s = add(s, term); // (a negligible last term still tells the direction of the rest)
            if (term.signum() == 0 || term.lead() < s.lead() - P - 4) return s;
        }
    }

    /** atan(z) for any z: halving the angle until |z| < 1/8, then the series. */
    static B atan(B z) {
        int doublings = 0;
        while (z.signum() != 0 && z.lead() >= -3) {
            z = div(z, add(ONE, sqrt(add(ONE, mul(z, z)))));
            doublings++;
        }
        B r = atanSeries(z);
        return new B(r.m, r.e + doublings);
    }

    /** sin(r), cos(r) for |r| <= pi/4 or so: {sin, cos}. */
    static B[] sinCos(B r) {
        if (r.signum() == 0) return new B[] {r, ONE};
        B r2 = mul(r, r);
        B ts = r, s = r; // sin
        for (int k = 2; ; k += 2) {
            ts = div(mul(ts, r2), of((long) k * (k + 1))).neg();
            s = add(s, ts);
            if (ts.signum() == 0 || ts.lead() < s.lead() - P - 4) break;
        }
        B tc = ONE, cs = ONE;
        for (int k = 1; ; k += 2) {
            tc = div(mul(tc, r2), of((long) k * (k + 1))).neg();
            cs = add(cs, tc);
            if (tc.signum() == 0 || tc.lead() < -P - 4) break;
        }
        return new B[] {s, cs};
    }

    /** ln(x) for x > 0. */
    static B ln(B x) {
        int k = x.lead();
        B f = new B(x.m, x.e - k); // f in [1, 2)
        if (f.m.compareTo(BigInteger.valueOf(181).shiftLeft(f.m.bitLength() - 8)) > 0) { // f > ~1.414: use f/2
            f = new B(f.m, f.e - 1);
            k++;
        }
        B u = div(sub(f, ONE), add(f, ONE));
        B at = atanhSeries(u);
        B lnf = new B(at.m, at.e + 1);
        return add(mul(of(k), LN2), lnf);
    }

    /** e^y - 1 for |y| <= 1 (the series, with relative accuracy for tiny y). */
    static B expm1(B y) {
        B t = y, s = y;
        for (int k = 2; ; k++) {
            t = div(mul(t, y), of(k));
            s = add(s, t);
            if (t.signum() == 0 || t.lead() < s.lead() - P - 4) return s;
        }
    }

    // ------------------------------------------------------------------ rounding into the context

    /** Rounds an approximate (inexact) value under c's precision and rounding control; PE is set. */
    static void deliver(Ctx c, B v) {
        if (v.signum() == 0) { c.set(0, 0); c.flags |= PE; return; } // (cannot happen for the callers' arguments)
        round(c, v.signum() < 0, v.m.abs(), v.e, true, 64, EXT); // precision control does not apply (SDM Vol. 1 §8.1.5.2)
    }

    /** Rounds an exact value; the host reports PE for these too. */
    static void deliverExact(Ctx c, B v) {
        if (v.signum() == 0) { c.set(0, 0); return; }
        round(c, v.signum() < 0, v.m.abs(), v.e, false, 64, EXT);
        c.flags |= PE;
    }

    // ------------------------------------------------------------------ the instructions' values

    /**
     * Below 2^-68 the host's FSIN/FPTAN return the operand and FCOS 1.0 (PE, and UE for a denormal),
     * not rounded by the rounding control: measured, the boundary is exact (2^-68 is computed).
     */
    static final int TINY_EXP = 16383 - 68;

    /** |x| >= 2^63: FSIN/FCOS/FSINCOS/FPTAN leave the operand and set C2. */
    static boolean outOfRange(int se) { return exp(se) >= 16383 + 63; }

    /**
     * The argument reduction: x = k * pi66/2 + r with |r| <= pi66/4, exact (x and pi66 are both
     * binary fractions); the quadrant k mod 4 goes to {@code quadrant[0]}. The difference between pi
     * and pi66 is what the hardware ignores, and so does this.
     */
    static B reduce(int se, long m, int[] quadrant) {
        B x = of80(se, m);
        B halfPi = new B(PI66.m, PI66.e - 1);
        int e = Math.min(x.e, halfPi.e);
        BigInteger xm = x.m.shiftLeft(x.e - e), hm = halfPi.m.shiftLeft(halfPi.e - e);
        BigInteger[] qr = xm.divideAndRemainder(hm); // k = round(x / (pi66/2))
        BigInteger k = qr[0], r = qr[1];
        if (r.abs().shiftLeft(1).compareTo(hm) > 0) {
            k = k.add(BigInteger.valueOf(r.signum()));
            r = r.subtract(hm.multiply(BigInteger.valueOf(r.signum())));
        }
        quadrant[0] = k.intValue() & 3;
        return of(r, e);
    }

    /** {sin(x), cos(x)} as the hardware computes them (reduction by pi66/2). */
    static B[] sinCosOf(int se, long m) {
        int[] q = new int[1];
        B[] sc = sinCos(reduce(se, m, q));
        B s = sc[0], co = sc[1];
        return switch (q[0]) {
            case 0 -> new B[] {s, co};
            case 1 -> new B[] {co, s.neg()};
            case 2 -> new B[] {s.neg(), co.neg()};
            default -> new B[] {co.neg(), s};
        };
    }

    /** log2(x) * y for finite non-zero y and finite x > 0 (exact when x is a power of two). */
    static void yl2x(Ctx c, int sey, long my, int sex, long mx) {
        B x = of80(sex, mx), y = of80(sey, my);
        if (x.m.bitCount() == 1) { // a power of two: log2 x = its exponent, the product is exact
            deliverExact(c, new B(y.m.multiply(BigInteger.valueOf(x.lead())), y.e));
            return;
        }
        deliver(c, mul(y, div(ln(x), LN2)));
    }

    /**
     * log2(x + 1) * y for x > -1 ({@link #fyl2xp1} takes x <= -1). The SDM defines it for
     * |x| < 1 - sqrt(2)/2 only; outside, the Intel host still computes log2(1 + x) * y (checked up
     * to 1e4000), so lstar does too — through ln's own reduction, since the atanh series of
     * x / (2 + x) would not converge for large x (a guest's FYL2XP1 of 1e4000 used to hang the run).
     */
    static void yl2xp1(Ctx c, int sey, long my, int sex, long mx) {
        B x = of80(sex, mx), y = of80(sey, my);
        // ln(1 + x) = 2 atanh(x / (2 + x)), accurate for tiny x; far from 0, ln's own reduction
        B u = div(x, add(of(2), x));
        B lnx1;
        if (u.lead() < -1) {
            B l = atanhSeries(u);
            lnx1 = new B(l.m, l.e + 1);
        } else {
            lnx1 = ln(add(ONE, x));
        }
        deliver(c, mul(y, div(lnx1, LN2)));
    }

    /** 2^x - 1 for 0 < |x| <= 1 ({@link #f2xm1Value} returns larger operands as they are). */
    static void f2xm1(Ctx c, int se, long m) {
        B x = of80(se, m);
        if (x.m.abs().bitCount() == 1 && x.lead() == 0) { // +-1: 1 and -0.5 exactly
            deliverExact(c, x.signum() > 0 ? ONE : new B(BigInteger.ONE.negate(), -1));
            return;
        }
        deliver(c, expm1(mul(x, LN2)));
    }

    /** atan2(y, x) for finite non-zero x and y. */
    static void atan2(Ctx c, int sey, long my, int sex, long mx) {
        B y = of80(sey & 0x7FFF, my), x = of80(sex & 0x7FFF, mx);
        B a;
        if (cmpFinite(sey & 0x7FFF, my, sex & 0x7FFF, mx) <= 0) a = atan(div(y, x));
        else a = sub(half(PI), atan(div(x, y)));
        if (neg(sex)) a = sub(PI, a);
        deliver(c, neg(sey) ? a.neg() : a);
    }

    // ------------------------------------------------------------------ special operands (SDM Vol. 2 tables)

    static B pi(boolean negative) { return negative ? PI.neg() : PI; }

    /**
     * FSIN (0), FCOS (1) or the tangent of FPTAN (2) of an in-range ST0 into c: unsupported, NaN
     * and denormal operands as the arithmetic does; infinity is invalid; zero is exact (sin and
     * tan keep the signed zero, cos is 1).
     */
    static void trig(Ctx c, int se, long m, int op) {
        if (specials1(c, se, m)) return;
        if (isInf(se, m)) { c.indefinite(); return; }
        if (isZero(se, m)) { if (op == 1) c.set(0x3FFF, INT_BIT); else c.set(se, 0); return; }
        if (exp(se) < TINY_EXP) { // the host's shortcut: sin x = tan x = x, cos x = 1, whatever the rounding control
            if (op == 1) c.set(0x3FFF, INT_BIT);
            else {
                B x = of80(se, m);
                round(c, x.signum() < 0, x.m.abs(), x.e, false, 64, EXT);
                if (exp(c.se) == 0) c.flags |= UE;
            }
            c.flags |= PE;
            return;
        }
        B[] sc = sinCosOf(se, m);
        deliver(c, switch (op) { case 0 -> sc[0]; case 1 -> sc[1]; default -> div(sc[0], sc[1]); });
    }

    /** FYL2X: ST1 * log2(ST0), x = ST0, y = ST1. */
    static void fyl2x(Ctx c, int sey, long my, int sex, long mx) {
        boolean nanOrBad = unsupported(sex, mx) || unsupported(sey, my) || isNaN(sex, mx) || isNaN(sey, my);
        if (!nanOrBad && neg(sex) && !isZero(sex, mx)) { c.indefinite(); return; } // invalid before DE
        if (!nanOrBad && isZero(sex, mx) && !isZero(sey, my)) { // log2(0): ZE (no DE for a denormal y), or -inf * inf
            if (!isInf(sey, my)) c.flags |= ZE;
            c.set(((sey & 0x8000) ^ 0x8000) | 0x7FFF, INT_BIT);
            return;
        }
        if (specials(c, sex, mx, sey, my)) return;
        boolean xz = isZero(sex, mx), yz = isZero(sey, my), xi = isInf(sex, mx), yi = isInf(sey, my);
        if (neg(sex) && !xz) { c.indefinite(); return; }
        boolean one = sex == 0x3FFF && mx == INT_BIT;
        int ys = sey & 0x8000;
        if (xz) {
            if (yz) { c.indefinite(); return; }
            if (!yi) c.flags |= ZE;
            c.set((ys ^ 0x8000) | 0x7FFF, INT_BIT);
            return;
        }
        if (xi) { if (yz) c.indefinite(); else c.set(ys | 0x7FFF, INT_BIT); return; }
        if (one) { if (yi) c.indefinite(); else c.set(ys, 0); return; }
        int below1 = cmpFinite(sex, mx, 0x3FFF, INT_BIT) < 0 ? 0x8000 : 0;
        if (yi) { c.set((ys ^ below1) | 0x7FFF, INT_BIT); return; }
        if (yz) { c.set(ys ^ below1, 0); return; }
        yl2x(c, sey, my, sex, mx);
    }

    /** FYL2XP1: ST1 * log2(ST0 + 1); outside |x| < 1 - sqrt(2)/2 the hardware's result is undefined. */
    static void fyl2xp1(Ctx c, int sey, long my, int sex, long mx) {
        boolean nanOrBad = unsupported(sex, mx) || unsupported(sey, my) || isNaN(sex, mx) || isNaN(sey, my);
        if (!nanOrBad && neg(sex) && !isZero(sex, mx) && cmpFinite(sex & 0x7FFF, mx, 0x3FFF, INT_BIT) >= 0) {
            c.indefinite(); // x <= -1 or -inf: invalid before DE
            return;
        }
        if (specials(c, sex, mx, sey, my)) return;
        boolean xz = isZero(sex, mx), yz = isZero(sey, my), xi = isInf(sex, mx), yi = isInf(sey, my);
        int s = (sey ^ sex) & 0x8000;
        if (xi) { if (neg(sex) || yz) c.indefinite(); else c.set((sey & 0x8000) | 0x7FFF, INT_BIT); return; }
        if (xz) { if (yi) c.indefinite(); else c.set(s, 0); return; }
        if (neg(sex) && cmpFinite(sex & 0x7FFF, mx, 0x3FFF, INT_BIT) >= 0) { c.indefinite(); return; } // x <= -1
        if (yi) { c.set(s | 0x7FFF, INT_BIT); return; }
        if (yz) { c.set(s, 0); return; }
        yl2xp1(c, sey, my, sex, mx);
    }

    /** F2XM1: 2^ST0 - 1; outside -1..+1 this host returns the operand (with PE). */
    static void f2xm1Value(Ctx c, int se, long m) {
        if (specials1(c, se, m)) return;
        if (isZero(se, m)) { c.set(se, 0); return; }
        if (isInf(se, m)) { if (neg(se)) c.set(0xBFFF, INT_BIT); else c.set(se, m); return; }
        if (cmpFinite(se & 0x7FFF, m, 0x3FFF, INT_BIT) > 0) { c.set(se, m); c.flags |= PE; return; }
        f2xm1(c, se, m);
    }

    /** FPATAN: atan2(ST1, ST0) with the signed-zero and infinity table of the SDM. */
    static void fpatan(Ctx c, int sey, long my, int sex, long mx) {
        if (specials(c, sex, mx, sey, my)) return;
        boolean xz = isZero(sex, mx), yz = isZero(sey, my), xi = isInf(sex, mx), yi = isInf(sey, my);
        boolean ny = neg(sey), nx = neg(sex);
        B quarter = new B(PI.m, PI.e - 2);
        if (yz) { if (nx) deliver(c, pi(ny)); else c.set(sey, 0); return; }
        if (yi) {
            B a = xi ? (nx ? sub(PI, quarter) : quarter) : half(PI);
            deliver(c, ny ? a.neg() : a);
            return;
        }
        if (xz) { deliver(c, ny ? half(PI).neg() : half(PI)); return; }
        if (xi) { if (nx) deliver(c, pi(ny)); else c.set(sey & 0x8000, 0); return; }
        atan2(c, sey, my, sex, mx);
    }
}

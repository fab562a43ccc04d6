package dev.lstar.runtime.ops;

import static dev.lstar.runtime.ops.Mxcsr.*;

import java.math.BigInteger;

/**
 * IEEE 754 binary32/binary64 lane operations with the SSE rules (SDM Vol. 1 §4.8, §11.5, Vol. 2
 * for each instruction), on raw bit patterns, recording exceptions in a {@link Mxcsr}.
 *
 * <p>Each operation has a <b>fast path</b> in Java float/double arithmetic, taken only when it is
 * provably identical to the hardware: round to nearest, normal inputs, and a result that is
 * finite and far from the subnormal range (so DAZ, FTZ, overflow and underflow cannot apply); the
 * one flag such a result can raise, PE, comes from an exact error term (TwoSum for add/subtract,
 * {@link Math#fma} for the product, the division remainder and the square-root residual). Every
 * other case takes the <b>slow path</b>: the exact value as a {@link BigInteger} significand and a
 * binary exponent (plus a sticky bit for division and square root, which produce at least p + 2
 * significant bits), rounded once by {@link #round} under MXCSR.RC, with tininess detected after
 * rounding (as x86 does), FTZ, and the OE/UE/PE rules.
 *
 * <p>NaN rules (SDM Vol. 1 Table 4-7 / §11.5.2.2): a NaN operand gives the first source's NaN if it
 * is one, else the second's, quieted; an SNaN operand raises IE; an invalid operation gives the
 * default NaN (negative QNaN indefinite). Denormal operands raise DE, or are read as zero with DAZ.
 */
final class SoftFloat {
    private SoftFloat() {}

    /** A binary interchange format. */
    static final class Fmt {
        final int mbits, bias, emin, emax;
        final long sign, expMask, mantMask, quiet, defaultNaN, inf;

        Fmt(int mbits, int ebits) {
            this.mbits = mbits;
            this.bias = (1 << (ebits - 1)) - 1;
            this.emin = 1 - bias;
            this.emax = bias;
            this.sign = 1L << (mbits + ebits);
            this.mantMask = (1L << mbits) - 1;
            this.expMask = ((1L << ebits) - 1) << mbits;
            this.quiet = 1L << (mbits - 1);
            this.inf = expMask;
            this.defaultNaN = sign | expMask | quiet;
        }
    }

    static final Fmt S = new Fmt(23, 8), D = new Fmt(52, 11);

    static boolean isNaN(Fmt f, long x) { return (x & f.expMask) == f.expMask && (x & f.mantMask) != 0; }
    static boolean isSNaN(Fmt f, long x) { return isNaN(f, x) && (x & f.quiet) == 0; }
    static boolean isInf(Fmt f, long x) { return (x & ~f.sign) == f.inf; }
    static boolean isZero(Fmt f, long x) { return (x & ~f.sign) == 0; }
    static boolean isDenormal(Fmt f, long x) { return (x & f.expMask) == 0 && (x & f.mantMask) != 0; }
    static boolean isNormal(Fmt f, long x) { long e = x & f.expMask; return e != 0 && e != f.expMask; }
    static boolean neg(Fmt f, long x) { return (x & f.sign) != 0; }

    /** The significand with its implicit bit (finite nonzero x). */
    static long sig(Fmt f, long x) {
        long m = x & f.mantMask;
        return (x & f.expMask) == 0 ? m : m | 1L << f.mbits;
    }

    /** The exponent of the significand's lowest bit (finite nonzero x). */
    static int exp(Fmt f, long x) {
        int e = (int) ((x & f.expMask) >>> f.mbits);
        return (e == 0 ? f.emin : e - f.bias) - f.mbits;
    }

    /** DAZ: a denormal operand reads as a zero of its sign. */
    static long daz(Fmt f, Mxcsr e, long x) {
        return e.daz && isDenormal(f, x) ? x & f.sign : x;
    }

    /** The NaN result of an operation with at least one NaN operand: the first NaN, quieted; IE for an SNaN. */
    static long nanResult(Fmt f, Mxcsr e, long a, long b) {
        if (isSNaN(f, a) || isSNaN(f, b)) e.pre |= IE;
        return (isNaN(f, a) ? a : b) | f.quiet;
    }

    static long invalid(Fmt f, Mxcsr e) {
        e.pre |= IE;
        return f.defaultNaN;
    }

    private static boolean roundUp(int rc, boolean neg, boolean half, boolean rest, boolean odd) {
        return switch (rc) {
            case RC_NEAREST -> half && (rest || odd);
            case RC_DOWN -> neg && (half || rest);
            case RC_UP -> !neg && (half || rest);
            default -> false;
        };
    }

    /**
     * Rounds (-1)^neg * (sig + sticky) * 2^exp to format f under e.rc, where sticky stands for a
     * nonzero amount below sig's lowest bit (then sig has at least p + 2 bits). Records OE, UE,
     * PE; FTZ flushes a tiny result to zero when underflow is masked.
     */
    static long round(Fmt f, Mxcsr e, boolean neg, BigInteger sig, int exp, boolean sticky) {
        return round(f, e, e.rc, neg, sig, exp, sticky);
    }

    static long round(Fmt f, Mxcsr e, int rc, boolean neg, BigInteger sig, int exp, boolean sticky) {
        long sign = neg ? f.sign : 0;
        int p = f.mbits + 1;
        int bl = sig.bitLength();
        if (bl == 0) return sign; // exact zero (callers give a nonzero value)
        int lead = exp + bl - 1;
        boolean tiny = false;
        if (lead < f.emin) {
            tiny = true;
            if (lead == f.emin - 1 && (bl > p || sticky)) { // rounding to p bits may carry up to 2^emin
                int sh = bl - p;
                BigInteger k = sh > 0 ? sig.shiftRight(sh) : sig;
                boolean half = sh > 0 && sig.testBit(sh - 1);
                boolean rest = sticky || (sh > 1 && sig.getLowestSetBit() < sh - 1);
                if (roundUp(rc, neg, half, rest, k.testBit(0)) && k.add(BigInteger.ONE).bitLength() > p) tiny = false;
            }
        }
        int q = Math.max(lead - f.mbits, f.emin - f.mbits);
        int shift = q - exp;
        BigInteger kept;
        boolean inexact;
        if (shift <= 0) {
            kept = sig.shiftLeft(-shift);
            inexact = sticky;
        } else {
            kept = sig.shiftRight(shift);
            boolean half = sig.testBit(shift - 1);
            boolean rest = sticky || sig.getLowestSetBit() < shift - 1;
            inexact = half || rest;
            if (roundUp(rc, neg, half, rest, kept.testBit(0))) kept = kept.add(BigInteger.ONE);
        }
        if (kept.bitLength() > p) {
            kept = kept.shiftRight(1);
            q++;
        }
        if (q + kept.bitLength() - 1 > f.emax) { // overflow
            e.post |= OE | PE;
            boolean toInf = switch (rc) {
                case RC_NEAREST -> true;
                case RC_DOWN -> neg;
                case RC_UP -> !neg;
                default -> false;
            };
            return sign | (toInf ? f.inf : f.inf - 1);
        }
        if (tiny) {
            if (e.unmasked(UE)) { // an unmasked underflow is raised on tininess alone (the result is not written)
                e.post |= UE | (inexact ? PE : 0);
                return sign;
            }
            if (e.ftz) {
                e.post |= UE | PE;
                return sign;
            }
            if (inexact) e.post |= UE;
        }
        if (inexact) e.post |= PE;
        return sign | (((long) (q - (f.emin - f.mbits)) << f.mbits) + kept.longValue());
    }

    static long round(Fmt f, Mxcsr e, boolean neg, long sig, int exp) {
        return round(f, e, neg, BigInteger.valueOf(sig), exp, false);
    }

    // ------------------------------------------------------------------ arithmetic

    /** a + b, or a - b with {@code sub}. */
    static long add(Fmt f, Mxcsr e, long a, long b, boolean sub) {
        if (e.nearest && isNormal(f, a) && isNormal(f, b)) {
            if (f == D) {
                double x = Double.longBitsToDouble(a), y = Double.longBitsToDouble(b);
                if (sub) y = -y;
                double s = x + y;
                if (Double.isFinite(s) && Math.abs(s) >= 0x1p-1000) {
                    double bb = s - x;
                    if ((x - (s - bb)) + (y - bb) != 0) e.post |= PE;
                    return Double.doubleToRawLongBits(s);
                }
            } else {
                double x = Float.intBitsToFloat((int) a), y = Float.intBitsToFloat((int) b);
                if (sub) y = -y;
                double d = x + y;
                float s = (float) d;
                if (Float.isFinite(s) && Math.abs(s) >= 0x1p-100f) {
                    double bb = d - x;
                    if ((x - (d - bb)) + (y - bb) != 0 || s != d) e.post |= PE;
                    return Float.floatToRawIntBits(s) & 0xFFFF_FFFFL;
                }
            }
        }
        return addSlow(f, e, a, b, sub);
    }

    /** The cases the fast path above does not take (kept out of line so that the fast path inlines). */
    private static long addSlow(Fmt f, Mxcsr e, long a, long b, boolean sub) {
        if (isNaN(f, a) || isNaN(f, b)) return nanResult(f, e, a, b);
        a = daz(f, e, a);
        b = daz(f, e, b);
        if (sub) b ^= f.sign;
        if (isInf(f, a) || isInf(f, b)) {
            if (isInf(f, a) && isInf(f, b) && neg(f, a) != neg(f, b)) return invalid(f, e);
            denormal(f, e, a, b);
            return isInf(f, a) ? a : b;
        }
        denormal(f, e, a, b);
        if (isZero(f, a) && isZero(f, b)) {
            return neg(f, a) == neg(f, b) ? a : e.rc == RC_DOWN ? f.sign : 0;
        }
        if (isZero(f, a) || isZero(f, b)) { // x + 0: exact, but a denormal x is still a tiny result (FTZ)
            long x = isZero(f, a) ? b : a;
            return round(f, e, neg(f, x), sig(f, x), exp(f, x));
        }
        int ea = exp(f, a), eb = exp(f, b), m = Math.min(ea, eb);
        BigInteger va = BigInteger.valueOf(sig(f, a)).shiftLeft(ea - m);
        BigInteger vb = BigInteger.valueOf(sig(f, b)).shiftLeft(eb - m);
        if (neg(f, a)) va = va.negate();
        if (neg(f, b)) vb = vb.negate();
        BigInteger s = va.add(vb);
        if (s.signum() == 0) return e.rc == RC_DOWN ? f.sign : 0;
        return round(f, e, s.signum() < 0, s.abs(), m, false);
    }

    /** DE for a denormal operand (none is left after DAZ). */
    static void denormal(Fmt f, Mxcsr e, long a, long b) {
        if (isDenormal(f, a) || isDenormal(f, b)) e.pre |= DE;
    }

    static long mul(Fmt f, Mxcsr e, long a, long b) {
        if (e.nearest && isNormal(f, a) && isNormal(f, b)) {
            if (f == D) {
                double x = Double.longBitsToDouble(a), y = Double.longBitsToDouble(b);
                double p = x * y;
                if (Double.isFinite(p) && Math.abs(p) >= 0x1p-960) {
                    if (Math.fma(x, y, -p) != 0) e.post |= PE;
                    return Double.doubleToRawLongBits(p);
                }
            } else {
                double d = (double) Float.intBitsToFloat((int) a) * Float.intBitsToFloat((int) b); // exact
                float p = (float) d;
                if (Float.isFinite(p) && Math.abs(p) >= 0x1p-100f) {
                    if (p != d) e.post |= PE;
                    return Float.floatToRawIntBits(p) & 0xFFFF_FFFFL;
                }
            }
        }
        return mulSlow(f, e, a, b);
    }

    /** The cases the fast path above does not take (kept out of line so that the fast path inlines). */
    private static long mulSlow(Fmt f, Mxcsr e, long a, long b) {
        if (isNaN(f, a) || isNaN(f, b)) return nanResult(f, e, a, b);
        a = daz(f, e, a);
        b = daz(f, e, b);
        if ((isInf(f, a) && isZero(f, b)) || (isZero(f, a) && isInf(f, b))) return invalid(f, e);
        denormal(f, e, a, b);
        long sign = (a ^ b) & f.sign;
        if (isInf(f, a) || isInf(f, b)) return sign | f.inf;
        if (isZero(f, a) || isZero(f, b)) return sign;
        BigInteger p = BigInteger.valueOf(sig(f, a)).multiply(BigInteger.valueOf(sig(f, b)));
        return round(f, e, sign != 0, p, exp(f, a) + exp(f, b), false);
    }

    static long div(Fmt f, Mxcsr e, long a, long b) {
        if (e.nearest && isNormal(f, a) && isNormal(f, b)) {
            if (f == D) {
                double x = Double.longBitsToDouble(a), y = Double.longBitsToDouble(b);
                double q = x / y;
                if (Double.isFinite(q) && Math.abs(q) >= 0x1p-960 && Math.abs(x) >= 0x1p-900) {
                    if (Math.fma(-q, y, x) != 0) e.post |= PE;
                    return Double.doubleToRawLongBits(q);
                }
            } else {
                double x = Float.intBitsToFloat((int) a), y = Float.intBitsToFloat((int) b);
                float q = (float) (x / y);
                if (Float.isFinite(q) && Math.abs(q) >= 0x1p-100f) {
                    if (Math.fma(-(double) q, y, x) != 0) e.post |= PE;
                    return Float.floatToRawIntBits(q) & 0xFFFF_FFFFL;
                }
            }
        }
        return divSlow(f, e, a, b);
    }

    /** The cases the fast path above does not take (kept out of line so that the fast path inlines). */
    private static long divSlow(Fmt f, Mxcsr e, long a, long b) {
        if (isNaN(f, a) || isNaN(f, b)) return nanResult(f, e, a, b);
        a = daz(f, e, a);
        b = daz(f, e, b);
        if ((isZero(f, a) && isZero(f, b)) || (isInf(f, a) && isInf(f, b))) return invalid(f, e);
        long sign = (a ^ b) & f.sign;
        if (isZero(f, b) && !isInf(f, a)) {
            e.pre |= ZE; // without DE for a denormal dividend: ZE takes precedence (host-checked)
            return sign | f.inf;
        }
        denormal(f, e, a, b);
        if (isInf(f, a)) return sign | f.inf;
        if (isInf(f, b) || isZero(f, a)) return sign;
        long sa = sig(f, a), sb = sig(f, b);
        int k = Math.max(0, f.mbits + 4 + (64 - Long.numberOfLeadingZeros(sb)) - (64 - Long.numberOfLeadingZeros(sa)));
        BigInteger[] qr = BigInteger.valueOf(sa).shiftLeft(k).divideAndRemainder(BigInteger.valueOf(sb));
        return round(f, e, sign != 0, qr[0], exp(f, a) - k - exp(f, b), qr[1].signum() != 0);
    }

    static long sqrt(Fmt f, Mxcsr e, long b) {
        if (e.nearest && isNormal(f, b) && !neg(f, b)) {
            if (f == D) {
                double x = Double.longBitsToDouble(b);
                if (x >= 0x1p-900) {
                    double s = Math.sqrt(x);
                    if (Math.fma(-s, s, x) != 0) e.post |= PE;
                    return Double.doubleToRawLongBits(s);
                }
            } else {
                double x = Float.intBitsToFloat((int) b);
                float s = (float) Math.sqrt(x);
                if (Math.fma(-(double) s, s, x) != 0) e.post |= PE;
                return Float.floatToRawIntBits(s) & 0xFFFF_FFFFL;
            }
        }
        return sqrtSlow(f, e, b);
    }

    /** The cases the fast path above does not take (kept out of line so that the fast path inlines). */
    private static long sqrtSlow(Fmt f, Mxcsr e, long b) {
        if (isNaN(f, b)) return nanResult(f, e, b, b);
        b = daz(f, e, b);
        if (isZero(f, b)) return b;
        if (neg(f, b)) return invalid(f, e);
        denormal(f, e, b, b);
        if (isInf(f, b)) return b;
        long s = sig(f, b);
        int ex = exp(f, b);
        if ((ex & 1) != 0) {
            s <<= 1;
            ex--;
        }
        int k = Math.max(0, f.mbits + 5 - (64 - Long.numberOfLeadingZeros(s)) / 2);
        BigInteger v = BigInteger.valueOf(s).shiftLeft(2 * k);
        BigInteger r = v.sqrt();
        return round(f, e, false, r, (ex - 2 * k) / 2, !r.multiply(r).equals(v));
    }

    /**
     * MIN (max = false) / MAX: any NaN operand raises IE and gives the second operand (not
     * quieted), as do two zeros; DAZ applies to what is returned.
     */
    static long minMax(Fmt f, Mxcsr e, long a, long b, boolean max) {
        if (isNaN(f, a) || isNaN(f, b)) {
            e.pre |= IE;
            return daz(f, e, b); // the source as it is read: a denormal one flushed by DAZ
        }
        a = daz(f, e, a);
        b = daz(f, e, b);
        denormal(f, e, a, b);
        if (isZero(f, a) && isZero(f, b)) return b;
        int c = compare(f, a, b);
        return max ? (c > 0 ? a : b) : (c < 0 ? a : b);
    }

    /** Orders two non-NaN values (zeros equal): -1, 0, 1. */
    static int compare(Fmt f, long a, long b) {
        if (f == D) return Double.compare(Double.longBitsToDouble(a) + 0.0, Double.longBitsToDouble(b) + 0.0);
        return Float.compare(Float.intBitsToFloat((int) a) + 0.0f, Float.intBitsToFloat((int) b) + 0.0f);
    }

    /**
     * CMPPS/CMPPD/CMPSS/CMPSD predicate imm8[2:0] (EQ LT LE UNORD NEQ NLT NLE ORD): true or false.
     * IE for an SNaN, and for any NaN with the signalling predicates LT LE NLT NLE.
     */
    static boolean cmp(Fmt f, Mxcsr e, long a, long b, int pred) {
        boolean unord = isNaN(f, a) || isNaN(f, b);
        boolean signalling = pred == 1 || pred == 2 || pred == 5 || pred == 6;
        if (isSNaN(f, a) || isSNaN(f, b) || (unord && signalling)) e.pre |= IE;
        if (unord) return pred == 3 || pred == 4 || pred == 5 || pred == 6;
        a = daz(f, e, a);
        b = daz(f, e, b);
        denormal(f, e, a, b);
        int c = compare(f, a, b);
        return switch (pred) {
            case 0 -> c == 0;
            case 1 -> c < 0;
            case 2 -> c <= 0;
            case 3 -> false;
            case 4 -> c != 0;
            case 5 -> c >= 0;
            case 6 -> c > 0;
            default -> true;
        };
    }

    /**
     * COMIS/UCOMIS: ZF PF CF = 111 unordered, 000 greater, 001 less, 100 equal. IE for an SNaN,
     * or for any NaN with {@code signalling} (COMIS).
     */
    static int comi(Fmt f, Mxcsr e, long a, long b, boolean signalling) {
        boolean unord = isNaN(f, a) || isNaN(f, b);
        if (isSNaN(f, a) || isSNaN(f, b) || (unord && signalling)) e.pre |= IE;
        if (unord) return 0x40 | 0x04 | 0x01;
        a = daz(f, e, a);
        b = daz(f, e, b);
        denormal(f, e, a, b);
        int c = compare(f, a, b);
        return c == 0 ? 0x40 : c < 0 ? 0x01 : 0;
    }

    /**
     * ROUNDPS...ROUNDSD on one lane: x rounded to an integral value of its own format by {@code rc}.
     * A QNaN is returned as it is, an SNaN quieted with IE; infinities, zeros and values with no
     * fraction bits are exact; PE when a fraction was discarded, unless {@code noPe} (imm8[3]).
     * DAZ reads a denormal as zero; no DE (SDM ROUNDPS "SIMD Floating-Point Exceptions").
     */
    static long roundIntegral(Fmt f, Mxcsr e, long x, int rc, boolean noPe) {
        if (isNaN(f, x)) {
            if (isSNaN(f, x)) e.pre |= IE;
            return x | f.quiet;
        }
        x = daz(f, e, x);
        if (isZero(f, x) || isInf(f, x)) return x;
        int ex = exp(f, x);
        if (ex >= 0) return x;
        boolean neg = neg(f, x);
        long sig = sig(f, x);
        int sh = -ex;
        long kept = sh >= 64 ? 0 : sig >>> sh;
        boolean half = sh <= 64 && (sig >>> (sh - 1) & 1) != 0;
        boolean rest = sh > 64 || (sh > 1 && (sig & ((1L << (sh - 1)) - 1)) != 0);
        if (roundUp(rc, neg, half, rest, (kept & 1) != 0)) kept++;
        if ((half || rest) && !noPe) e.post |= PE;
        long sign = neg ? f.sign : 0;
        if (kept == 0) return sign;
        long mag = f == D ? Double.doubleToRawLongBits((double) kept) : Float.floatToRawIntBits((float) kept) & 0xFFFF_FFFFL;
        return sign | mag;
    }

    // ------------------------------------------------------------------ conversions

    /** Single to double: exact; NaN payloads move up (SNaN quieted, IE); DE for a denormal. */
    static long s2d(Mxcsr e, long x) {
        if (isNaN(S, x)) {
            if (isSNaN(S, x)) e.pre |= IE;
            return (x & S.sign) << 32 | D.expMask | D.quiet | (x & S.mantMask) << 29;
        }
        x = daz(S, e, x);
        long sign = (x & S.sign) << 32;
        if (isZero(S, x)) return sign;
        if (isInf(S, x)) return sign | D.inf;
        denormal(S, e, x, x);
        if (isNormal(S, x)) return Double.doubleToRawLongBits(Float.intBitsToFloat((int) x));
        return round(D, e, sign != 0, sig(S, x), exp(S, x));
    }

    /** Double to single, rounded by MXCSR: NaN payloads keep their top bits. */
    static long d2s(Mxcsr e, long x) {
        if (isNaN(D, x)) {
            if (isSNaN(D, x)) e.pre |= IE;
            return (x >>> 32 & S.sign) | S.expMask | S.quiet | ((x & D.mantMask) >>> 29);
        }
        x = daz(D, e, x);
        long sign = (x >>> 32) & S.sign;
        if (isZero(D, x)) return sign;
        if (isInf(D, x)) return sign | S.inf;
        denormal(D, e, x, x);
        if (e.nearest && isNormal(D, x)) {
            double d = Double.longBitsToDouble(x);
            float s = (float) d;
            if (Float.isFinite(s) && Math.abs(s) >= 0x1p-100f) {
                if (s != d) e.post |= PE;
                return Float.floatToRawIntBits(s) & 0xFFFF_FFFFL;
            }
        }
        return round(S, e, sign != 0, sig(D, x), exp(D, x));
    }

    /** A signed integer to f, rounded by MXCSR (PE when inexact). */
    static long fromInt(Fmt f, Mxcsr e, long v) {
        if (v == 0) return 0;
        if (f == D && e.nearest) {
            double d = v;
            if (d == 0x1p63 || (long) d != v) e.post |= PE;
            return Double.doubleToRawLongBits(d);
        }
        BigInteger m = BigInteger.valueOf(v).abs();
        return round(f, e, v < 0, m, 0, false);
    }

    /**
     * f to a signed integer of {@code bits} (32/64), rounded by {@code rc}: a NaN, an infinity
     * or a value out of range raises IE and gives the integer indefinite (the sign bit alone);
     * PE when inexact. No DE for a denormal (SDM CVTSD2SI "SIMD Floating-Point Exceptions").
     */
    static long toInt(Fmt f, Mxcsr e, long x, int bits, int rc) {
        long indefinite = bits == 32 ? 0x8000_0000L : Long.MIN_VALUE;
        if (isNaN(f, x) || isInf(f, x)) {
            e.pre |= IE;
            return indefinite;
        }
        x = daz(f, e, x);
        if (isZero(f, x)) return 0;
        boolean neg = neg(f, x);
        long sig = sig(f, x);
        int ex = exp(f, x);
        if (ex > -64 && ex < 0) { // a fraction bit exists and the integer part fits a long: no BigInteger
            int sh = -ex;
            long kept = sh == 64 ? 0 : sig >>> sh;
            boolean half = (sig >>> (sh - 1) & 1) != 0;
            boolean rest = sh > 1 && (sig & ((1L << (sh - 1)) - 1)) != 0;
            if (roundUp(rc, neg, half, rest, (kept & 1) != 0)) kept++;
            long r = neg ? -kept : kept; // kept < 2^53: no overflow
            if (bits == 32 ? r != (int) r : false) {
                e.pre |= IE;
                return indefinite;
            }
            if (half || rest) e.post |= PE;
            return bits == 32 ? r & 0xFFFF_FFFFL : r;
        }
        BigInteger v;
        boolean inexact = false;
        if (ex >= 0) {
            if (ex > 70) {
                e.pre |= IE;
                return indefinite;
            }
            v = BigInteger.valueOf(sig).shiftLeft(ex);
        } else if (-ex > 64) {
            inexact = true;
            boolean up = roundUp(rc, neg, false, true, false);
            v = up ? BigInteger.ONE : BigInteger.ZERO;
        } else {
            int sh = -ex;
            long kept = sh == 64 ? 0 : sig >>> sh;
            boolean half = (sig >>> (sh - 1) & 1) != 0;
            boolean rest = sh > 1 && (sig & ((1L << (sh - 1)) - 1)) != 0;
            inexact = half || rest;
            if (roundUp(rc, neg, half, rest, (kept & 1) != 0)) kept++;
            v = BigInteger.valueOf(kept);
        }
        if (neg) v = v.negate();
        if (v.bitLength() > bits - 1) {
            e.pre |= IE;
            return indefinite;
        }
        if (inexact) e.post |= PE;
        long r = v.longValue();
        return bits == 32 ? r & 0xFFFF_FFFFL : r;
    }
}

package dev.lstar.runtime.ops;

import java.math.BigInteger;
import dev.lstar.runtime.ops.Float80.Ctx;

/**
 * The BigInteger-only Float80 as it was before the allocation-free paths (commit c6d8848), kept
 * as the oracle of Float80DifferentialTest.
 *
 * <p>The x87 double extended-precision format in software (Intel SDM Vol. 1 ch. 4 and 8, AMD APM
 * Vol. 1 ch. 6): a value is a 16-bit sign/exponent word {@code se} (sign in bit 15, biased
 * exponent in bits 14:0, bias 16383) and a 64-bit significand {@code m} with an explicit integer
 * bit (bit 63). Arithmetic is exact (BigInteger) and then rounded once, as the hardware does:
 * <ul>
 *   <li>precision control (FCW bits 9:8: 00 = 24 bits, 10 = 53, 11 = 64; the reserved 01 acts as
 *       64) rounds the significand of arithmetic results, the exponent range stays the extended
 *       one (SDM Vol. 1 §8.1.5.2);</li>
 *   <li>rounding control (FCW bits 11:10: nearest-even, down, up, toward zero) for every rounding;</li>
 *   <li>tininess is detected after rounding; a masked underflow sets UE only when the result is
 *       also inexact (SDM Vol. 1 §4.9.1.5); a masked overflow gives infinity or the largest finite
 *       value by the rounding direction (Table 4-10);</li>
 *   <li>NaNs: an SNaN operand raises IE and is quieted; of two NaN operands the one with the larger
 *       significand wins, an SNaN and a QNaN give the QNaN (Table 4-7); an invalid operation gives
 *       the indefinite (0xFFFF C000000000000000);</li>
 *   <li>encodings the 387 and later do not support (a non-zero exponent with the integer bit clear:
 *       unnormals, pseudo-NaNs, pseudo-infinities) are invalid operands; pseudo-denormals (exponent
 *       0, integer bit set) are denormal operands with the value of exponent 1 (§8.2.2).</li>
 * </ul>
 * Exception flags and C1 are collected in a {@link Ctx} ({@link #IE}...{@link #PE} are the FSW
 * bit positions; {@link #C1} is FSW bit 9: "rounded up" after an inexact result).
 */
final class Float80Reference {
    private Float80Reference() {}

    public static final int IE = 1, DE = 2, ZE = 4, OE = 8, UE = 0x10, PE = 0x20, SF = 0x40, C1 = 0x200;
    /** The indefinite QNaN. */
    public static final int IND_SE = 0xFFFF;
    public static final long IND_M = 0xC000_0000_0000_0000L;
    public static final long INT_BIT = 0x8000_0000_0000_0000L;
    public static final int RC_NEAREST = 0, RC_DOWN = 1, RC_UP = 2, RC_ZERO = 3;

    static void set(Ctx c, int se, long m) { c.se = se & 0xFFFF; c.m = m; }

    static void indefinite(Ctx c) { c.flags |= IE; set(c, IND_SE, IND_M); }

    // ------------------------------------------------------------------ classification

    public static int exp(int se) { return se & 0x7FFF; }

    public static boolean neg(int se) { return (se & 0x8000) != 0; }

    /** Non-zero exponent with the integer bit clear: unnormal, pseudo-NaN, pseudo-infinity. */
    public static boolean unsupported(int se, long m) { return exp(se) != 0 && m >= 0; }

    public static boolean isNaN(int se, long m) { return exp(se) == 0x7FFF && m < 0 && (m << 1) != 0; }

    public static boolean isSNaN(int se, long m) { return isNaN(se, m) && (m & 0x4000_0000_0000_0000L) == 0; }

    public static boolean isInf(int se, long m) { return exp(se) == 0x7FFF && m == INT_BIT; }

    public static boolean isZero(int se, long m) { return exp(se) == 0 && m == 0; }

    /** Denormal or pseudo-denormal. */
    public static boolean isDenormal(int se, long m) { return exp(se) == 0 && m != 0; }

    /** The finite value's exponent E in value = m * 2^E. */
    static int scale(int se) {
        int e = exp(se);
        return (e == 0 ? 1 : e) - 16383 - 63;
    }

    static BigInteger mag(long m) {
        return m >= 0 ? BigInteger.valueOf(m) : BigInteger.valueOf(m >>> 1).shiftLeft(1).or(BigInteger.valueOf(m & 1));
    }

    // ------------------------------------------------------------------ rounding

    /** Formats: significand bits, minimum normal exponent, maximum exponent. */
    static final int[] EXT = {64, -16382, 16383}, DBL = {53, -1022, 1023}, SGL = {24, -126, 127};

    /**
     * Rounds (-1)^neg * (mag + sticky) * 2^e (sticky: a non-zero amount below the last bit of mag,
     * mag having at least two bits more than the precision when sticky) to {@code prec} significand
     * bits in a format {min, max} exponent range, and leaves the extended encoding of the result in
     * the context (a single/double destination converts it back exactly).
     */
    static void round(Ctx c, boolean neg, BigInteger mag, int e, boolean sticky, int prec, int[] fmt) {
        int sign = neg ? 0x8000 : 0;
        if (mag.signum() == 0 && !sticky) {
            set(c, sign, 0);
            return;
        }
        int emin = fmt[1], emax = fmt[2];
        int n = mag.bitLength();
        int unmaskedOU = (OE | UE) & ~c.cw;
        if (unmaskedOU != 0) {
            // unmasked overflow / underflow (SDM Vol. 1 §4.9.1.4-5, §8.5.4-5): the result rounded to
            // the precision with an unbounded exponent, delivered with the exponent biased by
            // -/+ 0x6000 to a register; a memory destination gets nothing (the caller stores nothing)
            int shift = n - prec;
            BigInteger k = mag;
            boolean inexact = sticky, up = false;
            if (shift > 0) {
                k = mag.shiftRight(shift);
                BigInteger rem = mag.subtract(k.shiftLeft(shift));
                int cmpHalf = rem.compareTo(BigInteger.ONE.shiftLeft(shift - 1));
                inexact = rem.signum() != 0 || sticky;
                boolean half = cmpHalf == 0 && !sticky, above = cmpHalf > 0 || (cmpHalf == 0 && sticky);
                up = inexact && roundUp(c.rc(), neg, above, half, cmpHalf < 0, k.testBit(0));
                if (up) k = k.add(BigInteger.ONE);
            } else {
                shift = 0;
            }
            int lead = k.bitLength() - 1 + shift + e;
            int bias = lead > emax && (unmaskedOU & OE) != 0 ? -0x6000 : lead < emin && (unmaskedOU & UE) != 0 ? 0x6000 : 0;
            int biased = lead + 16383 + bias;
            if (bias != 0 && fmt == EXT && (biased < 1 || biased > 0x7FFE)) {
                // out of range even with the bias (FSCALE): a zero or an infinity, whatever the rounding (this host)
                if (bias > 0) {
                    c.flags |= UE | PE;
                    set(c, sign, 0);
                } else {
                    c.flags |= OE | PE | C1;
                    set(c, sign | 0x7FFF, INT_BIT);
                }
                return;
            }
            if (bias != 0) {
                c.flags |= bias < 0 ? OE : UE;
                if (fmt != EXT) {
                    set(c, sign, 0);
                    return;
                }
                if (inexact) c.flags |= up ? PE | C1 : PE;
                int kn = k.bitLength();
                set(c, sign | (lead + 16383 + bias), k.shiftLeft(64 - kn).longValue());
                return;
            }
        }
        int ex = n - 1 + e; // exponent of the leading bit
        int q = ex - prec + 1; // quantum exponent
        int denormQ = emin - prec + 1; // precision control also limits denormal results (quantum 2^(emin - p + 1))
        boolean tinyRange = ex < emin;
        if (tinyRange && q < denormQ) q = denormQ;
        int shift = q - e;
        BigInteger kept;
        boolean inexact;
        boolean up = false;
        if (shift <= 0) {
            kept = mag.shiftLeft(-shift);
            inexact = sticky;
            if (sticky) up = roundUp(c.rc(), neg, false, false, true, false);
        } else {
            kept = mag.shiftRight(shift);
            BigInteger rem = mag.subtract(kept.shiftLeft(shift));
            int cmpHalf = rem.compareTo(BigInteger.ONE.shiftLeft(shift - 1));
            inexact = rem.signum() != 0 || sticky;
            boolean half = cmpHalf == 0 && !sticky, above = cmpHalf > 0 || (cmpHalf == 0 && sticky);
            up = inexact && roundUp(c.rc(), neg, above, half, cmpHalf < 0, kept.testBit(0));
        }
        if (up) kept = kept.add(BigInteger.ONE);
        // the rounded value is kept * 2^q
        if (kept.signum() == 0) {
            c.flags |= UE | PE;
            set(c, sign, 0);
            return;
        }
        int rex = kept.bitLength() - 1 + q;
        // tininess after rounding: the value rounded to prec bits with an unbounded exponent
        boolean tiny = tinyRange;
        if (tinyRange && inexact) {
            tiny = unboundedExp(c, neg, mag, e, sticky, prec) < emin;
        }
        if (rex > emax) {
            c.flags |= OE | PE;
            boolean inf = switch (c.rc()) {
                case RC_NEAREST -> true;
                case RC_DOWN -> neg;
                case RC_UP -> !neg;
                default -> false;
            };
            if (inf) {
                c.flags |= C1;
                set(c, sign | 0x7FFF, INT_BIT);
            } else {
                // the largest finite value of the precision
                set(c, sign | (emax + 16383), -1L << (64 - prec));
            }
            return;
        }
        if (inexact) {
            c.flags |= PE;
            if (up) c.flags |= C1;
            if (tiny) c.flags |= UE;
        }
        encode(c, sign, kept, q);
    }

    private static boolean roundUp(int rc, boolean neg, boolean above, boolean half, boolean below, boolean odd) {
        return switch (rc) {
            case RC_NEAREST -> above || (half && odd);
            case RC_DOWN -> neg;
            case RC_UP -> !neg;
            default -> false;
        };
    }

    /** The exponent of the leading bit after rounding to prec bits without an exponent limit. */
    private static int unboundedExp(Ctx c, boolean neg, BigInteger mag, int e, boolean sticky, int prec) {
        int n = mag.bitLength();
        int shift = n - prec;
        int ex = n - 1 + e;
        if (shift <= 0) return ex;
        BigInteger kept = mag.shiftRight(shift);
        BigInteger rem = mag.subtract(kept.shiftLeft(shift));
        int cmpHalf = rem.compareTo(BigInteger.ONE.shiftLeft(shift - 1));
        boolean inexact = rem.signum() != 0 || sticky;
        boolean half = cmpHalf == 0 && !sticky, above = cmpHalf > 0 || (cmpHalf == 0 && sticky);
        if (inexact && roundUp(c.rc(), neg, above, half, cmpHalf < 0, kept.testBit(0))) kept = kept.add(BigInteger.ONE);
        return kept.bitLength() - 1 + shift + e;
    }

    /** Encodes kept * 2^q (exact, in range) in the extended format. */
    private static void encode(Ctx c, int sign, BigInteger kept, int q) {
        int n = kept.bitLength();
        int ex = n - 1 + q;
        if (ex < -16382) { // extended denormal: quantum 2^-16445
            set(c, sign, kept.shiftLeft(q + 16445).longValue());
            return;
        }
        set(c, sign | (ex + 16383), kept.shiftLeft(64 - n).longValue());
    }

    /** Rounds the context's extended value to the arithmetic precision (FLD of an 80-bit value does not; FRNDINT etc. do). */
    static void roundExt(Ctx c, boolean neg, BigInteger mag, int e, boolean sticky) {
        round(c, neg, mag, e, sticky, c.precision(), EXT);
    }

    // ------------------------------------------------------------------ operand checks

    /**
     * The common operand rules of the arithmetic instructions: unsupported encodings and NaNs
     * decide the result (returns true, result in c); denormal operands set DE.
     */
    static boolean specials(Ctx c, int se1, long m1, int se2, long m2) {
        if (unsupported(se1, m1) || unsupported(se2, m2)) {
            indefinite(c);
            return true;
        }
        boolean n1 = isNaN(se1, m1), n2 = isNaN(se2, m2);
        if (n1 || n2) {
            boolean s1 = n1 && isSNaN(se1, m1), s2 = n2 && isSNaN(se2, m2);
            if (s1 || s2) c.flags |= IE;
            int se;
            long m;
            if (n1 && n2) {
                if (s1 != s2) { // the QNaN one
                    se = s1 ? se2 : se1; m = s1 ? m2 : m1;
                } else {
                    int cmp = Long.compareUnsigned(m1 & ~0x4000_0000_0000_0000L, m2 & ~0x4000_0000_0000_0000L);
                    if (cmp > 0 || (cmp == 0 && !neg(se1))) { se = se1; m = m1; } else { se = se2; m = m2; }
                }
            } else if (n1) { se = se1; m = m1; } else { se = se2; m = m2; }
            set(c, se, m | 0x4000_0000_0000_0000L);
            return true;
        }
        if (isDenormal(se1, m1) || isDenormal(se2, m2) || c.denormalSource) c.flags |= DE;
        return false;
    }

    static boolean specials1(Ctx c, int se, long m) {
        if (unsupported(se, m)) { indefinite(c); return true; }
        if (isNaN(se, m)) {
            if (isSNaN(se, m)) c.flags |= IE;
            set(c, se, m | 0x4000_0000_0000_0000L);
            return true;
        }
        if (isDenormal(se, m)) c.flags |= DE;
        return false;
    }

    // ------------------------------------------------------------------ arithmetic

    public static void add(Ctx c, int se1, long m1, int se2, long m2) {
        if (specials(c, se1, m1, se2, m2)) return;
        boolean i1 = isInf(se1, m1), i2 = isInf(se2, m2);
        if (i1 || i2) {
            if (i1 && i2 && neg(se1) != neg(se2)) { indefinite(c); return; }
            set(c, i1 ? se1 : se2, INT_BIT);
            return;
        }
        boolean z1 = isZero(se1, m1), z2 = isZero(se2, m2);
        if (z1 && z2) {
            boolean n = neg(se1) && neg(se2) || (neg(se1) != neg(se2) && c.rc() == RC_DOWN);
            set(c, n ? 0x8000 : 0, 0);
            return;
        }
        int e1 = scale(se1), e2 = scale(se2), e = Math.min(e1, e2);
        BigInteger a = mag(m1).shiftLeft(e1 - e), b = mag(m2).shiftLeft(e2 - e);
        if (neg(se1)) a = a.negate();
        if (neg(se2)) b = b.negate();
        BigInteger s = a.add(b);
        if (s.signum() == 0) {
            set(c, c.rc() == RC_DOWN ? 0x8000 : 0, 0);
            return;
        }
        roundExt(c, s.signum() < 0, s.abs(), e, false);
    }

    public static void sub(Ctx c, int se1, long m1, int se2, long m2) {
        if (isNaN(se2, m2) || unsupported(se2, m2)) { add(c, se1, m1, se2, m2); return; }
        add(c, se1, m1, se2 ^ 0x8000, m2);
    }

    public static void mul(Ctx c, int se1, long m1, int se2, long m2) {
        if (specials(c, se1, m1, se2, m2)) return;
        boolean n = neg(se1) != neg(se2);
        int sign = n ? 0x8000 : 0;
        boolean i1 = isInf(se1, m1), i2 = isInf(se2, m2), z1 = isZero(se1, m1), z2 = isZero(se2, m2);
        if (i1 || i2) {
            if (z1 || z2) { indefinite(c); return; }
            set(c, sign | 0x7FFF, INT_BIT);
            return;
        }
        if (z1 || z2) { set(c, sign, 0); return; }
        roundExt(c, n, mag(m1).multiply(mag(m2)), scale(se1) + scale(se2), false);
    }

    public static void div(Ctx c, int se1, long m1, int se2, long m2) {
        if (isZero(se2, m2) && !unsupported(se1, m1) && !isNaN(se1, m1) && !isInf(se1, m1) && !isZero(se1, m1)) {
            c.flags |= ZE; // a zero divisor is reported before a denormal dividend (this host: ZE without DE)
            set(c, ((se1 ^ se2) & 0x8000) | 0x7FFF, INT_BIT);
            return;
        }
        if (specials(c, se1, m1, se2, m2)) return;
        boolean n = neg(se1) != neg(se2);
        int sign = n ? 0x8000 : 0;
        boolean i1 = isInf(se1, m1), i2 = isInf(se2, m2), z1 = isZero(se1, m1), z2 = isZero(se2, m2);
        if (i1 && i2 || z1 && z2) { indefinite(c); return; }
        if (i1) { set(c, sign | 0x7FFF, INT_BIT); return; }
        if (i2 || z1) { set(c, sign, 0); return; }
        if (z2) { c.flags |= ZE; set(c, sign | 0x7FFF, INT_BIT); return; }
        BigInteger a = mag(m1), b = mag(m2);
        int k = Math.max(0, 68 + b.bitLength() - a.bitLength());
        BigInteger[] qr = a.shiftLeft(k).divideAndRemainder(b);
        roundExt(c, n, qr[0], scale(se1) - scale(se2) - k, qr[1].signum() != 0);
    }

    public static void sqrt(Ctx c, int se, long m) {
        if (neg(se) && !isZero(se, m) && !isNaN(se, m)) { indefinite(c); return; } // invalid before DE
        if (specials1(c, se, m)) return;
        if (isZero(se, m)) { set(c, se, 0); return; }
        if (isInf(se, m)) { set(c, se, m); return; }
        BigInteger a = mag(m);
        int e = scale(se);
        int k = 140 - a.bitLength();
        if (((e - k) & 1) != 0) k++;
        a = a.shiftLeft(k);
        e -= k;
        BigInteger r = a.sqrt();
        roundExt(c, false, r, e / 2, r.multiply(r).compareTo(a) != 0);
    }

    /** Round to an integer by RC (FRNDINT): precision control does not apply. */
    public static void rndint(Ctx c, int se, long m) {
        if (specials1(c, se, m)) return;
        if (isInf(se, m) || isZero(se, m)) { set(c, se, m); return; }
        int e = scale(se);
        if (e >= 0) { set(c, se, m); return; }
        BigInteger[] ir = toInteger(c.rc(), neg(se), mag(m), e);
        if (ir[1].signum() != 0) {
            c.flags |= PE;
            if (ir[2].signum() != 0) c.flags |= C1;
        }
        BigInteger v = ir[0];
        if (v.signum() == 0) { set(c, se & 0x8000, 0); return; }
        encode(c, se & 0x8000, v, 0);
    }

    /** {integer magnitude rounded by rc, non-zero if inexact, non-zero if rounded up in magnitude}. */
    static BigInteger[] toInteger(int rc, boolean neg, BigInteger mag, int e) {
        if (e >= 0) return new BigInteger[] {mag.shiftLeft(e), BigInteger.ZERO, BigInteger.ZERO};
        int shift = -e;
        BigInteger kept = mag.shiftRight(shift);
        BigInteger rem = mag.subtract(kept.shiftLeft(shift));
        if (rem.signum() == 0) return new BigInteger[] {kept, BigInteger.ZERO, BigInteger.ZERO};
        int cmpHalf = rem.compareTo(BigInteger.ONE.shiftLeft(shift - 1));
        boolean up = roundUp(rc, neg, cmpHalf > 0, cmpHalf == 0, cmpHalf < 0, kept.testBit(0));
        return new BigInteger[] {up ? kept.add(BigInteger.ONE) : kept, BigInteger.ONE, up ? BigInteger.ONE : BigInteger.ZERO};
    }

    // ------------------------------------------------------------------ conversions

    /** FLD m32fp / m64fp: exact; an SNaN raises IE and is quieted, a denormal raises DE. */
    public static void fromFloat(Ctx c, long bits, boolean dbl) {
        int ebits = dbl ? 11 : 8, fbits = dbl ? 52 : 23, bias = dbl ? 1023 : 127;
        boolean neg = ((bits >>> (ebits + fbits)) & 1) != 0;
        int sign = neg ? 0x8000 : 0;
        int ex = (int) ((bits >>> fbits) & ((1 << ebits) - 1));
        long f = bits & ((1L << fbits) - 1);
        if (ex == (1 << ebits) - 1) {
            if (f == 0) { set(c, sign | 0x7FFF, INT_BIT); return; }
            long m = INT_BIT | (f << (63 - fbits));
            if ((m & 0x4000_0000_0000_0000L) == 0) { c.flags |= IE; m |= 0x4000_0000_0000_0000L; }
            set(c, sign | 0x7FFF, m);
            return;
        }
        if (ex == 0) {
            if (f == 0) { set(c, sign, 0); return; }
            c.flags |= DE;
            int lz = Long.numberOfLeadingZeros(f);
            // value = f * 2^(1 - bias - fbits)
            int lead = 63 - lz + 1 - bias - fbits;
            set(c, sign | (lead + 16383), f << lz);
            return;
        }
        set(c, sign | (ex - bias + 16383), INT_BIT | (f << (63 - fbits)));
    }

    /** FST m32fp / m64fp: rounds by RC to the format (its exponent range); returns the bits. */
    public static long toFloat(Ctx c, int se, long m, boolean dbl) {
        int ebits = dbl ? 11 : 8, fbits = dbl ? 52 : 23, bias = dbl ? 1023 : 127;
        long signBit = neg(se) ? 1L << (ebits + fbits) : 0;
        long expAll = ((1L << ebits) - 1) << fbits;
        if (unsupported(se, m)) {
            c.flags |= IE;
            return (1L << (ebits + fbits)) | expAll | (1L << (fbits - 1)); // the format's indefinite
        }
        if (isNaN(se, m)) {
            if (isSNaN(se, m)) c.flags |= IE;
            long f = ((m | 0x4000_0000_0000_0000L) << 1) >>> (64 - fbits);
            return signBit | expAll | f;
        }
        if (isInf(se, m)) return signBit | expAll;
        if (isZero(se, m)) return signBit;
        Ctx r = new Ctx(c.cw); // (a denormal source raises no DE on this host)
        round(r, neg(se), mag(m), scale(se), false, fbits + 1, dbl ? DBL : SGL);
        c.flags |= r.flags;
        if (isInf(r.se, r.m)) return signBit | expAll;
        if (isZero(r.se, r.m)) return signBit;
        // value = r.m * 2^scale; in the format: normal if exponent >= 1 - bias
        int lead = 63 - Long.numberOfLeadingZeros(r.m) + scale(r.se);
        if (lead >= 1 - bias) {
            long f = (r.m << 1) >>> (64 - fbits);
            return signBit | ((long) (lead + bias) << fbits) | f;
        }
        // denormal in the format: f = value / 2^(1 - bias - fbits)
        int sh = scale(r.se) - (1 - bias - fbits);
        long f = sh >= 0 ? r.m << sh : r.m >>> -sh;
        return signBit | f;
    }

    /** FILD: exact. */
    public static void fromInt(Ctx c, long v) {
        if (v == 0) { set(c, 0, 0); return; }
        int sign = v < 0 ? 0x8000 : 0;
        long a = v < 0 ? -v : v; // Long.MIN_VALUE stays 0x8000..., which is right as unsigned
        int lz = Long.numberOfLeadingZeros(a);
        set(c, sign | (63 - lz + 16383), a << lz);
    }

    /**
     * FIST/FISTP: rounds by RC to a signed integer of {@code bytes} bytes; a NaN, infinity,
     * unsupported or out-of-range value raises IE and gives the integer indefinite (the most
     * negative integer) when masked. Returns the integer.
     */
    public static long toInt(Ctx c, int se, long m, int bytes) {
        long indefinite = bytes == 8 ? Long.MIN_VALUE : -(1L << (8 * bytes - 1));
        if (unsupported(se, m) || isNaN(se, m) || isInf(se, m)) { c.flags |= IE; return indefinite; }
        if (isZero(se, m)) return 0; // (a denormal raises no DE on this host)
        BigInteger[] ir = toInteger(c.rc(), neg(se), mag(m), scale(se));
        BigInteger v = neg(se) ? ir[0].negate() : ir[0];
        if (v.bitLength() > 8 * bytes - 1) { c.flags |= IE; return indefinite; }
        if (ir[1].signum() != 0) {
            c.flags |= PE;
            if (ir[2].signum() != 0) c.flags |= C1;
        }
        return v.longValue();
    }

    // ------------------------------------------------------------------ compare

    /**
     * Compares for FCOM/FUCOM/FCOMI/FTST: returns 0 (greater), 1 (less), 2 (equal), 3 (unordered).
     * Unordered raises IE for any NaN when {@code signalQnan}, else only for an SNaN; unsupported
     * operands always raise IE; denormals raise DE.
     */
    public static int compare(Ctx c, int se1, long m1, int se2, long m2, boolean signalQnan) {
        boolean u = unsupported(se1, m1) || unsupported(se2, m2);
        boolean n1 = isNaN(se1, m1), n2 = isNaN(se2, m2);
        if (u || n1 || n2) {
            if (u || signalQnan || (n1 && isSNaN(se1, m1)) || (n2 && isSNaN(se2, m2))) c.flags |= IE;
            return 3;
        }
        if (isDenormal(se1, m1) || isDenormal(se2, m2) || c.denormalSource) c.flags |= DE;
        int s = cmpFinite(se1, m1, se2, m2);
        return s > 0 ? 0 : s < 0 ? 1 : 2;
    }

    /** Ordered comparison of two non-NaN supported values (infinities included, +0 = -0). */
    static int cmpFinite(int se1, long m1, int se2, long m2) {
        boolean z1 = isZero(se1, m1), z2 = isZero(se2, m2);
        if (z1 && z2) return 0;
        int s1 = z1 ? 0 : neg(se1) ? -1 : 1, s2 = z2 ? 0 : neg(se2) ? -1 : 1;
        if (s1 != s2) return Integer.compare(s1, s2);
        // same sign, both non-zero: compare magnitudes
        int cm;
        if (isInf(se1, m1) || isInf(se2, m2)) {
            cm = Boolean.compare(isInf(se1, m1), isInf(se2, m2));
        } else {
            int e1 = scale(se1), e2 = scale(se2);
            int l1 = 63 - Long.numberOfLeadingZeros(m1) + e1, l2 = 63 - Long.numberOfLeadingZeros(m2) + e2;
            if (l1 != l2) cm = Integer.compare(l1, l2);
            else {
                int e = Math.min(e1, e2);
                cm = mag(m1).shiftLeft(e1 - e).compareTo(mag(m2).shiftLeft(e2 - e));
            }
        }
        return s1 < 0 ? -cm : cm;
    }

    // ------------------------------------------------------------------ FSCALE, FXTRACT, FPREM

    /** FSCALE: ST0 * 2^trunc(ST1). */
    public static void scale(Ctx c, int se0, long m0, int se1, long m1) {
        if (specials(c, se0, m0, se1, m1)) return;
        boolean i0 = isInf(se0, m0), i1 = isInf(se1, m1), z0 = isZero(se0, m0);
        if (i1) {
            if (neg(se1)) {
                if (i0) { indefinite(c); return; }
                set(c, se0 & 0x8000, 0);
            } else {
                if (z0) { indefinite(c); return; }
                set(c, (se0 & 0x8000) | 0x7FFF, INT_BIT);
            }
            return;
        }
        if (i0 || z0) { set(c, se0, m0); return; }
        BigInteger[] ir = toInteger(RC_ZERO, neg(se1), mag(m1), scale(se1));
        long n = ir[0].bitLength() > 20 ? (1 << 20) : ir[0].longValue();
        if (neg(se1)) n = -n;
        // precision control does not apply to FSCALE (SDM Vol. 1 §8.1.5.2 lists the instructions it does)
        round(c, neg(se0), mag(m0), (int) (scale(se0) + n), false, 64, EXT);
    }

    /** FXTRACT on ST0: {exponent, significand} results in two contexts (exponent in c, significand in sig). */
    public static void xtract(Ctx c, Ctx sig, int se, long m) {
        if (specials1(c, se, m)) { set(sig, c.se, c.m); return; }
        if (isInf(se, m)) { set(c, 0x7FFF, INT_BIT); set(sig, se, m); return; }
        if (isZero(se, m)) {
            c.flags |= ZE;
            set(c, 0xFFFF, INT_BIT); // -inf
            set(sig, se, 0);
            return;
        }
        int lz = Long.numberOfLeadingZeros(m);
        int lead = 63 - lz + scale(se);
        fromInt(c, lead);
        set(sig, (se & 0x8000) | 16383, m << lz);
    }

    /**
     * FPREM (truncating quotient, {@code ieee} false) or FPREM1 (nearest quotient): the partial
     * remainder of ST0 / ST1. Sets c's result and returns the C0 C3 C1 / C2 bits as FSW bits
     * (C2 = incomplete reduction), or -1 for a NaN or invalid result (condition codes per the caller).
     */
    public static int prem(Ctx c, int se0, long m0, int se1, long m1, boolean ieee) {
        boolean nanOrBad = unsupported(se0, m0) || unsupported(se1, m1) || isNaN(se0, m0) || isNaN(se1, m1);
        if (!nanOrBad && (isInf(se0, m0) || isZero(se1, m1))) { indefinite(c); return -1; } // invalid before DE
        if (specials(c, se0, m0, se1, m1)) return -1;
        if (isInf(se1, m1) || isZero(se0, m0)) { // ST0 as it is (a pseudo-denormal normalised, as the host does)
            set(c, exp(se0) == 0 && m0 < 0 ? se0 | 1 : se0, m0);
            return 0;
        }
        int e0 = scale(se0), e1 = scale(se1);
        int l0 = 63 - Long.numberOfLeadingZeros(m0) + e0, l1 = 63 - Long.numberOfLeadingZeros(m1) + e1;
        int d = l0 - l1;
        BigInteger a = mag(m0), b = mag(m1);
        if (d >= 64) {
            // partial: reduce the exponent difference by a number between 32 and 63 (N = 32..63 per SDM)
            int n = 32 + ((d - 32) % 32);
            // reduce: ST0 - (trunc((ST0/ST1) / 2^(d - n)) * ST1 * 2^(d - n))
            int e = Math.min(e0, e1);
            BigInteger A = a.shiftLeft(e0 - e), B = b.shiftLeft(e1 - e).shiftLeft(d - n);
            BigInteger q = A.divide(B);
            BigInteger r = A.subtract(q.multiply(B));
            finishRem(c, neg(se0), r, e);
            return 0x400; // C2: incomplete
        }
        int e = Math.min(e0, e1);
        BigInteger A = a.shiftLeft(e0 - e), B = b.shiftLeft(e1 - e);
        BigInteger[] qr = A.divideAndRemainder(B);
        BigInteger q = qr[0], r = qr[1];
        boolean neg = neg(se0);
        if (ieee) {
            int cmp = r.shiftLeft(1).compareTo(B);
            if (cmp > 0 || (cmp == 0 && q.testBit(0))) {
                q = q.add(BigInteger.ONE);
                r = B.subtract(r);
                neg = !neg;
            }
        }
        if (r.signum() == 0) {
            set(c, se0 & 0x8000, 0);
        } else {
            finishRem(c, neg, r, e);
        }
        long ql = q.longValue();
        int bits = 0;
        if ((ql & 1) != 0) bits |= 0x200; // C1 = Q0
        if ((ql & 2) != 0) bits |= 0x4000; // C3 = Q1
        if ((ql & 4) != 0) bits |= 0x100; // C0 = Q2
        return bits;
    }

    private static void finishRem(Ctx c, boolean neg, BigInteger r, int e) {
        if (r.signum() == 0) { set(c, neg ? 0x8000 : 0, 0); return; }
        int lead = r.bitLength() - 1 + e;
        if (lead < -16382 && (c.cw & UE) == 0) { // a tiny remainder with UE unmasked: delivered biased by 0x6000
            c.flags |= UE;
            set(c, (neg ? 0x8000 : 0) | (lead + 16383 + 0x6000), r.shiftLeft(64 - r.bitLength()).longValue());
            return;
        }
        // exact: the remainder fits the extended format (denormal results keep UE semantics)
        encode(c, neg ? 0x8000 : 0, r, e); // exact: a denormal remainder raises no (masked) UE
    }

    // ------------------------------------------------------------------ constants

    /** FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ (D9 E8..EE) as 66-bit significands rounded by RC (SDM §8.3.8). */
    public static void constant(Ctx c, int which) {
        // se and the 66-bit significand (two extra bits) of log2(10), log2(e), pi, log10(2), ln(2)
        switch (which) {
            case 0 -> set(c, 0x3FFF, INT_BIT);
            case 6 -> set(c, 0, 0);
            default -> {
                int se = switch (which) { case 1 -> 0x4000; case 2 -> 0x3FFF; case 3 -> 0x4000; case 4 -> 0x3FFD; default -> 0x3FFE; };
                long m = switch (which) {
                    case 1 -> 0xD49A784BCD1B8AFEL; case 2 -> 0xB8AA3B295C17F0BBL; case 3 -> 0xC90FDAA22168C234L;
                    case 4 -> 0x9A209A84FBCFF798L; default -> 0xB17217F7D1CF79ABL;
                };
                int rc = c.rc();
                // rounded by RC from the exact constant (none is exactly representable)
                boolean up = switch (rc) {
                    case RC_NEAREST -> nearestUp(which);
                    case RC_UP -> true;
                    default -> false;
                };
                set(c, se, up ? m + 1 : m);
            }
        }
    }

    private static boolean nearestUp(int which) {
        // the fraction of an ulp below each truncated significand: log2(10) 0.29, log2(e) 0.74,
        // pi 0.77, log10(2) 0.56, ln(2) 0.79 (computed to 80 digits): only log2(10) rounds down
        return which != 1;
    }
}

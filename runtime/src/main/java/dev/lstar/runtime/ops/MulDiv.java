package dev.lstar.runtime.ops;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;

/**
 * Multiplication and division (Intel SDM Vol. 2: MUL, IMUL, DIV, IDIV).
 *
 * <p>The one-operand forms use implicit registers, so these helpers write {@code cpu.r[]}
 * themselves, with the x86-64 register rules: 8-bit forms write AX (merged into RAX); 16-bit forms
 * merge AX and DX; 32-bit forms write EAX and EDX zero-extended; 64-bit forms write RAX and RDX.
 * The source operand is passed as a value (the caller reads register or memory).
 *
 * <p>Flags on this host (AMD Zen 5, verified by {@code OpsVectorTest}):
 * <ul>
 *   <li>MUL/IMUL: CF = OF = "the high half is significant" (SDM); SF, ZF, AF, PF — undefined in
 *       the SDM — are left unchanged.</li>
 *   <li>DIV/IDIV: all six undefined in the SDM; the host leaves CF and OF unchanged and sets
 *       SF = ZF = PF = 0, AF = 1.</li>
 * </ul>
 * Divide errors (#DE, SDM "DIV"/"IDIV": divisor 0, or a quotient that does not fit the
 * destination, including the most-negative / -1 case) are raised before any register is written.
 */
public final class MulDiv {
    private MulDiv() {}

    private static final long CF_OF = Flags.CF | Flags.OF;
    private static final long M8 = 0xffL, M16 = 0xffffL, M32 = 0xffffffffL;

    private static void mulFlags(Cpu cpu, boolean significant) {
        long f = cpu.getRflags() & ~CF_OF;
        cpu.rflags = significant ? f | CF_OF : f;
    }

    private static void divFlags(Cpu cpu) {
        long f = cpu.getRflags();
        cpu.rflags = (f & ~(long) (Flags.SF | Flags.ZF | Flags.PF)) | Flags.AF;
    }

    private static CpuException de(String why) {
        return CpuException.de(why);
    }

    // ------------------------------------------------------------------ MUL (unsigned)

    /** MUL r/m of {@code size} bytes: RDX:RAX (or AX) = accumulator * src, unsigned. */
    public static void mul(Cpu cpu, long src, int size) {
        switch (size) { case 1 -> mul8(cpu, src); case 2 -> mul16(cpu, src); case 4 -> mul32(cpu, src); default -> mul64(cpu, src); }
    }

    /** One-operand IMUL r/m of {@code size} bytes: the double-width signed product into RDX:RAX (or AX). */
    public static void imulWide(Cpu cpu, long src, int size) {
        switch (size) { case 1 -> imul8(cpu, src); case 2 -> imul16(cpu, src); case 4 -> imul32(cpu, src); default -> imul64(cpu, src); }
    }

    /** DIV r/m of {@code size} bytes (#DE before any register changes). */
    public static void div(Cpu cpu, long src, int size) {
        switch (size) { case 1 -> div8(cpu, src); case 2 -> div16(cpu, src); case 4 -> div32(cpu, src); default -> div64(cpu, src); }
    }

    /** IDIV r/m of {@code size} bytes (#DE before any register changes). */
    public static void idiv(Cpu cpu, long src, int size) {
        switch (size) { case 1 -> idiv8(cpu, src); case 2 -> idiv16(cpu, src); case 4 -> idiv32(cpu, src); default -> idiv64(cpu, src); }
    }


    /** MUL r/m8: AX = AL * src. */
    public static void mul8(Cpu cpu, long src) {
        long p = (cpu.r[Cpu.RAX] & M8) * (src & M8);
        cpu.r[Cpu.RAX] = (cpu.r[Cpu.RAX] & ~M16) | p;
        mulFlags(cpu, p > M8);
    }

    /** MUL r/m16: DX:AX = AX * src. */
    public static void mul16(Cpu cpu, long src) {
        long p = (cpu.r[Cpu.RAX] & M16) * (src & M16);
        cpu.r[Cpu.RAX] = (cpu.r[Cpu.RAX] & ~M16) | (p & M16);
        cpu.r[Cpu.RDX] = (cpu.r[Cpu.RDX] & ~M16) | (p >>> 16);
        mulFlags(cpu, p > M16);
    }

    /** MUL r/m32: EDX:EAX = EAX * src (both zero-extended into RAX/RDX). */
    public static void mul32(Cpu cpu, long src) {
        long p = (cpu.r[Cpu.RAX] & M32) * (src & M32);
        cpu.r[Cpu.RAX] = p & M32;
        cpu.r[Cpu.RDX] = p >>> 32;
        mulFlags(cpu, (p >>> 32) != 0);
    }

    /** MUL r/m64: RDX:RAX = RAX * src. */
    public static void mul64(Cpu cpu, long src) {
        long a = cpu.r[Cpu.RAX];
        long hi = Math.unsignedMultiplyHigh(a, src);
        cpu.r[Cpu.RAX] = a * src;
        cpu.r[Cpu.RDX] = hi;
        mulFlags(cpu, hi != 0);
    }

    // ------------------------------------------------------------------ IMUL (signed)

    /** IMUL r/m8: AX = AL * src (signed). */
    public static void imul8(Cpu cpu, long src) {
        long p = (long) (byte) cpu.r[Cpu.RAX] * (byte) src;
        cpu.r[Cpu.RAX] = (cpu.r[Cpu.RAX] & ~M16) | (p & M16);
        mulFlags(cpu, p != (byte) p);
    }

    /** IMUL r/m16: DX:AX = AX * src (signed). */
    public static void imul16(Cpu cpu, long src) {
        long p = (long) (short) cpu.r[Cpu.RAX] * (short) src;
        cpu.r[Cpu.RAX] = (cpu.r[Cpu.RAX] & ~M16) | (p & M16);
        cpu.r[Cpu.RDX] = (cpu.r[Cpu.RDX] & ~M16) | ((p >>> 16) & M16);
        mulFlags(cpu, p != (short) p);
    }

    /** IMUL r/m32: EDX:EAX = EAX * src (signed). */
    public static void imul32(Cpu cpu, long src) {
        long p = (long) (int) cpu.r[Cpu.RAX] * (int) src;
        cpu.r[Cpu.RAX] = p & M32;
        cpu.r[Cpu.RDX] = (p >>> 32) & M32;
        mulFlags(cpu, p != (int) p);
    }

    /** IMUL r/m64: RDX:RAX = RAX * src (signed). */
    public static void imul64(Cpu cpu, long src) {
        long a = cpu.r[Cpu.RAX];
        long lo = a * src;
        long hi = Math.multiplyHigh(a, src);
        cpu.r[Cpu.RAX] = lo;
        cpu.r[Cpu.RDX] = hi;
        mulFlags(cpu, hi != (lo >> 63));
    }

    /**
     * Two- and three-operand IMUL (r16/32/64 = a * b, truncated). Returns the truncated product;
     * CF = OF = the signed product did not fit. Sizes 2, 4, 8.
     */
    public static long imul(Cpu cpu, long a, long b, int size) {
        boolean overflow;
        long r;
        if (size == 8) {
            r = a * b;
            overflow = Math.multiplyHigh(a, b) != (r >> 63);
        } else {
            int sh = 64 - (size << 3);
            long p = ((a << sh) >> sh) * ((b << sh) >> sh); // exact: |p| < 2^62
            r = p & Alu.mask(size);
            overflow = ((p << sh) >> sh) != p;
        }
        mulFlags(cpu, overflow);
        return r;
    }

    // ------------------------------------------------------------------ DIV (unsigned)

    /** DIV r/m8: AL = AX / src, AH = AX % src. */
    public static void div8(Cpu cpu, long src) {
        long d = src & M8;
        if (d == 0) throw de("div8 by zero");
        long n = cpu.r[Cpu.RAX] & M16;
        long q = n / d;
        if (q > M8) throw de("div8 quotient overflow");
        cpu.r[Cpu.RAX] = (cpu.r[Cpu.RAX] & ~M16) | ((n % d) << 8) | q;
        divFlags(cpu);
    }

    /** DIV r/m16: AX = DX:AX / src, DX = remainder. */
    public static void div16(Cpu cpu, long src) {
        long d = src & M16;
        if (d == 0) throw de("div16 by zero");
        long n = ((cpu.r[Cpu.RDX] & M16) << 16) | (cpu.r[Cpu.RAX] & M16);
        long q = n / d;
        if (q > M16) throw de("div16 quotient overflow");
        cpu.r[Cpu.RAX] = (cpu.r[Cpu.RAX] & ~M16) | q;
        cpu.r[Cpu.RDX] = (cpu.r[Cpu.RDX] & ~M16) | (n % d);
        divFlags(cpu);
    }

    /** DIV r/m32: EAX = EDX:EAX / src, EDX = remainder (both zero-extended). */
    public static void div32(Cpu cpu, long src) {
        long d = src & M32;
        if (d == 0) throw de("div32 by zero");
        long n = (cpu.r[Cpu.RDX] << 32) | (cpu.r[Cpu.RAX] & M32);
        long q = Long.divideUnsigned(n, d);
        if (q > M32 || q < 0) throw de("div32 quotient overflow");
        cpu.r[Cpu.RAX] = q;
        cpu.r[Cpu.RDX] = Long.remainderUnsigned(n, d);
        divFlags(cpu);
    }

    /** DIV r/m64: RAX = RDX:RAX / src, RDX = remainder. */
    public static void div64(Cpu cpu, long src) {
        if (src == 0) throw de("div64 by zero");
        long hi = cpu.r[Cpu.RDX], lo = cpu.r[Cpu.RAX];
        if (Long.compareUnsigned(hi, src) >= 0) throw de("div64 quotient overflow");
        long q = hi == 0 ? Long.divideUnsigned(lo, src) : divu128(hi, lo, src);
        cpu.r[Cpu.RAX] = q;
        cpu.r[Cpu.RDX] = lo - q * src; // the remainder is < src, so its low 64 bits are all of it
        divFlags(cpu);
    }

    // ------------------------------------------------------------------ IDIV (signed)

    /** IDIV r/m8: AL = AX / src, AH = AX % src (signed, truncating toward zero). */
    public static void idiv8(Cpu cpu, long src) {
        long d = (byte) src;
        if (d == 0) throw de("idiv8 by zero");
        long n = (short) cpu.r[Cpu.RAX];
        long q = n / d;
        if (q != (byte) q) throw de("idiv8 quotient overflow");
        cpu.r[Cpu.RAX] = (cpu.r[Cpu.RAX] & ~M16) | (((n % d) & M8) << 8) | (q & M8);
        divFlags(cpu);
    }

    /** IDIV r/m16: AX = DX:AX / src, DX = remainder (signed). */
    public static void idiv16(Cpu cpu, long src) {
        long d = (short) src;
        if (d == 0) throw de("idiv16 by zero");
        long n = (int) (((cpu.r[Cpu.RDX] & M16) << 16) | (cpu.r[Cpu.RAX] & M16));
        long q = n / d;
        if (q != (short) q) throw de("idiv16 quotient overflow");
        cpu.r[Cpu.RAX] = (cpu.r[Cpu.RAX] & ~M16) | (q & M16);
        cpu.r[Cpu.RDX] = (cpu.r[Cpu.RDX] & ~M16) | ((n % d) & M16);
        divFlags(cpu);
    }

    /** IDIV r/m32: EAX = EDX:EAX / src, EDX = remainder (signed, zero-extended into RAX/RDX). */
    public static void idiv32(Cpu cpu, long src) {
        long d = (int) src;
        if (d == 0) throw de("idiv32 by zero");
        long n = (cpu.r[Cpu.RDX] << 32) | (cpu.r[Cpu.RAX] & M32);
        // Long.MIN_VALUE / -1 wraps to Long.MIN_VALUE in Java, which fails the range check too
        long q = n / d;
        if (q != (int) q) throw de("idiv32 quotient overflow");
        cpu.r[Cpu.RAX] = q & M32;
        cpu.r[Cpu.RDX] = (n % d) & M32;
        divFlags(cpu);
    }

    /** IDIV r/m64: RAX = RDX:RAX / src, RDX = remainder (signed 128/64). */
    public static void idiv64(Cpu cpu, long src) {
        if (src == 0) throw de("idiv64 by zero");
        long hi = cpu.r[Cpu.RDX], lo = cpu.r[Cpu.RAX];
        long q, rem;
        if (hi == (lo >> 63)) { // the dividend fits in 64 bits
            if (lo == Long.MIN_VALUE && src == -1) throw de("idiv64 quotient overflow");
            q = lo / src;
            rem = lo % src;
        } else {
            boolean nNeg = hi < 0;
            long ahi = hi, alo = lo;
            if (nNeg) { // 128-bit negate
                alo = -lo;
                ahi = lo == 0 ? -hi : ~hi;
            }
            long ad = src < 0 ? -src : src; // |MIN| = 2^63 as an unsigned value
            if (Long.compareUnsigned(ahi, ad) >= 0) throw de("idiv64 quotient overflow");
            long aq = divu128(ahi, alo, ad);
            long ar = alo - aq * ad;
            if (nNeg != (src < 0)) {
                if (Long.compareUnsigned(aq, Long.MIN_VALUE) > 0) throw de("idiv64 quotient overflow");
                q = -aq;
            } else {
                if (aq < 0) throw de("idiv64 quotient overflow");
                q = aq;
            }
            rem = nNeg ? -ar : ar;
        }
        cpu.r[Cpu.RAX] = q;
        cpu.r[Cpu.RDX] = rem;
        divFlags(cpu);
    }

    /**
     * Unsigned (hi:lo) / d for hi &lt;u d (so the quotient fits in 64 bits). Long division in base
     * 2^32 with a normalised divisor, estimating each quotient digit from the top digits and
     * correcting it at most twice (Knuth TAOCP Vol. 2 §4.3.1 Algorithm D, two-digit case).
     */
    static long divu128(long hi, long lo, long d) {
        int s = Long.numberOfLeadingZeros(d);
        d <<= s;
        long u32 = s == 0 ? hi : (hi << s) | (lo >>> (64 - s)); // top 64 bits of the shifted dividend
        long u10 = lo << s;
        long d1 = d >>> 32, d0 = d & M32;
        long u1 = u10 >>> 32, u0 = u10 & M32;

        long q1 = Long.divideUnsigned(u32, d1);
        long rh = u32 - q1 * d1;
        while (q1 > M32 || Long.compareUnsigned(q1 * d0, (rh << 32) | u1) > 0) {
            q1--;
            rh += d1;
            if (rh > M32) break;
        }
        long u21 = ((u32 << 32) | u1) - q1 * d; // partial remainder, < d

        long q0 = Long.divideUnsigned(u21, d1);
        rh = u21 - q0 * d1;
        while (q0 > M32 || Long.compareUnsigned(q0 * d0, (rh << 32) | u0) > 0) {
            q0--;
            rh += d1;
            if (rh > M32) break;
        }
        return (q1 << 32) | q0;
    }
}

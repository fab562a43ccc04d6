package dev.lstar.runtime.ops;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.LazyFlags;

/**
 * Shifts and rotates: SHL/SAL, SHR, SAR, ROL, ROR, RCL, RCR, SHLD, SHRD (Intel SDM Vol. 2
 * "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR", "SHLD", "SHRD"). Conventions as in {@link Alu}.
 *
 * <p>The count is masked to 5 bits, or 6 bits for 64-bit operands. A masked count of 0 changes
 * no flag and leaves a pending lazy record intact, but the helper still returns the (truncated)
 * value: the destination is still written, so a 32-bit operand is zero-extended (checked on the
 * host: {@code shl %cl,%eax} with CL=0 clears bits 63:32).
 *
 * <p>Flags the SDM leaves undefined are those of the host the vectors were generated on, an AMD
 * EPYC (family 1Ah, Zen 5), verified by {@code OpsVectorTest}:
 * <ul>
 *   <li>SHL/SHR/SAR, count != 0: AF = 1. OF is written for every count: SHL OF = MSB(res) XOR CF,
 *       SHR/SAR OF = res[w-1] XOR res[w-2] (so 0 for SAR, MSB(dest) for SHR by 1, 0 for SHR by
 *       more). CF for a count beyond the width is the last bit shifted out of an infinitely
 *       wide register: 0 for SHL/SHR, the sign for SAR.</li>
 *   <li>Rotates write only CF and OF, for every non-zero masked count (also when the count is a
 *       multiple of the width): ROL/RCL OF = MSB(res) XOR CF, ROR/RCR OF = res[w-1] XOR res[w-2].</li>
 *   <li>SHLD/SHRD: see {@link #shld}/{@link #shrd}.</li>
 * </ul>
 * Intel CPUs are documented to differ in some of these (e.g. OF for counts > 1); lstar matches
 * the host it was validated on.
 */
public final class Shifts {
    private Shifts() {}

    /**
     * The count a shift or rotate of {@code size} bytes uses: the low 5 bits, or 6 bits for 64-bit
     * operands. The one definition of the mask (liveness and the conformance flag rules use it too).
     */
    public static int maskCount(long count, int size) {
        return (int) count & (size == 8 ? 63 : 31);
    }

    private static long result(Cpu cpu, long r, int size, long cfAfOf) {
        cpu.lzOp = LazyFlags.RESULT;
        cpu.lzSize = size;
        cpu.lzRes = r;
        cpu.lzAux = cfAfOf;
        return r;
    }

    /** Sets CF and OF on materialised flags (rotates write nothing else). */
    private static void setCfOf(Cpu cpu, long cf, long of) {
        long f = cpu.getRflags();
        cpu.rflags = (f & ~(long) (Flags.CF | Flags.OF)) | cf | (of << 11);
    }

    /** SHL's CF for a count that masks to a non-zero value: the last bit shifted out, bit (w - c) of a; 0 once c > w. */
    public static long shlCarry(long a, long count, int size) {
        int c = maskCount(count, size), w = size << 3;
        return c > w ? 0 : ((a & Alu.mask(size)) << (c - 1)) >>> (w - 1) & 1;
    }

    /** SHR's CF for a count that masks to a non-zero value: bit c - 1 of a; 0 once c > w. */
    public static long shrCarry(long a, long count, int size) {
        int c = maskCount(count, size);
        return c > size << 3 ? 0 : ((a & Alu.mask(size)) >>> (c - 1)) & 1;
    }

    /** SAR's CF for a count that masks to a non-zero value: bit c - 1 of the sign-extended a. */
    public static long sarCarry(long a, long count, int size) {
        int c = maskCount(count, size), w = size << 3;
        return ((a << (64 - w)) >> (64 - w) >> (c - 1)) & 1;
    }

    public static long shl(Cpu cpu, long a, long count, int size) {
        long m = Alu.mask(size);
        a &= m;
        int c = maskCount(count, size);
        if (c == 0) return a;
        int w = size << 3;
        long r = (a << c) & m;
        long cf = shlCarry(a, count, size);
        long of = (r >>> (w - 1) & 1) ^ cf;
        return result(cpu, r, size, cf | Flags.AF | (of << 11));
    }

    public static long shr(Cpu cpu, long a, long count, int size) {
        long m = Alu.mask(size);
        a &= m;
        int c = maskCount(count, size);
        if (c == 0) return a;
        int w = size << 3;
        long r = c >= w ? 0 : a >>> c;
        long cf = shrCarry(a, count, size);
        long of = (r >>> (w - 1) ^ r >>> (w - 2)) & 1;
        return result(cpu, r, size, cf | Flags.AF | (of << 11));
    }

    public static long sar(Cpu cpu, long a, long count, int size) {
        long m = Alu.mask(size);
        int c = maskCount(count, size);
        if (c == 0) return a & m;
        int w = size << 3;
        long s = (a << (64 - w)) >> (64 - w); // sign-extended; c <= 31 for w < 64, so no overshift
        long r = (s >> c) & m;
        long cf = sarCarry(a, count, size);
        // res[w-1] == res[w-2] always after SAR by >= 1, so OF = 0
        return result(cpu, r, size, cf | Flags.AF);
    }

    public static long rol(Cpu cpu, long a, long count, int size) {
        long r = rolValue(a, count, size);
        if (maskCount(count, size) == 0) return r;
        int w = size << 3;
        long cf = r & 1;
        setCfOf(cpu, cf, (r >>> (w - 1) & 1) ^ cf);
        return r;
    }

    public static long ror(Cpu cpu, long a, long count, int size) {
        long r = rorValue(a, count, size);
        if (maskCount(count, size) == 0) return r;
        int w = size << 3;
        long cf = r >>> (w - 1) & 1;
        setCfOf(cpu, cf, cf ^ (r >>> (w - 2) & 1));
        return r;
    }

    /** ROL's result (no flags): {@code a} (its low {@code size} bytes) rotated left by the masked count mod the width. */
    public static long rolValue(long a, long count, int size) {
        long m = Alu.mask(size);
        a &= m;
        int w = size << 3, t = maskCount(count, size) % w;
        return size == 8 ? Long.rotateLeft(a, t) : ((a << t) | (a >>> (w - t))) & m;
    }

    /** ROR's result (no flags), as {@link #rolValue}. */
    public static long rorValue(long a, long count, int size) {
        long m = Alu.mask(size);
        a &= m;
        int w = size << 3, t = maskCount(count, size) % w;
        return size == 8 ? Long.rotateRight(a, t) : ((a >>> t) | (a << (w - t))) & m;
    }

    /** RCL: rotate the (w+1)-bit value CF:a left; 8/16-bit counts are taken mod 9/17 after masking (SDM RCL). */
    public static long rcl(Cpu cpu, long a, long count, int size) {
        long m = Alu.mask(size);
        a &= m;
        int c = maskCount(count, size);
        if (c == 0) return a;
        int w = size << 3;
        long cin = cpu.getRflags() & Flags.CF;
        long r, cf;
        if (size == 8) { // 65-bit rotate, 1 <= c <= 63
            r = (a << c) | (cin << (c - 1)) | (a >>> 1 >>> (64 - c));
            cf = (a >>> (64 - c)) & 1;
        } else { // the (w+1)-bit value fits in a long
            int t = c % (w + 1);
            long v = a | (cin << w);
            long vm = (1L << (w + 1)) - 1;
            v = ((v << t) | (v >>> (w + 1 - t))) & vm;
            r = v & m;
            cf = v >>> w;
        }
        setCfOf(cpu, cf, (r >>> (w - 1) & 1) ^ cf);
        return r;
    }

    /** RCR: rotate the (w+1)-bit value CF:a right; 8/16-bit counts mod 9/17 after masking (SDM RCR). */
    public static long rcr(Cpu cpu, long a, long count, int size) {
        long m = Alu.mask(size);
        a &= m;
        int c = maskCount(count, size);
        if (c == 0) return a;
        int w = size << 3;
        long cin = cpu.getRflags() & Flags.CF;
        long r, cf;
        if (size == 8) {
            r = (a >>> c) | (cin << (64 - c)) | (a << 1 << (64 - c));
            cf = (a >>> (c - 1)) & 1;
        } else {
            int t = c % (w + 1);
            long v = a | (cin << w);
            long vm = (1L << (w + 1)) - 1;
            v = ((v >>> t) | (v << (w + 1 - t))) & vm;
            r = v & m;
            cf = v >>> w;
        }
        setCfOf(cpu, cf, (r >>> (w - 1) ^ r >>> (w - 2)) & 1);
        return r;
    }

    /**
     * SHLD dest, src, count: shifts {@code a} left, filling from the top of {@code b}. Sizes 2, 4,
     * 8. SF/ZF/PF from the result, CF = last bit shifted out (SDM SHLD). Host (Zen 5) for the
     * undefined parts: AF = 1; OF = MSB(res) XOR CF for every count (the SDM defines OF only for
     * count 1, as the sign change, which is the same thing there). For a 16-bit operand with a
     * count of 16..31 (result and flags undefined in the SDM) the host shifts the 48-bit value
     * a:b:b for the result while CF/OF still follow SHL of a alone (CF = OF = 0 beyond 16).
     */
    public static long shld(Cpu cpu, long a, long b, long count, int size) {
        long m = Alu.mask(size);
        a &= m;
        b &= m;
        int c = maskCount(count, size);
        if (c == 0) return a;
        int w = size << 3;
        long r;
        if (size == 2) {
            // 48-bit value a:b:b shifted left by c (1..31); result = its top 16 bits
            long v = (a << 32) | (b << 16) | b;
            r = (v << c) >>> 32 & 0xffff;
        } else {
            r = ((a << c) | (b >>> (w - c))) & m;
        }
        // CF and OF look at a alone, as for SHL: CF = bit (w - c) of a (0 once c > w),
        // OF = bit (w - 1 - c) of a (0 once c >= w) XOR CF; for c < w that is MSB(res) XOR CF
        long cf = (a << (c - 1)) >>> (w - 1) & 1;
        long of = ((a << c) >>> (w - 1) & 1) ^ cf;
        return result(cpu, r, size, cf | Flags.AF | (of << 11));
    }

    /**
     * SHRD dest, src, count: shifts {@code a} right, filling from the bottom of {@code b}. Host
     * (Zen 5) for the undefined parts: AF = 1; OF = res[w-1] XOR res[w-2] for every count (for
     * count 1 this is the SDM's sign change); a 16-bit operand with count 17..31 shifts the
     * 48-bit value b:b:a right for the result, with CF = 0.
     */
    public static long shrd(Cpu cpu, long a, long b, long count, int size) {
        long m = Alu.mask(size);
        a &= m;
        b &= m;
        int c = maskCount(count, size);
        if (c == 0) return a;
        int w = size << 3;
        long r;
        if (size == 2) {
            long v = (b << 32) | (b << 16) | a; // b:b:a
            r = (v >>> c) & 0xffff;
        } else {
            r = ((a >>> c) | (b << (w - c))) & m;
        }
        long cf = (a >>> (c - 1)) & 1; // bit c-1 of a: 0 once c > w (16-bit counts 17..31 on the host)
        long of = (r >>> (w - 1) ^ r >>> (w - 2)) & 1;
        return result(cpu, r, size, cf | Flags.AF | (of << 11));
    }
}

package dev.lstar.runtime.ops;

import static dev.lstar.runtime.ops.Sse.hi;
import static dev.lstar.runtime.ops.Sse.lo;
import static dev.lstar.runtime.ops.Sse.mm;
import static dev.lstar.runtime.ops.Sse.store128;
import static dev.lstar.runtime.ops.SseInt.binary;
import static dev.lstar.runtime.ops.SseInt.lane;
import static dev.lstar.runtime.ops.SseInt.sat;
import static dev.lstar.runtime.ops.SseInt.sx;

import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.Cpu;

/**
 * SSSE3 packed integer instructions (Intel SDM Vol. 2 for each), written for a 64-bit (MMX) or
 * 128-bit (XMM) register: the width is the destination's ({@link Sse#mm}), so the XMM forms need
 * only their table rows: the MMX forms (NP 0F 38 00-0B, 1C-1E, NP 0F 3A 0F) and the XMM forms
 * (66 0F 38 00-0B, 1C-1E, 66 0F 3A 0F) run the same methods.
 * Lane-wise instructions go through {@link SseInt}'s lane helper; the horizontal ones, PSHUFB and
 * PALIGNR work on the whole register.
 */
public final class Ssse3 {
    private Ssse3() {}

    // ---- lane-wise: sign, multiply-high with rounding, absolute value, multiply-add of bytes

    /** PSIGNB/W/D: the destination lane negated, zeroed or kept as the source lane is negative, zero or positive. */
    public static void psignb(Cpu c, Instruction i) { binary(c, i, 8, (a, b) -> sign(a, b, 8)); }
    public static void psignw(Cpu c, Instruction i) { binary(c, i, 16, (a, b) -> sign(a, b, 16)); }
    public static void psignd(Cpu c, Instruction i) { binary(c, i, 32, (a, b) -> sign(a, b, 32)); }

    private static long sign(long a, long b, int bits) {
        long s = sx(b, bits);
        return s < 0 ? -a : s == 0 ? 0 : a;
    }

    /** PABSB/W/D: the absolute value of each source lane, unsigned (the most negative value stays 2^(n-1)). */
    public static void pabsb(Cpu c, Instruction i) { binary(c, i, 8, (a, b) -> Math.abs(sx(b, 8))); }
    public static void pabsw(Cpu c, Instruction i) { binary(c, i, 16, (a, b) -> Math.abs(sx(b, 16))); }
    public static void pabsd(Cpu c, Instruction i) { binary(c, i, 32, (a, b) -> Math.abs(sx(b, 32))); }

    /** PMULHRSW: each signed word product, shifted right by 14, plus 1, shifted right by 1 (bits 16:1 of the rounded product). */
    public static void pmulhrsw(Cpu c, Instruction i) {
        binary(c, i, 16, (a, b) -> ((sx(a, 16) * sx(b, 16) >> 14) + 1) >> 1);
    }

    /**
     * PMADDUBSW: unsigned destination bytes times signed source bytes, adjacent products added
     * into a word with signed saturation.
     */
    public static void pmaddubsw(Cpu c, Instruction i) {
        binary(c, i, 16, (a, b) -> sat((a & 0xFF) * sx(b, 8) + (a >>> 8 & 0xFF) * sx(b >>> 8, 8), -32768, 32767));
    }

    // ---- horizontal add / subtract: destination pairs give the low result lanes, source pairs the high ones

    private static long hop(long a, long b, int bits, int kind) {
        return switch (kind) {
            case 0 -> a + b;
            case 1 -> a - b;
            case 2 -> sat(sx(a, bits) + sx(b, bits), -32768, 32767);
            default -> sat(sx(a, bits) - sx(b, bits), -32768, 32767);
        };
    }

    private static void horizontal(Cpu c, Instruction i, int bits, int kind) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        long dlo = lo(c, i, 0), dhi = hi(c, i, 0);
        int n = (mm(i, 0) ? 64 : 128) / bits, per = 64 / bits;
        long m = (1L << bits) - 1, rlo = 0, rhi = 0;
        for (int k = 0; k < n; k++) {
            int p = 2 * (k % (n / 2));
            long a = k < n / 2 ? lane(dlo, dhi, p, bits) : lane(slo, shi, p, bits);
            long b = k < n / 2 ? lane(dlo, dhi, p + 1, bits) : lane(slo, shi, p + 1, bits);
            long r = (hop(a, b, bits, kind) & m) << (bits * (k % per));
            if (k < per) rlo |= r;
            else rhi |= r;
        }
        store128(c, i, 0, rlo, rhi);
    }

    public static void phaddw(Cpu c, Instruction i) { horizontal(c, i, 16, 0); }
    public static void phaddd(Cpu c, Instruction i) { horizontal(c, i, 32, 0); }
    public static void phaddsw(Cpu c, Instruction i) { horizontal(c, i, 16, 2); }
    public static void phsubw(Cpu c, Instruction i) { horizontal(c, i, 16, 1); }
    public static void phsubd(Cpu c, Instruction i) { horizontal(c, i, 32, 1); }
    public static void phsubsw(Cpu c, Instruction i) { horizontal(c, i, 16, 3); }

    // ---- byte shuffles

    /**
     * PSHUFB: destination byte k = 0 if source byte k has bit 7 set, else the destination's byte
     * selected by the source byte's low 3 (MMX) or 4 (XMM) bits.
     */
    public static void pshufb(Cpu c, Instruction i) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        long dlo = lo(c, i, 0), dhi = hi(c, i, 0);
        int n = mm(i, 0) ? 8 : 16;
        long rlo = 0, rhi = 0;
        for (int k = 0; k < n; k++) {
            int sel = (int) lane(slo, shi, k, 8);
            long v = (sel & 0x80) != 0 ? 0 : lane(dlo, dhi, sel & (n - 1), 8);
            if (k < 8) rlo |= v << (8 * k);
            else rhi |= v << (8 * (k - 8));
        }
        store128(c, i, 0, rlo, rhi);
    }

    /**
     * PALIGNR: the destination (high) and source (low) concatenated, shifted right by imm8 bytes,
     * and the low 8 (MMX) or 16 (XMM) bytes kept; bytes shifted in from the top are zero.
     */
    public static void palignr(Cpu c, Instruction i) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        long dlo = lo(c, i, 0), dhi = hi(c, i, 0);
        int sh = (int) (i.imm & 0xFF);
        if (mm(i, 0)) { // 8 + 8 bytes
            store128(c, i, 0, palignrQuad(slo, dlo, 0, 0, sh), 0);
            return;
        }
        store128(c, i, 0, palignrQuad(slo, shi, dlo, dhi, sh), palignrQuad(slo, shi, dlo, dhi, sh + 8));
    }

    /**
     * Bytes {@code b} to {@code b + 7} of the 32-byte little-endian concatenation of {@code q0}
     * (lowest) to {@code q3} as one quadword, zero bytes past its end: a PALIGNR result quadword
     * (the XMM form's low half is {@code b} = imm8, its high half imm8 + 8, with source:destination
     * as q0:q1:q2:q3; the MMX form's is imm8 with source:destination:0:0). Also translated code's
     * (the inline XMM form).
     */
    public static long palignrQuad(long q0, long q1, long q2, long q3, int b) {
        if (b >= 32) return 0;
        int k = b >>> 3, r = (b & 7) << 3;
        long lo = quad(q0, q1, q2, q3, k);
        if (r == 0) return lo;
        long hi = k == 3 ? 0 : quad(q0, q1, q2, q3, k + 1);
        return lo >>> r | hi << (64 - r);
    }

    private static long quad(long q0, long q1, long q2, long q3, int k) {
        return switch (k) {
            case 0 -> q0;
            case 1 -> q1;
            case 2 -> q2;
            default -> q3;
        };
    }
}

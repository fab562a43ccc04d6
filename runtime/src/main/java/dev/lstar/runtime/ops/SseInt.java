package dev.lstar.runtime.ops;

import static dev.lstar.runtime.ops.Sse.hi;
import static dev.lstar.runtime.ops.Sse.lo;
import static dev.lstar.runtime.ops.Sse.mm;
import static dev.lstar.runtime.ops.Sse.store128;
import static dev.lstar.runtime.ops.Sse.x;

import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.Cpu;

/**
 * SSE2 packed integer instructions on XMM registers and their MMX forms (Intel SDM Vol. 1 §9.4,
 * §11.4.3, Vol. 2 for each): lane-wise arithmetic with wraparound and saturation, compares,
 * min/max/average, multiplies, shifts, unpacks and packs; PCMPGTQ (SSE4.2). The destination is
 * operand 0 (an XMM or MMX register), the source operand 1 (a register of the same kind, or memory:
 * m128 with the row's alignment rule, m64 or m32 for MMX, see {@link Sse#lo}), or an imm8 count.
 *
 * <p>A lane operation receives two lanes zero-extended from {@code bits} and returns the result
 * lane (its bits above {@code bits} are ignored); a 128-bit value is processed as two
 * independent 64-bit halves, which every instruction here allows (no lane crosses bit 64), and an
 * MMX register is the low half alone. The MMX state rules are {@link Mmx}'s.
 */
public final class SseInt {
    private SseInt() {}

    /** One lane of a lane-wise operation. */
    @FunctionalInterface
    interface Lane {
        long apply(long a, long b);
    }

    private static long lanes(long a, long b, int bits, Lane op) {
        long m = bits == 64 ? -1L : (1L << bits) - 1, r = 0;
        for (int s = 0; s < 64; s += bits) r |= (op.apply(a >>> s & m, b >>> s & m) & m) << s;
        return r;
    }

    /** dst = op(dst, src) lane by lane; the source is read (and may fault) before anything changes. */
    static void binary(Cpu c, Instruction i, int bits, Lane op) {
        long lo = lo(c, i, 1), hi = hi(c, i, 1);
        store128(c, i, 0, lanes(lo(c, i, 0), lo, bits, op), mm(i, 0) ? 0 : lanes(hi(c, i, 0), hi, bits, op));
    }

    static long sx(long v, int bits) {
        return v << (64 - bits) >> (64 - bits);
    }

    static long sat(long v, long min, long max) {
        return Math.max(min, Math.min(max, v));
    }

    // ---- add / subtract with wraparound
    private static final Lane PADDB_LANE = Long::sum;
    public static void paddb(Cpu c, Instruction i) { binary(c, i, 8, PADDB_LANE); }
    private static final Lane PADDW_LANE = Long::sum;
    public static void paddw(Cpu c, Instruction i) { binary(c, i, 16, PADDW_LANE); }
    private static final Lane PADDD_LANE = Long::sum;
    public static void paddd(Cpu c, Instruction i) { binary(c, i, 32, PADDD_LANE); }
    private static final Lane PADDQ_LANE = Long::sum;
    public static void paddq(Cpu c, Instruction i) { binary(c, i, 64, PADDQ_LANE); }
    private static final Lane PSUBB_LANE = (a, b) -> a - b;
    public static void psubb(Cpu c, Instruction i) { binary(c, i, 8, PSUBB_LANE); }
    private static final Lane PSUBW_LANE = (a, b) -> a - b;
    public static void psubw(Cpu c, Instruction i) { binary(c, i, 16, PSUBW_LANE); }
    private static final Lane PSUBD_LANE = (a, b) -> a - b;
    public static void psubd(Cpu c, Instruction i) { binary(c, i, 32, PSUBD_LANE); }
    private static final Lane PSUBQ_LANE = (a, b) -> a - b;
    public static void psubq(Cpu c, Instruction i) { binary(c, i, 64, PSUBQ_LANE); }

    // ---- saturating add / subtract: unsigned to [0, 2^n - 1], signed to [-2^(n-1), 2^(n-1) - 1]
    public static void paddusb(Cpu c, Instruction i) { binary(c, i, 8, (a, b) -> Math.min(0xFF, a + b)); }
    public static void paddusw(Cpu c, Instruction i) { binary(c, i, 16, (a, b) -> Math.min(0xFFFF, a + b)); }
    public static void psubusb(Cpu c, Instruction i) { binary(c, i, 8, (a, b) -> Math.max(0, a - b)); }
    public static void psubusw(Cpu c, Instruction i) { binary(c, i, 16, (a, b) -> Math.max(0, a - b)); }
    public static void paddsb(Cpu c, Instruction i) { binary(c, i, 8, (a, b) -> sat(sx(a, 8) + sx(b, 8), -128, 127)); }
    public static void paddsw(Cpu c, Instruction i) { binary(c, i, 16, (a, b) -> sat(sx(a, 16) + sx(b, 16), -32768, 32767)); }
    public static void psubsb(Cpu c, Instruction i) { binary(c, i, 8, (a, b) -> sat(sx(a, 8) - sx(b, 8), -128, 127)); }
    public static void psubsw(Cpu c, Instruction i) { binary(c, i, 16, (a, b) -> sat(sx(a, 16) - sx(b, 16), -32768, 32767)); }

    // ---- compares: all ones where true
    private static final Lane PCMPEQB_LANE = (a, b) -> a == b ? -1 : 0;
    public static void pcmpeqb(Cpu c, Instruction i) { binary(c, i, 8, PCMPEQB_LANE); }
    private static final Lane PCMPEQW_LANE = (a, b) -> a == b ? -1 : 0;
    public static void pcmpeqw(Cpu c, Instruction i) { binary(c, i, 16, PCMPEQW_LANE); }
    private static final Lane PCMPEQD_LANE = (a, b) -> a == b ? -1 : 0;
    public static void pcmpeqd(Cpu c, Instruction i) { binary(c, i, 32, PCMPEQD_LANE); }
    public static void pcmpgtb(Cpu c, Instruction i) { binary(c, i, 8, (a, b) -> sx(a, 8) > sx(b, 8) ? -1 : 0); }
    public static void pcmpgtw(Cpu c, Instruction i) { binary(c, i, 16, (a, b) -> sx(a, 16) > sx(b, 16) ? -1 : 0); }
    public static void pcmpgtd(Cpu c, Instruction i) { binary(c, i, 32, (a, b) -> sx(a, 32) > sx(b, 32) ? -1 : 0); }
    public static void pcmpgtq(Cpu c, Instruction i) { binary(c, i, 64, (a, b) -> a > b ? -1 : 0); }

    // ---- min / max / average / sum of absolute differences
    private static final Lane PMINUB_LANE = Math::min;
    public static void pminub(Cpu c, Instruction i) { binary(c, i, 8, PMINUB_LANE); }
    private static final Lane PMAXUB_LANE = Math::max;
    public static void pmaxub(Cpu c, Instruction i) { binary(c, i, 8, PMAXUB_LANE); }
    public static void pminsw(Cpu c, Instruction i) { binary(c, i, 16, (a, b) -> Math.min(sx(a, 16), sx(b, 16))); }
    public static void pmaxsw(Cpu c, Instruction i) { binary(c, i, 16, (a, b) -> Math.max(sx(a, 16), sx(b, 16))); }
    public static void pavgb(Cpu c, Instruction i) { binary(c, i, 8, (a, b) -> (a + b + 1) >> 1); }
    public static void pavgw(Cpu c, Instruction i) { binary(c, i, 16, (a, b) -> (a + b + 1) >> 1); }

    /** PSADBW: per quadword, the sum of the eight absolute byte differences in bits 15:0, bits 63:16 zero. */
    public static void psadbw(Cpu c, Instruction i) {
        binary(c, i, 64, (a, b) -> {
            long s = 0;
            for (int k = 0; k < 64; k += 8) s += Math.abs((a >>> k & 0xFF) - (b >>> k & 0xFF));
            return s;
        });
    }

    // ---- multiplies
    public static void pmullw(Cpu c, Instruction i) { binary(c, i, 16, (a, b) -> a * b); }
    public static void pmulhw(Cpu c, Instruction i) { binary(c, i, 16, (a, b) -> sx(a, 16) * sx(b, 16) >> 16); }
    public static void pmulhuw(Cpu c, Instruction i) { binary(c, i, 16, (a, b) -> a * b >>> 16); }
    /** PMULUDQ: the low doublewords of each quadword multiplied unsigned into the 64-bit lane. */
    public static void pmuludq(Cpu c, Instruction i) { binary(c, i, 64, (a, b) -> (a & 0xFFFF_FFFFL) * (b & 0xFFFF_FFFFL)); }
    /** PMADDWD: each doubleword = the sum of its two signed word products (wraps only for four 0x8000). */
    public static void pmaddwd(Cpu c, Instruction i) {
        binary(c, i, 32, (a, b) -> sx(a, 16) * sx(b, 16) + sx(a >>> 16, 16) * sx(b >>> 16, 16));
    }

    // ---- shifts: by imm8 (Ux,Ib) or by the low quadword of xmm/m128 (Vx,Wx), unsigned; a count
    // above the lane width clears the lane (logical) or fills it with the sign (arithmetic)

    private static long count(Cpu c, Instruction i) {
        if (i.kind[1] == Instruction.OP_IMM) return i.imm & 0xFF;
        long n = lo(c, i, 1);
        hi(c, i, 1); // the whole m128 is the operand (alignment, fault), only its low quadword counts
        return n;
    }

    private static void shift(Cpu c, Instruction i, int bits, int kind) {
        long n = count(c, i);
        store128(c, i, 0, shiftLanes(lo(c, i, 0), bits, kind, n), mm(i, 0) ? 0 : shiftLanes(hi(c, i, 0), bits, kind, n));
    }

    /**
     * Each {@code bits}-wide lane of {@code v} shifted by {@code n} (kind 0 left, 1 logical right,
     * 2 arithmetic right); no lambda, so nothing is allocated. Translated code calls it on each
     * half of the register.
     */
    public static long shiftLanes(long v, int bits, int kind, long n) {
        // The shapes compiled code runs, as word-wide operations on all lanes at once (the JIT
        // passes constant bits/kind; the lane loop below defines the result and is the rest).
        if (kind != 2 && (bits == 32 || bits == 16 || bits == 64)) {
            if (Long.compareUnsigned(n, bits) >= 0) return 0;
            return (kind == 0 ? v << n : v >>> n) & logicalShiftMask(bits, kind == 0, (int) n);
        }
        if (kind == 2 && bits == 32) {
            int k = Long.compareUnsigned(n, 31) > 0 ? 31 : (int) n;
            return ((int) v >> k) & 0xFFFF_FFFFL | (long) ((int) (v >>> 32) >> k) << 32;
        }
        return shiftLanesEach(v, bits, kind, n);
    }

    /**
     * The bits of a 64-bit half that survive a logical shift of its {@code bits}-wide lanes by
     * {@code n} (less than {@code bits}) when the half is shifted whole: each lane's own bits,
     * not those that crossed in from a neighbour. For the JIT's shifts by an immediate too.
     */
    public static long logicalShiftMask(int bits, boolean left, int n) {
        long lane = bits == 64 ? -1L : (1L << bits) - 1;
        long m = left ? lane << n & lane : lane >>> n;
        if (bits == 32) m |= m << 32;
        else if (bits == 16) m *= 0x0001_0001_0001_0001L;
        return m;
    }

    private static long shiftLanesEach(long v, int bits, int kind, long n) {
        long m = bits == 64 ? -1L : (1L << bits) - 1, r = 0;
        boolean all = Long.compareUnsigned(n, bits) >= 0;
        for (int s = 0; s < 64; s += bits) {
            long a = v >>> s & m, x;
            if (all) x = kind == 2 ? (sx(a, bits) < 0 ? -1 : 0) : 0;
            else x = switch (kind) {
                case 0 -> a << n;
                case 1 -> a >>> n;
                default -> sx(a, bits) >> n;
            };
            r |= (x & m) << s;
        }
        return r;
    }

    public static void psllw(Cpu c, Instruction i) { shift(c, i, 16, 0); }
    public static void pslld(Cpu c, Instruction i) { shift(c, i, 32, 0); }
    public static void psllq(Cpu c, Instruction i) { shift(c, i, 64, 0); }
    public static void psrlw(Cpu c, Instruction i) { shift(c, i, 16, 1); }
    public static void psrld(Cpu c, Instruction i) { shift(c, i, 32, 1); }
    public static void psrlq(Cpu c, Instruction i) { shift(c, i, 64, 1); }
    public static void psraw(Cpu c, Instruction i) { shift(c, i, 16, 2); }
    public static void psrad(Cpu c, Instruction i) { shift(c, i, 32, 2); }

    /** PSLLDQ: the 128-bit register shifted left by imm8 bytes (16 or more: zero). */
    public static void pslldq(Cpu c, Instruction i) {
        int n = (int) Math.min(16, i.imm & 0xFF) * 8;
        int d = x(i, 0);
        long lo = c.xmm[d], hi = c.xmm[d + 1];
        if (n == 0) return;
        if (n >= 128) { c.xmm[d] = 0; c.xmm[d + 1] = 0; return; }
        if (n >= 64) { c.xmm[d + 1] = lo << (n - 64); c.xmm[d] = 0; return; }
        c.xmm[d + 1] = hi << n | lo >>> (64 - n);
        c.xmm[d] = lo << n;
    }

    /** PSRLDQ: the 128-bit register shifted right by imm8 bytes (16 or more: zero). */
    public static void psrldq(Cpu c, Instruction i) {
        int n = (int) Math.min(16, i.imm & 0xFF) * 8;
        int d = x(i, 0);
        long lo = c.xmm[d], hi = c.xmm[d + 1];
        if (n == 0) return;
        if (n >= 128) { c.xmm[d] = 0; c.xmm[d + 1] = 0; return; }
        if (n >= 64) { c.xmm[d] = hi >>> (n - 64); c.xmm[d + 1] = 0; return; }
        c.xmm[d] = lo >>> n | hi << (64 - n);
        c.xmm[d + 1] = hi >>> n;
    }

    // ---- unpacks: interleave the low (or high) halves of destination and source, destination first

    static long lane(long lo, long hi, int k, int bits) {
        int per = 64 / bits;
        long v = k < per ? lo : hi;
        return bits == 64 ? v : v >>> (bits * (k % per)) & ((1L << bits) - 1);
    }

    private static void unpack(Cpu c, Instruction i, int bits, boolean high) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        long dlo = lo(c, i, 0), dhi = hi(c, i, 0);
        if (mm(i, 0)) { // 64-bit registers: the low unpacks interleave the low halves (an m32 source), the high ones the high
            store128(c, i, 0, interleave(dlo, slo, bits, high), 0);
            return;
        }
        long a = high ? dhi : dlo, b = high ? shi : slo;
        store128(c, i, 0, interleave(a, b, bits, false), interleave(a, b, bits, true));
    }

    /**
     * The low ({@code upper} false) or high 64 bits of the 128-bit interleave a0 b0 a1 b1 ... of
     * the {@code bits}-wide lanes of {@code a} and {@code b} (for 64-bit lanes: a, or b). The
     * unpacks of an XMM register are this on its low (or high) quadwords; translated code calls it.
     */
    public static long interleave(long a, long b, int bits, boolean upper) {
        if (bits == 64) return upper ? b : a;
        if (upper) {
            a >>>= 32;
            b >>>= 32;
        }
        return switch (bits) {
            case 8 -> zip8(a, b);
            case 16 -> zip16(a, b);
            case 32 -> zip32(a, b);
            default -> throw new IllegalArgumentException("lane width " + bits);
        };
    }

    /** The four bytes of a's and b's low 32 bits alternated, a's first (PUNPCKLBW of one half). */
    public static long zip8(long a, long b) {
        return spread8(a) | spread8(b) << 8;
    }

    /** The two words of a's and b's low 32 bits alternated, a's first. */
    public static long zip16(long a, long b) {
        return spread16(a) | spread16(b) << 16;
    }

    /** a's low doubleword, then b's. */
    public static long zip32(long a, long b) {
        return a & 0xFFFF_FFFFL | b << 32;
    }

    /** Bytes 0-3 of {@code x} to bytes 0, 2, 4, 6 (the others zero). */
    private static long spread8(long x) {
        x = spread16(x);
        return (x | x << 8) & 0x00FF_00FF_00FF_00FFL;
    }

    /** Words 0-1 of {@code x} to words 0 and 2 (the others zero). */
    private static long spread16(long x) {
        x &= 0xFFFF_FFFFL;
        return (x | x << 16) & 0x0000_FFFF_0000_FFFFL;
    }

    public static void punpcklbw(Cpu c, Instruction i) { unpack(c, i, 8, false); }
    public static void punpcklwd(Cpu c, Instruction i) { unpack(c, i, 16, false); }
    public static void punpckldq(Cpu c, Instruction i) { unpack(c, i, 32, false); }
    public static void punpcklqdq(Cpu c, Instruction i) { unpack(c, i, 64, false); }
    public static void punpckhbw(Cpu c, Instruction i) { unpack(c, i, 8, true); }
    public static void punpckhwd(Cpu c, Instruction i) { unpack(c, i, 16, true); }
    public static void punpckhdq(Cpu c, Instruction i) { unpack(c, i, 32, true); }
    public static void punpckhqdq(Cpu c, Instruction i) { unpack(c, i, 64, true); }

    // ---- packs: destination lanes then source lanes, each narrowed with saturation

    private static void pack(Cpu c, Instruction i, int bits, long min, long max) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        long dlo = lo(c, i, 0), dhi = hi(c, i, 0);
        // each source quadword narrows to 32 bits: destination lanes first, then source lanes
        if (mm(i, 0)) store128(c, i, 0, narrow(dlo, bits, min, max) | narrow(slo, bits, min, max) << 32, 0);
        else store128(c, i, 0, narrow(dlo, bits, min, max) | narrow(dhi, bits, min, max) << 32,
                narrow(slo, bits, min, max) | narrow(shi, bits, min, max) << 32);
    }

    /**
     * The {@code bits}-wide lanes of quadword {@code q}, each saturated to half width: 32 bits,
     * zero-extended (translated code packs with it too).
     */
    public static long narrow(long q, int bits, long min, long max) {
        if (bits == 16 && min == -128 && max == 127) return packsswbHalf(q);
        if (bits == 16 && min == 0 && max == 255) return packuswbHalf(q);
        if (bits == 32 && min == -32768 && max == 32767) return packssdwHalf(q);
        int half = bits / 2;
        long r = 0;
        for (int k = 0; k < 64 / bits; k++) r |= (sat(sx(q >>> (bits * k), bits), min, max) & ((1L << half) - 1)) << (half * k);
        return r;
    }

    /** PACKSSWB of one quadword: its four words as signed bytes (saturated), in bits 31:0. */
    public static long packsswbHalf(long q) {
        return sat8((short) q, -128, 127) | sat8((short) (q >>> 16), -128, 127) << 8
                | sat8((short) (q >>> 32), -128, 127) << 16 | sat8((short) (q >>> 48), -128, 127) << 24;
    }

    /** PACKUSWB of one quadword: its four signed words as unsigned bytes (saturated). */
    public static long packuswbHalf(long q) {
        return sat8((short) q, 0, 255) | sat8((short) (q >>> 16), 0, 255) << 8
                | sat8((short) (q >>> 32), 0, 255) << 16 | sat8((short) (q >>> 48), 0, 255) << 24;
    }

    /** PACKSSDW of one quadword: its two doublewords as signed words (saturated). */
    public static long packssdwHalf(long q) {
        return sat((int) q, -32768, 32767) & 0xFFFF | (sat((int) (q >>> 32), -32768, 32767) & 0xFFFF) << 16;
    }

    private static long sat8(int w, int min, int max) {
        return Math.max(min, Math.min(max, w)) & 0xFF;
    }

    public static void packsswb(Cpu c, Instruction i) { pack(c, i, 16, -128, 127); }
    public static void packuswb(Cpu c, Instruction i) { pack(c, i, 16, 0, 255); }
    public static void packssdw(Cpu c, Instruction i) { pack(c, i, 32, -32768, 32767); }

    // ---- the hot lane-wise operations on one 64-bit half (destination half, source half), for
    // translated code: the same lanes as the instructions above
    public static long paddbHalf(long a, long b) { return lanes(a, b, 8, PADDB_LANE); }
    public static long paddwHalf(long a, long b) { return lanes(a, b, 16, PADDW_LANE); }
    public static long padddHalf(long a, long b) { return lanes(a, b, 32, PADDD_LANE); }
    public static long paddqHalf(long a, long b) { return lanes(a, b, 64, PADDQ_LANE); }
    public static long psubbHalf(long a, long b) { return lanes(a, b, 8, PSUBB_LANE); }
    public static long psubwHalf(long a, long b) { return lanes(a, b, 16, PSUBW_LANE); }
    public static long psubdHalf(long a, long b) { return lanes(a, b, 32, PSUBD_LANE); }
    public static long psubqHalf(long a, long b) { return lanes(a, b, 64, PSUBQ_LANE); }
    public static long pcmpeqbHalf(long a, long b) { return lanes(a, b, 8, PCMPEQB_LANE); }
    public static long pcmpeqwHalf(long a, long b) { return lanes(a, b, 16, PCMPEQW_LANE); }
    public static long pcmpeqdHalf(long a, long b) { return lanes(a, b, 32, PCMPEQD_LANE); }
    public static long pminubHalf(long a, long b) { return lanes(a, b, 8, PMINUB_LANE); }
    public static long pmaxubHalf(long a, long b) { return lanes(a, b, 8, PMAXUB_LANE); }
}

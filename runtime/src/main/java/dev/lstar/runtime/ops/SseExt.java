package dev.lstar.runtime.ops;

import static dev.lstar.runtime.ops.Sse.hi;
import static dev.lstar.runtime.ops.Sse.lo;
import static dev.lstar.runtime.ops.Sse.x;

import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.interp.Operands;

/**
 * The integer and data-movement instructions of SSE3 and SSE4.1 on XMM registers (Intel SDM
 * Vol. 2 for each instruction): the duplicating moves and LDDQU, blends, PTEST, sign/zero
 * extensions, the new min/max/multiply/compare/pack lanes, PHMINPOSUW, MPSADBW, and insert/extract.
 * Their floating-point siblings (ADDSUB, HADD/HSUB, ROUND, DP) are in {@link SseFloat}; SSSE3 (both
 * its MMX and XMM forms) is in {@link Ssse3}.
 *
 * <p>As in {@link SseInt}: operand 0 is the XMM destination, the source (an XMM register or memory,
 * see {@link Sse#lo}/{@link Sse#hi}) is read first, so a fault changes nothing. A 128-bit value is
 * handled as its two quadwords; lanes are extracted with shifts, no per-instruction allocation.
 */
public final class SseExt {
    private SseExt() {}

    private static final long M8 = 0xFF, M16 = 0xFFFF, M32 = 0xFFFF_FFFFL;

    /** Lane {@code k} (of width {@code bits}) of the 128-bit value lo:hi, zero-extended. */
    static long lane(long lo, long hi, int k, int bits) {
        int per = 64 / bits;
        long q = k < per ? lo : hi;
        return bits == 64 ? q : q >>> (bits * (k % per)) & ((1L << bits) - 1);
    }

    private static long sx(long v, int bits) {
        return v << (64 - bits) >> (64 - bits);
    }

    private static long sat(long v, long min, long max) {
        return Math.max(min, Math.min(max, v));
    }

    private static void set(Cpu c, Instruction i, long lo, long hi) {
        int d = x(i, 0);
        c.xmm[d] = lo;
        c.xmm[d + 1] = hi;
    }

    // ------------------------------------------------------------------ SSE3 moves

    /** MOVSHDUP: doublewords 1 1 3 3 of the source. */
    public static void movshdup(Cpu c, Instruction i) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        set(c, i, (slo & ~M32) | slo >>> 32, (shi & ~M32) | shi >>> 32);
    }

    /** MOVSLDUP: doublewords 0 0 2 2 of the source. */
    public static void movsldup(Cpu c, Instruction i) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        set(c, i, (slo & M32) | slo << 32, (shi & M32) | shi << 32);
    }

    /** MOVDDUP: the low quadword (xmm or m64) into both halves. */
    public static void movddup(Cpu c, Instruction i) {
        long v = lo(c, i, 1);
        set(c, i, v, v);
    }

    // ------------------------------------------------------------------ lane helpers

    /** A lane-wise operation on quadword halves (the lanes never cross bit 64). */
    private interface Lane {
        long apply(long a, long b);
    }

    private static long lanes(long a, long b, int bits, Lane op) {
        long m = bits == 64 ? -1L : (1L << bits) - 1, r = 0;
        for (int s = 0; s < 64; s += bits) r |= (op.apply(a >>> s & m, b >>> s & m) & m) << s;
        return r;
    }

    private static void binary(Cpu c, Instruction i, int bits, Lane op) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        int d = x(i, 0);
        c.xmm[d] = lanes(c.xmm[d], slo, bits, op);
        c.xmm[d + 1] = lanes(c.xmm[d + 1], shi, bits, op);
    }

    // ------------------------------------------------------------------ SSE4.1 blends, PTEST

    /** Per-bit selection: where {@code m} is set the source bit, else the destination bit. */
    private static void select(Cpu c, Instruction i, long slo, long shi, long mlo, long mhi) {
        int d = x(i, 0);
        c.xmm[d] = (c.xmm[d] & ~mlo) | (slo & mlo);
        c.xmm[d + 1] = (c.xmm[d + 1] & ~mhi) | (shi & mhi);
    }

    /** A lane mask of {@code bits}-wide lanes from the sign bit of each lane of {@code v}. */
    private static long signMask(long v, int bits) {
        long lane = bits == 64 ? -1L : (1L << bits) - 1, r = 0;
        for (int s = 0; s < 64; s += bits) if ((v >>> (s + bits - 1) & 1) != 0) r |= lane << s; // no lambda: nothing allocated
        return r;
    }

    /** A lane mask of {@code bits}-wide lanes from {@code imm} bits {@code first}.. (one bit per lane). */
    private static long immMask(int imm, int first, int bits) {
        long m = 0;
        for (int k = 0; k < 64 / bits; k++) {
            if ((imm >>> (first + k) & 1) != 0) m |= (bits == 64 ? -1L : (1L << bits) - 1) << (bits * k);
        }
        return m;
    }

    /** PBLENDVB/BLENDVPS/BLENDVPD: each lane from the source where the lane's sign bit in XMM0 is set. */
    private static void blendv(Cpu c, Instruction i, int bits) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        select(c, i, slo, shi, signMask(c.xmm[0], bits), signMask(c.xmm[1], bits));
    }

    public static void pblendvb(Cpu c, Instruction i) { blendv(c, i, 8); }
    public static void blendvps(Cpu c, Instruction i) { blendv(c, i, 32); }
    public static void blendvpd(Cpu c, Instruction i) { blendv(c, i, 64); }

    /** BLENDPS/BLENDPD/PBLENDW: lane k from the source where imm8 bit k is set. */
    private static void blend(Cpu c, Instruction i, int bits) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        int imm = (int) i.imm, per = 64 / bits;
        select(c, i, slo, shi, immMask(imm, 0, bits), immMask(imm, per, bits));
    }

    public static void blendps(Cpu c, Instruction i) { blend(c, i, 32); }
    public static void blendpd(Cpu c, Instruction i) { blend(c, i, 64); }
    public static void pblendw(Cpu c, Instruction i) { blend(c, i, 16); }

    /** PTEST: ZF = (destination AND source) is zero, CF = (NOT destination AND source) is zero; OF SF AF PF cleared. */
    public static void ptest(Cpu c, Instruction i) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        int d = x(i, 0);
        long dlo = c.xmm[d], dhi = c.xmm[d + 1];
        long f = ((dlo & slo) | (dhi & shi)) == 0 ? Flags.ZF : 0;
        if (((~dlo & slo) | (~dhi & shi)) == 0) f |= Flags.CF;
        c.setArithmeticFlags(f);
    }

    // ------------------------------------------------------------------ SSE4.1 extensions

    /**
     * PMOVSX/PMOVZX: the low {@code 128 / to * from} bits of the source (xmm, or m64/m32/m16),
     * each {@code from}-bit lane sign- or zero-extended to {@code to} bits.
     */
    private static void extend(Cpu c, Instruction i, int from, int to, boolean signed) {
        long s = lo(c, i, 1);
        int n = 128 / to, per = 64 / to;
        long rlo = 0, rhi = 0, m = to == 64 ? -1L : (1L << to) - 1;
        for (int k = 0; k < n; k++) {
            long v = s >>> (from * k) & ((1L << from) - 1);
            if (signed) v = sx(v, from);
            v = (v & m) << (to * (k % per));
            if (k < per) rlo |= v;
            else rhi |= v;
        }
        set(c, i, rlo, rhi);
    }

    public static void pmovsxbw(Cpu c, Instruction i) { extend(c, i, 8, 16, true); }
    public static void pmovsxbd(Cpu c, Instruction i) { extend(c, i, 8, 32, true); }
    public static void pmovsxbq(Cpu c, Instruction i) { extend(c, i, 8, 64, true); }
    public static void pmovsxwd(Cpu c, Instruction i) { extend(c, i, 16, 32, true); }
    public static void pmovsxwq(Cpu c, Instruction i) { extend(c, i, 16, 64, true); }
    public static void pmovsxdq(Cpu c, Instruction i) { extend(c, i, 32, 64, true); }
    public static void pmovzxbw(Cpu c, Instruction i) { extend(c, i, 8, 16, false); }
    public static void pmovzxbd(Cpu c, Instruction i) { extend(c, i, 8, 32, false); }
    public static void pmovzxbq(Cpu c, Instruction i) { extend(c, i, 8, 64, false); }
    public static void pmovzxwd(Cpu c, Instruction i) { extend(c, i, 16, 32, false); }
    public static void pmovzxwq(Cpu c, Instruction i) { extend(c, i, 16, 64, false); }
    public static void pmovzxdq(Cpu c, Instruction i) { extend(c, i, 32, 64, false); }

    // ------------------------------------------------------------------ SSE4.1 packed integer lanes

    /** PMULDQ: the signed low doublewords of each quadword multiplied into the 64-bit lane. */
    public static void pmuldq(Cpu c, Instruction i) { binary(c, i, 64, (a, b) -> (long) (int) a * (int) b); }
    public static void pcmpeqq(Cpu c, Instruction i) { binary(c, i, 64, (a, b) -> a == b ? -1 : 0); }
    public static void pminsb(Cpu c, Instruction i) { binary(c, i, 8, (a, b) -> Math.min(sx(a, 8), sx(b, 8))); }
    public static void pminsd(Cpu c, Instruction i) { binary(c, i, 32, (a, b) -> Math.min(sx(a, 32), sx(b, 32))); }
    public static void pminuw(Cpu c, Instruction i) { binary(c, i, 16, Math::min); }
    public static void pminud(Cpu c, Instruction i) { binary(c, i, 32, Math::min); }
    public static void pmaxsb(Cpu c, Instruction i) { binary(c, i, 8, (a, b) -> Math.max(sx(a, 8), sx(b, 8))); }
    public static void pmaxsd(Cpu c, Instruction i) { binary(c, i, 32, (a, b) -> Math.max(sx(a, 32), sx(b, 32))); }
    public static void pmaxuw(Cpu c, Instruction i) { binary(c, i, 16, Math::max); }
    public static void pmaxud(Cpu c, Instruction i) { binary(c, i, 32, Math::max); }
    public static void pmulld(Cpu c, Instruction i) { binary(c, i, 32, (a, b) -> a * b); }

    /** PACKUSDW: the signed doublewords of destination then source, saturated to unsigned words. */
    public static void packusdw(Cpu c, Instruction i) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        int d = x(i, 0);
        c.xmm[d] = pack4(c.xmm[d], c.xmm[d + 1]);
        c.xmm[d + 1] = pack4(slo, shi);
    }

    /** Four signed doublewords (lo then hi) saturated to unsigned words. */
    private static long pack4(long lo, long hi) {
        return sat(sx(lo, 32), 0, 0xFFFF) | sat(lo >> 32, 0, 0xFFFF) << 16
                | sat(sx(hi, 32), 0, 0xFFFF) << 32 | sat(hi >> 32, 0, 0xFFFF) << 48;
    }

    /**
     * PHMINPOSUW: the smallest unsigned word of the source in bits 15:0, its index (the lowest on
     * ties) in bits 18:16, the rest zero.
     */
    public static void phminposuw(Cpu c, Instruction i) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        long min = M16 + 1;
        int at = 0;
        for (int k = 0; k < 8; k++) {
            long v = lane(slo, shi, k, 16);
            if (v < min) {
                min = v;
                at = k;
            }
        }
        set(c, i, min | (long) at << 16, 0);
    }

    /**
     * MPSADBW: result word k (0..7) = the sum of |destination byte (o + k + j) - source byte (s + j)|
     * for j = 0..3, with o = imm8[2] * 4 and s = imm8[1:0] * 4.
     */
    public static void mpsadbw(Cpu c, Instruction i) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        int d = x(i, 0);
        long dlo = c.xmm[d], dhi = c.xmm[d + 1];
        int imm = (int) i.imm, o = (imm >>> 2 & 1) * 4, s = (imm & 3) * 4;
        long rlo = 0, rhi = 0;
        for (int k = 0; k < 8; k++) {
            long sum = 0;
            for (int j = 0; j < 4; j++) sum += Math.abs(lane(dlo, dhi, o + k + j, 8) - lane(slo, shi, s + j, 8));
            if (k < 4) rlo |= sum << (16 * k);
            else rhi |= sum << (16 * (k - 4));
        }
        c.xmm[d] = rlo;
        c.xmm[d + 1] = rhi;
    }

    // ------------------------------------------------------------------ insert / extract

    /** Replaces lane {@code k} ({@code bits} wide) of the destination with {@code v}. */
    private static void insert(Cpu c, Instruction i, int k, int bits, long v) {
        int per = 64 / bits, d = x(i, 0) + k / per, sh = bits * (k % per);
        long m = bits == 64 ? -1L : ((1L << bits) - 1) << sh;
        c.xmm[d] = (c.xmm[d] & ~m) | (v << sh & m);
    }

    /** PINSRB (imm8[3:0]), PINSRD (imm8[1:0]), PINSRQ (imm8[0]): the low byte/doubleword/quadword of r/m into that lane. */
    public static void pinsrb(Cpu c, Instruction i) { insert(c, i, (int) i.imm & 15, 8, lo(c, i, 1)); }
    public static void pinsrd(Cpu c, Instruction i) { insert(c, i, (int) i.imm & 3, 32, lo(c, i, 1)); }
    public static void pinsrq(Cpu c, Instruction i) { insert(c, i, (int) i.imm & 1, 64, lo(c, i, 1)); }

    /**
     * INSERTPS: the source single (register: doubleword imm8[7:6]; m32) into doubleword imm8[5:4]
     * of the destination, then the doublewords set in imm8[3:0] zeroed.
     */
    public static void insertps(Cpu c, Instruction i) {
        int imm = (int) i.imm;
        long v;
        if (i.kind[1] == Instruction.OP_MEM) {
            v = lo(c, i, 1) & M32;
        } else {
            int s = x(i, 1);
            v = lane(c.xmm[s], c.xmm[s + 1], imm >>> 6 & 3, 32);
        }
        insert(c, i, imm >>> 4 & 3, 32, v);
        int d = x(i, 0);
        c.xmm[d] &= ~immMask(imm, 0, 32);
        c.xmm[d + 1] &= ~immMask(imm, 2, 32);
    }

    /** The extracts: a lane of XMM operand 1 to a GPR (zero-extended) or to memory of the lane's size. */
    private static void extract(Cpu c, Instruction i, int k, int bits) {
        int s = x(i, 1);
        long v = lane(c.xmm[s], c.xmm[s + 1], k, bits);
        if (i.kind[0] == Instruction.OP_MEM) Operands.writeMem(c, Operands.linear(c, i), bits / 8, v);
        else Operands.writeReg(c, i.reg[0], i.size[0], v);
    }

    /** PEXTRB (imm8[3:0]), PEXTRD/EXTRACTPS (imm8[1:0]), PEXTRQ (imm8[0]); PEXTRW is {@link Sse#pextrw}. */
    public static void pextrb(Cpu c, Instruction i) { extract(c, i, (int) i.imm & 15, 8); }
    public static void pextrd(Cpu c, Instruction i) { extract(c, i, (int) i.imm & 3, 32); }
    public static void pextrq(Cpu c, Instruction i) { extract(c, i, (int) i.imm & 1, 64); }
}

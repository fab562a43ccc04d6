package dev.lstar.runtime.ops;

import static dev.lstar.runtime.ops.Sse.hi;
import static dev.lstar.runtime.ops.Sse.lo;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.OpcodeTable;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.interp.Operands;

/**
 * SSE4.2 string compares and CRC32 (Intel SDM Vol. 2 PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM,
 * §4.1 "Imm8 control byte operation for PCMPESTRI / PCMPESTRM / PCMPISTRI / PCMPISTRM", and
 * CRC32). PCMPGTQ is a lane operation in {@link SseInt}.
 *
 * <p>String compares: operand 0 (xmm1) is the first string, operand 1 (xmm2/m128, no alignment
 * rule) the second. imm8[1:0] selects unsigned bytes, unsigned words, signed bytes or signed
 * words (16 or 8 elements); imm8[3:2] the aggregation (equal any, ranges, equal each, equal
 * ordered) over the comparisons of element i of the first string with element j of the second,
 * where an element past its string's length is invalid and forces the SDM's fixed results;
 * imm8[5:4] the polarity (positive, negative, masked positive, masked negative: the last negates
 * only the bits of valid second-string elements); imm8[6] the index (least or most significant set
 * bit, the element count when none) or the mask form (a bit mask zero-extended into XMM0, or
 * expanded to element masks). Lengths: explicit forms take |rAX| and |rDX| (REX.W: 64-bit, else
 * the signed 32-bit EAX/EDX) saturated to the element count; implicit forms stop at the first
 * zero element. Flags: CF = result non-zero, ZF = second string shorter than the register, SF =
 * first string shorter, OF = result bit 0, AF = PF = 0.
 */
public final class Sse42 {
    private Sse42() {}

    private static int element(long lo, long hi, int k, boolean words, boolean signed) {
        int bits = words ? 16 : 8;
        long v = SseInt.lane(lo, hi, k, bits);
        return signed ? (int) SseInt.sx(v, bits) : (int) v;
    }

    private static int explicitLength(long reg, boolean wide, int n) {
        long v = wide ? reg : (int) reg;
        if (v == Long.MIN_VALUE) return n;
        return (int) Math.min(Math.abs(v), n);
    }

    private static int implicitLength(long lo, long hi, int n, boolean words) {
        for (int k = 0; k < n; k++) if (element(lo, hi, k, words, false) == 0) return k;
        return n;
    }

    /**
     * The whole comparison: returns IntRes2 (bit j for element j of the second string) and sets
     * the flags. {@code explicit}: lengths from rAX/rDX, else from the zero terminators.
     */
    private static int compare(Cpu c, Instruction i, boolean explicit) {
        long blo = lo(c, i, 1), bhi = hi(c, i, 1); // the source first: it may fault
        int a0 = i.reg[0] << 1;
        long alo = c.xmm[a0], ahi = c.xmm[a0 + 1];
        int imm = (int) i.imm;
        boolean words = (imm & 1) != 0, signed = (imm & 2) != 0;
        int n = words ? 8 : 16, agg = imm >> 2 & 3, pol = imm >> 4 & 3;
        int la, lb;
        if (explicit) {
            boolean wide = (i.prefixes & Instruction.P_REXW) != 0;
            la = explicitLength(c.r[Cpu.RAX], wide, n);
            lb = explicitLength(c.r[Cpu.RDX], wide, n);
        } else {
            la = implicitLength(alo, ahi, n, words);
            lb = implicitLength(blo, bhi, n, words);
        }
        int res = 0;
        for (int j = 0; j < n; j++) {
            boolean bit;
            int b = element(blo, bhi, j, words, signed);
            switch (agg) {
                case 0 -> { // equal any: element j of the second string is one of the first string's elements
                    bit = false;
                    for (int k = 0; k < la && !bit; k++) bit = j < lb && element(alo, ahi, k, words, signed) == b;
                }
                case 1 -> { // ranges: first string = pairs (low, high), inclusive
                    bit = false;
                    for (int k = 0; k + 1 < n && !bit; k += 2) {
                        boolean ge = k < la && j < lb && b >= element(alo, ahi, k, words, signed);
                        boolean le = k + 1 < la && j < lb && b <= element(alo, ahi, k + 1, words, signed);
                        bit = ge && le;
                    }
                }
                case 2 -> { // equal each: both invalid compare true, one invalid false
                    bit = j >= la && j >= lb || j < la && j < lb && element(alo, ahi, j, words, signed) == b;
                }
                default -> { // equal ordered: the first string occurs at position j (truncated at the register end)
                    bit = true;
                    for (int k = 0; k < n - j && bit; k++) {
                        if (k >= la) break; // the first string ended: matched
                        bit = j + k < lb && element(alo, ahi, k, words, signed) == element(blo, bhi, j + k, words, signed);
                    }
                }
            }
            if (bit) res |= 1 << j;
        }
        int all = (1 << n) - 1;
        switch (pol) {
            case 1 -> res ^= all;
            case 3 -> res ^= (1 << lb) - 1;
            default -> { }
        }
        int f = (res != 0 ? OpcodeTable.CF : 0) | (lb < n ? OpcodeTable.ZF : 0) | (la < n ? OpcodeTable.SF : 0)
                | ((res & 1) != 0 ? OpcodeTable.OF : 0);
        c.setArithmeticFlags(f);
        return res;
    }

    private static void index(Cpu c, Instruction i, boolean explicit) {
        int res = compare(c, i, explicit);
        int n = (i.imm & 1) != 0 ? 8 : 16;
        int idx = res == 0 ? n : (i.imm & 0x40) != 0 ? 31 - Integer.numberOfLeadingZeros(res) : Integer.numberOfTrailingZeros(res);
        Operands.writeReg(c, Cpu.RCX, 4, idx);
    }

    private static void mask(Cpu c, Instruction i, boolean explicit) {
        int res = compare(c, i, explicit);
        if ((i.imm & 0x40) == 0) {
            c.xmm[0] = res & 0xFFFFL;
            c.xmm[1] = 0;
            return;
        }
        int bits = (i.imm & 1) != 0 ? 16 : 8, n = 128 / bits, per = 64 / bits;
        long lo = 0, hi = 0, m = (1L << bits) - 1;
        for (int k = 0; k < n; k++) {
            if ((res >>> k & 1) == 0) continue;
            if (k < per) lo |= m << (bits * k);
            else hi |= m << (bits * (k - per));
        }
        c.xmm[0] = lo;
        c.xmm[1] = hi;
    }

    public static void pcmpestri(Cpu c, Instruction i) { index(c, i, true); }
    public static void pcmpistri(Cpu c, Instruction i) { index(c, i, false); }
    public static void pcmpestrm(Cpu c, Instruction i) { mask(c, i, true); }
    public static void pcmpistrm(Cpu c, Instruction i) { mask(c, i, false); }

    // ---- CRC32

    /** The bit-reflected CRC-32C (Castagnoli) polynomial 0x1EDC6F41. */
    static final int POLY = 0x82F63B78;
    private static final int[] TABLE = new int[256];

    static {
        for (int b = 0; b < 256; b++) {
            int r = b;
            for (int k = 0; k < 8; k++) r = (r >>> 1) ^ ((r & 1) != 0 ? POLY : 0);
            TABLE[b] = r;
        }
    }

    /** The CRC-32C of {@code bytes} bytes of {@code v} (least significant first) continuing from {@code crc}, without the final inversion. */
    public static int crc32c(int crc, long v, int bytes) {
        for (int k = 0; k < bytes; k++) crc = (crc >>> 8) ^ TABLE[(crc ^ (int) (v >>> (8 * k))) & 0xFF];
        return crc;
    }

    /**
     * CRC32 r32/r64, r/m8/16/32/64: the destination's low doubleword is the running CRC (no
     * inversion before or after, as the instruction defines it), the result zero-extended into the
     * 32- or 64-bit destination.
     */
    public static void crc32(Cpu c, Instruction i) {
        long v = Operands.read(c, i, 1);
        int crc = crc32c((int) Operands.readReg(c, i.reg[0], 4), v, i.size[1]);
        Operands.writeReg(c, i.reg[0], i.size[0], crc & 0xFFFF_FFFFL);
    }
}

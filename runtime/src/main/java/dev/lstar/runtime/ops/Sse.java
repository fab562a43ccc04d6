package dev.lstar.runtime.ops;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.OpcodeTable;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.interp.Operands;

/**
 * SSE/SSE2 state, operand access and the data-movement, logic and shuffle instructions on XMM
 * registers (Intel SDM Vol. 1 ch. 10-11, Vol. 2 for each instruction). Packed integer arithmetic
 * is in {@link SseInt}.
 *
 * <p>An XMM register is {@code cpu.xmm[2n]} (bits 63:0) and {@code cpu.xmm[2n + 1]} (bits 127:64).
 * A 128-bit memory operand is read or written as two quadwords, low first; the rules of
 * "Exceptions Type 1/4/5" (SDM Vol. 2 §2.5.1) apply: an SSE instruction raises #UD with CR0.EM = 1
 * or CR4.OSFXSR = 0 and #NM with CR0.TS = 1 before touching anything ({@link #available}); a row
 * marked {@link OpcodeTable#A_ALIGN16} raises #GP(0) for a 16-byte operand that is not 16-byte
 * aligned. Faults change nothing: every load comes before the first register write, and a store
 * that spans two pages checks the second page for writing before the first byte is stored.
 */
public final class Sse {
    private Sse() {}

    /** MXCSR bits software may set: flags, DAZ, masks, RC, FZ (MXCSR_MASK = 0xFFFF, SDM Vol. 1 §11.6.6). */
    public static final int MXCSR_MASK = 0xFFFF;

    /**
     * The SSE availability rules every {@link OpcodeTable#A_SSE} instruction checks first: #UD if
     * CR0.EM = 1 or CR4.OSFXSR = 0, #NM if CR0.TS = 1 (SDM Vol. 3A §2.5 and Table 13-5).
     */
    public static void available(Cpu c) {
        if (usable(c)) return;
        if ((c.cr0 & Cpu.CR0_EM) != 0) throw CpuException.ud("SSE instruction with CR0.EM = 1");
        if ((c.cr4 & Cpu.CR4_OSFXSR) == 0) throw CpuException.ud("SSE instruction with CR4.OSFXSR = 0");
        if ((c.cr0 & Cpu.CR0_TS) != 0) throw CpuException.of(CpuException.NM, 0, false, "SSE instruction with CR0.TS = 1");
    }

    /** Whether {@link #available} passes (CR0.EM = 0, CR0.TS = 0, CR4.OSFXSR = 1). */
    public static boolean usable(Cpu c) {
        return (c.cr0 & (Cpu.CR0_EM | Cpu.CR0_TS)) == 0 && (c.cr4 & Cpu.CR4_OSFXSR) != 0;
    }

    // ------------------------------------------------------------------ operand access

    /** The index into {@code cpu.xmm} of the low quadword of XMM operand {@code n}. */
    static int x(Instruction i, int n) {
        return i.reg[n] << 1;
    }

    /** Linear address of the memory operand with the 16-byte alignment rules of its row and vendor. */
    static long address(Cpu c, Instruction i, int size) {
        long la = Operands.linear(c, i);
        if (size == 16) {
            if ((i.attributes & OpcodeTable.A_ALIGN16) != 0) aligned16(la);
            else alignmentCheck16(c, la, false); // (linear checked the address)
        }
        return la;
    }

    /**
     * An m128 operand that may lie anywhere (MOVUPS, MOVDQU, LDDQU, PCMPxSTRx...) with alignment
     * checking on (CR0.AM, RFLAGS.AC, CPL 3): the SDM leaves #AC to the implementation. AMD's raises
     * #AC(0) unless the operand is 16-byte aligned (seen on an AMD EPYC: at +1, +2, +4, +8 and +12);
     * Intel's raises none (seen on a Xeon; the engines exempt such an instruction when one of its
     * 8-byte pieces trips the check: {@code BlockRunner.exemptFromAlignmentCheck}). {@code stack}:
     * a non-canonical address (not checked yet on the JIT's path) is #SS rather than #GP.
     */
    public static void alignmentCheck16(Cpu c, long la, boolean stack) {
        if (c.vendor != dev.lstar.runtime.Vendor.AMD || !c.mmu.alignmentChecking()) return;
        Operands.canonical(c, la, stack); // the address's own fault first
        c.mmu.checkAlignment(la, 16);
    }

    /** Whether operand {@code n} is an MMX register (the instruction then works on 64-bit vectors). */
    static boolean mm(Instruction i, int n) {
        return i.kind[n] == Instruction.OP_MMX;
    }

    /** {@code la}, or #GP(0) if it is not 16-byte aligned (the rule of an {@link OpcodeTable#A_ALIGN16} row's m128). */
    public static long aligned16(long la) {
        if ((la & 15) != 0) throw misaligned(la);
        return la;
    }

    private static CpuException misaligned(long la) {
        return CpuException.gp0("misaligned 16-byte SSE operand 0x" + Long.toHexString(la));
    }

    /**
     * Bits 63:0 of operand {@code n}: an XMM register's low quadword, an MMX register, or the
     * memory operand zero-extended from its size (a 16-byte operand's first quadword, after the
     * alignment check), or a GPR.
     */
    public static long lo(Cpu c, Instruction i, int n) {
        return switch (i.kind[n]) {
            case Instruction.OP_XMM -> c.xmm[x(i, n)];
            case Instruction.OP_MMX -> c.fpm[i.reg[n]];
            case Instruction.OP_MEM -> {
                int size = i.size[n];
                long la = address(c, i, size);
                yield size >= 8 ? c.mmu.read64(la) : Operands.readMem(c, la, size);
            }
            default -> Operands.read(c, i, n);
        };
    }

    /** Bits 127:64 of operand {@code n}: an XMM register's high quadword, a 16-byte memory operand's second quadword, else 0 (MMX registers too). */
    public static long hi(Cpu c, Instruction i, int n) {
        return switch (i.kind[n]) {
            case Instruction.OP_XMM -> c.xmm[x(i, n) + 1];
            case Instruction.OP_MEM -> i.size[n] == 16 ? c.mmu.read64(address(c, i, 16) + 8) : 0;
            default -> 0;
        };
    }

    /**
     * Writes 128 bits to operand {@code n} (an XMM register or a 16-byte memory operand), or the
     * low 64 to an MMX register ({@link Mmx#write}).
     */
    public static void store128(Cpu c, Instruction i, int n, long lo, long hi) {
        if (mm(i, n)) {
            Mmx.write(c, i.reg[n], lo);
            return;
        }
        if (i.kind[n] == Instruction.OP_XMM) {
            int d = x(i, n);
            c.xmm[d] = lo;
            c.xmm[d + 1] = hi;
            return;
        }
        store128At(c, address(c, i, 16), lo, hi);
    }

    /** Writes 128 bits to linear {@code la} (alignment already checked): a store spanning two pages checks the second one first. */
    public static void store128At(Cpu c, long la, long lo, long hi) {
        if ((la & 0xFFF) > 0xFF0) c.mmu.readForWrite(la + 8, 8); // the second page faults before any store
        c.mmu.write64(la, lo);
        c.mmu.write64(la + 8, hi);
    }

    /** Writes the low {@code i.size[n]} bytes of {@code v} to memory operand {@code n}. */
    static void storeMem(Cpu c, Instruction i, int n, long v) {
        Operands.writeMem(c, Operands.linear(c, i), i.size[n], v);
    }

    // ------------------------------------------------------------------ moves

    /**
     * MOVUPS, MOVUPD, MOVAPS, MOVAPD, MOVDQA, MOVDQU, MOVNTPS, MOVNTPD, MOVNTDQ: a 128-bit copy
     * (the non-temporal hint has no architectural effect; alignment is the row's).
     */
    public static void mov128(Cpu c, Instruction i) {
        long lo = lo(c, i, 1), hi = hi(c, i, 1);
        store128(c, i, 0, lo, hi);
    }

    /**
     * MOVSS: xmm to xmm replaces bits 31:0 and keeps the rest; a load zeroes bits 127:32; a store
     * writes 32 bits.
     */
    public static void movss(Cpu c, Instruction i) {
        if (i.kind[0] == Instruction.OP_MEM) {
            storeMem(c, i, 0, c.xmm[x(i, 1)]);
        } else if (i.kind[1] == Instruction.OP_MEM) {
            loadZeroingUpper(c, i);
        } else {
            int d = x(i, 0);
            c.xmm[d] = (c.xmm[d] & 0xFFFF_FFFF_0000_0000L) | (c.xmm[x(i, 1)] & 0xFFFF_FFFFL);
        }
    }

    /** MOVSD (SSE2): xmm to xmm replaces bits 63:0; a load zeroes bits 127:64; a store writes 64 bits. */
    public static void movsd(Cpu c, Instruction i) {
        if (i.kind[0] == Instruction.OP_MEM) {
            storeMem(c, i, 0, c.xmm[x(i, 1)]);
        } else if (i.kind[1] == Instruction.OP_MEM) {
            loadZeroingUpper(c, i);
        } else {
            c.xmm[x(i, 0)] = c.xmm[x(i, 1)];
        }
    }

    /** The scalar load of MOVSS/MOVSD: the memory operand into the low bits, the rest of the register zeroed. */
    private static void loadZeroingUpper(Cpu c, Instruction i) {
        long v = lo(c, i, 1);
        int d = x(i, 0);
        c.xmm[d] = v;
        c.xmm[d + 1] = 0;
    }

    /** MOVLPS, MOVLPD: m64 to bits 63:0 (bits 127:64 kept), or bits 63:0 to m64. */
    public static void movlp(Cpu c, Instruction i) {
        if (i.kind[0] == Instruction.OP_MEM) storeMem(c, i, 0, c.xmm[x(i, 1)]);
        else c.xmm[x(i, 0)] = lo(c, i, 1);
    }

    /** MOVHPS, MOVHPD: m64 to bits 127:64 (bits 63:0 kept), or bits 127:64 to m64. */
    public static void movhp(Cpu c, Instruction i) {
        if (i.kind[0] == Instruction.OP_MEM) storeMem(c, i, 0, c.xmm[x(i, 1) + 1]);
        else c.xmm[x(i, 0) + 1] = lo(c, i, 1);
    }

    /** MOVHLPS: bits 127:64 of the source to bits 63:0 of the destination. */
    public static void movhlps(Cpu c, Instruction i) {
        c.xmm[x(i, 0)] = c.xmm[x(i, 1) + 1];
    }

    /** MOVLHPS: bits 63:0 of the source to bits 127:64 of the destination. */
    public static void movlhps(Cpu c, Instruction i) {
        c.xmm[x(i, 0) + 1] = c.xmm[x(i, 1)];
    }

    /**
     * MOVD/MOVQ with a GPR or memory ([66] [REX.W] 0F 6E/7E): to an XMM or MMX register the
     * doubleword or quadword is zero-extended to the register; from it the low doubleword or
     * quadword is written.
     */
    public static void movd(Cpu c, Instruction i) {
        if (i.kind[0] == Instruction.OP_XMM || mm(i, 0)) store128(c, i, 0, lo(c, i, 1), 0);
        else Operands.write(c, i, 0, lo(c, i, 1));
    }

    /**
     * MOVQ between 64-bit vectors: xmm, xmm/m64 (F3 0F 7E) and xmm/m64, xmm (66 0F D6), mm, mm/m64
     * and back (0F 6F/7F), MOVNTQ m64, mm, MOVQ2DQ xmm, mm and MOVDQ2Q mm, xmm: a memory
     * destination gets bits 63:0, a register bits 63:0 zero-extended.
     */
    public static void movq(Cpu c, Instruction i) {
        if (i.kind[0] == Instruction.OP_MEM) storeMem(c, i, 0, lo(c, i, 1));
        else store128(c, i, 0, lo(c, i, 1), 0);
    }

    /** MOVNTI: a GPR store (the hint has no architectural effect). */
    public static void movnti(Cpu c, Instruction i) {
        Operands.write(c, i, 0, Operands.read(c, i, 1));
    }

    /** MOVMSKPS: the sign bits of the four single-precision lanes to bits 3:0 of the GPR, the rest zeroed. */
    public static void movmskps(Cpu c, Instruction i) {
        int s = x(i, 1);
        long lo = c.xmm[s], hi = c.xmm[s + 1];
        long m = (lo >>> 31 & 1) | (lo >>> 62 & 2) | (hi >>> 29 & 4) | (hi >>> 60 & 8);
        Operands.writeReg(c, i.reg[0], 8, m);
    }

    /** MOVMSKPD: the sign bits of the two double-precision lanes to bits 1:0 of the GPR. */
    public static void movmskpd(Cpu c, Instruction i) {
        int s = x(i, 1);
        Operands.writeReg(c, i.reg[0], 8, (c.xmm[s] >>> 63) | (c.xmm[s + 1] >>> 63) << 1);
    }

    /** PMOVMSKB: the sign bits of the 16 (MMX: 8) bytes to the low bits of the GPR, the rest zeroed. */
    public static void pmovmskb(Cpu c, Instruction i) {
        Operands.writeReg(c, i.reg[0], 8, byteSignMask(lo(c, i, 1), hi(c, i, 1)));
    }

    /** PMOVMSKB's value: the sign bits of the 16 bytes of {@code hi:lo} as bits 15:0 (an MMX source has hi = 0). */
    public static long byteSignMask(long lo, long hi) {
        return signBits8(lo) | signBits8(hi) << 8;
    }

    private static long signBits8(long v) {
        // gather bit 7 of each byte: the multiply collects them in the top byte (no carries: one bit per byte)
        return ((v >>> 7 & 0x0101_0101_0101_0101L) * 0x0102_0408_1020_4080L) >>> 56;
    }

    // ------------------------------------------------------------------ logic

    /** PAND, ANDPS, ANDPD (XMM or MMX). */
    public static void and(Cpu c, Instruction i) {
        long lo = lo(c, i, 1), hi = hi(c, i, 1);
        store128(c, i, 0, lo(c, i, 0) & lo, hi(c, i, 0) & hi);
    }

    /** PANDN, ANDNPS, ANDNPD: NOT destination AND source. */
    public static void andn(Cpu c, Instruction i) {
        long lo = lo(c, i, 1), hi = hi(c, i, 1);
        store128(c, i, 0, ~lo(c, i, 0) & lo, ~hi(c, i, 0) & hi);
    }

    /** POR, ORPS, ORPD. */
    public static void or(Cpu c, Instruction i) {
        long lo = lo(c, i, 1), hi = hi(c, i, 1);
        store128(c, i, 0, lo(c, i, 0) | lo, hi(c, i, 0) | hi);
    }

    /** PXOR, XORPS, XORPD. */
    public static void xor(Cpu c, Instruction i) {
        long lo = lo(c, i, 1), hi = hi(c, i, 1);
        store128(c, i, 0, lo(c, i, 0) ^ lo, hi(c, i, 0) ^ hi);
    }

    // ------------------------------------------------------------------ shuffles, insert, extract

    static long dword(long lo, long hi, int k) {
        return ((k < 2 ? lo : hi) >>> (32 * (k & 1))) & 0xFFFF_FFFFL;
    }

    static long word(long v, int k) {
        return (v >>> (16 * k)) & 0xFFFF;
    }

    /** PSHUFD: destination doubleword k = source doubleword imm8[2k+1:2k]. */
    public static void pshufd(Cpu c, Instruction i) {
        long lo = lo(c, i, 1), hi = hi(c, i, 1);
        int imm = (int) i.imm;
        int d = x(i, 0);
        c.xmm[d] = dword(lo, hi, imm & 3) | dword(lo, hi, imm >> 2 & 3) << 32;
        c.xmm[d + 1] = dword(lo, hi, imm >> 4 & 3) | dword(lo, hi, imm >> 6 & 3) << 32;
    }

    private static long shuffleWords(long v, int imm) {
        return word(v, imm & 3) | word(v, imm >> 2 & 3) << 16 | word(v, imm >> 4 & 3) << 32 | word(v, imm >> 6 & 3) << 48;
    }

    /** PSHUFW mm, mm/m64, imm8: destination word k = source word imm8[2k+1:2k]. */
    public static void pshufw(Cpu c, Instruction i) {
        store128(c, i, 0, shuffleWords(lo(c, i, 1), (int) i.imm), 0);
    }

    /** PSHUFLW: the four low words shuffled by imm8, the high quadword copied. */
    public static void pshuflw(Cpu c, Instruction i) {
        long lo = lo(c, i, 1), hi = hi(c, i, 1);
        int d = x(i, 0);
        c.xmm[d] = shuffleWords(lo, (int) i.imm);
        c.xmm[d + 1] = hi;
    }

    /** PSHUFHW: the four high words shuffled by imm8, the low quadword copied. */
    public static void pshufhw(Cpu c, Instruction i) {
        long lo = lo(c, i, 1), hi = hi(c, i, 1);
        int d = x(i, 0);
        c.xmm[d] = lo;
        c.xmm[d + 1] = shuffleWords(hi, (int) i.imm);
    }

    /** SHUFPS: doublewords 0-1 from the destination, 2-3 from the source, each selected by two imm8 bits. */
    public static void shufps(Cpu c, Instruction i) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        int imm = (int) i.imm;
        int d = x(i, 0);
        long dlo = c.xmm[d], dhi = c.xmm[d + 1];
        c.xmm[d] = dword(dlo, dhi, imm & 3) | dword(dlo, dhi, imm >> 2 & 3) << 32;
        c.xmm[d + 1] = dword(slo, shi, imm >> 4 & 3) | dword(slo, shi, imm >> 6 & 3) << 32;
    }

    /** SHUFPD: quadword 0 from the destination by imm8[0], quadword 1 from the source by imm8[1]. */
    public static void shufpd(Cpu c, Instruction i) {
        long slo = lo(c, i, 1), shi = hi(c, i, 1);
        int d = x(i, 0);
        long dlo = c.xmm[d], dhi = c.xmm[d + 1];
        c.xmm[d] = (i.imm & 1) == 0 ? dlo : dhi;
        c.xmm[d + 1] = (i.imm & 2) == 0 ? slo : shi;
    }

    /** PINSRW: the low word of r32/m16 into word imm8[2:0] (MMX: imm8[1:0]). */
    public static void pinsrw(Cpu c, Instruction i) {
        long v = lo(c, i, 1) & 0xFFFF;
        int k = (int) i.imm & (mm(i, 0) ? 3 : 7);
        int sh = 16 * (k & 3);
        long lo = lo(c, i, 0), hi = hi(c, i, 0);
        if (k < 4) lo = (lo & ~(0xFFFFL << sh)) | v << sh;
        else hi = (hi & ~(0xFFFFL << sh)) | v << sh;
        store128(c, i, 0, lo, hi);
    }

    /**
     * PEXTRW: word imm8[2:0] (MMX: imm8[1:0]) of the register, zero-extended into the GPR, or
     * (66 0F 3A 15, SSE4.1) stored to m16.
     */
    public static void pextrw(Cpu c, Instruction i) {
        int k = (int) i.imm & (mm(i, 1) ? 3 : 7);
        long v = word(k < 4 ? lo(c, i, 1) : hi(c, i, 1), k & 3);
        if (i.kind[0] == Instruction.OP_MEM) storeMem(c, i, 0, v);
        else Operands.writeReg(c, i.reg[0], 8, v);
    }

    // ------------------------------------------------------------------ MXCSR

    /** LDMXCSR: #GP(0) if a bit outside {@link #MXCSR_MASK} is set (nothing changes then). */
    public static void ldmxcsr(Cpu c, Instruction i) {
        long v = lo(c, i, 0);
        if ((v & ~(long) MXCSR_MASK) != 0) throw CpuException.gp0("LDMXCSR reserved bits 0x" + Long.toHexString(v));
        c.mxcsr = (int) v;
    }

    /** STMXCSR. */
    public static void stmxcsr(Cpu c, Instruction i) {
        storeMem(c, i, 0, c.mxcsr & 0xFFFF_FFFFL);
    }
}

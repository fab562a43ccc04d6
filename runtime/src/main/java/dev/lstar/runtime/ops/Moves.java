package dev.lstar.runtime.ops;

import static dev.lstar.runtime.interp.Operands.*;

import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;

/**
 * Data movement without flags: MOV, MOVZX, MOVSX/MOVSXD, LEA, CMOVcc, SETcc, BSWAP, XLAT (Intel SDM
 * Vol. 2 each). Register writes follow the x86-64 rules of {@link dev.lstar.runtime.interp.Operands#writeReg}.
 */
public final class Moves {
    private Moves() {}

    /** MOV and MOVZX: the source zero-extended into the destination. */
    public static void mov(Cpu c, Instruction i) {
        write(c, i, 0, read(c, i, 1));
    }

    /** MOVSX, MOVSXD: the source sign-extended to the operation size. */
    public static void movsx(Cpu c, Instruction i) {
        write(c, i, 0, mask(sext(read(c, i, 1), i.size[1]), i.opSize));
    }

    /** MOVBE: load or store with the bytes of the operand (2, 4 or 8 bytes) reversed; no flags (SDM MOVBE). */
    public static void movbe(Cpu c, Instruction i) {
        write(c, i, 0, Long.reverseBytes(read(c, i, 1)) >>> (64 - 8 * i.opSize));
    }

    /** LEA: the effective address, truncated to the operand size; no memory access. */
    public static void lea(Cpu c, Instruction i) {
        writeReg(c, i.reg[0], i.opSize, effectiveAddress(c, i));
    }

    /**
     * CMOVcc: the source is read (and may fault) whatever the condition; the 32-bit form
     * zero-extends the destination even when the condition is false (SDM CMOVcc).
     */
    public static void cmov(Cpu c, Instruction i) {
        long v = read(c, i, 1);
        c.r[i.reg[0]] = cmovResult(c.cond(i.cond), c.r[i.reg[0]], v, i.opSize);
    }

    /**
     * The destination register's new 64-bit value after CMOVcc of {@code size} bytes (2, 4, 8):
     * the source when {@code taken}; the 32-bit form zero-extends bits 63:32 either way, the 16-bit
     * form keeps bits 63:16.
     */
    public static long cmovResult(boolean taken, long dest, long src, int size) {
        return switch (size) {
            case 8 -> taken ? src : dest;
            case 4 -> (taken ? src : dest) & 0xFFFF_FFFFL;
            default -> taken ? (dest & ~0xFFFFL) | (src & 0xFFFF) : dest;
        };
    }

    /** SETcc r/m8. */
    public static void setcc(Cpu c, Instruction i) {
        write(c, i, 0, c.cond(i.cond) ? 1 : 0);
    }

    /** BSWAP r32/r64 (the 16-bit form is undefined in the SDM; this host gives 0, see {@link Bits#bswap}). */
    public static void bswap(Cpu c, Instruction i) {
        writeReg(c, i.reg[0], i.opSize, Bits.bswap(c.r[i.reg[0]], i.opSize));
    }

    /** XLAT: AL = [RBX + AL] (EBX with 0x67; FS/GS overrides add their base). */
    public static void xlat(Cpu c, Instruction i) {
        long la = mask(c.r[Cpu.RBX] + (c.r[Cpu.RAX] & 0xFF), i.addrSize);
        if (i.segment == Instruction.SEG_FS || i.segment == Instruction.SEG_GS) la += c.segBase[i.segment];
        if (!c.canonical(la)) throw CpuException.gp0("xlat: non-canonical address");
        writeReg(c, Cpu.RAX, 1, readMem(c, la, 1));
    }
}

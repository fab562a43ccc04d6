package dev.lstar.runtime.interp;

import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.mem.Mmu;

/**
 * Operand access shared by the interpreter and translated code: register reads/writes with the
 * x86-64 partial-register rules, effective and linear address computation with the 64-bit
 * segmentation and canonical rules, and sized memory access through the MMU.
 */
public final class Operands {
    private Operands() {}

    /** Reads a GPR at {@code size} bytes (zero-extended); reg 16..19 are AH/CH/DH/BH. */
    public static long readReg(Cpu c, int reg, int size) {
        switch (size) {
            case 8: return c.r[reg];
            case 4: return c.r[reg] & 0xFFFF_FFFFL;
            case 2: return c.r[reg] & 0xFFFF;
            default:
                return reg >= 16 ? (c.r[reg - 16] >>> 8) & 0xFF : c.r[reg] & 0xFF;
        }
    }

    /**
     * Writes a GPR with the x86-64 rules: 64-bit writes replace, 32-bit writes zero-extend to 64,
     * 16- and 8-bit writes merge into the untouched upper bits (SDM Vol. 1 §3.4.1.1).
     */
    public static void writeReg(Cpu c, int reg, int size, long v) {
        switch (size) {
            case 8 -> c.r[reg] = v;
            case 4 -> c.r[reg] = v & 0xFFFF_FFFFL;
            case 2 -> c.r[reg] = (c.r[reg] & ~0xFFFFL) | (v & 0xFFFF);
            default -> {
                if (reg >= 16) {
                    c.r[reg - 16] = (c.r[reg - 16] & ~0xFF00L) | ((v & 0xFF) << 8);
                } else {
                    c.r[reg] = (c.r[reg] & ~0xFFL) | (v & 0xFF);
                }
            }
        }
    }

    /** The effective address (offset) of the memory operand, truncated to the address size. */
    public static long effectiveAddress(Cpu c, Instruction i) {
        long ea = i.disp;
        int base = i.base;
        if (base >= 0 && base != Instruction.BASE_RIP) ea += c.r[base];
        if (i.index >= 0) ea += c.r[i.index] << i.scale;
        if (i.addrSize == 4) ea &= 0xFFFF_FFFFL;
        return ea;
    }

    /** Whether the memory operand is a stack reference (base RSP or RBP, or an SS override): #SS, not #GP. */
    public static boolean isStackReference(Instruction i) {
        return i.segment == Instruction.SEG_SS
                || (i.segment == Instruction.SEG_NONE && (i.base == Cpu.RSP || i.base == Cpu.RBP));
    }

    /**
     * Linear address of the memory operand: in 64-bit mode only FS and GS contribute a base
     * (SDM Vol. 1 §3.3.7.1); the result must be canonical, else #GP(0) or, for stack references,
     * #SS(0) (SDM Vol. 3 §6.15).
     */
    public static long linear(Cpu c, Instruction i) {
        long la = effectiveAddress(c, i);
        int seg = i.segment;
        if (seg == Instruction.SEG_FS || seg == Instruction.SEG_GS) la += c.segBase[seg];
        return canonical(c, la, isStackReference(i));
    }

    /** {@code la} if canonical, else #GP(0), or #SS(0) for a stack reference ({@code stack}). */
    public static long canonical(Cpu c, long la, boolean stack) {
        if (!c.canonical(la)) {
            throw stack ? CpuException.ss(0, "non-canonical stack address 0x" + Long.toHexString(la))
                    : CpuException.gp0("non-canonical address 0x" + Long.toHexString(la));
        }
        return la;
    }

    public static long readMem(Cpu c, long la, int size) {
        return switch (size) {
            case 8 -> c.mmu.read64(la);
            case 4 -> c.mmu.read32(la) & 0xFFFF_FFFFL;
            case 2 -> c.mmu.read16(la) & 0xFFFF;
            default -> c.mmu.read8(la) & 0xFF;
        };
    }

    public static void writeMem(Cpu c, long la, int size, long v) {
        switch (size) {
            case 8 -> c.mmu.write64(la, v);
            case 4 -> c.mmu.write32(la, (int) v);
            case 2 -> c.mmu.write16(la, (int) v);
            default -> c.mmu.write8(la, (int) v);
        }
    }

    /**
     * Reads operand {@code n} zero-extended from its size. Immediates are taken as the decoder
     * extended them, truncated to the operation size (the second immediate of ENTER is imm2).
     */
    public static long read(Cpu c, Instruction i, int n) {
        int size = i.size[n];
        return switch (i.kind[n]) {
            case Instruction.OP_REG -> readReg(c, i.reg[n], size);
            case Instruction.OP_MEM -> readMem(c, linear(c, i), size);
            case Instruction.OP_IMM -> mask(n > 0 && i.kind[n - 1] == Instruction.OP_IMM ? i.imm2 : i.imm, i.opSize);
            default -> throw new IllegalStateException("operand " + n + " of " + i + " is not readable");
        };
    }

    /**
     * Reads operand {@code n} of a read-modify-write instruction (the destination of ADD, INC, SHL,
     * BTS, XADD, XCHG, CMPXCHG...): a register as {@link #read}, memory with write intent
     * ({@link Mmu#readForWrite}): a fault comes now, with the W bit, before the instruction
     * changes anything, and its store to the operand afterwards cannot fault. So an instruction
     * may record its flags before that store, and no engine needs to save them for a fault.
     */
    public static long readForWrite(Cpu c, Instruction i, int n) {
        return i.kind[n] == Instruction.OP_MEM ? c.mmu.readForWrite(linear(c, i), i.size[n]) : read(c, i, n);
    }

    /** Writes operand {@code n} (register or memory). */
    public static void write(Cpu c, Instruction i, int n, long v) {
        if (i.kind[n] == Instruction.OP_REG) {
            writeReg(c, i.reg[n], i.size[n], v);
        } else {
            writeMem(c, linear(c, i), i.size[n], v);
        }
    }

    public static long mask(long v, int size) {
        return switch (size) {
            case 8 -> v;
            case 4 -> v & 0xFFFF_FFFFL;
            case 2 -> v & 0xFFFF;
            default -> v & 0xFF;
        };
    }

    /** Sign-extends the low {@code size} bytes of {@code v}. */
    public static long sext(long v, int size) {
        return switch (size) {
            case 8 -> v;
            case 4 -> (int) v;
            case 2 -> (short) v;
            default -> (byte) v;
        };
    }

    // ---- stack ----

    /** Pushes {@code size} bytes (8, or 2 with a 66 prefix): writes first, then updates RSP (precise on fault). */
    public static void push(Cpu c, long v, int size) {
        long rsp = c.r[Cpu.RSP] - size;
        if (!c.canonical(rsp)) throw CpuException.ss(0, "push to non-canonical stack 0x" + Long.toHexString(rsp));
        writeMem(c, rsp, size, v);
        c.r[Cpu.RSP] = rsp;
    }

    /** Reads the value a pop of {@code size} bytes would return, without changing RSP. */
    public static long peek(Cpu c, int size) {
        long rsp = c.r[Cpu.RSP];
        if (!c.canonical(rsp)) throw CpuException.ss(0, "pop from non-canonical stack 0x" + Long.toHexString(rsp));
        return readMem(c, rsp, size);
    }
}

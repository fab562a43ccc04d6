package dev.lstar.decoder;

import static dev.lstar.decoder.Instruction.*;
import static dev.lstar.decoder.OpcodeTable.*;

import dev.lstar.decoder.OpcodeTable.Row;

/**
 * Which registers and memory a decoded instruction touches, answered from the opcode table's
 * access and implicit-operand columns (see "Operand access" and "Implicit operands" in
 * {@link OpcodeTable}). Every query is a few array reads and bit operations; nothing allocates.
 *
 * <h2>Registers</h2>
 * Register masks have bit n set for GPR n (0 = RAX .. 15 = R15). The x86-64 sub-register rule:
 * <ul>
 *   <li>AH, CH, DH, BH ({@link Instruction#REG_AH}..{@link Instruction#REG_BH}) are bits 0..3 (RAX..RBX);</li>
 *   <li>a 32-bit or 64-bit register write replaces the whole register (32-bit writes zero-extend):
 *       it is in {@link #regsWritten} only;</li>
 *   <li>an 8-bit or 16-bit write keeps the other bits: it is in {@link #regsWritten} and in
 *       {@link #regsPartiallyWritten}. {@link #regsRead} does <em>not</em> add such registers; a
 *       JIT that keeps whole registers in locals needs {@code regsRead | regsPartiallyWritten} as
 *       its inputs ({@link #regsNeeded}).</li>
 * </ul>
 * The base and index registers of a memory operand are reads (also for LEA and the other
 * address-only operands; not for {@code :n} operands such as NOP Ev). RIP-relative addressing reads
 * no GPR. Implicit registers that apply only with a REP prefix (RCX of string ops) are included when
 * the instruction has P_REP or P_REPNE. Writes that happen only under a run-time condition
 * (CMOVcc, CMPXCHG's accumulator, a string op with RCX = 0) count as "may write" and are listed as
 * read too by the table, so the masks are safe for caching.
 *
 * <h2>Memory</h2>
 * {@link #readsMemory}/{@link #writesMemory} combine the explicit memory operand (by its access; an
 * address-only operand does neither) and the implicit stack, string and XLAT accesses. They are
 * "may" answers: a REP string op with RCX = 0 or ENTER with level 0 report what they could access.
 * BT/BTS/BTR/BTC with a register bit offset may access memory outside the operand's nominal
 * {@link Instruction#size}; only the address is approximate, not the yes/no answer.
 *
 * <p>INVALID instructions (row -1) touch nothing.
 */
public final class Access {
    private Access() {}

    private static Row row(Instruction i) {
        return i.row < 0 ? null : ROW_ARRAY[i.row];
    }

    /** GPR number 0..15 of a register operand number (AH..BH map to RAX..RBX). */
    public static int gpr(int reg) {
        return reg >= REG_AH ? reg - REG_AH : reg;
    }

    private static boolean rep(Instruction i) {
        return (i.prefixes & (P_REP | P_REPNE)) != 0;
    }

    /** The base and index GPRs of the memory operand (RIP-relative: none). */
    public static int addressRegs(Instruction i) {
        int m = 0;
        if (i.base >= 0 && i.base != BASE_RIP) m |= 1 << i.base;
        if (i.index >= 0) m |= 1 << i.index;
        return m;
    }

    /** Access ({@code ACC_*} of {@link OpcodeTable}) of explicit operand {@code n}; ACC_NONE for INVALID. */
    public static int operandAccess(Instruction i, int n) {
        Row r = row(i);
        return r == null || n >= i.nOperands ? ACC_NONE : r.access(n);
    }

    /** Index of the explicit memory operand, or -1. */
    public static int memoryOperand(Instruction i) {
        for (int n = 0; n < i.nOperands; n++) if (i.kind[n] == OP_MEM) return n;
        return -1;
    }

    /** Access of the explicit memory operand ({@code ACC_R}, {@code ACC_W}, {@code ACC_RW}, {@code ACC_ADDR}, ACC_NONE if none). */
    public static int memoryOperandAccess(Instruction i) {
        int m = memoryOperand(i);
        return m < 0 ? ACC_NONE : operandAccess(i, m);
    }

    /** Implicit memory accesses ({@code IM_*} bits of {@link OpcodeTable}). */
    public static int implicitMemory(Instruction i) {
        Row r = row(i);
        return r == null ? 0 : r.implicitMemory;
    }

    /** GPRs whose value the instruction reads (explicit operands read, address registers, implicit reads). */
    public static int regsRead(Instruction i) {
        Row r = row(i);
        if (r == null) return 0;
        int m = r.implicitRegsRead;
        if (rep(i)) m |= r.repRegsRead;
        int bits = r.accessBits;
        for (int n = 0; n < i.nOperands; n++, bits >>>= 4) {
            int a = bits & 0xF;
            int k = i.kind[n];
            if (k == OP_REG) {
                if ((a & ACC_R) != 0) m |= 1 << gpr(i.reg[n]);
            } else if (k == OP_MEM && a != ACC_NONE) {
                m |= addressRegs(i);
            }
        }
        return m;
    }

    /** GPRs the instruction may write, fully or partially (see {@link #regsPartiallyWritten}). */
    public static int regsWritten(Instruction i) {
        Row r = row(i);
        if (r == null) return 0;
        int m = r.implicitRegsWritten;
        if (rep(i)) m |= r.repRegsWritten;
        int bits = r.accessBits;
        for (int n = 0; n < i.nOperands; n++, bits >>>= 4) {
            if (i.kind[n] == OP_REG && (bits & ACC_W) != 0) m |= 1 << gpr(i.reg[n]);
        }
        return m;
    }

    /** The subset of {@link #regsWritten} written with 8 or 16 bits: the rest of the register is kept. */
    public static int regsPartiallyWritten(Instruction i) {
        Row r = row(i);
        if (r == null) return 0;
        int m = r.implicitPartialFixed;
        if (i.opSize <= 2) m |= r.implicitWrittenV;
        int bits = r.accessBits;
        for (int n = 0; n < i.nOperands; n++, bits >>>= 4) {
            if (i.kind[n] == OP_REG && (bits & ACC_W) != 0 && i.size[n] <= 2) m |= 1 << gpr(i.reg[n]);
        }
        return m;
    }

    /** GPRs written as a whole (32-bit writes zero-extend): {@code regsWritten & ~regsPartiallyWritten}. */
    public static int regsFullyWritten(Instruction i) {
        return regsWritten(i) & ~regsPartiallyWritten(i);
    }

    /**
     * GPRs whose value before the instruction matters to a JIT that holds whole registers:
     * {@code regsRead | regsPartiallyWritten}.
     */
    public static int regsNeeded(Instruction i) {
        return regsRead(i) | regsPartiallyWritten(i);
    }

    /** Every GPR the instruction reads or writes: {@code regsRead | regsWritten}. */
    public static int regsUsed(Instruction i) {
        return regsRead(i) | regsWritten(i);
    }

    /** Whether the instruction may read memory (explicit operand or implicit stack/string/table). */
    public static boolean readsMemory(Instruction i) {
        Row r = row(i);
        if (r == null) return false;
        if ((r.implicitMemory & IM_READS) != 0) return true;
        int a = memAccess(r, i);
        return a != ACC_ADDR && (a & ACC_R) != 0;
    }

    /** Whether the instruction may write memory (explicit operand or implicit stack/string). */
    public static boolean writesMemory(Instruction i) {
        Row r = row(i);
        if (r == null) return false;
        if ((r.implicitMemory & IM_WRITES) != 0) return true;
        int a = memAccess(r, i);
        return a != ACC_ADDR && (a & ACC_W) != 0;
    }

    /** {@code readsMemory || writesMemory}. */
    public static boolean accessesMemory(Instruction i) {
        return readsMemory(i) || writesMemory(i);
    }

    private static int memAccess(Row r, Instruction i) {
        int bits = r.accessBits;
        for (int n = 0; n < i.nOperands; n++, bits >>>= 4) if (i.kind[n] == OP_MEM) return bits & 0xF;
        return ACC_NONE;
    }
}

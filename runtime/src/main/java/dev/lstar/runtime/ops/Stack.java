package dev.lstar.runtime.ops;

import static dev.lstar.runtime.interp.Operands.*;

import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.sys.Segments;
import dev.lstar.runtime.sys.SystemInsns;

/**
 * Stack instructions: PUSH, POP, PUSHF, POPF, ENTER, LEAVE (Intel SDM Vol. 2 each). Operand size 8,
 * or 2 with a 66 prefix ({@code i.opSize}). Every store happens before RSP changes, so a fault
 * leaves RSP as it was.
 */
public final class Stack {
    private Stack() {}

    /** PUSH r/m, imm, or FS/GS (the selector, zero-extended). */
    public static void push(Cpu c, Instruction i) {
        dev.lstar.runtime.interp.Operands.push(c, i.kind[0] == Instruction.OP_SREG ? c.segSel[i.reg[0]] : read(c, i, 0), i.opSize);
    }

    /** POP r/m or FS/GS; a memory destination's address is computed with RSP already incremented. */
    public static void pop(Cpu c, Instruction i) {
        int size = i.opSize;
        long v = peek(c, size);
        long rsp = c.r[Cpu.RSP];
        if (i.kind[0] == Instruction.OP_SREG) {
            Segments.loadSegment(c, i.reg[0], (int) v);
            c.r[Cpu.RSP] = rsp + size;
        } else if (i.kind[0] == Instruction.OP_MEM) {
            c.r[Cpu.RSP] = rsp + size;
            try {
                write(c, i, 0, v);
            } catch (CpuException e) {
                c.r[Cpu.RSP] = rsp;
                throw e;
            }
        } else {
            c.r[Cpu.RSP] = rsp + size;
            writeReg(c, i.reg[0], size, v);
        }
    }

    /** PUSHFQ: the RFLAGS image (RF and VM read as 0). */
    public static void pushf(Cpu c, Instruction i) {
        dev.lstar.runtime.interp.Operands.push(c, SystemInsns.pushfImage(c), i.opSize);
    }

    /** POPFQ: the bits the CPL and IOPL allow (see {@link SystemInsns#popf}). */
    public static void popf(Cpu c, Instruction i) {
        long v = peek(c, i.opSize);
        c.r[Cpu.RSP] += i.opSize;
        SystemInsns.popf(c, v, i.opSize);
    }

    /** LEAVE: RSP = RBP, then pop RBP; #SS(0) for a non-canonical RBP. */
    public static void leave(Cpu c, Instruction i) {
        int size = i.opSize;
        long rbp = c.r[Cpu.RBP];
        if (!c.canonical(rbp)) throw CpuException.ss(0, "leave: non-canonical rbp");
        long v = readMem(c, rbp, size);
        c.r[Cpu.RSP] = rbp + size;
        writeReg(c, Cpu.RBP, size, v);
    }

    /** ENTER imm16, imm8: a frame of the given size and nesting level (level mod 32). */
    public static void enter(Cpu c, Instruction i) {
        int alloc = (int) (i.imm & 0xFFFF);
        int level = (int) (i.imm2 & 0x1F);
        int size = i.opSize;
        long rsp = c.r[Cpu.RSP];
        long rbp = c.r[Cpu.RBP];
        long frame = rsp - size;
        // write everything first (faults leave registers untouched), then commit
        writeMem(c, frame, size, rbp);
        long sp = frame;
        for (int l = 1; l < level; l++) {
            long v = readMem(c, rbp - (long) l * size, size);
            sp -= size;
            writeMem(c, sp, size, v);
        }
        if (level > 0) {
            sp -= size;
            writeMem(c, sp, size, frame);
        }
        writeReg(c, Cpu.RBP, size, frame);
        c.r[Cpu.RSP] = sp - alloc;
    }
}

package dev.lstar.runtime.ops;

import static dev.lstar.runtime.interp.Operands.*;

import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;

/**
 * Exchanges and compare-exchanges: XCHG, XADD, CMPXCHG, CMPXCHG8B, CMPXCHG16B (Intel SDM Vol. 2
 * each). The memory destination is read with write intent ({@link dev.lstar.runtime.interp.Operands#readForWrite}):
 * these are locked read-modify-write operations, and a page that may not be written faults before
 * anything changes. CMPXCHG* write the destination back even when the comparison fails (the SDM's
 * "the destination operand is written back if the comparison fails"). With one CPU LOCK's
 * atomicity is implied; with several ({@code Cpu.smp}) {@link Atomics} runs them.
 */
public final class Exchange {
    private Exchange() {}

    /** XCHG r/m, r (and XCHG r, rAX). */
    public static void xchg(Cpu c, Instruction i) {
        if (c.smp && !c.inAtomic && i.kind[0] == Instruction.OP_MEM) { // XCHG with memory is always locked
            Atomics.execute(c, i);
            return;
        }
        long a = readForWrite(c, i, 0), b = read(c, i, 1);
        if (i.kind[0] == Instruction.OP_MEM) { write(c, i, 0, b); write(c, i, 1, a); }
        else { write(c, i, 1, a); write(c, i, 0, b); } // (same register: the second write wins, as on hardware)
    }

    /** XADD r/m, r: the sum to the destination, the old destination to the source; flags of the addition. */
    public static void xadd(Cpu c, Instruction i) {
        int size = i.opSize;
        long dst = readForWrite(c, i, 0), src = read(c, i, 1);
        long sum = Alu.add(c, dst, src, size);
        if (i.kind[0] == Instruction.OP_MEM) { write(c, i, 0, sum); write(c, i, 1, dst); }
        else { write(c, i, 1, dst); write(c, i, 0, sum); }
    }

    /** CMPXCHG r/m, r: compare the accumulator with the destination (flags of CMP). */
    public static void cmpxchg(Cpu c, Instruction i) {
        int size = i.opSize;
        long dst = readForWrite(c, i, 0);
        long acc = readReg(c, Cpu.RAX, size);
        Alu.cmp(c, acc, dst, size);
        if (acc == dst) {
            write(c, i, 0, read(c, i, 1));
        } else {
            if (i.kind[0] == Instruction.OP_MEM) write(c, i, 0, dst); // written back with its own value
            writeReg(c, Cpu.RAX, size, dst);
        }
    }

    /** CMPXCHG8B m64: EDX:EAX against the operand; equal: ECX:EBX stored, ZF = 1; else loaded into EDX:EAX. */
    public static void cmpxchg8b(Cpu c, Instruction i) {
        long la = linear(c, i);
        long m = c.mmu.readForWrite(la, 8);
        long cmp = (c.r[Cpu.RDX] << 32) | (c.r[Cpu.RAX] & 0xFFFF_FFFFL);
        long fl = c.getRflags();
        if (m == cmp) {
            c.mmu.write64(la, (c.r[Cpu.RCX] << 32) | (c.r[Cpu.RBX] & 0xFFFF_FFFFL));
            c.setRflags(fl | Flags.ZF);
        } else {
            c.mmu.write64(la, m);
            c.setRflags(fl & ~Flags.ZF);
            c.r[Cpu.RAX] = m & 0xFFFF_FFFFL;
            c.r[Cpu.RDX] = m >>> 32;
        }
    }

    /** CMPXCHG16B m128 (REX.W): RDX:RAX against the operand, RCX:RBX stored; #GP(0) unless 16-byte aligned. */
    public static void cmpxchg16b(Cpu c, Instruction i) {
        long la = linear(c, i);
        if ((la & 15) != 0) throw CpuException.gp0("cmpxchg16b: unaligned operand");
        long lo = c.mmu.readForWrite(la, 8), hi = c.mmu.readForWrite(la + 8, 8); // one page: aligned
        long fl = c.getRflags();
        if (lo == c.r[Cpu.RAX] && hi == c.r[Cpu.RDX]) {
            c.mmu.write64(la, c.r[Cpu.RBX]);
            c.mmu.write64(la + 8, c.r[Cpu.RCX]);
            c.setRflags(fl | Flags.ZF);
        } else {
            c.mmu.write64(la, lo);
            c.mmu.write64(la + 8, hi);
            c.setRflags(fl & ~Flags.ZF);
            c.r[Cpu.RAX] = lo;
            c.r[Cpu.RDX] = hi;
        }
    }
}

package dev.lstar.runtime.ops;

import static dev.lstar.runtime.interp.Operands.*;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.interp.Exec;

/**
 * Near branches: JMP, CALL, RET, Jcc, JRCXZ, LOOP/LOOPE/LOOPNE (Intel SDM Vol. 2 each). Each returns
 * the next RIP, or {@link Exec#FALLTHROUGH} for a branch not taken.
 */
public final class Branches {
    private Branches() {}

    /** A near branch target must be canonical: #GP(0) at the branch, not at the target (SDM Vol. 1 §6.3.7). */
    public static long target(Cpu c, long t) {
        if (!c.canonical(t)) throw CpuException.gp0("branch to non-canonical address 0x" + Long.toHexString(t));
        return t;
    }

    public static long jmp(Cpu c, Instruction i) {
        return target(c, i.kind[0] == Instruction.OP_REL ? i.target : read(c, i, 0));
    }

    /** CALL: the target is checked before the return address is pushed. */
    public static long call(Cpu c, Instruction i) {
        long t = target(c, i.kind[0] == Instruction.OP_REL ? i.target : read(c, i, 0));
        push(c, i.next(), i.opSize);
        return t;
    }

    /** RET [imm16]: pops the target, then releases imm16 more bytes. */
    public static long ret(Cpu c, Instruction i) {
        long t = target(c, peek(c, i.opSize));
        c.r[Cpu.RSP] += i.opSize + (i.nOperands > 0 ? (i.imm & 0xFFFF) : 0);
        return t;
    }

    /** Jcc: the target of a relative branch is not checked here; the fetch there faults if it must. */
    public static long jcc(Cpu c, Instruction i) {
        return c.cond(i.cond) ? i.target : Exec.FALLTHROUGH;
    }

    public static long jrcxz(Cpu c, Instruction i) {
        return readReg(c, Cpu.RCX, i.addrSize) == 0 ? i.target : Exec.FALLTHROUGH;
    }

    /** LOOP/LOOPE/LOOPNE: decrement RCX (ECX with 0x67) without touching flags, then test. */
    public static long loop(Cpu c, Instruction i) {
        long cx = readReg(c, Cpu.RCX, i.addrSize) - 1;
        writeReg(c, Cpu.RCX, i.addrSize, cx);
        boolean go = mask(cx, i.addrSize) != 0;
        if (i.mnemonic == Mnemonic.LOOPE) go &= (c.getRflags() & Flags.ZF) != 0;
        if (i.mnemonic == Mnemonic.LOOPNE) go &= (c.getRflags() & Flags.ZF) == 0;
        return go ? i.target : Exec.FALLTHROUGH;
    }
}

package dev.lstar.runtime.ops;

import static dev.lstar.runtime.interp.Operands.*;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.interp.Exec;

/**
 * MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS with REP/REPE/REPNE (SDM Vol. 2 "REP/REPE/REPZ/REPNE/REPNZ").
 * INS and OUTS check the I/O permission for port DX first ({@code SystemInsns.ioPermission}: #GP(0)
 * at CPL 3 without an I/O bitmap that allows it — checked on the host even for a REP with RCX 0),
 * then move elements as {@code SystemInsns.portIo} does: lstar models no devices, so a read
 * port gives all ones and a written value is discarded.
 * Source is [seg:RSI] (default DS, FS/GS overrides honoured), destination is ES:[RDI] (no
 * override). With a 0x67 prefix the index and count registers are ESI/EDI/ECX. A repeated
 * instruction updates RSI/RDI/RCX after each element, so a fault in the middle leaves the
 * completed iterations visible and RIP at the instruction, as on hardware; long repeats return
 * to the engine every {@link #CHUNK} elements ({@link Exec#REPEAT}: not retired yet, executed again)
 * so that stop requests are honoured. The instruction retires once, when it completes.
 */
public final class StringOps {
    private StringOps() {}

    static final int CHUNK = 1 << 16;

    public static long execute(Cpu c, Instruction i) {
        int size = i.opSize;
        int as = i.addrSize;
        boolean rep = (i.prefixes & (Instruction.P_REP | Instruction.P_REPNE)) != 0;
        long step = (c.getRflags() & Flags.DF) != 0 ? -size : size;
        long srcBase = (i.segment == Instruction.SEG_FS || i.segment == Instruction.SEG_GS) ? c.segBase[i.segment] : 0;
        int op = i.op;
        if (i.mnemonic == Mnemonic.INS || i.mnemonic == Mnemonic.OUTS) {
            dev.lstar.runtime.sys.SystemInsns.ioPermission(c, (int) c.r[Cpu.RDX] & 0xFFFF, size);
        }
        if (!rep) {
            one(c, i, op, size, as, step, srcBase);
            return Exec.FALLTHROUGH;
        }
        boolean conditional = i.mnemonic == Mnemonic.CMPS || i.mnemonic == Mnemonic.SCAS;
        boolean repne = (i.prefixes & Instruction.P_REPNE) != 0;
        for (int n = 0; n < CHUNK; n++) {
            if (mask(c.r[Cpu.RCX], as) == 0) return Exec.FALLTHROUGH;
            one(c, i, op, size, as, step, srcBase);
            writeReg(c, Cpu.RCX, as, c.r[Cpu.RCX] - 1);
            if (conditional) {
                boolean zf = c.cond(Flags.CC_E);
                if (repne ? zf : !zf) return Exec.FALLTHROUGH;
            }
        }
        return mask(c.r[Cpu.RCX], as) == 0 ? Exec.FALLTHROUGH : Exec.REPEAT; // continue later
    }

    private static long addr(Cpu c, long base, long reg, int as) {
        long la = base + mask(reg, as);
        if (!c.canonical(la)) throw CpuException.gp0("string operation at non-canonical address 0x" + Long.toHexString(la));
        return la;
    }

    private static void one(Cpu c, Instruction i, int op, int size, int as, long step, long srcBase) {
        switch (i.mnemonic) {
            case MOVS -> {
                long v = readMem(c, addr(c, srcBase, c.r[Cpu.RSI], as), size);
                writeMem(c, addr(c, 0, c.r[Cpu.RDI], as), size, v);
                writeReg(c, Cpu.RSI, as, c.r[Cpu.RSI] + step);
                writeReg(c, Cpu.RDI, as, c.r[Cpu.RDI] + step);
            }
            case STOS -> {
                writeMem(c, addr(c, 0, c.r[Cpu.RDI], as), size, c.r[Cpu.RAX]);
                writeReg(c, Cpu.RDI, as, c.r[Cpu.RDI] + step);
            }
            case LODS -> {
                long v = readMem(c, addr(c, srcBase, c.r[Cpu.RSI], as), size);
                writeReg(c, Cpu.RAX, size, v);
                writeReg(c, Cpu.RSI, as, c.r[Cpu.RSI] + step);
            }
            case CMPS -> {
                long a = readMem(c, addr(c, srcBase, c.r[Cpu.RSI], as), size);
                long b = readMem(c, addr(c, 0, c.r[Cpu.RDI], as), size);
                Alu.cmp(c, a, b, size);
                writeReg(c, Cpu.RSI, as, c.r[Cpu.RSI] + step);
                writeReg(c, Cpu.RDI, as, c.r[Cpu.RDI] + step);
            }
            case SCAS -> {
                long b = readMem(c, addr(c, 0, c.r[Cpu.RDI], as), size);
                Alu.cmp(c, readReg(c, Cpu.RAX, size), b, size);
                writeReg(c, Cpu.RDI, as, c.r[Cpu.RDI] + step);
            }
            case INS -> { // an unclaimed port reads all ones
                writeMem(c, addr(c, 0, c.r[Cpu.RDI], as), size, -1L);
                writeReg(c, Cpu.RDI, as, c.r[Cpu.RDI] + step);
            }
            case OUTS -> { // read for the port, which nothing claims
                readMem(c, addr(c, srcBase, c.r[Cpu.RSI], as), size);
                writeReg(c, Cpu.RSI, as, c.r[Cpu.RSI] + step);
            }
            default -> throw new IllegalStateException("not a string instruction: " + i.mnemonic);
        }
    }
}

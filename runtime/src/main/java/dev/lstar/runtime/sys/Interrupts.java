package dev.lstar.runtime.sys;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;

/**
 * Event delivery through the IA-32e-mode IDT and the software-interrupt instructions (Intel SDM
 * Vol. 3A §6.12 "Exception and Interrupt Handling", §6.14 "Exception and Interrupt Handling in
 * 64-bit Mode", §6.15 table 6-5 for double faults; Vol. 2A "INT n/INTO/INT3/INT1" pseudocode,
 * IA-32e-MODE branch). IRETQ lives in {@link Iret}.
 *
 * <p>Only IA-32e mode (EFER.LMA = 1) is supported; delivering an event outside it throws
 * {@link IllegalStateException}.
 */
public final class Interrupts {
    private Interrupts() {}

    /** Event kinds: how the event was generated. They decide the DPL check, EXT and the saved RF. */
    public static final int KIND_FAULT = 0, KIND_TRAP = 1, KIND_SOFTWARE = 2, KIND_EXTERNAL = 3;

    private static final int CLASS_BENIGN = 0, CLASS_CONTRIBUTORY = 1, CLASS_PAGE_FAULT = 2, CLASS_DOUBLE_FAULT = 3;

    /** TSS field offsets in the 64-bit TSS (SDM Vol. 3A §8.7, figure 8-11): RSP0..2, IST1..7. */
    public static final int TSS_RSP0 = 4, TSS_IST1 = 36;

    /** Exception class for double-fault detection (SDM Vol. 3A table 6-4). */
    private static int classOf(int vector, int kind) {
        if (kind == KIND_SOFTWARE || kind == KIND_EXTERNAL) return CLASS_BENIGN;
        return switch (vector) {
            case CpuException.DE, CpuException.TS, CpuException.NP, CpuException.SS, CpuException.GP -> CLASS_CONTRIBUTORY;
            case CpuException.PF -> CLASS_PAGE_FAULT;
            case CpuException.DF -> CLASS_DOUBLE_FAULT;
            default -> CLASS_BENIGN;
        };
    }

    /**
     * Delivers a {@link CpuException} raised by an instruction. {@code faultRip} is the address of
     * the faulting instruction, {@code nextRip} the address of the next one: software interrupts
     * ({@code e.trap}, i.e. INT n / INT3 / INTO) save {@code nextRip}; faults save {@code faultRip}.
     * For #PF, CR2 is set to {@code e.address} first.
     *
     * <p>Engine: restore the precise architectural state of the faulting instruction (registers,
     * RSP, flags) before calling. On return {@code cpu.rip}, CS, SS, RSP, RFLAGS and CPL are the
     * handler's; end the block and continue at {@code cpu.rip}. May throw {@link TripleFault}.
     */
    public static void deliver(Cpu cpu, CpuException e, long faultRip, long nextRip) {
        if (e.trap) {
            deliverEvent(cpu, e.vector, e.errorCode, e.hasErrorCode, e.hardwareTrap ? KIND_TRAP : KIND_SOFTWARE, faultRip, nextRip);
        } else {
            if (e.vector == CpuException.PF) cpu.cr2 = e.address;
            deliverEvent(cpu, e.vector, e.errorCode, e.hasErrorCode, KIND_FAULT, faultRip, faultRip);
        }
    }

    /**
     * Delivers event {@code vector} of the given {@code kind} (KIND_*). {@code returnRip} is pushed
     * as the return address; {@code faultRip} is the address reported if the delivery itself
     * faults (the instruction that caused the event; equal to {@code returnRip} for faults and
     * external interrupts). A fault during delivery is handled per SDM table 6-5: serially, as a
     * #DF (error code 0), or, during #DF delivery, as a shutdown ({@link TripleFault}). Error
     * codes of exceptions raised while delivering a non-software event get EXT (bit 0) set.
     *
     * <p>Callers deliver hardware exceptions with {@code KIND_FAULT} (the saved RFLAGS image gets
     * RF = 1, except for #DB: SDM Vol. 3A §18.3.1.1) or {@code KIND_TRAP} (e.g. single-step #DB);
     * INT n/INT3/INTO with {@code KIND_SOFTWARE} (gate DPL checked); interrupts/NMI with
     * {@code KIND_EXTERNAL}. Clears {@code cpu.halted}.
     */
    public static void deliverEvent(Cpu cpu, int vector, int errorCode, boolean hasErrorCode, int kind,
                                    long faultRip, long returnRip) {
        if ((cpu.efer & Cpu.EFER_LMA) == 0) {
            throw new dev.lstar.runtime.engine.UnsupportedFeatureException("interrupt delivery outside IA-32e mode is not supported by lstar ("
                    + CpuException.vectorName(vector) + ")");
        }
        cpu.halted = false;
        int v = vector, err = errorCode, k = kind;
        boolean hasErr = hasErrorCode;
        long ret = returnRip;
        while (true) {
            try {
                deliverOnce(cpu, v, err, hasErr, k, ret);
                return;
            } catch (CpuException f) {
                int first = classOf(v, k);
                int second = classOf(f.vector, KIND_FAULT);
                if (first == CLASS_DOUBLE_FAULT) {
                    if (second == CLASS_CONTRIBUTORY || second == CLASS_PAGE_FAULT) {
                        throw new TripleFault(f.vector, f.describe() + " while delivering #DF");
                    }
                }
                if (f.vector == CpuException.PF) cpu.cr2 = f.address;
                boolean ext = k != KIND_SOFTWARE;
                if ((first == CLASS_CONTRIBUTORY && second == CLASS_CONTRIBUTORY)
                        || (first == CLASS_PAGE_FAULT && (second == CLASS_CONTRIBUTORY || second == CLASS_PAGE_FAULT))) {
                    v = CpuException.DF;
                    err = 0;
                    hasErr = true;
                } else {
                    // Handle serially: the second exception replaces the first.
                    v = f.vector;
                    err = f.errorCode;
                    hasErr = f.hasErrorCode;
                    if (hasErr && ext && v != CpuException.PF && v != CpuException.DF) err |= 1;
                }
                k = KIND_FAULT;
                ret = faultRip;
            }
        }
    }

    /**
     * One delivery attempt through the 64-bit IDT. All checks and reads happen first, then the
     * frame is pushed, then registers are committed, so a fault leaves registers unchanged.
     */
    private static void deliverOnce(Cpu cpu, int vector, int errorCode, boolean hasErrorCode, int kind, long returnRip) {
        int idtErr = vector * 8 + 2; // IDT bit set; EXT is added by the caller when it applies
        if (vector * 16 + 15 > cpu.idtrLimit) {
            throw CpuException.gp(idtErr, "vector " + vector + " beyond IDT limit");
        }
        long gateLo = cpu.mmu.readSys64(cpu.idtrBase + vector * 16L);
        long gateHi = cpu.mmu.readSys64(cpu.idtrBase + vector * 16L + 8);
        int gateAttr = Segments.attrOf(gateLo);
        int gateType = Segments.typeOf(gateAttr);
        // IA-32e mode: only 64-bit interrupt and trap gates; the upper type field must be 0.
        if (Segments.isCodeData(gateAttr) || (gateType != Segments.SYS_INT_GATE && gateType != Segments.SYS_TRAP_GATE)
                || ((gateHi >>> 40) & 0x1F) != 0) {
            throw CpuException.gp(idtErr, "IDT entry " + vector + " is not a 64-bit interrupt/trap gate");
        }
        if (kind == KIND_SOFTWARE && Segments.dplOf(gateAttr) < cpu.cpl) {
            throw CpuException.gp(idtErr, "INT " + vector + ": gate DPL < CPL");
        }
        if (!Segments.present(gateAttr)) {
            throw CpuException.np(idtErr, "IDT gate " + vector + " not present");
        }
        int csSel = (int) (gateLo >>> 16) & 0xFFFF;
        long target = (gateLo & 0xFFFF) | ((gateLo >>> 32) & 0xFFFF_0000L) | (gateHi << 32);
        int ist = (int) (gateLo >>> 32) & 7;

        if (Segments.isNull(csSel)) throw CpuException.gp(0, "IDT gate " + vector + " has a NULL CS");
        long csDesc = Segments.readDescriptor(cpu, csSel);
        int csAttr = Segments.attrOf(csDesc);
        int csDpl = Segments.dplOf(csAttr);
        if (!Segments.isCode(csAttr) || csDpl > cpu.cpl) {
            throw CpuException.gp(Segments.selErr(csSel), "interrupt target CS is not code or DPL > CPL");
        }
        if ((csAttr & Cpu.ATTR_L) == 0 || (csAttr & Cpu.ATTR_DB) != 0) {
            throw CpuException.gp(Segments.selErr(csSel), "interrupt target CS is not 64-bit code");
        }
        if (!Segments.present(csAttr)) throw CpuException.np(Segments.selErr(csSel), "interrupt target CS not present");
        if (!cpu.canonical(target)) throw CpuException.gp(0, "interrupt handler RIP non-canonical");

        boolean inner = !Segments.isConformingCode(csAttr) && csDpl < cpu.cpl;
        int newCpl = inner ? csDpl : cpu.cpl;
        long rsp;
        if (ist != 0) {
            rsp = readTss64(cpu, TSS_IST1 + (ist - 1) * 8);
        } else if (inner) {
            rsp = readTss64(cpu, TSS_RSP0 + newCpl * 8);
        } else {
            rsp = cpu.r[Cpu.RSP];
        }
        rsp &= ~0xFL; // 64-bit mode aligns the new stack to 16 bytes (SDM §6.14.2)
        long frame = rsp - (hasErrorCode ? 48 : 40);
        if (!cpu.canonical(rsp - 1) || !cpu.canonical(frame)) {
            throw CpuException.ss(0, "interrupt stack not canonical");
        }

        long flagsImage = cpu.getRflags();
        if (kind == KIND_FAULT && vector != CpuException.DB) flagsImage |= Flags.RF;
        push(cpu, newCpl, rsp - 8, cpu.segSel[Cpu.SS]);
        push(cpu, newCpl, rsp - 16, cpu.r[Cpu.RSP]);
        push(cpu, newCpl, rsp - 24, flagsImage);
        push(cpu, newCpl, rsp - 32, cpu.segSel[Cpu.CS]);
        push(cpu, newCpl, rsp - 40, returnRip);
        if (hasErrorCode) push(cpu, newCpl, rsp - 48, errorCode & 0xFFFF_FFFFL);

        // Commit.
        csDesc = Segments.setAccessed(cpu, csSel, csDesc);
        Segments.loadCache(cpu, Cpu.CS, (csSel & 0xFFFC) | newCpl, csDesc);
        if (inner) Segments.loadNullSs(cpu, newCpl); // NULL SS with RPL = new CPL (SDM §6.14.4)
        cpu.setCpl(newCpl);
        cpu.r[Cpu.RSP] = frame;
        long f = cpu.getRflags() & ~(long) (Flags.TF | Flags.NT | Flags.RF | Flags.VM);
        if (gateType == Segments.SYS_INT_GATE) f &= ~(long) Flags.IF;
        cpu.setRflags(f);
        cpu.rip = target;
    }

    private static void push(Cpu cpu, int newCpl, long la, long value) {
        if (newCpl == 3) cpu.mmu.write64(la, value); // same-privilege delivery in ring 3: user access
        else cpu.mmu.writeSys64(la, value);
    }

    /** Reads a quadword of the current 64-bit TSS; #TS(TR selector) if beyond the TSS limit. */
    static long readTss64(Cpu cpu, int offset) {
        if ((cpu.trAttr & Cpu.ATTR_UNUSABLE) != 0 || offset + 7L > (cpu.trLimit & 0xFFFF_FFFFL)) {
            throw CpuException.ts(Segments.selErr(cpu.trSel), "TSS offset " + offset + " beyond TSS limit");
        }
        return cpu.mmu.readSys64(cpu.trBase + offset);
    }

    // ------------------------------------------------------------------ instructions

    /**
     * INT imm8. {@code faultRip} is the INT instruction's address, {@code nextRip} the next
     * instruction's. Delivers the software interrupt (gate DPL must be &gt;= CPL, else
     * #GP(n*8+2) is delivered instead). On return continue at {@code cpu.rip}.
     */
    public static void intN(Cpu cpu, int n, long faultRip, long nextRip) {
        cpu.debugTrapPending = false; // INT n clears TF as it transfers: no single-step trap after it
        deliverEvent(cpu, n & 0xFF, 0, false, KIND_SOFTWARE, faultRip, nextRip);
    }

    /** INT3 (CC): #BP as a software interrupt (DPL-checked), saved RIP = next instruction. */
    public static void int3(Cpu cpu, long faultRip, long nextRip) {
        cpu.debugTrapPending = false; // as INT n
        deliverEvent(cpu, CpuException.BP, 0, false, KIND_SOFTWARE, faultRip, nextRip);
    }

    /**
     * INT1/ICEBP (F1): #DB delivered like a hardware trap (no DPL check, EXT = 1; SDM Vol. 2A
     * INT n/INTO/INT3/INT1).
     */
    public static void int1(Cpu cpu, long faultRip, long nextRip) {
        deliverEvent(cpu, CpuException.DB, 0, false, KIND_TRAP, faultRip, nextRip);
    }

    /**
     * INTO: #UD in 64-bit mode; in compatibility mode raises #OF (as a software interrupt) when
     * OF = 1, otherwise does nothing (returns false: continue with the next instruction).
     */
    public static boolean into(Cpu cpu, long faultRip, long nextRip) {
        if (cpu.is64BitCode()) throw CpuException.ud("INTO in 64-bit mode");
        if ((cpu.getRflags() & Flags.OF) == 0) return false;
        deliverEvent(cpu, CpuException.OF, 0, false, KIND_SOFTWARE, faultRip, nextRip);
        return true;
    }

    /**
     * Delivers an external (maskable) interrupt {@code vector} if RFLAGS.IF = 1, saving
     * {@code rip} (the next instruction to execute). Returns false, delivering nothing, when IF = 0.
     * Engine: call only at instruction boundaries outside an STI/MOV SS interrupt shadow.
     */
    public static boolean externalInterrupt(Cpu cpu, int vector, long rip) {
        if ((cpu.getRflags() & Flags.IF) == 0) return false;
        deliverEvent(cpu, vector & 0xFF, 0, false, KIND_EXTERNAL, rip, rip);
        return true;
    }
}

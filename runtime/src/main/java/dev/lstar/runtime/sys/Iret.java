package dev.lstar.runtime.sys;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;

/**
 * IRET in 64-bit mode (Intel SDM Vol. 2A "IRET/IRETD/IRETQ" pseudocode, IA-32e-MODE and
 * PROTECTED-MODE-RETURN / RETURN-TO-OUTER-PRIVILEGE-LEVEL branches; docs/spec/syscall-path.md §6.1).
 * In IA-32e mode IRET always pops SS:RSP, whether or not the privilege level changes.
 */
public final class Iret {
    private Iret() {}

    /** RFLAGS bits IRET always restores: CF PF AF ZF SF TF DF OF NT RF AC ID. */
    static final long ALWAYS = Flags.CF | Flags.PF | Flags.AF | Flags.ZF | Flags.SF | Flags.TF | Flags.DF | Flags.OF
            | Flags.NT | Flags.RF | Flags.AC | Flags.ID;

    /**
     * IRET executed in 64-bit mode with operand size {@code opSize} bytes (8 = IRETQ, 4 = IRETD,
     * 2 = IRET with 66h). Reads the five-slot frame RIP, CS, RFLAGS, RSP, SS at RSP; performs all
     * checks before changing any state (#GP(0), #GP(sel), #NP(sel), #SS(sel), and page faults on
     * the frame reads), then loads RIP, CS, RFLAGS, SS:RSP and CPL = CS.RPL, and on a return to an
     * outer level nulls DS/ES/FS/GS whose DPL is below the new CPL.
     *
     * <p>Engine: on return continue at {@code cpu.rip} (end the block: CPL and mode may change).
     * On a fault the state is that of the IRET instruction itself (still at the old CPL; for
     * example Linux relies on a non-canonical RIP faulting at CPL 0 on {@code native_irq_return_iret}).
     */
    public static void iret(Cpu cpu, int opSize) {
        if (!cpu.is64BitCode()) {
            throw new dev.lstar.runtime.engine.UnsupportedFeatureException("IRET outside 64-bit mode is not supported by lstar");
        }
        if (opSize != 8 && opSize != 4 && opSize != 2) throw new IllegalArgumentException("IRET operand size " + opSize);
        long oldFlags = cpu.getRflags();
        // IA-32e mode: NT = 1 would be a task return, which does not exist: #GP(0).
        if ((oldFlags & Flags.NT) != 0) throw CpuException.gp0("IRET with RFLAGS.NT=1 in IA-32e mode");

        long sp = cpu.r[Cpu.RSP];
        long tempRip = pop(cpu, sp, opSize);
        int tempCs = (int) pop(cpu, sp + opSize, opSize) & 0xFFFF;
        long tempFlags = pop(cpu, sp + 2L * opSize, opSize);
        long tempRsp = pop(cpu, sp + 3L * opSize, opSize);
        int tempSs = (int) pop(cpu, sp + 4L * opSize, opSize) & 0xFFFF;

        int cpl = cpu.cpl;
        if (Segments.isNull(tempCs)) throw CpuException.gp0("IRET to NULL CS");
        long csDesc = Segments.readDescriptor(cpu, tempCs);
        int csAttr = Segments.attrOf(csDesc);
        int rpl = tempCs & 3;
        if (!Segments.isCode(csAttr)) throw CpuException.gp(Segments.selErr(tempCs), "IRET: CS is not a code segment");
        if (rpl < cpl) throw CpuException.gp(Segments.selErr(tempCs), "IRET: CS.RPL < CPL");
        int csDpl = Segments.dplOf(csAttr);
        if (Segments.isConformingCode(csAttr) ? csDpl > rpl : csDpl != rpl) {
            throw CpuException.gp(Segments.selErr(tempCs), "IRET: CS DPL/RPL mismatch");
        }
        boolean to64 = (csAttr & Cpu.ATTR_L) != 0;
        if (to64 && (csAttr & Cpu.ATTR_DB) != 0) throw CpuException.gp(Segments.selErr(tempCs), "IRET: CS with L=1 and D=1");
        if (!Segments.present(csAttr)) throw CpuException.np(Segments.selErr(tempCs), "IRET: CS not present");

        // IA-32e-mode return rules for a NULL SS (spec §6.1): #GP(0) when returning to
        // compatibility mode, to CPL 3, or with SS.RPL != new CPL.
        boolean ssNull = Segments.isNull(tempSs);
        if (ssNull && (!to64 || rpl == 3 || (tempSs & 3) != rpl)) {
            throw CpuException.gp0("IRET: NULL SS not allowed for this return");
        }
        if (to64) {
            if (opSize == 8 && !cpu.canonical(tempRip)) {
                throw CpuException.gp0("IRET to non-canonical RIP 0x" + Long.toHexString(tempRip));
            }
        } else if ((tempRip & 0xFFFF_FFFFL) > (Segments.limitOf(csDesc) & 0xFFFF_FFFFL)) {
            throw CpuException.gp0("IRET: EIP beyond CS limit");
        }
        long ssDesc = 0;
        if (!ssNull) {
            // RETURN-TO-OUTER-PRIVILEGE-LEVEL checks, done for every 64-bit-mode IRET since SS:RSP is always popped.
            if ((tempSs & 3) != rpl) throw CpuException.gp(Segments.selErr(tempSs), "IRET: SS.RPL != CS.RPL");
            ssDesc = Segments.readDescriptor(cpu, tempSs);
            int ssAttr = Segments.attrOf(ssDesc);
            if (!Segments.isWritableData(ssAttr) || Segments.dplOf(ssAttr) != rpl) {
                throw CpuException.gp(Segments.selErr(tempSs), "IRET: SS not a writable data segment with DPL = CS.RPL");
            }
            if (!Segments.present(ssAttr)) throw CpuException.ss(Segments.selErr(tempSs), "IRET: SS not present");
        }

        // RFLAGS: always-restored bits; IF if CPL <= IOPL; IOPL, VIF, VIP only at CPL 0 (old CPL and IOPL).
        long mask = ALWAYS;
        int iopl = (int) (oldFlags >>> 12) & 3;
        if (cpl <= iopl) mask |= Flags.IF;
        if (cpl == 0) mask |= Flags.IOPL | Flags.VIF | Flags.VIP;
        if (opSize == 2) mask &= 0xFFFF;
        long newFlags = (oldFlags & ~mask) | (tempFlags & mask);

        // Commit. Accessed bits are set as descriptors are loaded.
        csDesc = Segments.setAccessed(cpu, tempCs, csDesc);
        if (!ssNull) ssDesc = Segments.setAccessed(cpu, tempSs, ssDesc);
        cpu.rip = to64 ? tempRip : tempRip & 0xFFFF_FFFFL;
        Segments.loadCache(cpu, Cpu.CS, tempCs, csDesc);
        cpu.setRflags(newFlags & ~(long) Flags.VM);
        if (ssNull) Segments.loadNullSs(cpu, tempSs);
        else Segments.loadCache(cpu, Cpu.SS, tempSs, ssDesc);
        cpu.r[Cpu.RSP] = tempRsp;
        cpu.setCpl(rpl);
        if (rpl > cpl) {
            invalidateIfNotAccessible(cpu, Cpu.ES, rpl);
            invalidateIfNotAccessible(cpu, Cpu.DS, rpl);
            invalidateIfNotAccessible(cpu, Cpu.FS, rpl);
            invalidateIfNotAccessible(cpu, Cpu.GS, rpl);
        }
    }

    /** Reads one frame slot of {@code size} bytes (zero-extended) at the current CPL. */
    private static long pop(Cpu cpu, long la, int size) {
        return switch (size) {
            case 8 -> cpu.mmu.read64(la);
            case 4 -> cpu.mmu.read32(la) & 0xFFFF_FFFFL;
            default -> cpu.mmu.read16(la) & 0xFFFFL;
        };
    }

    /**
     * SDM IRET, RETURN-TO-OUTER-PRIVILEGE-LEVEL: a data or non-conforming code segment whose
     * cached DPL is below the new CPL is made NULL (selector 0). Already-unusable segments are
     * left alone, so a NULL FS/GS keeps its 64-bit base.
     */
    private static void invalidateIfNotAccessible(Cpu cpu, int seg, int newCpl) {
        int attr = cpu.segAttr[seg];
        if ((attr & Cpu.ATTR_UNUSABLE) != 0 || !Segments.isCodeData(attr)) return;
        if (Segments.isConformingCode(attr)) return;
        if (Segments.dplOf(attr) < newCpl) {
            cpu.segSel[seg] = 0;
            cpu.segAttr[seg] = Cpu.ATTR_UNUSABLE;
        }
    }
}

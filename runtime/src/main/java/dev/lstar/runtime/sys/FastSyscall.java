package dev.lstar.runtime.sys;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.Vendor;

/**
 * SYSCALL, SYSRET and SWAPGS (Intel SDM Vol. 2B SYSCALL/SYSRET, Vol. 2B SWAPGS, Vol. 3A §5.8.8;
 * AMD APM Vol. 3 SYSCALL/SYSRET), following docs/spec/syscall-path.md §1 including the two
 * vendor differences: Intel checks SYSRET's RCX for canonicality at CPL 0; AMD does not, and AMD
 * SYSRET loads only the SS selector, keeping the hidden SS attributes.
 *
 * <p>Every helper raises its exceptions before changing any state.
 */
public final class FastSyscall {
    private FastSyscall() {}

    /** SYSRET loads RFLAGS from R11 AND this mask, OR 2 (clears RF, VM and reserved bits). */
    public static final long SYSRET_RFLAGS_MASK = 0x3C7FD7L;

    private static boolean longModeActive(Cpu cpu) {
        return (cpu.efer & Cpu.EFER_LMA) != 0;
    }

    /**
     * SYSCALL. {@code nextRip} is the address of the instruction after SYSCALL (saved in RCX).
     * On return {@code cpu.rip} is the kernel entry point (LSTAR, or CSTAR for an AMD
     * compatibility-mode SYSCALL), CPL = 0, CS/SS hold the fixed flat caches derived from STAR,
     * RSP is unchanged. Throws #UD (EFER.SCE = 0; on Intel also outside 64-bit mode) with no state
     * changed. Engine: end the block; continue at {@code cpu.rip}.
     */
    public static void syscall(Cpu cpu, long nextRip) {
        if ((cpu.efer & Cpu.EFER_SCE) == 0) throw CpuException.ud("SYSCALL with EFER.SCE=0");
        boolean mode64 = cpu.is64BitCode();
        long target;
        if (mode64) {
            target = cpu.lstar;
        } else if (cpu.vendor == Vendor.AMD && longModeActive(cpu)) {
            // AMD compatibility-mode SYSCALL: target from CSTAR, return EIP in RCX (APM Vol. 3 SYSCALL).
            target = cpu.cstar;
            nextRip &= 0xFFFF_FFFFL;
        } else if (cpu.vendor == Vendor.INTEL) {
            throw CpuException.ud("SYSCALL outside 64-bit mode (Intel)");
        } else {
            throw new dev.lstar.runtime.engine.UnsupportedFeatureException("legacy-mode SYSCALL (EFER.LMA=0) is not supported by lstar");
        }
        long rflags = cpu.getRflags() & ~(long) Flags.RF;
        cpu.debugTrapPending = false; // no single-step trap after SYSCALL, even with TF set at its start
        cpu.r[Cpu.RCX] = nextRip;
        cpu.r[Cpu.R11] = rflags;
        cpu.setRflags(rflags & ~cpu.fmask);
        int sel = (int) (cpu.star >>> 32) & 0xFFFF;
        // Fixed caches, not read from the GDT (SDM SYSCALL Operation; spec §1.1 steps 5 and 7).
        Segments.loadFlat(cpu, Cpu.CS, sel & 0xFFFC, Segments.ATTR_CODE64_DPL0);
        cpu.setCpl(0);
        Segments.loadFlat(cpu, Cpu.SS, (sel + 8) & 0xFFFF, Segments.ATTR_DATA_DPL0);
        cpu.rip = target;
    }

    /**
     * SYSRET. {@code rexW} selects SYSRETQ (return to 64-bit mode, RIP = RCX) versus the 32-bit
     * form (return to compatibility mode, RIP = ECX). Checks, in order: #UD if EFER.SCE = 0 (Intel
     * also outside 64-bit mode); #GP(0) if CPL != 0; Intel only: #GP(0) if SYSRETQ's RCX is not
     * canonical — raised at CPL 0 with no state changed (CVE-2012-0217). AMD loads the
     * non-canonical RIP and switches to CPL 3; the engine's next fetch then faults in ring 3.
     * On return {@code cpu.rip} is the user RIP and CPL = 3. Engine: end the block; continue at
     * {@code cpu.rip}.
     */
    public static void sysret(Cpu cpu, boolean rexW) {
        if ((cpu.efer & Cpu.EFER_SCE) == 0) throw CpuException.ud("SYSRET with EFER.SCE=0");
        if (!cpu.is64BitCode()) {
            if (cpu.vendor == Vendor.INTEL) throw CpuException.ud("SYSRET outside 64-bit mode (Intel)");
            if (!longModeActive(cpu)) throw new dev.lstar.runtime.engine.UnsupportedFeatureException("legacy-mode SYSRET (EFER.LMA=0) is not supported by lstar");
        }
        if (cpu.cpl != 0) throw CpuException.gp0("SYSRET at CPL " + cpu.cpl);
        long rcx = cpu.r[Cpu.RCX];
        if (rexW && cpu.vendor == Vendor.INTEL && !cpu.canonical(rcx)) {
            throw CpuException.gp0("SYSRET to non-canonical RIP 0x" + Long.toHexString(rcx));
        }
        int base = (int) (cpu.star >>> 48) & 0xFFFF;
        long newRip = rexW ? rcx : rcx & 0xFFFF_FFFFL;
        cpu.setRflags((cpu.r[Cpu.R11] & SYSRET_RFLAGS_MASK) | Flags.FIXED1);
        // TF restored by SYSRET traps right after it, before the user instruction (Linux 6.6
        // entry_64.S takes IRET when R11 has TF for this reason)
        cpu.debugTrapPending = (cpu.rflags & Flags.TF) != 0;
        if (rexW) {
            Segments.loadFlat(cpu, Cpu.CS, ((base + 16) | 3) & 0xFFFF, Segments.ATTR_CODE64_DPL3);
        } else {
            Segments.loadFlat(cpu, Cpu.CS, (base | 3) & 0xFFFF, Segments.ATTR_CODE32_DPL3);
        }
        cpu.setCpl(3);
        int ss = ((base + 8) | 3) & 0xFFFF;
        if (cpu.vendor == Vendor.INTEL) {
            Segments.loadFlat(cpu, Cpu.SS, ss, Segments.ATTR_DATA_DPL3);
        } else {
            // AMD: only the selector is written; the hidden SS base/limit/attributes are kept, so an
            // unusable SS cache left by an interrupt entry stays unusable (Linux X86_BUG_SYSRET_SS_ATTRS,
            // arch/x86/kernel/cpu/amd.c; spec §1.2).
            cpu.segSel[Cpu.SS] = ss;
        }
        cpu.rip = newRip;
    }

    /**
     * SWAPGS: exchanges GS.base with IA32_KERNEL_GS_BASE. #UD outside 64-bit mode, #GP(0) at
     * CPL != 0 (SDM Vol. 2B SWAPGS). Engine: continue with the next instruction.
     */
    public static void swapgs(Cpu cpu) {
        if (!cpu.is64BitCode()) throw CpuException.ud("SWAPGS outside 64-bit mode");
        if (cpu.cpl != 0) throw CpuException.gp0("SWAPGS at CPL " + cpu.cpl);
        long t = cpu.segBase[Cpu.GS];
        cpu.segBase[Cpu.GS] = cpu.kernelGsBase;
        cpu.kernelGsBase = t;
    }
}

package dev.lstar.runtime.sys;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;

/**
 * MOV to/from CR0, CR2, CR3, CR4, CR8 and CLTS (Intel SDM Vol. 2B "MOV—Move to/from Control
 * Registers", Vol. 3A §2.5 "Control Registers", §4.10.4 "Invalidation of TLBs and
 * Paging-Structure Caches"). All are CPL 0 only. A block of translated code must end after any
 * of them: they can change paging, CPL-independent protection, and the TLB.
 */
public final class ControlRegs {
    private ControlRegs() {}

    /** CR0 bits that exist: PE MP EM TS ET NE WP AM NW CD PG. Other bits 31:0 are ignored on write. */
    static final long CR0_DEFINED = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | (1L << 16) | (1L << 18) | (1L << 29) | (1L << 30) | (1L << 31);
    static final long CR0_TS = 0x8, CR0_NW = 1L << 29, CR0_CD = 1L << 30;

    /**
     * CR4 bits lstar lets software set: TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT UMIP LA57 (if
     * supported) FSGSBASE PCIDE SMEP SMAP. Every other bit is reserved for this model and #GP(0)
     * (VME/PVI, VMXE, SMXE, OSXSAVE, PKE, CET, LAM are not implemented and not advertised by CPUID).
     */
    public static final long CR4_SUPPORTED = Cpu.CR4_TSD | (1L << 3) | (1L << 4) | Cpu.CR4_PAE | (1L << 6) | Cpu.CR4_PGE
            | (1L << 8) | (1L << 9) | (1L << 10) | Cpu.CR4_UMIP | (Features.LA57 ? Cpu.CR4_LA57 : 0) | Cpu.CR4_FSGSBASE
            | Cpu.CR4_PCIDE | Cpu.CR4_SMEP | Cpu.CR4_SMAP;

    /** CR4 bits whose change invalidates all TLB entries (SDM Vol. 3A §4.10.4.1, MOV to CR4). */
    static final long CR4_FLUSH_BITS = (1L << 4) | Cpu.CR4_PAE | Cpu.CR4_PGE | Cpu.CR4_LA57 | Cpu.CR4_SMEP | Cpu.CR4_PCIDE;

    private static void requireCpl0(Cpu cpu, String what) {
        if (cpu.cpl != 0) throw CpuException.gp0(what + " at CPL " + cpu.cpl);
    }

    /** {@link #requireCpl0(Cpu, String)} for MOV to/from CR{@code n}: builds the message only when it throws. */
    private static void requireCpl0(Cpu cpu, boolean to, int n) {
        if (cpu.cpl != 0) requireCpl0(cpu, (to ? "MOV to CR" : "MOV from CR") + n);
    }

    private static boolean longModeActive(Cpu cpu) {
        return (cpu.efer & Cpu.EFER_LMA) != 0;
    }

    /**
     * MOV CRn, r64. #GP(0) at CPL &gt; 0 or for reserved bits / illegal combinations; #UD for a
     * control register that does not exist (CR1, CR5-CR7, CR9-CR15). On a fault nothing changes.
     * Engine: on return continue with the next instruction, and end the translated block (the TLB,
     * paging mode or permissions may have changed).
     */
    public static void movToCr(Cpu cpu, int n, long value) {
        if (n != 0 && n != 2 && n != 3 && n != 4 && n != 8) throw CpuException.ud("MOV to CR" + n);
        requireCpl0(cpu, true, n);
        switch (n) {
            case 0 -> writeCr0(cpu, value);
            case 2 -> cpu.cr2 = value;
            case 3 -> writeCr3(cpu, value);
            case 4 -> writeCr4(cpu, value);
            default -> {
                // CR8 = TPR: bits 63:4 reserved (SDM Vol. 3A §10.8.6.1).
                if ((value & ~0xFL) != 0) throw CpuException.gp0("MOV to CR8 reserved bits");
                cpu.cr8 = value;
            }
        }
    }

    /** MOV r64, CRn. #GP(0) at CPL &gt; 0, #UD for a non-existent control register. */
    public static long movFromCr(Cpu cpu, int n) {
        if (n != 0 && n != 2 && n != 3 && n != 4 && n != 8) throw CpuException.ud("MOV from CR" + n);
        requireCpl0(cpu, false, n);
        return switch (n) {
            case 0 -> cpu.cr0;
            case 2 -> cpu.cr2;
            case 3 -> cpu.cr3;
            case 4 -> cpu.cr4;
            default -> cpu.cr8;
        };
    }

    /** CLTS: clears CR0.TS; #GP(0) at CPL &gt; 0. */
    public static void clts(Cpu cpu) {
        requireCpl0(cpu, "CLTS");
        cpu.cr0 &= ~CR0_TS;
    }

    /**
     * CR0 (SDM Vol. 2B MOV CR, protected/64-bit mode exceptions; Vol. 3A §2.5, §10.8.5):
     * bits 63:32 set: #GP(0); PG = 1 with PE = 0: #GP(0); NW = 1 with CD = 0: #GP(0);
     * clearing PG in 64-bit mode or while CR4.PCIDE = 1: #GP(0); setting PG with EFER.LME = 1
     * requires CR4.PAE = 1 and CS.L = 0 (#GP(0)) and activates IA-32e mode (EFER.LMA = 1);
     * clearing PG (from compatibility mode) deactivates it. ET is hardwired to 1; other reserved
     * bits in 31:0 are ignored. A change of PG flushes the TLB; a change of WP alone makes the Mmu
     * re-derive its fast paths (rights are re-evaluated on every access).
     */
    private static void writeCr0(Cpu cpu, long value) {
        if ((value >>> 32) != 0) throw CpuException.gp0("MOV to CR0 with bits 63:32 set");
        value = (value & CR0_DEFINED) | Cpu.CR0_ET;
        if ((value & Cpu.CR0_PG) != 0 && (value & Cpu.CR0_PE) == 0) throw CpuException.gp0("CR0.PG=1 with PE=0");
        if ((value & CR0_NW) != 0 && (value & CR0_CD) == 0) throw CpuException.gp0("CR0.NW=1 with CD=0");
        long old = cpu.cr0;
        boolean pgOn = (old & Cpu.CR0_PG) == 0 && (value & Cpu.CR0_PG) != 0;
        boolean pgOff = (old & Cpu.CR0_PG) != 0 && (value & Cpu.CR0_PG) == 0;
        long efer = cpu.efer;
        if (pgOff) {
            if (cpu.is64BitCode()) throw CpuException.gp0("clearing CR0.PG in 64-bit mode");
            if ((cpu.cr4 & Cpu.CR4_PCIDE) != 0) throw CpuException.gp0("clearing CR0.PG with CR4.PCIDE=1");
            efer &= ~Cpu.EFER_LMA;
        }
        if (pgOn && (efer & Cpu.EFER_LME) != 0) {
            if ((cpu.cr4 & Cpu.CR4_PAE) == 0) throw CpuException.gp0("enabling long mode with CR4.PAE=0");
            if ((cpu.segAttr[Cpu.CS] & Cpu.ATTR_L) != 0) throw CpuException.gp0("enabling long mode with CS.L=1");
            efer |= Cpu.EFER_LMA;
        }
        cpu.cr0 = value;
        cpu.efer = efer;
        if (((old ^ value) & Cpu.CR0_PG) != 0) cpu.mmu.flushAll();
        else if (((old ^ value) & Cpu.CR0_WP) != 0) cpu.mmu.accessControlChanged();
        if (((old ^ value) & Cpu.CR0_AM) != 0) cpu.mmu.syncAlignmentCheck();
    }

    /**
     * CR3 (SDM Vol. 3A §4.5, §4.10.4.1): with CR4.PCIDE = 1, bit 63 is the no-flush hint (never
     * stored) and bits 11:0 the PCID; with PCIDE = 0 bit 63 is reserved. Physical-address bits at
     * or above MAXPHYADDR (and bits 62:61, LAM, not implemented) are #GP(0). The TLB effect is
     * {@code Mmu.writeCr3}'s, which also stores CR3.
     */
    private static void writeCr3(Cpu cpu, long value) {
        long v = value;
        if ((cpu.cr4 & Cpu.CR4_PCIDE) != 0) v &= ~(1L << 63);
        if ((v & (Features.PHYS_RESERVED_MASK | (1L << 63))) != 0) {
            throw CpuException.gp0("MOV to CR3 reserved bits 0x" + Long.toHexString(value));
        }
        cpu.mmu.writeCr3(value);
    }

    /**
     * CR4 (SDM Vol. 2B MOV CR exceptions; Vol. 3A §2.5, §4.10.1): reserved/unsupported bits:
     * #GP(0); clearing PAE while IA-32e mode is active: #GP(0); changing LA57 while IA-32e mode is
     * active: #GP(0); setting PCIDE outside IA-32e mode or with CR3[11:0] != 0: #GP(0). Changes to
     * PSE, PAE, PGE, LA57, SMEP or PCIDE flush every TLB entry, global ones included (setting PCIDE
     * needs no flush, but flushing more is always allowed); a change of SMAP alone only makes the
     * Mmu re-derive its fast paths.
     */
    private static void writeCr4(Cpu cpu, long value) {
        if ((value & ~CR4_SUPPORTED) != 0) {
            throw CpuException.gp0("MOV to CR4 reserved bits 0x" + Long.toHexString(value & ~CR4_SUPPORTED));
        }
        long old = cpu.cr4;
        boolean ia32e = longModeActive(cpu);
        if (ia32e && (value & Cpu.CR4_PAE) == 0) throw CpuException.gp0("clearing CR4.PAE in IA-32e mode");
        if (ia32e && ((old ^ value) & Cpu.CR4_LA57) != 0) throw CpuException.gp0("changing CR4.LA57 in IA-32e mode");
        if ((old & Cpu.CR4_PCIDE) == 0 && (value & Cpu.CR4_PCIDE) != 0) {
            if (!ia32e) throw CpuException.gp0("setting CR4.PCIDE outside IA-32e mode");
            if ((cpu.cr3 & 0xFFF) != 0) throw CpuException.gp0("setting CR4.PCIDE with CR3[11:0] != 0");
        }
        cpu.cr4 = value;
        if (((old ^ value) & CR4_FLUSH_BITS) != 0) cpu.mmu.flushAll();
        else if (((old ^ value) & Cpu.CR4_SMAP) != 0) cpu.mmu.accessControlChanged();
    }
}

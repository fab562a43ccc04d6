package dev.lstar.runtime.sys;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;

/**
 * Model-specific registers: RDMSR / WRMSR (Intel SDM Vol. 2B RDMSR, WRMSR; Vol. 4 table 2-2;
 * AMD APM Vol. 2 appendix A). Only the MSRs lstar models exist; any other index is #GP(0), as is
 * any access at CPL &gt; 0, a write that sets a reserved bit, or a non-canonical address written to
 * an address MSR.
 *
 * <p>FS_BASE and GS_BASE alias {@code cpu.segBase[FS]} / {@code cpu.segBase[GS]}.
 */
public final class Msrs {
    private Msrs() {}

    public static final int TSC = 0x10;
    public static final int SYSENTER_CS = 0x174, SYSENTER_ESP = 0x175, SYSENTER_EIP = 0x176;
    public static final int EFER = 0xC000_0080, STAR = 0xC000_0081, LSTAR = 0xC000_0082, CSTAR = 0xC000_0083,
            FMASK = 0xC000_0084, FS_BASE = 0xC000_0100, GS_BASE = 0xC000_0101, KERNEL_GS_BASE = 0xC000_0102,
            TSC_AUX = 0xC000_0103;

    /** EFER bits software may write: SCE, LME, NXE. LMA (bit 10) is read-only and set by the CPU. */
    static final long EFER_WRITABLE = Cpu.EFER_SCE | Cpu.EFER_LME | Cpu.EFER_NXE;

    /** The time-stamp counter as RDTSC/RDMSR(0x10) see it. */
    public static long tsc(Cpu cpu) {
        return cpu.instructions + cpu.tscOffset;
    }

    /**
     * RDMSR with an explicit index. Returns the 64-bit value. #GP(0) at CPL &gt; 0 or for an MSR
     * lstar does not implement.
     */
    public static long rdmsr(Cpu cpu, int index) {
        if (cpu.cpl != 0) throw CpuException.gp0("RDMSR at CPL " + cpu.cpl);
        return switch (index) {
            case TSC -> tsc(cpu);
            case SYSENTER_CS -> cpu.sysenterCs;
            case SYSENTER_ESP -> cpu.sysenterEsp;
            case SYSENTER_EIP -> cpu.sysenterEip;
            case EFER -> cpu.efer;
            case STAR -> cpu.star;
            case LSTAR -> cpu.lstar;
            case CSTAR -> cpu.cstar;
            case FMASK -> cpu.fmask;
            case FS_BASE -> cpu.segBase[Cpu.FS];
            case GS_BASE -> cpu.segBase[Cpu.GS];
            case KERNEL_GS_BASE -> cpu.kernelGsBase;
            case TSC_AUX -> cpu.tscAux;
            default -> throw CpuException.gp0("RDMSR of unimplemented MSR 0x" + Integer.toHexString(index));
        };
    }

    /**
     * WRMSR with an explicit index and 64-bit value. On a fault nothing changes. Changing EFER.NXE
     * flushes the TLB (the meaning of bit 63 in every cached translation changes).
     */
    public static void wrmsr(Cpu cpu, int index, long value) {
        if (cpu.cpl != 0) throw CpuException.gp0("WRMSR at CPL " + cpu.cpl);
        switch (index) {
            case TSC -> cpu.tscOffset = value - cpu.instructions;
            // IA32_SYSENTER_CS: bits 15:0 selector; the upper half is reserved (SDM Vol. 4 table 2-2).
            case SYSENTER_CS -> cpu.sysenterCs = value & 0xFFFF_FFFFL;
            case SYSENTER_ESP -> cpu.sysenterEsp = requireCanonical(index, value);
            case SYSENTER_EIP -> cpu.sysenterEip = requireCanonical(index, value);
            case EFER -> writeEfer(cpu, value);
            case STAR -> cpu.star = value;
            case LSTAR -> cpu.lstar = requireCanonical(index, value);
            case CSTAR -> cpu.cstar = requireCanonical(index, value);
            case FMASK -> {
                // IA32_FMASK bits 63:32 are reserved (SDM Vol. 4 table 2-2; AMD SFMASK likewise).
                if ((value >>> 32) != 0) throw CpuException.gp0("WRMSR FMASK reserved bits 63:32");
                cpu.fmask = value;
            }
            case FS_BASE -> cpu.segBase[Cpu.FS] = requireCanonical(index, value);
            case GS_BASE -> cpu.segBase[Cpu.GS] = requireCanonical(index, value);
            case KERNEL_GS_BASE -> cpu.kernelGsBase = requireCanonical(index, value);
            case TSC_AUX -> {
                // IA32_TSC_AUX bits 63:32 are reserved.
                if ((value >>> 32) != 0) throw CpuException.gp0("WRMSR TSC_AUX reserved bits 63:32");
                cpu.tscAux = value;
            }
            default -> throw CpuException.gp0("WRMSR of unimplemented MSR 0x" + Integer.toHexString(index));
        }
    }

    private static long requireCanonical(int index, long value) {
        if (!Features.canonicalForLoad(value)) {
            throw CpuException.gp0("WRMSR 0x" + Integer.toHexString(index) + " non-canonical 0x" + Long.toHexString(value));
        }
        return value;
    }

    /**
     * EFER write rules (SDM Vol. 3A §2.2.1 and §10.8.5; Vol. 4 table 2-2): reserved bits (anything
     * but SCE, LME, LMA, NXE) are #GP(0); LMA is read-only (the written value is ignored); LME
     * cannot change while paging is enabled (#GP(0)), since long mode is activated by setting
     * CR0.PG with LME = 1.
     */
    private static void writeEfer(Cpu cpu, long value) {
        if ((value & ~(EFER_WRITABLE | Cpu.EFER_LMA)) != 0) {
            throw CpuException.gp0("WRMSR EFER reserved bits 0x" + Long.toHexString(value & ~(EFER_WRITABLE | Cpu.EFER_LMA)));
        }
        long old = cpu.efer;
        if (cpu.paging() && ((old ^ value) & Cpu.EFER_LME) != 0) {
            throw CpuException.gp0("WRMSR EFER.LME change while CR0.PG = 1");
        }
        cpu.efer = (value & EFER_WRITABLE) | (old & Cpu.EFER_LMA);
        if (((old ^ cpu.efer) & Cpu.EFER_NXE) != 0 && cpu.mmu != null) {
            cpu.mmu.flushAll();
        }
    }

    /**
     * RDMSR instruction: index from ECX, result to EDX:EAX (upper halves of RAX/RDX zeroed).
     * Engine: on return continue with the next instruction.
     */
    public static void rdmsrInsn(Cpu cpu) {
        long v = rdmsr(cpu, (int) cpu.r[Cpu.RCX]);
        cpu.r[Cpu.RAX] = v & 0xFFFF_FFFFL;
        cpu.r[Cpu.RDX] = v >>> 32;
    }

    /** WRMSR instruction: index from ECX, value from EDX:EAX. Engine: on return continue with the next instruction. */
    public static void wrmsrInsn(Cpu cpu) {
        long v = (cpu.r[Cpu.RDX] << 32) | (cpu.r[Cpu.RAX] & 0xFFFF_FFFFL);
        wrmsr(cpu, (int) cpu.r[Cpu.RCX], v);
    }
}

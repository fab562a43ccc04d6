package dev.lstar.runtime.sys;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;

/**
 * Small system instructions: HLT, CLI, STI, PUSHF/POPF flag rules, RDTSC, RDTSCP,
 * RD/WR FS/GS BASE and INVLPG (Intel SDM Vol. 2 instruction pages of the same names). Protected
 * mode without VME/PVI (lstar does not implement CR4.VME/PVI, so the virtual-interrupt variants of
 * CLI/STI/POPF never apply).
 */
public final class SystemInsns {
    private SystemInsns() {}

    /**
     * HLT: #GP(0) at CPL &gt; 0; otherwise sets {@code cpu.halted}. Engine: set RIP to the next
     * instruction (a wake-up interrupt saves that RIP), stop executing until an interrupt is
     * delivered ({@link Interrupts} clears {@code halted}).
     */
    public static void hlt(Cpu cpu) {
        if (cpu.cpl != 0) throw CpuException.gp0("HLT at CPL " + cpu.cpl);
        cpu.halted = true;
    }

    /** CLI: clears IF; #GP(0) if CPL &gt; IOPL (SDM Vol. 2A CLI, protected mode, PVI = 0). */
    public static void cli(Cpu cpu) {
        long f = cpu.getRflags();
        if (cpu.cpl > ((f >>> 12) & 3)) throw CpuException.gp0("CLI with CPL > IOPL");
        cpu.setRflags(f & ~(long) Flags.IF);
    }

    /**
     * STI: sets IF; #GP(0) if CPL &gt; IOPL. Returns true when IF went from 0 to 1: the engine must
     * then not deliver maskable interrupts before the next instruction completes (SDM Vol. 2B STI,
     * interrupt shadow).
     */
    public static boolean sti(Cpu cpu) {
        long f = cpu.getRflags();
        if (cpu.cpl > ((f >>> 12) & 3)) throw CpuException.gp0("STI with CPL > IOPL");
        cpu.setRflags(f | Flags.IF);
        return (f & Flags.IF) == 0;
    }

    /**
     * The RFLAGS image PUSHF/PUSHFQ stores: VM and RF read as 0 in the image (SDM Vol. 2B PUSHF).
     * Engine pushes the low {@code opSize} bytes.
     */
    public static long pushfImage(Cpu cpu) {
        return cpu.getRflags() & ~(long) (Flags.RF | Flags.VM);
    }

    /**
     * POPF/POPFQ with the popped {@code value} and operand size {@code opSize} (2, 4, 8) outside
     * virtual-8086 mode (SDM Vol. 2B POPF): the modifiable set is CF PF AF ZF SF TF IF DF OF IOPL
     * NT AC ID; at CPL &gt; 0 IOPL is kept; IF is kept when CPL &gt; IOPL (silently, no fault); VIP,
     * VIF, VM and reserved bits are kept; RF is cleared (32/64-bit forms). A 16-bit POPF only
     * touches bits 15:0. Engine: pop the value first (RSP update), then call; end the block if TF
     * or IF may have changed.
     */
    public static void popf(Cpu cpu, long value, int opSize) {
        long old = cpu.getRflags();
        long mask = Flags.CF | Flags.PF | Flags.AF | Flags.ZF | Flags.SF | Flags.TF | Flags.IF | Flags.DF | Flags.OF
                | Flags.IOPL | Flags.NT | Flags.AC | Flags.ID;
        int cpl = cpu.cpl;
        if (cpl > 0) mask &= ~(long) Flags.IOPL;
        if (cpl > ((old >>> 12) & 3)) mask &= ~(long) Flags.IF;
        long f;
        if (opSize == 2) {
            mask &= 0xFFFF;
            f = (old & ~mask) | (value & mask);
        } else {
            f = ((old & ~mask) | (value & mask)) & ~(long) Flags.RF;
        }
        cpu.setRflags(f);
    }

    private static void tscCheck(Cpu cpu, String what) {
        // CR4.TSD: RDTSC/RDTSCP are privileged (SDM Vol. 2B RDTSC).
        if ((cpu.cr4 & Cpu.CR4_TSD) != 0 && cpu.cpl > 0) throw CpuException.gp0(what + " with CR4.TSD at CPL " + cpu.cpl);
    }

    /** RDTSC: EDX:EAX = TSC (instructions retired + offset). #GP(0) if CR4.TSD and CPL &gt; 0. */
    public static void rdtsc(Cpu cpu) {
        tscCheck(cpu, "RDTSC");
        long t = Msrs.tsc(cpu);
        cpu.r[Cpu.RAX] = t & 0xFFFF_FFFFL;
        cpu.r[Cpu.RDX] = t >>> 32;
    }

    /** RDTSCP: as RDTSC, plus ECX = IA32_TSC_AUX[31:0] (RCX upper half zeroed). */
    public static void rdtscp(Cpu cpu) {
        tscCheck(cpu, "RDTSCP");
        long t = Msrs.tsc(cpu);
        cpu.r[Cpu.RAX] = t & 0xFFFF_FFFFL;
        cpu.r[Cpu.RDX] = t >>> 32;
        cpu.r[Cpu.RCX] = cpu.tscAux & 0xFFFF_FFFFL;
    }

    private static void fsgsCheck(Cpu cpu, String what) {
        // SDM Vol. 2A RDFSBASE/WRFSBASE: #UD outside 64-bit mode or when CR4.FSGSBASE = 0.
        if (!cpu.is64BitCode() || (cpu.cr4 & Cpu.CR4_FSGSBASE) == 0) throw CpuException.ud(what + " without CR4.FSGSBASE / 64-bit mode");
    }

    /** RDFSBASE: returns the FS base (the engine keeps 32 bits for the 32-bit operand form). */
    public static long rdfsbase(Cpu cpu) {
        fsgsCheck(cpu, "RDFSBASE");
        return cpu.segBase[Cpu.FS];
    }

    /** RDGSBASE: returns the GS base. */
    public static long rdgsbase(Cpu cpu) {
        fsgsCheck(cpu, "RDGSBASE");
        return cpu.segBase[Cpu.GS];
    }

    /**
     * WRFSBASE r32/r64: the engine passes the register value zero-extended for the 32-bit form.
     * #GP(0) for a non-canonical value.
     */
    public static void wrfsbase(Cpu cpu, long value) {
        fsgsCheck(cpu, "WRFSBASE");
        if (!Features.canonicalForLoad(value)) throw CpuException.gp0("WRFSBASE non-canonical");
        cpu.segBase[Cpu.FS] = value;
    }

    /** WRGSBASE; as {@link #wrfsbase}. */
    public static void wrgsbase(Cpu cpu, long value) {
        fsgsCheck(cpu, "WRGSBASE");
        if (!Features.canonicalForLoad(value)) throw CpuException.gp0("WRGSBASE non-canonical");
        cpu.segBase[Cpu.GS] = value;
    }

    /**
     * INVLPG m: #GP(0) at CPL &gt; 0; drops the translation of linear address {@code la} (all
     * PCIDs, global included). A non-canonical address is a no-op: the SDM lists no fault for it
     * (Vol. 2A INVLPG, 64-bit mode exceptions). Engine: pass the effective linear address; end the
     * block.
     */
    public static void invlpg(Cpu cpu, long la) {
        if (cpu.cpl != 0) throw CpuException.gp0("INVLPG at CPL " + cpu.cpl);
        if (!cpu.canonical(la)) return;
        cpu.mmu.invlpg(la);
    }

    /**
     * RDPID: returns IA32_TSC_AUX (zero-extended; the engine writes the 64-bit register in
     * 64-bit mode). Allowed at any CPL.
     */
    public static long rdpid(Cpu cpu) {
        return cpu.tscAux & 0xFFFF_FFFFL;
    }

    /**
     * INVPCID r64, m128 (SDM Vol. 2A INVPCID): {@code type} is the register operand, {@code la}
     * the linear address of the 16-byte descriptor (PCID in bits 11:0, bits 63:12 reserved, linear
     * address in bytes 8..15). #GP(0) at CPL &gt; 0, for a type above 3, reserved descriptor bits, a
     * non-canonical address with type 0, or a non-zero PCID with CR4.PCIDE = 0 (types 0 and 1).
     * Invalidation is done by {@code Mmu.invpcid}. Engine: end the block.
     */
    public static void invpcid(Cpu cpu, long type, long la) {
        if (cpu.cpl != 0) throw CpuException.gp0("INVPCID at CPL " + cpu.cpl);
        if (Long.compareUnsigned(type, 3) > 0) throw CpuException.gp0("INVPCID type " + type);
        long pcidQ = cpu.mmu.read64(la);
        long addr = cpu.mmu.read64(la + 8);
        if ((pcidQ & ~0xFFFL) != 0) throw CpuException.gp0("INVPCID descriptor reserved bits");
        if (type <= 1 && (pcidQ & 0xFFF) != 0 && (cpu.cr4 & Cpu.CR4_PCIDE) == 0) {
            throw CpuException.gp0("INVPCID with PCID != 0 while CR4.PCIDE = 0");
        }
        if (type == 0 && !Features.canonicalForLoad(addr)) throw CpuException.gp0("INVPCID non-canonical address");
        cpu.mmu.invpcid((int) type, (int) pcidQ, addr);
    }

    /**
     * The I/O permission check of IN/OUT/INS/OUTS (SDM Vol. 1 §19.5): allowed when CPL <= IOPL;
     * otherwise every bit for ports [port, port+width) in the TSS I/O permission bitmap must be
     * clear, and the two bitmap bytes read must lie within the TSS limit; else #GP(0).
     */
    public static void ioPermission(Cpu cpu, int port, int width) {
        if (cpu.cpl <= cpu.iopl()) return;
        if (cpu.trLimit < 0x67) throw CpuException.gp0("port I/O at CPL " + cpu.cpl + ": no usable TSS I/O bitmap");
        int base = cpu.mmu.readSys16(cpu.trBase + 0x66) & 0xFFFF;
        long byteOff = base + (port >>> 3);
        if (byteOff + 1 > (cpu.trLimit & 0xFFFF_FFFFL)) {
            throw CpuException.gp0("port 0x" + Integer.toHexString(port) + " outside the TSS I/O bitmap at CPL " + cpu.cpl);
        }
        int bits = cpu.mmu.readSys16(cpu.trBase + byteOff) & 0xFFFF;
        int mask = ((1 << width) - 1) << (port & 7);
        if ((bits & mask) != 0) throw CpuException.gp0("port 0x" + Integer.toHexString(port) + " denied by the TSS I/O bitmap");
    }

    /**
     * IN/OUT with an immediate or DX port. lstar models no I/O devices: a permitted IN reads all
     * ones (an unclaimed port on a PC bus), a permitted OUT is discarded; the permission check
     * ({@link #ioPermission}) is exact.
     */
    public static void portIo(Cpu c, dev.lstar.decoder.Instruction i) {
        boolean in = i.mnemonic == dev.lstar.decoder.Mnemonic.IN;
        int width = in ? i.size[0] : i.size[1];
        int port = (int) (in ? dev.lstar.runtime.interp.Operands.read(c, i, 1) : dev.lstar.runtime.interp.Operands.read(c, i, 0)) & 0xFFFF;
        ioPermission(c, port, width);
        if (in) dev.lstar.runtime.interp.Operands.writeReg(c, Cpu.RAX, width, -1L);
    }
}

package dev.lstar.runtime.setup;

import dev.lstar.runtime.Cpu;

/** Puts a CPU into 64-bit long mode with paging, as a boot loader would before jumping to a kernel. */
public final class LongMode {
    private LongMode() {}

    /**
     * CR0 = PE|MP|ET|NE|WP|AM|PG (Linux's CR0_STATE), CR4 = PAE|PGE|FSGSBASE|OSFXSR|OSXMMEXCPT
     * (Linux sets the last two in fpu__init_cpu_xstate/fpu__init_cpu_generic when the CPU has
     * FXSR/SSE) (+LA57 for five-level, +PCIDE if asked), EFER = SCE|LME|LMA|NXE, CR3 = {@code cr3}.
     */
    public static void enable(Cpu cpu, long cr3, boolean fiveLevel, boolean pcid) {
        cpu.cr0 = Cpu.CR0_PE | Cpu.CR0_MP | Cpu.CR0_ET | Cpu.CR0_NE | Cpu.CR0_WP | Cpu.CR0_AM | Cpu.CR0_PG;
        cpu.cr4 = Cpu.CR4_PAE | Cpu.CR4_PGE | Cpu.CR4_FSGSBASE | Cpu.CR4_OSFXSR | Cpu.CR4_OSXMMEXCPT
                | (fiveLevel ? Cpu.CR4_LA57 : 0) | (pcid ? Cpu.CR4_PCIDE : 0);
        cpu.efer = Cpu.EFER_SCE | Cpu.EFER_LME | Cpu.EFER_LMA | Cpu.EFER_NXE;
        cpu.cr3 = cr3;
        cpu.mmu.flushAll();
    }
}

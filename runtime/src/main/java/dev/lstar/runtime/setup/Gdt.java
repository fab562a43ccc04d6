package dev.lstar.runtime.setup;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.mem.PhysicalMemory;

/**
 * A GDT with Linux's x86-64 layout (arch/x86/include/asm/segment.h): the selector order is fixed
 * by SYSCALL/SYSRET, which derive CS and SS from STAR (kernel CS, kernel DS adjacent; user32 CS,
 * user DS, user CS consecutive). Writes the descriptors into guest memory and loads matching
 * hidden caches into the CPU, as a boot loader plus the kernel's early code would.
 */
public final class Gdt {
    private Gdt() {}

    public static final int KERNEL32_CS = 0x08, KERNEL_CS = 0x10, KERNEL_DS = 0x18, USER32_CS = 0x23,
            USER_DS = 0x2B, USER_CS = 0x33, TSS = 0x40;
    /** Entries 0..15, the TSS descriptor taking 8 and 9. */
    public static final int ENTRIES = 16;

    /** Descriptor attribute words (bits 40..55 of the descriptor) as Linux's GDT_ENTRY_INIT flags. */
    public static final int ATTR_KERNEL32_CS = 0xC09B, ATTR_KERNEL_CS = 0xA09B, ATTR_KERNEL_DS = 0xC093,
            ATTR_USER32_CS = 0xC0FB, ATTR_USER_DS = 0xC0F3, ATTR_USER_CS = 0xA0FB;

    /** An 8-byte code/data descriptor with base 0 and limit 0xFFFFF. */
    public static long flatDescriptor(int attr) {
        long limit = 0xFFFFF;
        return (limit & 0xFFFF) | ((limit >>> 16) & 0xF) << 48 | ((long) (attr & 0xF0FF) << 40);
    }

    /**
     * Writes the GDT at physical {@code pa} (one page is plenty) with a 64-bit available TSS
     * descriptor for {@code tssBase}/{@code tssLimit} (use tssLimit 0 for none), and points GDTR
     * at linear {@code la}.
     */
    public static void install(Cpu cpu, PhysicalMemory phys, long pa, long la, long tssBase, int tssLimit) {
        phys.fill(pa, 0, ENTRIES * 8);
        phys.write64(pa + KERNEL32_CS, flatDescriptor(ATTR_KERNEL32_CS));
        phys.write64(pa + KERNEL_CS, flatDescriptor(ATTR_KERNEL_CS));
        phys.write64(pa + KERNEL_DS, flatDescriptor(ATTR_KERNEL_DS));
        phys.write64(pa + (USER32_CS & ~7), flatDescriptor(ATTR_USER32_CS));
        phys.write64(pa + (USER_DS & ~7), flatDescriptor(ATTR_USER_DS));
        phys.write64(pa + (USER_CS & ~7), flatDescriptor(ATTR_USER_CS));
        if (tssLimit > 0) {
            long lo = (tssLimit & 0xFFFFL) | ((tssBase & 0xFFFFFFL) << 16) | (0x89L << 40)
                    | (((long) tssLimit >>> 16) & 0xF) << 48 | ((tssBase >>> 24) & 0xFF) << 56;
            phys.write64(pa + TSS, lo);
            phys.write64(pa + TSS + 8, tssBase >>> 32);
        }
        cpu.gdtrBase = la;
        cpu.gdtrLimit = ENTRIES * 8 - 1;
    }

    /** Loads segment register {@code seg}'s selector and hidden cache as if from a flat descriptor. */
    public static void loadFlat(Cpu cpu, int seg, int selector, int attr) {
        cpu.segSel[seg] = selector;
        cpu.segBase[seg] = 0;
        cpu.segLimit[seg] = 0xFFFF_FFFF;
        cpu.segAttr[seg] = attr & 0xF0FF | 1; // accessed
    }

    /** Sets CS/SS/DS/ES (and FS/GS selectors, keeping their bases) for privilege level {@code cpl}. */
    public static void enterRing(Cpu cpu, int cpl) {
        if (cpl == 0) {
            loadFlat(cpu, Cpu.CS, KERNEL_CS, ATTR_KERNEL_CS);
            loadFlat(cpu, Cpu.SS, KERNEL_DS, ATTR_KERNEL_DS);
            for (int s : new int[] {Cpu.DS, Cpu.ES}) { cpu.segSel[s] = 0; cpu.segAttr[s] = Cpu.ATTR_UNUSABLE; }
        } else if (cpl == 3) {
            loadFlat(cpu, Cpu.CS, USER_CS, ATTR_USER_CS);
            loadFlat(cpu, Cpu.SS, USER_DS, ATTR_USER_DS);
            loadFlat(cpu, Cpu.DS, USER_DS, ATTR_USER_DS);
            loadFlat(cpu, Cpu.ES, USER_DS, ATTR_USER_DS);
        } else {
            throw new IllegalArgumentException("cpl must be 0 or 3");
        }
        cpu.setCpl(cpl);
    }
}

package dev.lstar.runtime.sys;

/**
 * The fixed properties of the emulated processor model that the system helpers depend on:
 * physical and linear address widths. CPUID reports the same values ({@link Cpuid}).
 */
public final class Features {
    private Features() {}

    /** MAXPHYADDR: physical-address width reported by CPUID 0x80000008 EAX[7:0]. */
    public static final int MAXPHYADDR = dev.lstar.runtime.mem.Mmu.MAXPHYADDR;

    /** Whether the model supports 5-level paging (CPUID.(EAX=7,ECX=0):ECX[16], CR4.LA57 settable). */
    public static final boolean LA57 = true;

    /** Maximum linear-address width: 57 with LA57 support, else 48. */
    public static final int LINEAR_BITS = LA57 ? 57 : 48;

    /**
     * Canonical check used when an address is loaded into a base/pointer register rather than used
     * for an access: WRMSR to FS/GS/KERNEL_GS_BASE, LSTAR, CSTAR, SYSENTER_ESP/EIP, WRFSBASE and
     * WRGSBASE, LGDT/LIDT/LTR/LLDT bases. On processors that support 5-level paging these checks use
     * the processor's maximum linear-address width regardless of CR4.LA57 (Intel "5-Level Paging
     * and 5-Level EPT" white paper, §2.5 "Canonicality checking on loads of other registers").
     */
    public static boolean canonicalForLoad(long address) {
        int shift = 64 - LINEAR_BITS;
        return ((address << shift) >> shift) == address;
    }

    /** Mask of physical-address bits at and above MAXPHYADDR (bits 62:MAXPHYADDR; bit 63 excluded). */
    public static final long PHYS_RESERVED_MASK = ~((1L << MAXPHYADDR) - 1) & ~(1L << 63);
}

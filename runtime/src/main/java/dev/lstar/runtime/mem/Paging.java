package dev.lstar.runtime.mem;

/**
 * Bits of 4-level and 5-level paging-structure entries and of the #PF error code
 * (Intel SDM Vol. 3A §4.5 tables 4-15..4-20 and §4.7; AMD APM Vol. 2 §5.3).
 */
public final class Paging {
    private Paging() {}

    // ---- paging-structure entry bits
    public static final long P = 1, RW = 1 << 1, US = 1 << 2, PWT = 1 << 3, PCD = 1 << 4, A = 1 << 5, D = 1 << 6,
            PS = 1 << 7, G = 1 << 8, PAT_LARGE = 1 << 12;
    /** Execute-disable (bit 63); reserved unless EFER.NXE = 1. */
    public static final long XD = 1L << 63;

    /** Physical-address field of an entry: bits MAXPHYADDR-1 .. 12. */
    public static final long ADDR_MASK = ((1L << Mmu.MAXPHYADDR) - 1) & ~0xFFFL;
    /** Bits 51 .. MAXPHYADDR: reserved in every paging-structure entry and in CR3 (SDM §4.5.4). */
    public static final long ADDR_RESERVED = ((1L << 52) - 1) & ~((1L << Mmu.MAXPHYADDR) - 1);
    /** Bits 29:13 of a PDPTE that maps a 1 GiB page (reserved, SDM table 4-16). */
    public static final long RSVD_1G = 0x3FFF_E000L;
    /** Bits 20:13 of a PDE that maps a 2 MiB page (reserved, SDM table 4-18). */
    public static final long RSVD_2M = 0x001F_E000L;

    // ---- #PF error code (SDM §4.7 figure 4-12)
    /** 0: not present; 1: protection violation (or reserved bit). */
    public static final int PF_P = 1;
    /** The access was a write. */
    public static final int PF_W = 1 << 1;
    /** The access was a user-mode access (CPL 3, not an implicit supervisor access). */
    public static final int PF_U = 1 << 2;
    /** A reserved bit was set in some paging-structure entry. */
    public static final int PF_RSVD = 1 << 3;
    /** Instruction fetch (reported only when EFER.NXE = 1 or CR4.SMEP = 1). */
    public static final int PF_ID = 1 << 4;
}

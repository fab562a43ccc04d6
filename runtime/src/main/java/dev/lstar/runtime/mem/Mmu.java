package dev.lstar.runtime.mem;

import dev.lstar.runtime.Cpu;

/**
 * Linear-address memory access for one CPU: 4/5-level paging, permission checks, #PF with exact
 * error codes and CR2, and a software TLB tagged by PCID. (API skeleton; implementation lands with
 * the memory work.)
 *
 * <p>Data accesses ({@code readN}/{@code writeN}) use the CPU's current privilege (user when
 * CPL = 3); {@code sys} variants are implicit supervisor accesses (GDT, IDT, TSS). Callers pass
 * canonical linear addresses (segment base already added); a non-canonical address raises #GP(0).
 * Multi-byte accesses are little-endian and may cross pages. No allocation on the fast path.
 */
public final class Mmu {
    public static final int ACC_READ = 0, ACC_WRITE = 1, ACC_FETCH = 2;

    public Mmu(Cpu cpu, PhysicalMemory phys) {
        throw new UnsupportedOperationException("mmu not written yet");
    }

    public PhysicalMemory phys() { throw new UnsupportedOperationException(); }

    public int read8(long la) { throw new UnsupportedOperationException(); }
    public int read16(long la) { throw new UnsupportedOperationException(); }
    public int read32(long la) { throw new UnsupportedOperationException(); }
    public long read64(long la) { throw new UnsupportedOperationException(); }
    public void write8(long la, int v) { throw new UnsupportedOperationException(); }
    public void write16(long la, int v) { throw new UnsupportedOperationException(); }
    public void write32(long la, int v) { throw new UnsupportedOperationException(); }
    public void write64(long la, long v) { throw new UnsupportedOperationException(); }

    /** Instruction fetch of one byte at the current privilege (execute checks: NX, SMEP). */
    public int fetch8(long la) { throw new UnsupportedOperationException(); }

    public long readSys64(long la) { throw new UnsupportedOperationException(); }
    public int readSys32(long la) { throw new UnsupportedOperationException(); }
    public int readSys16(long la) { throw new UnsupportedOperationException(); }
    public void writeSys64(long la, long v) { throw new UnsupportedOperationException(); }

    /**
     * Translates {@code la} for an access of kind {@code acc} (ACC_*) made with user privilege
     * {@code user}, walking the page tables on a TLB miss (setting A/D bits) and raising #PF.
     * Returns the physical address.
     */
    public long translate(long la, int acc, boolean user) { throw new UnsupportedOperationException(); }

    /** MOV to CR3 semantics: PCID / no-flush (bit 63) / global pages. The caller validates reserved bits. */
    public void writeCr3(long value) { throw new UnsupportedOperationException(); }

    /** INVLPG: drops the translation of {@code la} in every PCID, global or not. */
    public void invlpg(long la) { throw new UnsupportedOperationException(); }

    /** Drops every translation including global ones (CR0.PG / CR4.PGE / CR4.PCIDE / CR4.LA57 changes). */
    public void flushAll() { throw new UnsupportedOperationException(); }
}

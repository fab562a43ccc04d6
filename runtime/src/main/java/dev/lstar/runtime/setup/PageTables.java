package dev.lstar.runtime.setup;

import dev.lstar.runtime.mem.PhysicalMemory;

/**
 * Builds x86-64 page tables (4-level, or 5-level for LA57) in guest physical memory: the host-side
 * equivalent of a kernel's page-table code, used to set up machines. Entries are written exactly
 * as the hardware reads them (SDM Vol. 3 §4.5).
 */
public final class PageTables {
    public static final long P = 1, RW = 2, US = 4, PWT = 8, PCD = 16, A = 32, D = 64, PS = 128, G = 256;
    public static final long NX = 1L << 63;
    public static final long ADDR_MASK = 0x000F_FFFF_FFFF_F000L;

    private final PhysicalMemory phys;
    private final FrameAllocator frames;
    private final boolean fiveLevel;
    /** Physical address of the top-level table (PML4 or PML5). */
    public final long root;

    public PageTables(PhysicalMemory phys, FrameAllocator frames, boolean fiveLevel) {
        this(phys, frames, fiveLevel, frames.allocate());
    }

    /** Wraps an existing top-level table at {@code root}. */
    public PageTables(PhysicalMemory phys, FrameAllocator frames, boolean fiveLevel, long root) {
        this.phys = phys;
        this.frames = frames;
        this.fiveLevel = fiveLevel;
        this.root = root;
    }

    public boolean fiveLevel() {
        return fiveLevel;
    }

    /**
     * Maps the 4 KiB page at {@code la} to frame {@code pa} with leaf flags {@code flags} (P is
     * added). Intermediate entries are created present, writable and user-accessible (so the leaf
     * alone decides), unless they exist already.
     */
    public void map4k(long la, long pa, long flags) {
        long table = walkCreate(la, 1);
        phys.write64(table + index(la, 1) * 8, (pa & ADDR_MASK) | flags | P);
    }

    /** Maps a 2 MiB page (PS in the PDE). */
    public void map2m(long la, long pa, long flags) {
        long table = walkCreate(la, 2);
        phys.write64(table + index(la, 2) * 8, (pa & ADDR_MASK & ~0x1FFFFFL) | flags | P | PS);
    }

    /** Maps a 1 GiB page (PS in the PDPTE). */
    public void map1g(long la, long pa, long flags) {
        long table = walkCreate(la, 3);
        phys.write64(table + index(la, 3) * 8, (pa & ADDR_MASK & ~0x3FFFFFFFL) | flags | P | PS);
    }

    /** Allocates fresh frames for [la, la+len) and maps them; returns the first frame's address. */
    public long allocateAndMap(long la, long len, long flags) {
        long first = -1;
        for (long off = 0; off < len; off += 4096) {
            long pa = frames.allocate();
            phys.fill(pa, 0, 4096);
            if (first < 0) first = pa;
            map4k(la + off, pa, flags);
        }
        return first;
    }

    /** Clears the leaf entry for {@code la} (4 KiB mappings only); returns the old entry. */
    public long unmap4k(long la) {
        long table = walk(la, 1);
        if (table < 0) return 0;
        long slot = table + index(la, 1) * 8;
        long old = phys.read64(slot);
        phys.write64(slot, 0);
        return old;
    }

    /** The leaf PTE for {@code la} (4 KiB mapping), or 0. */
    public long pte(long la) {
        long table = walk(la, 1);
        return table < 0 ? 0 : phys.read64(table + index(la, 1) * 8);
    }

    /** Rewrites the leaf PTE for {@code la}. */
    public void setPte(long la, long entry) {
        long table = walkCreate(la, 1);
        phys.write64(table + index(la, 1) * 8, entry);
    }

    /**
     * Makes entry {@code idx} of this top-level table point at the same next-level table as
     * {@code other}'s entry {@code idx}: shares a whole 512 GiB (or 256 TiB) slot between
     * address spaces, as Linux shares the kernel half between all page-table roots.
     */
    public void shareTopLevelEntry(PageTables other, int idx) {
        phys.write64(root + idx * 8L, phys.read64(other.root + idx * 8L));
    }

    public long topLevelEntry(int idx) {
        return phys.read64(root + idx * 8L);
    }

    public void setTopLevelEntry(int idx, long value) {
        phys.write64(root + idx * 8L, value);
    }

    private int levels() {
        return fiveLevel ? 5 : 4;
    }

    private static int index(long la, int level) {
        return (int) (la >>> (12 + 9 * (level - 1))) & 511;
    }

    /** Returns the table at {@code level} for {@code la}, creating intermediates. */
    private long walkCreate(long la, int level) {
        long table = root;
        for (int l = levels(); l > level; l--) {
            long slot = table + index(la, l) * 8;
            long e = phys.read64(slot);
            if ((e & P) == 0) {
                long t = frames.allocate();
                phys.fill(t, 0, 4096);
                e = t | P | RW | US;
                phys.write64(slot, e);
            } else if ((e & PS) != 0 && l <= 3) {
                throw new IllegalStateException("0x" + Long.toHexString(la) + " is already inside a large page");
            }
            table = e & ADDR_MASK;
        }
        return table;
    }

    private long walk(long la, int level) {
        long table = root;
        for (int l = levels(); l > level; l--) {
            long e = phys.read64(table + index(la, l) * 8);
            if ((e & P) == 0 || ((e & PS) != 0 && l <= 3)) return -1;
            table = e & ADDR_MASK;
        }
        return table;
    }
}

package dev.lstar.runtime.mem;

import static dev.lstar.runtime.mem.Paging.P;
import static dev.lstar.runtime.mem.Paging.PS;
import static dev.lstar.runtime.mem.Paging.RW;
import static dev.lstar.runtime.mem.Paging.US;

/**
 * Test helper: builds 4-level or 5-level page tables in guest physical memory. Tables come from a
 * bump allocator starting at {@code tableArea}; intermediate entries get {@link #upper} flags.
 */
final class PageTables {
    static final int PTE = 1, PDE = 2, PDPTE = 3, PML4E = 4, PML5E = 5;

    final PhysicalMemory phys;
    final int levels;
    final long root;
    private long next;
    /** Flags for intermediate entries created by {@link #map}. */
    long upper = P | RW | US;

    PageTables(PhysicalMemory phys, int levels, long tableArea) {
        this.phys = phys;
        this.levels = levels;
        this.next = tableArea;
        this.root = alloc();
    }

    long alloc() {
        long a = next;
        next += 4096;
        phys.fill(a, 0, 4096);
        phys.write64(a, 0); // touch it
        return a;
    }

    static int index(long la, int level) {
        return (int) (la >>> (3 + 9 * level)) & 511;
    }

    /** Maps {@code la} to {@code pa} with a leaf at {@code leafLevel} (1 = 4K, 2 = 2M, 3 = 1G) and {@code flags}. */
    PageTables map(long la, long pa, int leafLevel, long flags) {
        long table = root;
        for (int level = levels; level > leafLevel; level--) {
            long ea = table + 8L * index(la, level);
            long e = phys.read64(ea);
            if ((e & P) == 0) {
                long t = alloc();
                e = t | upper;
                phys.write64(ea, e);
            }
            table = e & Paging.ADDR_MASK;
        }
        phys.write64(table + 8L * index(la, leafLevel), pa | flags | (leafLevel > 1 ? PS : 0));
        return this;
    }

    PageTables map4k(long la, long pa, long flags) { return map(la, pa, PTE, flags); }
    PageTables map2m(long la, long pa, long flags) { return map(la, pa, PDE, flags); }
    PageTables map1g(long la, long pa, long flags) { return map(la, pa, PDPTE, flags); }

    /** Physical address of the entry for {@code la} at {@code level}; the tables above must exist. */
    long entryAddr(long la, int level) {
        long table = root;
        for (int l = levels; l > level; l--) {
            long e = phys.read64(table + 8L * index(la, l));
            if ((e & P) == 0) throw new IllegalStateException("no table at level " + l);
            table = e & Paging.ADDR_MASK;
        }
        return table + 8L * index(la, level);
    }

    long entry(long la, int level) { return phys.read64(entryAddr(la, level)); }
    void set(long la, int level, long v) { phys.write64(entryAddr(la, level), v); }
    void or(long la, int level, long bits) { set(la, level, entry(la, level) | bits); }
    void clear(long la, int level, long bits) { set(la, level, entry(la, level) & ~bits); }
}

package dev.lstar.runtime.mem;

import static dev.lstar.runtime.mem.PageTables.PDE;
import static dev.lstar.runtime.mem.PageTables.PDPTE;
import static dev.lstar.runtime.mem.PageTables.PML4E;
import static dev.lstar.runtime.mem.PageTables.PML5E;
import static dev.lstar.runtime.mem.PageTables.PTE;
import static dev.lstar.runtime.mem.Paging.A;
import static dev.lstar.runtime.mem.Paging.D;
import static dev.lstar.runtime.mem.Paging.P;
import static dev.lstar.runtime.mem.Paging.PF_ID;
import static dev.lstar.runtime.mem.Paging.PF_P;
import static dev.lstar.runtime.mem.Paging.PF_RSVD;
import static dev.lstar.runtime.mem.Paging.PF_U;
import static dev.lstar.runtime.mem.Paging.PF_W;
import static dev.lstar.runtime.mem.Paging.PS;
import static dev.lstar.runtime.mem.Paging.RW;
import static dev.lstar.runtime.mem.Paging.US;
import static dev.lstar.runtime.mem.Paging.XD;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lstar.runtime.Cpu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Translation, A/D bits, not-present and reserved-bit faults, canonical checks. */
class PagingTest extends MmuTestBase {
    static final long VA = 0x0000_7F12_3456_7000L;
    static final long KVA = 0xFFFF_8880_0000_0000L;

    @Test
    void pagingOffIsIdentity() {
        mmu.write64(0x123456, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, phys.read64(0x123456));
        assertEquals(0x55667788, mmu.read32(0x123456));
        assertEquals(0x123456, mmu.translate(0x123456, Mmu.ACC_READ, true));
        assertThrows(MachineCheckException.class, () -> mmu.read8(64 * MiB));
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 5})
    void readWriteThrough4kPage(int levels) {
        longMode(levels, true, 0);
        pt.map4k(VA, DATA, P | RW | US);
        user();
        mmu.write64(VA + 0x10, 0xCAFEBABE_DEADBEEFL);
        assertEquals(0xCAFEBABE_DEADBEEFL, phys.read64(DATA + 0x10));
        assertEquals(0xCAFEBABE_DEADBEEFL, mmu.read64(VA + 0x10));
        assertEquals(0xDEADBEEF, mmu.read32(VA + 0x10));
        assertEquals(0xBEEF, mmu.read16(VA + 0x10));
        assertEquals(0xEF, mmu.read8(VA + 0x10));
        mmu.write8(VA + 0xFFF, 0x5A);
        mmu.write16(VA + 0x20, 0x1234);
        mmu.write32(VA + 0x22, 0x89ABCDEF);
        assertEquals(0x89ABCDEF_1234L, phys.read64(DATA + 0x20));
        assertEquals(0x5A, phys.read8(DATA + 0xFFF));
        assertEquals(DATA + 0x777, mmu.translate(VA + 0x777, Mmu.ACC_WRITE, true));
        // unaligned inside the page
        mmu.write64(VA + 0x101, -2L);
        assertEquals(-2L, mmu.read64(VA + 0x101));
    }

    @Test
    void twoMegAndOneGigPages() {
        longMode4();
        long va2m = 0x0000_0040_0020_0000L, va1g = 0x0000_0080_4000_0000L;
        pt.map2m(va2m, 0x0200000, P | RW);        // 2 MiB page at physical 2 MiB
        pt.map1g(va1g, 0, P | RW);                // 1 GiB page at physical 0
        mmu.write32(va2m + 0x1F_FFF0, 0x01020304);
        assertEquals(0x01020304, phys.read32(0x200000 + 0x1F_FFF0));
        assertEquals(0x200000 + 0x12345, mmu.translate(va2m + 0x12345, Mmu.ACC_READ, false));
        mmu.write64(va1g + 0x3AB_CDE8, 77);
        assertEquals(77, phys.read64(0x3AB_CDE8));
        assertEquals(0x3AB_CDE8, mmu.translate(va1g + 0x3AB_CDE8, Mmu.ACC_READ, false));
        // PAT bit 12 of a large-page entry is not an address bit
        pt.set(va2m, PDE, 0x400000 | P | RW | PS | Paging.PAT_LARGE);
        mmu.invlpg(va2m);
        assertEquals(0x400000 + 0x1000, mmu.translate(va2m + 0x1000, Mmu.ACC_READ, false));
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 5})
    void notPresentAtEveryLevel(int levels) {
        longMode(levels, true, 0);
        pt.map4k(VA, DATA, P | RW | US);
        user();
        for (int level = PTE; level <= levels; level++) {
            long saved = pt.entry(VA, level);
            pt.set(VA, level, saved & ~P);
            mmu.flushAll();
            final int l = level;
            assertPf(VA + 0x18, PF_U, () -> mmu.read64(VA + 0x18));
            assertPf(VA + 0x18, PF_U | PF_W, () -> mmu.write8(VA + 0x18, 1));
            assertPf(VA + 3, PF_U | PF_ID, () -> mmu.fetch8(VA + 3));
            kernel();
            assertPf(VA, 0, () -> mmu.read8(VA));
            assertPf(VA, PF_W, () -> mmu.write8(VA, l));
            user();
            pt.set(VA, level, saved);
        }
        mmu.flushAll();
        assertEquals(0, mmu.read64(VA));
    }

    @Test
    void instructionFetchFlagNeedsNxeOrSmep() {
        longMode(4, false, 0);
        assertPf(VA, 0, () -> mmu.fetch8(VA));
        cpu.cr4 |= Cpu.CR4_SMEP;
        mmu.flushAll();
        assertPf(VA, PF_ID, () -> mmu.fetch8(VA));
    }

    @Test
    void reservedBits() {
        longMode(4, false, 0);
        pt.map4k(VA, DATA, P | RW | US);
        long pte = pt.entry(VA, PTE);
        // XD without EFER.NXE is reserved
        pt.set(VA, PTE, pte | XD);
        assertPf(VA, PF_P | PF_RSVD, () -> mmu.read8(VA));
        assertPf(VA, PF_P | PF_RSVD | PF_W, () -> mmu.write8(VA, 0));
        user();
        assertPf(VA, PF_P | PF_RSVD | PF_U, () -> mmu.fetch8(VA));
        kernel();
        // physical-address bits above MAXPHYADDR (46)
        pt.set(VA, PTE, pte | (1L << 46));
        assertPf(VA, PF_P | PF_RSVD, () -> mmu.read8(VA));
        pt.set(VA, PTE, pte | (1L << 51));
        assertPf(VA, PF_P | PF_RSVD, () -> mmu.read8(VA));
        pt.set(VA, PTE, pte | (1L << 52) | (1L << 62)); // available / protection-key bits: ignored
        assertEquals(0, mmu.read8(VA));
        pt.set(VA, PTE, pte);
        // PS in a PML4E
        pt.or(VA, PML4E, PS);
        mmu.flushAll();
        assertPf(VA, PF_P | PF_RSVD, () -> mmu.read8(VA));
        pt.clear(VA, PML4E, PS);
        // reserved bits in the upper tables (address above MAXPHYADDR)
        pt.or(VA, PDPTE, 1L << 50);
        assertPf(VA, PF_P | PF_RSVD, () -> mmu.read8(VA));
        pt.clear(VA, PDPTE, 1L << 50);
        // a non-present entry reports not-present whatever its other bits are
        pt.set(VA, PDE, (pt.entry(VA, PDE) & ~P) | (1L << 50));
        assertPf(VA, 0, () -> mmu.read8(VA));
    }

    @Test
    void reservedBitsOfLargePages() {
        longMode4();
        long va2m = 0x0000_0040_0020_0000L, va1g = 0x0000_0080_4000_0000L;
        pt.map2m(va2m, 0x200000 | (1L << 13), P | RW);
        assertPf(va2m, PF_P | PF_RSVD, () -> mmu.read8(va2m));
        pt.map2m(va2m, 0x200000 | (1L << 20), P | RW);
        assertPf(va2m, PF_P | PF_RSVD, () -> mmu.read8(va2m));
        pt.map1g(va1g, 1L << 29, P | RW);
        assertPf(va1g, PF_P | PF_RSVD, () -> mmu.read8(va1g));
        pt.map1g(va1g, 1L << 30, P | RW);
        assertEquals(1L << 30, mmu.peek(va1g));
    }

    @Test
    void pml5eReservedPs() {
        longMode(5, true, 0);
        long va = 0x00FF_0000_0000_1000L;
        pt.map4k(va, DATA, P | RW);
        assertEquals(0, mmu.read8(va));
        pt.or(va, PML5E, PS);
        mmu.flushAll();
        assertPf(va, PF_P | PF_RSVD, () -> mmu.read8(va));
    }

    @Test
    void accessedAndDirtyBits() {
        longMode4();
        pt.map4k(VA, DATA, P | RW | US);
        pt.map2m(KVA, 0x200000, P | RW);
        for (int l = PTE; l <= PML4E; l++) assertEquals(0, pt.entry(VA, l) & (A | D), "level " + l);
        mmu.read8(VA);
        for (int l = PTE; l <= PML4E; l++) assertEquals(A, pt.entry(VA, l) & (A | D), "level " + l);
        mmu.write8(VA, 1);
        assertEquals(A | D, pt.entry(VA, PTE) & (A | D));
        for (int l = PDE; l <= PML4E; l++) assertEquals(A, pt.entry(VA, l) & (A | D), "D only at the leaf, level " + l);
        // a write to a cached translation with D clear goes through the walk once
        mmu.read8(KVA);
        assertEquals(A, pt.entry(KVA, PDE) & (A | D));
        mmu.write16(KVA + 0x1000, 2);
        assertEquals(A | D, pt.entry(KVA, PDE) & (A | D));
        // a faulting access sets nothing
        pt.map4k(VA + 0x1000, DATA + 0x1000, P | US);
        user();
        assertPf(VA + 0x1000, PF_P | PF_U | PF_W, () -> mmu.write8(VA + 0x1000, 0));
        assertEquals(0, pt.entry(VA + 0x1000, PTE) & (A | D));
        // fetch sets A, not D
        pt.map4k(VA + 0x2000, DATA + 0x2000, P | US);
        mmu.fetch8(VA + 0x2000);
        assertEquals(A, pt.entry(VA + 0x2000, PTE) & (A | D));
    }

    @Test
    void nonCanonical() {
        longMode4();
        long la = 0x0000_8000_0000_0000L;
        assertGp0(() -> mmu.read8(la));
        assertGp0(() -> mmu.write64(0xFFFF_0000_0000_0000L, 0));
        assertGp0(() -> mmu.fetch8(0x0100_0000_0000_0000L));
        assertGp0(() -> mmu.readSys64(la));
        assertGp0(() -> mmu.translate(la, Mmu.ACC_READ, false));
        // an access whose last byte crosses into the non-canonical hole
        pt.map4k(0x0000_7FFF_FFFF_F000L, DATA, P | RW | US);
        assertEquals(0, mmu.read8(0x0000_7FFF_FFFF_FFFFL));
        assertGp0(() -> mmu.read16(0x0000_7FFF_FFFF_FFFFL));
    }

    @Test
    void sameAddressValidUnderLa57() {
        longMode(5, true, 0);
        long la = 0x0000_8000_0000_0000L; // non-canonical with 48 bits, fine with 57
        pt.map4k(la, DATA, P | RW);
        mmu.write32(la + 4, 0x600DF00D);
        assertEquals(0x600DF00D, phys.read32(DATA + 4));
        long hi = 0xFF00_0000_0000_0000L; // canonical only with 57 bits, upper half
        pt.map4k(hi, DATA + 0x1000, P | RW);
        mmu.write8(hi, 9);
        assertEquals(9, phys.read8(DATA + 0x1000));
        assertGp0(() -> mmu.read8(0x0100_0000_0000_0000L));
        // the same tables read as 4-level would give #GP for la
        cpu.cr4 &= ~Cpu.CR4_LA57;
        mmu.flushAll();
        assertGp0(() -> mmu.read8(la));
    }
}

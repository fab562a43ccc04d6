package dev.lstar.runtime.mem;

import static dev.lstar.runtime.mem.PageTables.PTE;
import static dev.lstar.runtime.mem.Paging.G;
import static dev.lstar.runtime.mem.Paging.P;
import static dev.lstar.runtime.mem.Paging.RW;
import static dev.lstar.runtime.mem.Paging.US;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.runtime.Cpu;
import org.junit.jupiter.api.Test;

/** The architectural TLB model: staleness, INVLPG, MOV CR3 with and without PCIDs, global pages. */
class TlbTest extends MmuTestBase {
    static final long VA = 0x0000_0000_0060_0000L;
    static final long KVA = 0xFFFF_FFFF_8100_0000L;
    static final long FA = DATA, FB = DATA + 0x1000, FC = DATA + 0x2000, FD = DATA + 0x3000;

    void tag() {
        phys.write64(FA, 0xA);
        phys.write64(FB, 0xB);
        phys.write64(FC, 0xC);
        phys.write64(FD, 0xD);
    }

    @Test
    void translationStaysCachedUntilInvlpg() {
        longMode4();
        tag();
        pt.map4k(VA, FA, P | RW | US);
        assertEquals(0xA, mmu.read64(VA));
        pt.map4k(VA, FB, P | RW | US);
        assertEquals(0xA, mmu.read64(VA), "stale translation in use until invalidated");
        mmu.invlpg(VA + 0x123);
        assertEquals(0xB, mmu.read64(VA));
        // not-present in memory, still cached
        pt.clear(VA, PTE, P);
        assertEquals(0xB, mmu.read64(VA));
        assertEquals(0xB, mmu.readSys64(VA));
        mmu.invlpg(VA);
        assertPf(VA, 0, () -> mmu.read64(VA));
        long walks = mmu.walks;
        pt.or(VA, PTE, P);
        for (int i = 0; i < 10; i++) mmu.read64(VA + 8 * i);
        assertEquals(walks + 1, mmu.walks, "one walk, then hits");
    }

    @Test
    void sixteenMibOfPagesStayCachedAcrossASweep() {
        // a byte sieve sweeps 16 MiB again and again: every 4 KiB page of it must fit the set
        longMode4();
        tag();
        long base = 0x0000_0000_4000_0000L, pages = 16 * MiB >>> 12;
        for (long k = 0; k < pages; k++) pt.map4k(base + (k << 12), FA, P | RW | US);
        user();
        for (long k = 0; k < pages; k++) assertEquals(0xA, mmu.read8(base + (k << 12)));
        long walks = mmu.walks;
        for (int pass = 0; pass < 2; pass++) {
            for (long k = 0; k < pages; k++) mmu.write8(base + (k << 12) + 1, pass);
        }
        assertEquals(walks + pages, mmu.walks, "one walk per page to set D, then every access hits");
        for (long k = 0; k < pages; k++) assertEquals(0xA, mmu.read8(base + (k << 12)));
        assertEquals(walks + pages, mmu.walks);
    }

    @Test
    void sixteenMibAnywhereTakeDifferentSlots() {
        // an mmap region starts anywhere: 4,096 consecutive pages across a 16 MiB boundary still
        // share at most one slot (which the second way then holds)
        longMode4();
        tag();
        long base = 0x0000_7F12_3456_7000L, pages = 16 * MiB >>> 12;
        for (long k = 0; k < pages; k++) pt.map4k(base + (k << 12), FA, P | RW | US);
        java.util.Set<Integer> slots = new java.util.HashSet<>();
        for (long k = 0; k < pages; k++) slots.add(Mmu.sidx(base + (k << 12)));
        assertTrue(slots.size() >= pages - 1, slots.size() + " slots for " + pages + " pages");
        user();
        for (long k = 0; k < pages; k++) assertEquals(0xA, mmu.read8(base + (k << 12)));
        long walks = mmu.walks, slow = mmu.slowAccesses;
        for (int pass = 0; pass < 2; pass++) {
            for (long k = 0; k < pages; k++) assertEquals(0xA, mmu.read8(base + (k << 12)));
        }
        assertEquals(walks, mmu.walks);
        assertTrue(mmu.slowAccesses - slow <= 4, (mmu.slowAccesses - slow) + " slow accesses in two passes");
    }

    @Test
    void permissionUpgradeNeedsNoInvlpgBecauseAFaultRewalks() {
        longMode4();
        pt.map4k(VA, FA, P | US);
        user();
        assertEquals(0, mmu.read8(VA));
        pt.or(VA, PTE, RW);
        mmu.write8(VA, 3);
        assertEquals(3, phys.read8(FA));
        // but a downgrade is not seen until invalidation
        pt.clear(VA, PTE, RW);
        mmu.write8(VA, 4);
        assertEquals(4, phys.read8(FA));
        mmu.invlpg(VA);
        assertPf(VA, Paging.PF_P | Paging.PF_U | Paging.PF_W, () -> mmu.write8(VA, 5));
    }

    @Test
    void invlpgDropsEveryPieceOfALargePage() {
        longMode4();
        pt.map2m(VA, 0x200000, P | RW);
        phys.write64(0x200000 + 0x5000, 1);
        phys.write64(0x400000 + 0x5000, 2);
        phys.write64(0x400000 + 0x1F_0000, 3);
        assertEquals(1, mmu.read64(VA + 0x5000));
        assertEquals(0, mmu.read64(VA + 0x1F_0000));
        pt.map2m(VA, 0x400000, P | RW);
        assertEquals(1, mmu.read64(VA + 0x5000));
        mmu.invlpg(VA + 0x1F_0000);
        assertEquals(2, mmu.read64(VA + 0x5000));
        assertEquals(3, mmu.read64(VA + 0x1F_0000));
    }

    @Test
    void cr3WriteWithoutPcidFlushesNonGlobal() {
        longMode4();
        tag();
        PageTables other = new PageTables(phys, 4, 8 * MiB);
        pt.map4k(VA, FA, P | RW | US);
        other.map4k(VA, FB, P | RW | US);
        assertEquals(0xA, mmu.read64(VA));
        mmu.writeCr3(other.root);
        assertEquals(other.root, cpu.cr3);
        assertEquals(0xB, mmu.read64(VA));
        pt.map4k(VA, FC, P | RW | US);
        mmu.writeCr3(pt.root);
        assertEquals(0xC, mmu.read64(VA));
        // reloading the same CR3 flushes too
        pt.map4k(VA, FD, P | RW | US);
        assertEquals(0xC, mmu.read64(VA));
        mmu.writeCr3(pt.root);
        assertEquals(0xD, mmu.read64(VA));
    }

    @Test
    void pcidRetentionNoFlushAndTargetedFlush() {
        longMode(4, true, Cpu.CR4_PCIDE | Cpu.CR4_PGE);
        tag();
        PageTables two = new PageTables(phys, 4, 8 * MiB);
        pt.map4k(VA, FA, P | RW | US);
        two.map4k(VA, FB, P | RW | US);
        mmu.writeCr3(pt.root | 1);
        assertEquals(1, mmu.currentPcid());
        assertEquals(0xA, mmu.read64(VA));
        mmu.writeCr3(two.root | 2);
        assertEquals(0xB, mmu.read64(VA));
        // change both address spaces behind the TLB's back
        pt.map4k(VA, FC, P | RW | US);
        two.map4k(VA, FD, P | RW | US);
        // back to PCID 1 with NOFLUSH: its old translation is still there; bit 63 is not stored
        mmu.writeCr3(pt.root | 1 | (1L << 63));
        assertEquals(pt.root | 1, cpu.cr3);
        assertEquals(0xA, mmu.read64(VA));
        // PCID 1 again without NOFLUSH: flushed
        mmu.writeCr3(pt.root | 1);
        assertEquals(0xC, mmu.read64(VA));
        // PCID 2 with NOFLUSH: the flush of PCID 1 did not touch it
        mmu.writeCr3(two.root | 2 | (1L << 63));
        assertEquals(0xB, mmu.read64(VA));
        // flush PCID 2 explicitly
        mmu.writeCr3(two.root | 2);
        assertEquals(0xD, mmu.read64(VA));
    }

    @Test
    void manyPcidsStayCorrect() {
        longMode(4, true, Cpu.CR4_PCIDE);
        PageTables[] spaces = new PageTables[Mmu.SLOTS + 5];
        for (int k = 0; k < spaces.length; k++) {
            spaces[k] = new PageTables(phys, 4, 4 * MiB + k * 64 * 1024L);
            spaces[k].map4k(VA, DATA + 0x10000 + k * 0x1000L, P | RW | US);
            phys.write32(DATA + 0x10000 + k * 0x1000L, 100 + k);
        }
        for (int round = 0; round < 3; round++) {
            for (int k = 0; k < spaces.length; k++) {
                mmu.writeCr3(spaces[k].root | (k + 1) | (1L << 63));
                assertEquals(100 + k, mmu.read32(VA));
            }
        }
        assertEquals(true, mmu.pcidEvictions > 0);
    }

    @Test
    void repeatedCr3WritesFlushEveryNonGlobalEntryOfAFullSet() {
        // flushes visit the slots filled since the last clear: fill many, flush, refill, flush again
        longMode(4, true, Cpu.CR4_PGE);
        int pages = 600;
        for (int k = 0; k < pages; k++) {
            phys.write64(DATA + 0x1000L * k, k);
            phys.write64(DATA + 0x1000L * (k + pages), k + pages);
        }
        for (int round = 0; round < 4; round++) {
            int shift = (round & 1) * pages; // odd rounds map every page to its second frame
            for (int k = 0; k < pages; k++) {
                long flags = k % 7 == 0 ? P | RW | G : P | RW;
                pt.map4k(VA + 0x1000L * k, DATA + 0x1000L * (k + shift), flags);
            }
            mmu.writeCr3(pt.root);
            for (int k = 0; k < pages; k++) {
                long got = mmu.read64(VA + 0x1000L * k);
                if (k % 7 != 0) assertEquals(k + shift, got, "round " + round + " page " + k);
                else assertTrue(got == k || got == k + pages, "a global entry: stale or re-walked, " + got); // may have been evicted
            }
        }
        mmu.flushAll();
        for (int k = 0; k < pages; k += 7) assertEquals(k + pages, mmu.read64(VA + 0x1000L * k), "after flushAll");
    }

    @Test
    void globalPagesSurviveCr3WritesButNotInvlpgOrFlushAll() {
        longMode(4, true, Cpu.CR4_PGE);
        tag();
        pt.map4k(KVA, FA, P | RW | G);
        pt.map4k(VA, FA, P | RW); // non-global twin
        assertEquals(0xA, mmu.read64(KVA));
        assertEquals(0xA, mmu.read64(VA));
        pt.map4k(KVA, FB, P | RW | G);
        pt.map4k(VA, FB, P | RW);
        mmu.writeCr3(pt.root);
        assertEquals(0xA, mmu.read64(KVA), "global entry survives MOV CR3");
        assertEquals(0xB, mmu.read64(VA));
        mmu.invlpg(KVA);
        assertEquals(0xB, mmu.read64(KVA));
        pt.map4k(KVA, FC, P | RW | G);
        mmu.writeCr3(pt.root);
        assertEquals(0xB, mmu.read64(KVA));
        mmu.flushAll();
        assertEquals(0xC, mmu.read64(KVA));
    }

    @Test
    void globalPagesAcrossPcids() {
        longMode(4, true, Cpu.CR4_PGE | Cpu.CR4_PCIDE);
        tag();
        PageTables two = new PageTables(phys, 4, 8 * MiB);
        pt.map4k(KVA, FA, P | RW | G);
        two.map4k(KVA, FB, P | RW | G);
        mmu.writeCr3(pt.root | 1);
        assertEquals(0xA, mmu.read64(KVA));
        // the global translation is used in any PCID, even a fresh one that was flushed
        mmu.writeCr3(two.root | 2);
        assertEquals(0xA, mmu.read64(KVA));
        mmu.invpcid(3, 0, 0); // all but global
        assertEquals(0xA, mmu.read64(KVA));
        mmu.invpcid(2, 0, 0); // everything
        assertEquals(0xB, mmu.read64(KVA));
    }

    @Test
    void gBitIgnoredWithoutPge() {
        longMode4();
        tag();
        pt.map4k(KVA, FA, P | RW | G);
        assertEquals(0xA, mmu.read64(KVA));
        pt.map4k(KVA, FB, P | RW | G);
        mmu.writeCr3(pt.root);
        assertEquals(0xB, mmu.read64(KVA));
    }

    @Test
    void invlpgReachesOtherPcids() {
        longMode(4, true, Cpu.CR4_PCIDE);
        tag();
        pt.map4k(VA, FA, P | RW);
        mmu.writeCr3(pt.root | 1);
        assertEquals(0xA, mmu.read64(VA));
        mmu.writeCr3(pt.root | 2 | (1L << 63));
        pt.map4k(VA, FB, P | RW);
        mmu.invlpg(VA);
        mmu.writeCr3(pt.root | 1 | (1L << 63));
        assertEquals(0xB, mmu.read64(VA));
    }

    @Test
    void invpcidSingleAddressAndSingleContext() {
        longMode(4, true, Cpu.CR4_PCIDE);
        tag();
        pt.map4k(VA, FA, P | RW);
        pt.map4k(VA + 0x1000, FA, P | RW);
        mmu.writeCr3(pt.root | 5);
        assertEquals(0xA, mmu.read64(VA));
        assertEquals(0xA, mmu.read64(VA + 0x1000));
        pt.map4k(VA, FB, P | RW);
        pt.map4k(VA + 0x1000, FB, P | RW);
        mmu.invpcid(0, 6, VA); // other PCID: nothing
        assertEquals(0xA, mmu.read64(VA));
        mmu.invpcid(0, 5, VA);
        assertEquals(0xB, mmu.read64(VA));
        assertEquals(0xA, mmu.read64(VA + 0x1000));
        mmu.invpcid(1, 5, 0);
        assertEquals(0xB, mmu.read64(VA + 0x1000));
    }

    @Test
    void pagingOnAfterIdentity() {
        // identity translations cached with paging off must go with the flush on CR0.PG
        mmu.write64(FA, 0x1234);
        assertEquals(0x1234, mmu.read64(FA));
        longMode4();
        pt.map4k(FA, FB, P | RW);
        phys.write64(FB, 0x5678);
        assertEquals(0x5678, mmu.read64(FA));
    }

    @Test
    void pteWritesUnderCachedTranslationAreSeenAsData() {
        // a page table mapped into the address space and edited through the MMU
        longMode4();
        pt.map4k(VA, FA, P | RW);
        long ptePage = pt.entryAddr(VA, PTE) & ~0xFFFL;
        long window = 0x0000_0000_0070_0000L;
        pt.map4k(window, ptePage, P | RW);
        phys.write64(FB, 0xBB);
        assertEquals(0, mmu.read64(VA + 8));
        mmu.write64(window + (pt.entryAddr(VA, PTE) & 0xFFF), FB | P | RW);
        mmu.invlpg(VA);
        assertEquals(0xBB, mmu.read64(VA));
    }

    // ---- the second way of a slot (TlbSet.vPage): two pages that hash to one slot

    /** A user page whose TLB slot is the one of {@code la}. */
    static long collidingWith(long la) {
        for (long vpn = 0x1000; ; vpn++) {
            long other = vpn << 12;
            if (Mmu.sidx(other) == Mmu.sidx(la) && (other ^ la) >>> 21 != 0) return other;
        }
    }

    @Test
    void twoPagesSharingASlotTakeTurnsWithoutWalks() {
        longMode4();
        tag();
        long other = collidingWith(VA);
        pt.map4k(VA, FA, P | RW | US);
        pt.map4k(other, FB, P | RW | US);
        assertEquals(0xA, mmu.read64(VA));
        assertEquals(0xB, mmu.read64(other));
        long walks = mmu.walks, hits = mmu.victimHits;
        for (int k = 0; k < 100; k++) {
            assertEquals(0xA, mmu.read64(VA));
            assertEquals(0xB, mmu.read64(other));
        }
        assertEquals(walks, mmu.walks, "each switch swaps the two ways");
        assertEquals(hits + 200, mmu.victimHits);
    }

    @Test
    void invlpgAndCr3WritesDropTheSecondWay() {
        longMode4();
        tag();
        long other = collidingWith(VA);
        pt.map4k(VA, FA, P | RW | US);
        pt.map4k(other, FB, P | RW | US);
        assertEquals(0xB, mmu.read64(other));
        assertEquals(0xA, mmu.read64(VA)); // other's entry is now the second way
        pt.map4k(other, FC, P | RW | US);
        assertEquals(0xB, mmu.read64(other), "stale until invalidated, from either way");
        assertEquals(0xA, mmu.read64(VA));
        mmu.invlpg(other);
        assertEquals(0xC, mmu.read64(other));
        assertEquals(0xA, mmu.read64(VA));
        pt.map4k(other, FD, P | RW | US);
        mmu.writeCr3(pt.root); // no PCIDs: every non-global entry goes, second ways too
        assertEquals(0xA, mmu.read64(VA));
        assertEquals(0xD, mmu.read64(other));
    }

    @Test
    void aCr3WriteDropsTheSecondWayBehindAGlobalEntry() {
        longMode(4, true, Cpu.CR4_PGE);
        tag();
        long other = collidingWith(KVA);
        pt.map4k(KVA, FA, P | RW | G);
        pt.map4k(other, FB, P | RW);
        assertEquals(0xB, mmu.read64(other));
        assertEquals(0xA, mmu.read64(KVA)); // the global entry in the first way, other's behind it
        pt.map4k(other, FC, P | RW);
        mmu.writeCr3(pt.root); // the global entry stays; the non-global one behind it must go
        assertEquals(0xC, mmu.read64(other));
        assertEquals(0xA, mmu.read64(KVA));
    }

    @Test
    void aSecondWayEntryIsUsedOnlyWithItsRights() {
        longMode4();
        long other = collidingWith(VA);
        pt.map4k(VA, FA, P | RW | US);
        pt.map4k(other, FB, P | US); // read-only
        user();
        assertEquals(0, mmu.read8(other));
        assertEquals(0, mmu.read8(VA));
        assertPf(other, Paging.PF_P | Paging.PF_W | Paging.PF_U, () -> mmu.write8(other, 1));
        // a clean page in the second way: the write walks again and sets D
        long next = VA + 0x1000, third = collidingWith(next);
        pt.map4k(third, FC, P | RW | US);
        pt.map4k(next, FD, P | RW | US);
        assertEquals(0, mmu.read8(third));
        assertEquals(0, mmu.read8(next));
        assertEquals(0, pt.entry(third, PTE) & Paging.D);
        mmu.write8(third, 7);
        assertEquals(7, phys.read8(FC));
        assertTrue((pt.entry(third, PTE) & Paging.D) != 0, "D set by the write's walk");
    }

    @Test
    void invlpgDropsAPieceOfALargePageFromTheSecondWay() {
        longMode4();
        long large = 0x4000_0000L;
        pt.map2m(large, 0x200000, P | RW);
        long piece = large + 0x5000, other = collidingWith(piece);
        pt.map4k(other, FA, P | RW);
        phys.write64(0x200000 + 0x5000, 1);
        phys.write64(0x400000 + 0x5000, 2);
        assertEquals(1, mmu.read64(piece));
        assertEquals(0, mmu.read64(other)); // the piece is now the second way
        pt.map2m(large, 0x400000, P | RW);
        mmu.invlpg(large + 0x1F_0000); // another address of the same large page
        assertEquals(2, mmu.read64(piece));
    }
}

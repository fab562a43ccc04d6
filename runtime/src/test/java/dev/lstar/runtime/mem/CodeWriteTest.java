package dev.lstar.runtime.mem;

import static dev.lstar.runtime.mem.Paging.P;
import static dev.lstar.runtime.mem.Paging.RW;
import static dev.lstar.runtime.mem.Paging.US;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Vendor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Self-modifying-code support: every write reaching a code frame is reported, fast path included. */
class CodeWriteTest extends MmuTestBase {
    static final long VA = 0x0000_0000_0040_0000L;
    final List<long[]> seen = new ArrayList<>();

    @BeforeEach
    void setUp() {
        longMode4();
        pt.map4k(VA, DATA, P | RW | US);
        pt.map4k(VA + 0x1000, DATA + 0x1000, P | RW | US);
        phys.setCodeWriteListener((pa, len) -> seen.add(new long[] {pa, len}));
    }

    @Test
    void fastPathWritesAreReportedOnceTheFrameIsCode() {
        user();
        mmu.write64(VA + 0x10, 1); // walk, sets D
        mmu.write64(VA + 0x18, 2); // fast path
        long slow = mmu.slowAccesses;
        mmu.write64(VA + 0x20, 3);
        assertEquals(slow, mmu.slowAccesses, "data write took the fast path");
        assertTrue(seen.isEmpty());
        phys.markCode(DATA >>> 12);
        mmu.write8(VA + 0x30, 0x90);
        mmu.write64(VA + 0x38, 4);
        assertEquals(2, seen.size());
        assertArrayEquals(new long[] {DATA + 0x30, 1}, seen.get(0));
        assertArrayEquals(new long[] {DATA + 0x38, 8}, seen.get(1));
        assertEquals(0x90, phys.read8(DATA + 0x30));
        // reads and fetches of code frames stay fast
        slow = mmu.slowAccesses;
        assertEquals(4, mmu.read64(VA + 0x38));
        assertEquals(0x90, mmu.fetch8(VA + 0x30));
        mmu.fetch8(VA + 0x31);
        mmu.read8(VA + 0x30);
        assertEquals(slow, mmu.slowAccesses, "reads and fetches of a code frame keep the fast path");
        // the other page is still data
        mmu.write32(VA + 0x1000, 1);
        assertEquals(2, seen.size());
    }

    @Test
    void allWritePathsReport() {
        kernel();
        phys.markCode(DATA >>> 12);
        mmu.writeSys64(VA + 0x100, 1);
        mmu.writeSys16(VA + 0x108, 1);
        mmu.write16(VA + 0xFFF, 0xAABB); // straddles code frame and data frame
        mmu.write(VA + 0xF00, new byte[0x200], 0, 0x200);
        mmu.copyIn(VA + 0x10, new byte[] {1, 2, 3}, 0, 3);
        phys.write32(DATA + 0x40, 0);
        assertEquals(6, seen.size());
        assertArrayEquals(new long[] {DATA + 0x100, 8}, seen.get(0));
        assertArrayEquals(new long[] {DATA + 0x108, 2}, seen.get(1));
        assertArrayEquals(new long[] {DATA + 0xFFF, 1}, seen.get(2));
        assertArrayEquals(new long[] {DATA + 0xF00, 0x100}, seen.get(3));
        assertArrayEquals(new long[] {DATA + 0x10, 3}, seen.get(4));
        assertArrayEquals(new long[] {DATA + 0x40, 4}, seen.get(5));
        // A/D updates of page tables are physical writes too: a code-marked table frame reports them
        long ptFrame = pt.entryAddr(VA + 0x1000, PageTables.PTE) & ~0xFFFL;
        pt.clear(VA + 0x1000, PageTables.PTE, Paging.A | Paging.D);
        phys.markCode(ptFrame >>> 12);
        mmu.invlpg(VA + 0x1000);
        seen.clear();
        mmu.write8(VA + 0x1000, 1); // the walk sets D in the PTE
        assertEquals(1, seen.size());
        assertEquals(pt.entryAddr(VA + 0x1000, PageTables.PTE), seen.get(0)[0]);
        assertEquals(Paging.A | Paging.D, pt.entry(VA + 0x1000, PageTables.PTE) & (Paging.A | Paging.D));
    }

    @Test
    void markingDropsFastWritesInEveryMmuSharingTheMemory() {
        Cpu cpu2 = new Cpu(Vendor.INTEL);
        Mmu mmu2 = new Mmu(cpu2, phys);
        cpu2.cr0 = cpu.cr0; cpu2.cr4 = cpu.cr4; cpu2.efer = cpu.efer; cpu2.cr3 = cpu.cr3;
        mmu2.flushAll();
        mmu.write8(VA, 1);
        mmu2.write8(VA, 2);
        mmu2.write8(VA, 3);
        phys.markCode(DATA >>> 12);
        mmu.write8(VA, 4);
        mmu2.write8(VA, 5);
        assertEquals(2, seen.size());
        assertEquals(5, mmu.read8(VA));
        // unmarking makes writes silent again (fast path refilled after one slow write)
        phys.unmarkCode(DATA >>> 12);
        mmu.write8(VA, 6);
        mmu.write8(VA, 7);
        assertEquals(2, seen.size());
    }

    @Test
    void fetchHelpers() {
        user();
        phys.write(DATA + 0x1FF, new byte[] {(byte) 0x48, (byte) 0x89}, 0, 2);
        assertEquals(DATA + 0x1FF, mmu.fetchPhys(VA + 0x1FF));
        assertEquals(DATA + 0x1FF, mmu.fetchPhys(VA + 0x1FF)); // fast
        byte[] f = mmu.fetchFrame(VA + 0x1FF);
        assertEquals(0x48, f[0x1FF]);
        assertEquals(0x89, mmu.fetch(VA + 0x200)); // ByteSource
        pt.set(VA + 0x1000, PageTables.PTE, (DATA + 0x1000) | P | US | Paging.XD);
        mmu.invlpg(VA + 0x1000);
        assertPf(VA + 0x1000, Paging.PF_P | Paging.PF_U | Paging.PF_ID, () -> mmu.fetchFrame(VA + 0x1000));
        assertPf(VA + 0x1000, Paging.PF_P | Paging.PF_U | Paging.PF_ID, () -> mmu.fetchPhys(VA + 0x1000));
    }
}

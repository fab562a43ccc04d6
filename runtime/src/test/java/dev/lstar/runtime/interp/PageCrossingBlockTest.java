package dev.lstar.runtime.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.PageTables;
import org.junit.jupiter.api.Test;

/**
 * A block of one instruction that crosses a page boundary is cached (it used to be decoded again
 * at every execution), and only while both of its pages map to the frames it was decoded from: a
 * write to either frame, or a new mapping of the second page, makes the next lookup decode it
 * again from the bytes there now.
 */
class PageCrossingBlockTest {
    static final long CODE = 0x400000;
    /** add $imm32, %eax: 5 bytes starting 3 bytes before the page boundary. */
    static final long INSN = CODE + 4096 - 3;

    BareMachine bm = BareMachine.create(Vendor.INTEL, 16 << 20, false, 3);
    BlockCache cache = new BlockCache(bm.machine);

    PageCrossingBlockTest() {
        bm.map(CODE, 2 * 4096, PageTables.US);
        bm.poke(INSN, new byte[] {0x05, 0x78, 0x56, 0x34, 0x12});
    }

    @Test
    void aPageCrossingBlockIsFoundAgainWhileItsPagesStayTheSame() {
        Block b = cache.lookup(INSN);
        assertEquals(1, b.insns.length);
        assertTrue(b.valid && b.pa2 >= 0, "cached, with its second page's frame");
        assertSame(b, cache.lookup(INSN), "found again, not decoded again");
        assertEquals(0x12345678L, b.insns[0].imm);
    }

    @Test
    void aWriteToTheSecondPageDropsIt() {
        Block b = cache.lookup(INSN);
        bm.machine.phys.write8(b.pa2 + 1, 0x11); // the immediate's last byte, in the second page
        Block again = cache.lookup(INSN);
        assertNotSame(b, again);
        assertEquals(0x11345678L, again.insns[0].imm);
    }

    @Test
    void aNewMappingOfTheSecondPageIsSeen() {
        Block b = cache.lookup(INSN);
        long other = bm.frames.allocate();
        bm.machine.phys.fill(other, 0, 4096);
        bm.machine.phys.write(other, new byte[] {0x56, 0x00}, 0, 2); // bytes 3-4 of the instruction: 0x0056 in the top half
        bm.pageTables.setPte(CODE + 4096, other | PageTables.P | PageTables.US);
        bm.machine.mmu.invlpg(CODE + 4096);
        Block again = cache.lookup(INSN);
        assertNotSame(b, again, "the second page maps another frame: decoded again");
        assertEquals(0x00565678L, again.insns[0].imm);
        assertEquals(other, again.pa2);
    }
}

package dev.lstar.runtime.mem;

import static dev.lstar.runtime.mem.Paging.A;
import static dev.lstar.runtime.mem.Paging.D;
import static dev.lstar.runtime.mem.Paging.P;
import static dev.lstar.runtime.mem.Paging.RW;
import static dev.lstar.runtime.mem.Paging.US;
import static dev.lstar.runtime.mem.Paging.XD;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Bulk reads/writes at the current privilege, loader copies, peek and translate. */
class BulkAccessTest extends MmuTestBase {
    static final long VA = 0x0000_0000_0040_0000L;

    byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 31 + 7);
        return b;
    }

    @Test
    void writeIsAllOrNothingAcrossPages() {
        longMode4();
        pt.map4k(VA, DATA + 0x3000, P | RW | US);     // deliberately not contiguous
        pt.map4k(VA + 0x1000, DATA, P | RW | US);
        pt.map4k(VA + 0x2000, DATA + 0x5000, P | US); // read-only
        user();
        byte[] src = pattern(0x2100);
        assertPf(VA + 0x2000, Paging.PF_P | Paging.PF_U | Paging.PF_W, () -> mmu.write(VA + 0x80, src, 0, 0x2000));
        assertEquals(0, phys.read64(DATA + 0x3080));
        assertEquals(0, phys.read64(DATA));
        mmu.write(VA + 0x80, src, 0, 0x1F80);
        byte[] back = new byte[0x1F80];
        mmu.read(VA + 0x80, back, 0, back.length);
        assertArrayEquals(java.util.Arrays.copyOf(src, 0x1F80), back);
        assertEquals(src[0], (byte) phys.read8(DATA + 0x3080));
        assertEquals(src[0xF80], (byte) phys.read8(DATA));
        byte[] three = new byte[0x10];
        mmu.read(VA + 0x1FF8, three, 0, 0x10); // crosses into the read-only page: reads fine
        assertEquals(src[0x1F78], three[0]);
        assertPf(VA + 0x3000, Paging.PF_U, () -> mmu.read(VA + 0x2FFF, three, 0, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> mmu.read(VA, three, 8, 9));
    }

    @Test
    void copyInIgnoresRightsButNotPresence() {
        longMode4();
        pt.map4k(VA, DATA, P | US | XD);         // user, read-only, no-exec
        pt.map4k(VA + 0x1000, DATA + 0x1000, P); // supervisor, read-only
        user();
        byte[] src = pattern(0x1800);
        mmu.copyIn(VA + 0x400, src, 0, src.length);
        byte[] back = new byte[src.length];
        mmu.copyOut(VA + 0x400, back, 0, back.length);
        assertArrayEquals(src, back);
        assertEquals(A | D, pt.entry(VA, PageTables.PTE) & (A | D));
        assertEquals(A | D, pt.entry(VA + 0x1000, PageTables.PTE) & (A | D));
        // not present: #PF with U/S = 0, and nothing written before it
        phys.write64(DATA + 0x1FF8, 0);
        assertPf(VA + 0x2000, Paging.PF_W, () -> mmu.copyIn(VA + 0x1FF8, src, 0, 16));
        assertEquals(0, phys.read64(DATA + 0x1FF8));
        assertPf(VA + 0x2000, 0, () -> mmu.copyOut(VA + 0x1FF8, back, 0, 16));
        // the ordinary user accessors still enforce the rights
        assertPf(VA + 0x400, Paging.PF_P | Paging.PF_U | Paging.PF_W, () -> mmu.write8(VA + 0x400, 0));
    }

    @Test
    void peekHasNoSideEffects() {
        longMode(5, true, 0);
        long va = 0x0012_3456_789A_B000L;
        pt.map4k(va, DATA, P | RW);
        pt.map2m(0x0000_0000_0080_0000L, 0x600000, P);
        assertEquals(DATA + 0x123, mmu.peek(va + 0x123));
        assertEquals(0x600000 + 0x54321, mmu.peek(0x0000_0000_0080_0000L + 0x54321));
        assertEquals(0, pt.entry(va, PageTables.PTE) & A);
        assertEquals(-1, mmu.peek(va + 0x1000));
        assertEquals(-1, mmu.peek(0x0100_0000_0000_0000L)); // non-canonical under LA57
        assertEquals(0, mmu.walks);
        assertThrows(IllegalArgumentException.class, () -> mmu.translate(va, 3, true));
    }

    @Test
    void translateReportsUserAndImplicitSupervisor() {
        longMode4();
        pt.map4k(VA, DATA, P | RW);
        assertEquals(DATA + 5, mmu.translate(VA + 5, Mmu.ACC_WRITE, false));
        assertPf(VA + 5, Paging.PF_P | Paging.PF_U | Paging.PF_W, () -> mmu.translate(VA + 5, Mmu.ACC_WRITE, true));
        assertPf(VA + 0x1000, Paging.PF_ID, () -> mmu.translate(VA + 0x1000, Mmu.ACC_FETCH, false));
    }

    @Test
    void legacyPagingFailsLoudly() {
        cpu.cr0 = dev.lstar.runtime.Cpu.CR0_PE | dev.lstar.runtime.Cpu.CR0_PG;
        mmu.flushAll();
        assertThrows(dev.lstar.runtime.engine.UnsupportedFeatureException.class, () -> mmu.read8(0x1000)); // an UNSUPPORTED stop, not a crash
    }

    @Test
    void tableOutsideMemoryIsAMachineCheck() {
        longMode4();
        pt.map4k(VA, DATA, P | RW);
        pt.set(VA, PageTables.PDE, (63L << 30) | P | RW); // points at 63 GiB; RAM is 64 MiB
        assertThrows(MachineCheckException.class, () -> mmu.read8(VA));
    }
}

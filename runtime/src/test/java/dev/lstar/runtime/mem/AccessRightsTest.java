package dev.lstar.runtime.mem;

import static dev.lstar.runtime.mem.PageTables.PDE;
import static dev.lstar.runtime.mem.PageTables.PDPTE;
import static dev.lstar.runtime.mem.PageTables.PTE;
import static dev.lstar.runtime.mem.Paging.P;
import static dev.lstar.runtime.mem.Paging.PF_ID;
import static dev.lstar.runtime.mem.Paging.PF_P;
import static dev.lstar.runtime.mem.Paging.PF_U;
import static dev.lstar.runtime.mem.Paging.PF_W;
import static dev.lstar.runtime.mem.Paging.RW;
import static dev.lstar.runtime.mem.Paging.US;
import static dev.lstar.runtime.mem.Paging.XD;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Flags;
import org.junit.jupiter.api.Test;

/** SDM Vol. 3A §4.6 access rights: U/S, R/W, WP, XD, SMEP, SMAP, and the #PF error codes. */
class AccessRightsTest extends MmuTestBase {
    static final long U_RW = 0x0000_0000_0040_0000L, U_RO = U_RW + 0x1000, S_RW = U_RW + 0x2000, S_RO = U_RW + 0x3000,
            U_NX = U_RW + 0x4000, S_NX = U_RW + 0x5000;

    void mapAll(boolean nxe, long cr4) {
        longMode(4, nxe, cr4);
        pt.map4k(U_RW, DATA, P | RW | US);
        pt.map4k(U_RO, DATA + 0x1000, P | US);
        pt.map4k(S_RW, DATA + 0x2000, P | RW);
        pt.map4k(S_RO, DATA + 0x3000, P);
        if (nxe) {
            pt.map4k(U_NX, DATA + 0x4000, P | RW | US | XD);
            pt.map4k(S_NX, DATA + 0x5000, P | RW | XD);
        }
    }

    @Test
    void userAccesses() {
        mapAll(true, 0);
        user();
        mmu.write32(U_RW, 1);
        assertEquals(1, mmu.read32(U_RW));
        assertEquals(0, mmu.read32(U_RO));
        assertPf(U_RO + 8, PF_P | PF_U | PF_W, () -> mmu.write32(U_RO + 8, 1));
        assertPf(S_RW, PF_P | PF_U, () -> mmu.read8(S_RW));
        assertPf(S_RW, PF_P | PF_U | PF_W, () -> mmu.write8(S_RW, 1));
        assertPf(S_RO, PF_P | PF_U | PF_ID, () -> mmu.fetch8(S_RO));
        assertEquals(0, mmu.fetch8(U_RO));
        assertPf(U_NX + 1, PF_P | PF_U | PF_ID, () -> mmu.fetch8(U_NX + 1));
        assertEquals(0, mmu.read8(U_NX)); // XD forbids only fetches
        // twice: the second attempt goes through whatever the first one cached
        assertPf(S_RW, PF_P | PF_U, () -> mmu.read8(S_RW));
        assertPf(U_RO, PF_P | PF_U | PF_W, () -> mmu.write8(U_RO, 1));
        assertEquals(0, phys.read8(DATA + 0x1000));
    }

    @Test
    void rightsAreCombinedOverAllLevels() {
        mapAll(true, 0);
        user();
        pt.clear(U_RW, PDE, US);
        assertPf(U_RW, PF_P | PF_U, () -> mmu.read8(U_RW));
        pt.or(U_RW, PDE, US);
        pt.clear(U_RW, PDPTE, RW);
        mmu.flushAll();
        assertEquals(0, mmu.read8(U_RW));
        assertPf(U_RW, PF_P | PF_U | PF_W, () -> mmu.write8(U_RW, 1));
        pt.or(U_RW, PDPTE, RW);
        pt.or(U_RW, PDE, XD);
        mmu.flushAll();
        mmu.write8(U_RW, 1);
        assertPf(U_RW, PF_P | PF_U | PF_ID, () -> mmu.fetch8(U_RW));
    }

    @Test
    void supervisorWriteProtect() {
        mapAll(true, 0);
        kernel();
        assertPf(S_RO, PF_P | PF_W, () -> mmu.write8(S_RO, 1));
        assertPf(U_RO, PF_P | PF_W, () -> mmu.write8(U_RO, 1));
        assertPf(S_RO, PF_P | PF_W, () -> mmu.writeSys64(S_RO, 1));
        cpu.cr0 &= ~Cpu.CR0_WP;
        mmu.flushAll();
        mmu.write8(S_RO, 0x11);
        mmu.write8(U_RO, 0x22);
        mmu.writeSys64(S_RO + 8, 0x33);
        assertEquals(0x11, phys.read8(DATA + 0x3000));
        assertEquals(0x22, phys.read8(DATA + 0x1000));
        assertEquals(0x33, phys.read64(DATA + 0x3008));
        // WP never lets a user write through
        user();
        assertPf(U_RO, PF_P | PF_U | PF_W, () -> mmu.write8(U_RO, 1));
    }

    @Test
    void supervisorAccessToUserPagesWithoutSmap() {
        mapAll(true, 0);
        kernel();
        mmu.write8(U_RW, 5);
        assertEquals(5, mmu.read8(U_RW));
        assertEquals(5, mmu.readSys16(U_RW));
        assertEquals(5, mmu.fetch8(U_RW)); // no SMEP
        assertPf(S_NX, PF_P | PF_ID, () -> mmu.fetch8(S_NX));
        assertPf(U_NX, PF_P | PF_ID, () -> mmu.fetch8(U_NX));
    }

    @Test
    void smep() {
        mapAll(false, Cpu.CR4_SMEP);
        kernel();
        assertPf(U_RW + 5, PF_P | PF_ID, () -> mmu.fetch8(U_RW + 5));
        assertEquals(0, mmu.fetch8(S_RW));
        assertEquals(0, mmu.read8(U_RW)); // SMEP is only about fetches
        user();
        assertEquals(0, mmu.fetch8(U_RW));
        kernel();
        assertPf(U_RW + 5, PF_P | PF_ID, () -> mmu.fetch8(U_RW + 5)); // after the user fetch cached it
    }

    @Test
    void smapExplicitAccessesFollowAc() {
        mapAll(true, Cpu.CR4_SMAP);
        kernel();
        cpu.setRflags(0);
        assertPf(U_RW, PF_P, () -> mmu.read8(U_RW));
        assertPf(U_RW, PF_P | PF_W, () -> mmu.write64(U_RW, 1));
        assertEquals(0, mmu.read8(S_RW));
        cpu.setRflags(Flags.AC);
        mmu.write64(U_RW, 0x77);
        assertEquals(0x77, mmu.read64(U_RW));
        assertPf(U_RO, PF_P | PF_W, () -> mmu.write8(U_RO, 1)); // AC does not lift R/W under WP
        cpu.setRflags(0); // CLAC: the cached translation must not keep allowing it
        assertPf(U_RW, PF_P, () -> mmu.read64(U_RW));
        assertPf(U_RW, PF_P | PF_W, () -> mmu.write8(U_RW, 1));
        // user mode itself is unaffected by SMAP
        user();
        assertEquals(0x77, mmu.read64(U_RW));
    }

    @Test
    void smapImplicitAccessesIgnoreAc() {
        mapAll(true, Cpu.CR4_SMAP);
        cpu.setRflags(Flags.AC);
        kernel();
        assertPf(U_RW, PF_P, () -> mmu.readSys64(U_RW));
        assertPf(U_RW, PF_P | PF_W, () -> mmu.writeSys64(U_RW, 1));
        assertPf(U_RW, PF_P, () -> mmu.translate(U_RW, Mmu.ACC_READ, false));
        assertEquals(0, mmu.read8(U_RW)); // explicit with AC=1 is fine
        // at CPL 3, a sys access is still supervisor: U/S = 0 in the error code
        user();
        assertPf(U_RW, PF_P, () -> mmu.readSys32(U_RW));
        mmu.writeSys64(S_RW, 0xABCDL);
        assertEquals(0xABCDL, mmu.readSys64(S_RW));
        assertEquals(0xABCD, mmu.readSys16(S_RW));
        assertPf(S_RO, PF_P | PF_W, () -> mmu.writeSys64(S_RO, 1));
    }

    @Test
    void sysAccessesWithoutSmapReachUserPages() {
        mapAll(true, 0);
        user();
        mmu.writeSys64(U_RW, 42);
        assertEquals(42, mmu.readSys64(U_RW));
        assertPf(0x10_0000_0000L, PF_W, () -> mmu.writeSys64(0x10_0000_0000L, 1));
    }

    @Test
    void nxeOffMakesXdReserved() {
        longMode(4, false, 0);
        pt.map4k(U_RW, DATA, P | RW | US | XD);
        user();
        assertPf(U_RW, PF_P | PF_U | Paging.PF_RSVD, () -> mmu.read8(U_RW));
        // and without XD everything is executable
        pt.map4k(U_RO, DATA, P | US);
        assertEquals(0, mmu.fetch8(U_RO));
        kernel();
        assertEquals(0, mmu.fetch8(U_RO));
    }

    @Test
    void crossPageAccesses() {
        mapAll(true, 0);
        user();
        phys.write64(DATA + 0xFF8, 0x8877665544332211L);
        phys.write64(DATA + 0x1000, 0x00FFEEDDCCBBAA99L);
        assertEquals(0xAA99887766554433L, mmu.read64(U_RW + 0xFFA));
        assertEquals(0xAA998877, mmu.read32(U_RW + 0xFFE));
        assertEquals(0x9988, mmu.read16(U_RW + 0xFFF));
        // U_RW -> U_RO: the second page faults, nothing is written to the first
        assertPf(U_RO, PF_P | PF_U | PF_W, () -> mmu.write64(U_RW + 0xFFC, -1L));
        assertPf(U_RO, PF_P | PF_U | PF_W, () -> mmu.write16(U_RW + 0xFFF, -1));
        assertEquals(0x8877665544332211L, phys.read64(DATA + 0xFF8));
        // second page not present
        long last = S_NX + 0x1000; // unmapped page after S_NX
        pt.map4k(last - 0x1000, DATA + 0x5000, P | RW | US);
        assertPf(last, PF_U | PF_W, () -> mmu.write32(last - 2, 0));
        assertPf(last, PF_U, () -> mmu.read64(last - 1));
        assertEquals(0, phys.read16(DATA + 0x5FFE));
        // first page faults first
        assertPf(S_RW + 0xFFF, PF_P | PF_U | PF_W, () -> mmu.write16(S_RW + 0xFFF, 0));
        // success across pages: both halves land (S_RW -> S_RO: writable for the kernel once WP = 0)
        kernel();
        assertPf(S_RO, PF_P | PF_W, () -> mmu.write64(S_RW + 0xFFD, 0));
        cpu.cr0 &= ~Cpu.CR0_WP;
        mmu.flushAll();
        mmu.write64(S_RW + 0xFFD, 0x0102030405060708L);
        assertEquals(0x060708, phys.read32(DATA + 0x2FFD) & 0xFFFFFF);
        assertEquals(0x0102030405L, phys.read64(DATA + 0x3000) & 0xFF_FFFF_FFFFL);
        assertEquals(0x0102030405060708L, mmu.read64(S_RW + 0xFFD));
        assertEquals(0x0102030405060708L, mmu.readSys64(S_RW + 0xFFD));
        mmu.writeSys32(S_RW + 0xFFE, 0xA1B2C3D4);
        assertEquals(0xA1B2C3D4, mmu.readSys32(S_RW + 0xFFE));
    }

    @Test
    void accessControlChangedReevaluatesCachedEntries() {
        mapAll(true, 0);
        kernel();
        cpu.cr0 &= ~Cpu.CR0_WP;
        mmu.flushAll();
        mmu.write8(S_RO, 1);
        mmu.write8(U_RW, 2);
        mmu.fetch8(U_RW);
        // the cached translations stay (a remap is not seen) but the new rules apply at once
        pt.map4k(U_RW, DATA + 0x7000, P | RW | US);
        cpu.cr0 |= Cpu.CR0_WP;
        cpu.cr4 |= Cpu.CR4_SMAP | Cpu.CR4_SMEP;
        mmu.accessControlChanged();
        assertPf(S_RO, PF_P | PF_W, () -> mmu.write8(S_RO, 1));
        assertPf(U_RW, PF_P | PF_W, () -> mmu.write8(U_RW, 1));
        assertPf(U_RW, PF_P | PF_ID, () -> mmu.fetch8(U_RW));
        cpu.setRflags(Flags.AC);
        user();
        assertEquals(0, mmu.read8(U_RW), "a fault re-walked U_RW, so the remap is now seen");
        mmu.invlpg(U_RW);
        pt.map4k(U_RW, DATA, P | RW | US);
        assertEquals(2, mmu.read8(U_RW));
        pt.map4k(U_RW, DATA + 0x7000, P | RW | US);
        cpu.cr4 &= ~Cpu.CR4_SMAP;
        mmu.accessControlChanged();
        assertEquals(2, mmu.read8(U_RW), "stale translation kept across accessControlChanged");
    }
}

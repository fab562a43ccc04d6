package dev.lstar.runtime.sys;

import static dev.lstar.runtime.sys.SysFixture.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Vendor;
import org.junit.jupiter.api.Test;

/** MOV to/from CR0/CR2/CR3/CR4/CR8 and CLTS (SDM Vol. 2B MOV CR; Vol. 3A §2.5, §4.10.4). */
class ControlRegsTest {

    private final SysFixture m = new SysFixture(Vendor.INTEL);
    private final Cpu cpu = m.cpu;
    private static final long LA = KBASE + 20 * MiB;

    /** Repoints the 2 MiB page at {@link #LA} to another frame without any invalidation. */
    private void remapBehindTheTlbsBack(long newPhys) {
        long table = m.pml4;
        for (int level = 4; level > 2; level--) {
            int idx = (int) (LA >>> (3 + 9 * level)) & 511;
            table = m.phys.read64(table + 8L * idx) & 0x000F_FFFF_FFFF_F000L;
        }
        long pde = table + 8L * ((int) (LA >>> 21) & 511);
        m.phys.write64(pde, (m.phys.read64(pde) & ~0x000F_FFFF_FFE0_0000L) | newPhys);
    }

    /** Sets up a stale translation: LA cached for phys 20 MiB while the tables say 22 MiB. */
    private void staleTranslation() {
        m.phys.write64(20 * MiB, 0x1111);
        m.phys.write64(22 * MiB, 0x2222);
        assertEquals(0x1111, cpu.mmu.readSys64(LA));
        remapBehindTheTlbsBack(22 * MiB);
        assertEquals(0x1111, cpu.mmu.readSys64(LA), "cached translation still used");
    }

    @Test
    void cplCheck() {
        m.userMode();
        assertGp0(() -> ControlRegs.movToCr(cpu, 0, cpu.cr0));
        assertGp0(() -> ControlRegs.movFromCr(cpu, 3));
        assertGp0(() -> ControlRegs.clts(cpu));
    }

    @Test
    void nonexistentControlRegistersAreUd() {
        for (int n : new int[] {1, 5, 6, 7, 9, 15}) {
            assertUd(() -> ControlRegs.movToCr(cpu, n, 0));
            assertUd(() -> ControlRegs.movFromCr(cpu, n));
        }
    }

    @Test
    void cr2IsPlainStorage() {
        ControlRegs.movToCr(cpu, 2, 0xDEAD_BEEF_0000_1234L);
        assertEquals(0xDEAD_BEEF_0000_1234L, ControlRegs.movFromCr(cpu, 2));
    }

    @Test
    void cr0ReservedHighBitsAndIllegalCombinations() {
        long cr0 = cpu.cr0;
        assertGp0(() -> ControlRegs.movToCr(cpu, 0, cr0 | (1L << 32)));
        assertGp0(() -> ControlRegs.movToCr(cpu, 0, (cr0 & ~Cpu.CR0_PE))); // PG without PE
        assertGp0(() -> ControlRegs.movToCr(cpu, 0, cr0 | (1L << 29))); // NW without CD
        assertGp0(() -> ControlRegs.movToCr(cpu, 0, cr0 & ~Cpu.CR0_PG)); // leaving long mode from 64-bit mode
        assertEquals(cr0, cpu.cr0);
        ControlRegs.movToCr(cpu, 0, cr0 | (1L << 30) | (1L << 29)); // CD + NW is legal
        assertEquals(cr0 | (1L << 30) | (1L << 29), ControlRegs.movFromCr(cpu, 0));
    }

    @Test
    void cr0EtIsHardwiredAndLowReservedBitsIgnored() {
        ControlRegs.movToCr(cpu, 0, (cpu.cr0 & ~Cpu.CR0_ET) | (1L << 7));
        assertEquals(Cpu.CR0_ET, cpu.cr0 & Cpu.CR0_ET);
        assertEquals(0, cpu.cr0 & (1L << 7));
    }

    @Test
    void cltsClearsTs() {
        cpu.cr0 |= 8;
        ControlRegs.clts(cpu);
        assertEquals(0, cpu.cr0 & 8);
    }

    @Test
    void enteringLongModeSetsLmaAndRequiresPae() {
        // Start from protected mode without paging, 32-bit code segment, LME set.
        m.loadFromGdt(Cpu.CS, KERNEL32_CS);
        cpu.efer = Cpu.EFER_LME;
        cpu.cr0 = Cpu.CR0_PE | Cpu.CR0_ET;
        cpu.cr4 = 0;
        cpu.cr3 = m.pml4;
        assertGp0(() -> ControlRegs.movToCr(cpu, 0, Cpu.CR0_PE | Cpu.CR0_ET | Cpu.CR0_PG)); // PAE = 0
        ControlRegs.movToCr(cpu, 4, Cpu.CR4_PAE);
        ControlRegs.movToCr(cpu, 0, Cpu.CR0_PE | Cpu.CR0_ET | Cpu.CR0_PG);
        assertEquals(Cpu.EFER_LMA, cpu.efer & Cpu.EFER_LMA);
        // Compatibility mode may leave long mode by clearing PG; LMA follows.
        ControlRegs.movToCr(cpu, 0, Cpu.CR0_PE | Cpu.CR0_ET);
        assertEquals(0, cpu.efer & Cpu.EFER_LMA);
    }

    @Test
    void enablingPagingWithCsLIsGp() {
        cpu.efer = Cpu.EFER_LME;
        cpu.cr0 = Cpu.CR0_PE | Cpu.CR0_ET;
        // CS still holds the 64-bit kernel code cache (L = 1)
        assertGp0(() -> ControlRegs.movToCr(cpu, 0, Cpu.CR0_PE | Cpu.CR0_ET | Cpu.CR0_PG));
    }

    @Test
    void cr4ReservedAndUnsupportedBits() {
        long cr4 = cpu.cr4;
        assertGp0(() -> ControlRegs.movToCr(cpu, 4, cr4 | (1L << 13))); // VMXE
        assertGp0(() -> ControlRegs.movToCr(cpu, 4, cr4 | (1L << 18))); // OSXSAVE: not advertised
        assertGp0(() -> ControlRegs.movToCr(cpu, 4, cr4 | (1L << 22))); // PKE
        assertGp0(() -> ControlRegs.movToCr(cpu, 4, cr4 | (1L << 32)));
        assertGp0(() -> ControlRegs.movToCr(cpu, 4, cr4 | 1)); // VME
        assertEquals(cr4, cpu.cr4);
        long linux = 0x770EF0L & ControlRegs.CR4_SUPPORTED; // the 6.3 QEMU guest's CR4 minus OSXSAVE/PKE
        ControlRegs.movToCr(cpu, 4, linux);
        assertEquals(linux, ControlRegs.movFromCr(cpu, 4));
    }

    @Test
    void cr4LongModeRules() {
        long cr4 = cpu.cr4;
        assertGp0(() -> ControlRegs.movToCr(cpu, 4, cr4 & ~Cpu.CR4_PAE));
        assertGp0(() -> ControlRegs.movToCr(cpu, 4, cr4 | Cpu.CR4_LA57));
        assertEquals(cr4, cpu.cr4);
    }

    @Test
    void pcideRequiresCr3Low12Zero() {
        cpu.mmu.writeCr3(m.pml4 | 0x8); // PWT
        assertGp0(() -> ControlRegs.movToCr(cpu, 4, cpu.cr4 | Cpu.CR4_PCIDE));
        ControlRegs.movToCr(cpu, 3, m.pml4);
        ControlRegs.movToCr(cpu, 4, cpu.cr4 | Cpu.CR4_PCIDE);
        assertEquals(Cpu.CR4_PCIDE, cpu.cr4 & Cpu.CR4_PCIDE);
        // with PCIDE, CR3 bits 11:0 are the PCID and bit 63 is the no-flush hint, never stored
        ControlRegs.movToCr(cpu, 3, m.pml4 | 5 | (1L << 63));
        assertEquals(m.pml4 | 5, ControlRegs.movFromCr(cpu, 3));
        assertEquals(5, cpu.mmu.currentPcid());
        // PG cannot be cleared while PCIDE = 1 (checked before the 64-bit-mode rule would matter)
        m.loadFromGdt(Cpu.CS, KERNEL32_CS);
        assertGp0(() -> ControlRegs.movToCr(cpu, 0, cpu.cr0 & ~Cpu.CR0_PG));
    }

    @Test
    void cr3ReservedBits() {
        assertGp0(() -> ControlRegs.movToCr(cpu, 3, m.pml4 | (1L << 63))); // no-flush bit without PCIDE
        assertGp0(() -> ControlRegs.movToCr(cpu, 3, m.pml4 | (1L << Features.MAXPHYADDR)));
        assertGp0(() -> ControlRegs.movToCr(cpu, 3, m.pml4 | (1L << 62)));
        assertEquals(m.pml4, cpu.cr3);
        ControlRegs.movToCr(cpu, 3, m.pml4 | 0x18); // PWT|PCD
        assertEquals(m.pml4 | 0x18, cpu.cr3);
    }

    @Test
    void cr3WriteFlushesNonGlobalTranslations() {
        staleTranslation();
        ControlRegs.movToCr(cpu, 3, cpu.cr3);
        assertEquals(0x2222, cpu.mmu.readSys64(LA));
    }

    @Test
    void cr4PgeToggleFlushes() {
        staleTranslation();
        ControlRegs.movToCr(cpu, 4, cpu.cr4 & ~Cpu.CR4_PGE);
        assertEquals(0x2222, cpu.mmu.readSys64(LA));
    }

    @Test
    void cr4UnrelatedBitDoesNotFlush() {
        staleTranslation();
        ControlRegs.movToCr(cpu, 4, cpu.cr4 | Cpu.CR4_TSD);
        assertEquals(0x1111, cpu.mmu.readSys64(LA), "no invalidation required or done");
    }

    @Test
    void cr8HoldsTpr() {
        ControlRegs.movToCr(cpu, 8, 0xF);
        assertEquals(0xF, ControlRegs.movFromCr(cpu, 8));
        assertGp0(() -> ControlRegs.movToCr(cpu, 8, 0x10));
        assertEquals(0xF, cpu.cr8);
    }

    @Test
    void wpChangeTakesEffect() {
        // A read-only supervisor page becomes writable for the kernel when CR0.WP is cleared.
        long table = m.pml4;
        for (int level = 4; level > 2; level--) {
            int idx = (int) (LA >>> (3 + 9 * level)) & 511;
            table = m.phys.read64(table + 8L * idx) & 0x000F_FFFF_FFFF_F000L;
        }
        long pde = table + 8L * ((int) (LA >>> 21) & 511);
        m.phys.write64(pde, m.phys.read64(pde) & ~2L);
        cpu.mmu.invlpg(LA);
        var e = fault(() -> cpu.mmu.write64(LA, 1));
        assertEquals(0x3, e.errorCode, "present + write");
        ControlRegs.movToCr(cpu, 0, cpu.cr0 & ~Cpu.CR0_WP);
        cpu.mmu.write64(LA, 7);
        assertEquals(7, cpu.mmu.readSys64(LA));
    }
}

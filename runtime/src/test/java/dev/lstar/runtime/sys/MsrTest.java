package dev.lstar.runtime.sys;

import static dev.lstar.runtime.sys.SysFixture.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Vendor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RDMSR / WRMSR (SDM Vol. 2B; spec §2.1). */
class MsrTest {

    private final SysFixture m = new SysFixture(Vendor.INTEL);
    private final Cpu cpu = m.cpu;

    @Test
    void linuxSyscallInitValuesRoundTrip() {
        Msrs.wrmsr(cpu, Msrs.STAR, 0x0023_0010_0000_0000L);
        Msrs.wrmsr(cpu, Msrs.LSTAR, 0xFFFF_FFFF_8160_0000L);
        Msrs.wrmsr(cpu, Msrs.FMASK, 0x257FD5L);
        Msrs.wrmsr(cpu, Msrs.CSTAR, 0xFFFF_FFFF_8160_1000L);
        Msrs.wrmsr(cpu, Msrs.SYSENTER_CS, KERNEL_CS);
        Msrs.wrmsr(cpu, Msrs.SYSENTER_ESP, 0xFFFF_FE00_0000_3000L);
        Msrs.wrmsr(cpu, Msrs.SYSENTER_EIP, 0xFFFF_FFFF_8160_2000L);
        Msrs.wrmsr(cpu, Msrs.TSC_AUX, (1 << 12) | 3);
        assertEquals(0x0023_0010_0000_0000L, Msrs.rdmsr(cpu, Msrs.STAR));
        assertEquals(0xFFFF_FFFF_8160_0000L, cpu.lstar);
        assertEquals(0x257FD5L, Msrs.rdmsr(cpu, Msrs.FMASK));
        assertEquals(0xFFFF_FFFF_8160_1000L, Msrs.rdmsr(cpu, Msrs.CSTAR));
        assertEquals(KERNEL_CS, Msrs.rdmsr(cpu, Msrs.SYSENTER_CS));
        assertEquals(0xFFFF_FE00_0000_3000L, Msrs.rdmsr(cpu, Msrs.SYSENTER_ESP));
        assertEquals(0xFFFF_FFFF_8160_2000L, Msrs.rdmsr(cpu, Msrs.SYSENTER_EIP));
        assertEquals((1 << 12) | 3, Msrs.rdmsr(cpu, Msrs.TSC_AUX));
    }

    @Test
    void fsGsBasesAliasSegmentCache() {
        Msrs.wrmsr(cpu, Msrs.FS_BASE, 0x7F00_1234_5000L);
        Msrs.wrmsr(cpu, Msrs.GS_BASE, KBASE + 0x10_0000);
        Msrs.wrmsr(cpu, Msrs.KERNEL_GS_BASE, 0x7F00_0000_0000L);
        assertEquals(0x7F00_1234_5000L, cpu.segBase[Cpu.FS]);
        assertEquals(KBASE + 0x10_0000, cpu.segBase[Cpu.GS]);
        assertEquals(0x7F00_0000_0000L, cpu.kernelGsBase);
        cpu.segBase[Cpu.FS] = 0x1000;
        assertEquals(0x1000, Msrs.rdmsr(cpu, Msrs.FS_BASE));
        assertEquals(KBASE + 0x10_0000, Msrs.rdmsr(cpu, Msrs.GS_BASE));
        assertEquals(0x7F00_0000_0000L, Msrs.rdmsr(cpu, Msrs.KERNEL_GS_BASE));
    }

    @ParameterizedTest
    @ValueSource(ints = {Msrs.LSTAR, Msrs.CSTAR, Msrs.FS_BASE, Msrs.GS_BASE, Msrs.KERNEL_GS_BASE, Msrs.SYSENTER_ESP, Msrs.SYSENTER_EIP})
    void nonCanonicalAddressMsrWriteIsGp0(int index) {
        long before = Msrs.rdmsr(cpu, index);
        // Non-canonical even for 57-bit linear addresses.
        assertGp0(() -> Msrs.wrmsr(cpu, index, 0x8000_0000_0000_0000L));
        assertGp0(() -> Msrs.wrmsr(cpu, index, 0x0100_0000_0000_0000L));
        assertEquals(before, Msrs.rdmsr(cpu, index));
        // Canonical for 57 bits (the processor supports LA57): accepted regardless of CR4.LA57.
        Msrs.wrmsr(cpu, index, 0x00FF_0000_0000_0000L);
        assertEquals(0x00FF_0000_0000_0000L, Msrs.rdmsr(cpu, index));
    }

    @Test
    void unknownMsrIsGp0() {
        assertGp0(() -> Msrs.rdmsr(cpu, 0x1B)); // APIC_BASE: not modelled
        assertGp0(() -> Msrs.wrmsr(cpu, 0x1B, 0));
        assertGp0(() -> Msrs.rdmsr(cpu, 0xC000_0104));
        assertGp0(() -> Msrs.rdmsr(cpu, 0x48)); // SPEC_CTRL: not advertised, not present
    }

    @Test
    void cpl3IsGp0() {
        m.userMode();
        assertGp0(() -> Msrs.rdmsr(cpu, Msrs.EFER));
        assertGp0(() -> Msrs.wrmsr(cpu, Msrs.LSTAR, 0x1000));
        assertEquals(ENTRY_SYSCALL, cpu.lstar);
    }

    @Test
    void reservedBitsAreGp0() {
        assertGp0(() -> Msrs.wrmsr(cpu, Msrs.FMASK, 1L << 32));
        assertGp0(() -> Msrs.wrmsr(cpu, Msrs.TSC_AUX, 1L << 32));
        assertGp0(() -> Msrs.wrmsr(cpu, Msrs.EFER, cpu.efer | (1L << 12))); // SVME: not implemented
        assertGp0(() -> Msrs.wrmsr(cpu, Msrs.EFER, cpu.efer | (1L << 1)));
        assertEquals(LINUX_FMASK, cpu.fmask);
    }

    @Test
    void eferLmaIsReadOnlyAndLmeLockedWhilePaging() {
        long efer = cpu.efer;
        Msrs.wrmsr(cpu, Msrs.EFER, efer & ~Cpu.EFER_LMA); // LMA write ignored
        assertEquals(efer, cpu.efer);
        assertGp0(() -> Msrs.wrmsr(cpu, Msrs.EFER, efer & ~Cpu.EFER_LME));
        Msrs.wrmsr(cpu, Msrs.EFER, efer & ~Cpu.EFER_SCE);
        assertEquals(efer & ~Cpu.EFER_SCE, Msrs.rdmsr(cpu, Msrs.EFER));
    }

    @Test
    void clearingNxeFlushesTlb() {
        // A page cached while NXE=1 with bit 63 set is a valid NX page; after NXE=0 bit 63 is
        // reserved: the next access must re-walk and fault with RSVD.
        long la = KBASE + 20 * MiB;
        cpu.mmu.readSys64(la);
        long pde = pdeAddr(la);
        m.phys.write64(pde, m.phys.read64(pde) | (1L << 63));
        cpu.mmu.invlpg(la);
        cpu.mmu.readSys64(la); // NX data page: readable
        Msrs.wrmsr(cpu, Msrs.EFER, cpu.efer & ~Cpu.EFER_NXE);
        var e = fault(() -> cpu.mmu.readSys64(la));
        assertEquals(0x9, e.errorCode & 0x9, "present + RSVD after the flush");
    }

    private long pdeAddr(long la) {
        long table = m.pml4;
        for (int level = 4; level > 2; level--) {
            int idx = (int) (la >>> (3 + 9 * level)) & 511;
            table = m.phys.read64(table + 8L * idx) & 0x000F_FFFF_FFFF_F000L;
        }
        return table + 8L * ((int) (la >>> 21) & 511);
    }

    @Test
    void tscReadsInstructionsPlusOffsetAndWriteSetsOffset() {
        cpu.instructions = 1000;
        cpu.tscOffset = 5;
        assertEquals(1005, Msrs.rdmsr(cpu, Msrs.TSC));
        Msrs.wrmsr(cpu, Msrs.TSC, 1_000_000);
        assertEquals(1_000_000, Msrs.rdmsr(cpu, Msrs.TSC));
        cpu.instructions += 10;
        assertEquals(1_000_010, Msrs.rdmsr(cpu, Msrs.TSC));
    }

    @Test
    void instructionFormsUseEcxEdxEax() {
        cpu.r[Cpu.RCX] = 0xFFFF_FFFF_0000_0000L | (Msrs.LSTAR & 0xFFFF_FFFFL); // upper half of RCX ignored
        cpu.r[Cpu.RDX] = 0xAAAA_AAAA_FFFF_FFFFL;
        cpu.r[Cpu.RAX] = 0xBBBB_BBBB_8100_0000L;
        Msrs.wrmsrInsn(cpu);
        assertEquals(0xFFFF_FFFF_8100_0000L, cpu.lstar);
        cpu.r[Cpu.RAX] = -1;
        cpu.r[Cpu.RDX] = -1;
        Msrs.rdmsrInsn(cpu);
        assertEquals(0x8100_0000L, cpu.r[Cpu.RAX]);
        assertEquals(0xFFFF_FFFFL, cpu.r[Cpu.RDX]);
    }
}

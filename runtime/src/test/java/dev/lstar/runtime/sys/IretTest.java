package dev.lstar.runtime.sys;

import static dev.lstar.runtime.sys.SysFixture.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.Vendor;
import org.junit.jupiter.api.Test;

/** IRETQ in 64-bit mode (SDM IRET pseudocode; docs/spec/syscall-path.md §6.1). */
class IretTest {

    private final SysFixture m = new SysFixture(Vendor.INTEL);
    private final Cpu cpu = m.cpu;
    private static final long URIP = USER + 0x2000, URSP = USTACK_TOP - 0x40;

    @Test
    void iretqToUserLoadsEverything() {
        m.kernelMode();
        long frameAt = cpu.r[Cpu.RSP];
        m.iretFrame(URIP, USER_CS, 0x202 | Flags.CF | Flags.AC, URSP, USER_DS);
        Iret.iret(cpu, 8);
        assertEquals(URIP, cpu.rip);
        assertEquals(3, cpu.cpl);
        assertEquals(USER_CS, cpu.segSel[Cpu.CS]);
        assertEquals(0xA0FB, cpu.segAttr[Cpu.CS]);
        assertEquals(USER_DS, cpu.segSel[Cpu.SS]);
        assertEquals(0xC0F3, cpu.segAttr[Cpu.SS]);
        assertEquals(URSP, cpu.r[Cpu.RSP]);
        assertEquals(0x202 | Flags.CF | Flags.AC, cpu.getRflags());
        assertTrue(frameAt != cpu.r[Cpu.RSP]);
    }

    @Test
    void iretqSameLevelStillPopsSsAndRsp() {
        m.kernelMode();
        long target = KBASE + 0x7000, newRsp = KSTACK_TOP - 0x800;
        m.iretFrame(target, KERNEL_CS, 0x46, newRsp, KERNEL_DS);
        Iret.iret(cpu, 8);
        assertEquals(target, cpu.rip);
        assertEquals(0, cpu.cpl);
        assertEquals(newRsp, cpu.r[Cpu.RSP]);
        assertEquals(KERNEL_DS, cpu.segSel[Cpu.SS]);
        assertEquals(0x46, cpu.getRflags());
    }

    @Test
    void iretqToCpl0WithNullSsIsAllowed() {
        // a nested interrupt taken in the kernel after a user->kernel entry pushed SS = 0
        m.kernelMode();
        m.iretFrame(KBASE + 0x7000, KERNEL_CS, 0x2, KSTACK_TOP - 0x800, 0);
        Iret.iret(cpu, 8);
        assertEquals(0, cpu.segSel[Cpu.SS]);
        assertTrue((cpu.segAttr[Cpu.SS] & Cpu.ATTR_UNUSABLE) != 0);
        assertEquals(KSTACK_TOP - 0x800, cpu.r[Cpu.RSP]);
    }

    @Test
    void interruptFromUserThenIretqRoundTrip() {
        m.userMode();
        cpu.r[Cpu.RSP] = URSP;
        cpu.setRflags(0x202 | Flags.DF);
        Interrupts.externalInterrupt(cpu, 0x20, URIP);
        assertEquals(0, cpu.cpl);
        Iret.iret(cpu, 8);
        assertEquals(3, cpu.cpl);
        assertEquals(URIP, cpu.rip);
        assertEquals(URSP, cpu.r[Cpu.RSP]);
        assertEquals(0x202 | Flags.DF, cpu.getRflags());
        assertEquals(USER_DS, cpu.segSel[Cpu.SS]);
        assertEquals(USER_CS, cpu.segSel[Cpu.CS]);
    }

    @Test
    void nonCanonicalRipIsGp0AtCpl0WithNothingChanged() {
        for (int i = 47; i <= 63; i++) {
            SysFixture k = new SysFixture(Vendor.INTEL);
            k.kernelMode();
            k.iretFrame(1L << i, USER_CS, 0x202, URSP, USER_DS);
            SysFixture.Snapshot s = SysFixture.Snapshot.of(k.cpu);
            assertGp0(() -> Iret.iret(k.cpu, 8));
            s.assertSame(k.cpu);
        }
    }

    @Test
    void ntSetIsGp0() {
        m.kernelMode();
        cpu.setRflags(0x2 | Flags.NT);
        m.iretFrame(URIP, USER_CS, 0x202, URSP, USER_DS);
        assertGp0(() -> Iret.iret(cpu, 8));
        assertEquals(0, cpu.cpl);
    }

    @Test
    void nullCsIsGp0() {
        m.kernelMode();
        m.iretFrame(URIP, 3, 0x202, URSP, USER_DS);
        assertGp0(() -> Iret.iret(cpu, 8));
    }

    @Test
    void nullSsToCpl3IsGp0() {
        m.kernelMode();
        m.iretFrame(URIP, USER_CS, 0x202, URSP, 3);
        assertGp0(() -> Iret.iret(cpu, 8));
    }

    @Test
    void nullSsToCompatibilityModeIsGp0() {
        m.kernelMode();
        m.iretFrame(KBASE + 0x100, KERNEL32_CS, 0x2, KSTACK_TOP, 0);
        assertGp0(() -> Iret.iret(cpu, 8));
    }

    @Test
    void nullSsWithRplNotEqualNewCplIsGp0() {
        m.kernelMode();
        m.iretFrame(KBASE + 0x100, KERNEL_CS, 0x2, KSTACK_TOP, 1);
        assertGp0(() -> Iret.iret(cpu, 8));
    }

    @Test
    void csRplBelowCplIsGpSelector() {
        m.userMode();
        m.iretFrame(KBASE + 0x100, KERNEL_CS, 0x2, KSTACK_TOP, KERNEL_DS);
        long sp = cpu.r[Cpu.RSP];
        assertFault(CpuException.GP, KERNEL_CS, () -> Iret.iret(cpu, 8));
        assertEquals(sp, cpu.r[Cpu.RSP]);
        assertEquals(3, cpu.cpl);
    }

    @Test
    void csNotCodeIsGpSelector() {
        m.kernelMode();
        m.iretFrame(URIP, USER_DS, 0x202, URSP, USER_DS);
        assertFault(CpuException.GP, USER_DS & ~3, () -> Iret.iret(cpu, 8));
    }

    @Test
    void csDplNotRplIsGpSelector() {
        m.kernelMode();
        m.iretFrame(URIP, KERNEL_CS | 3, 0x202, URSP, USER_DS);
        assertFault(CpuException.GP, KERNEL_CS, () -> Iret.iret(cpu, 8));
    }

    @Test
    void csWithLAndDIsGpSelector() {
        m.kernelMode();
        m.setDesc(0x70, SysFixture.desc(0xe0fb, 0, 0xfffff)); // G, D, L
        m.iretFrame(URIP, 0x73, 0x202, URSP, USER_DS);
        assertFault(CpuException.GP, 0x70, () -> Iret.iret(cpu, 8));
    }

    @Test
    void csBeyondGdtLimitIsGpSelector() {
        m.kernelMode();
        m.iretFrame(URIP, 0x1003, 0x202, URSP, USER_DS);
        assertFault(CpuException.GP, 0x1000, () -> Iret.iret(cpu, 8));
    }

    @Test
    void csNotPresentIsNpSelector() {
        m.kernelMode();
        m.setDesc(0x70, SysFixture.desc(0xa07b, 0, 0xfffff)); // P = 0
        m.iretFrame(URIP, 0x73, 0x202, URSP, USER_DS);
        assertFault(CpuException.NP, 0x70, () -> Iret.iret(cpu, 8));
    }

    @Test
    void ssRplNotCsRplIsGpSs() {
        m.kernelMode();
        m.iretFrame(URIP, USER_CS, 0x202, URSP, KERNEL_DS);
        assertFault(CpuException.GP, KERNEL_DS, () -> Iret.iret(cpu, 8));
    }

    @Test
    void ssNotWritableIsGpSs() {
        m.kernelMode();
        m.setDesc(0x70, SysFixture.desc(0xc0f1, 0, 0xfffff)); // read-only data DPL 3
        m.iretFrame(URIP, USER_CS, 0x202, URSP, 0x73);
        assertFault(CpuException.GP, 0x70, () -> Iret.iret(cpu, 8));
    }

    @Test
    void ssDplNotRplIsGpSs() {
        m.kernelMode();
        m.iretFrame(URIP, USER_CS, 0x202, URSP, KERNEL_DS | 3);
        assertFault(CpuException.GP, KERNEL_DS, () -> Iret.iret(cpu, 8));
    }

    @Test
    void ssNotPresentIsSsFault() {
        m.kernelMode();
        m.setDesc(0x70, SysFixture.desc(0xc073, 0, 0xfffff)); // P = 0
        m.iretFrame(URIP, USER_CS, 0x202, URSP, 0x73);
        assertFault(CpuException.SS, 0x70, () -> Iret.iret(cpu, 8));
    }

    @Test
    void flagsRestoreRulesAtCpl0() {
        m.kernelMode();
        // IOPL 3, IF, VIF, VIP, ID, NT, RF, TF all restored from CPL 0; VM never; reserved bits never
        long img = 0x2 | Flags.IOPL | Flags.IF | Flags.VIF | Flags.VIP | Flags.ID | Flags.NT | Flags.RF | Flags.TF | Flags.VM
                | (1L << 3) | (1L << 40);
        m.iretFrame(URIP, USER_CS, img, URSP, USER_DS);
        Iret.iret(cpu, 8);
        assertEquals(0x2 | Flags.IOPL | Flags.IF | Flags.VIF | Flags.VIP | Flags.ID | Flags.NT | Flags.RF | Flags.TF,
                cpu.getRflags());
    }

    @Test
    void flagsRestoreRulesAtCpl3() {
        // IRETQ executed at CPL 3 (same level): IOPL/VIF/VIP kept; IF kept when CPL > IOPL
        m.userMode();
        cpu.setRflags(0x202);
        long sp = cpu.r[Cpu.RSP];
        m.writeSys64(sp, URIP);
        m.writeSys64(sp + 8, USER_CS);
        m.writeSys64(sp + 16, 0x2 | Flags.IOPL | Flags.VIP | Flags.CF); // IF = 0 in the image
        m.writeSys64(sp + 24, URSP);
        m.writeSys64(sp + 32, USER_DS);
        Iret.iret(cpu, 8);
        assertEquals(0x202 | Flags.CF, cpu.getRflags());
        assertEquals(3, cpu.cpl);
    }

    @Test
    void ifRestoredAtCpl3WhenIoplIs3() {
        m.userMode();
        cpu.setRflags(0x202 | Flags.IOPL);
        long sp = cpu.r[Cpu.RSP];
        m.writeSys64(sp, URIP);
        m.writeSys64(sp + 8, USER_CS);
        m.writeSys64(sp + 16, 0x2);
        m.writeSys64(sp + 24, URSP);
        m.writeSys64(sp + 32, USER_DS);
        Iret.iret(cpu, 8);
        assertEquals(0x2 | Flags.IOPL, cpu.getRflags(), "IF cleared (CPL <= IOPL), IOPL kept (CPL > 0)");
    }

    @Test
    void outerReturnNullsDataSegmentsWithDplBelowNewCpl() {
        m.kernelMode();
        m.loadFromGdt(Cpu.DS, KERNEL_DS);
        m.loadFromGdt(Cpu.ES, USER_DS);
        cpu.segBase[Cpu.FS] = 0x7000_0000L; // NULL FS with a 64-bit base: untouched
        m.loadFromGdt(Cpu.GS, KERNEL_DS);
        m.iretFrame(URIP, USER_CS, 0x202, URSP, USER_DS);
        Iret.iret(cpu, 8);
        assertEquals(0, cpu.segSel[Cpu.DS]);
        assertTrue((cpu.segAttr[Cpu.DS] & Cpu.ATTR_UNUSABLE) != 0);
        assertEquals(USER_DS, cpu.segSel[Cpu.ES], "DPL 3 data stays");
        assertEquals(0x7000_0000L, cpu.segBase[Cpu.FS]);
        assertEquals(0, cpu.segSel[Cpu.GS]);
    }

    @Test
    void frameOnUnmappedStackIsPageFaultWithNoStateChange() {
        m.kernelMode();
        long unmapped = KBASE + 30 * MiB;
        m.unmap2m(unmapped);
        cpu.r[Cpu.RSP] = unmapped;
        SysFixture.Snapshot s = SysFixture.Snapshot.of(cpu);
        CpuException e = fault(() -> Iret.iret(cpu, 8));
        assertEquals(CpuException.PF, e.vector);
        assertEquals(unmapped, e.address);
        s.assertSame(cpu);
    }

    @Test
    void iretdPopsDwords() {
        m.kernelMode();
        long sp = cpu.r[Cpu.RSP];
        mmuWrite32(sp, 0x0804_8000);
        mmuWrite32(sp + 4, USER32_CS);
        mmuWrite32(sp + 8, 0x202);
        mmuWrite32(sp + 12, 0xFFFF_D000);
        mmuWrite32(sp + 16, USER_DS);
        Iret.iret(cpu, 4);
        assertEquals(0x0804_8000L, cpu.rip);
        assertEquals(USER32_CS, cpu.segSel[Cpu.CS]);
        assertEquals(0xFFFF_D000L, cpu.r[Cpu.RSP]);
        assertEquals(3, cpu.cpl);
        assertTrue(!cpu.is64BitCode());
    }

    private void mmuWrite32(long la, long v) {
        long q = m.readSys64(la & ~7L);
        int sh = (int) (la & 7) * 8;
        q = (q & ~(0xFFFF_FFFFL << sh)) | ((v & 0xFFFF_FFFFL) << sh);
        m.writeSys64(la & ~7L, q);
    }
}

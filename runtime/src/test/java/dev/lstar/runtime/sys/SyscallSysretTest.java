package dev.lstar.runtime.sys;

import static dev.lstar.runtime.sys.SysFixture.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.Vendor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** SYSCALL / SYSRET / SWAPGS per docs/spec/syscall-path.md §1, for both vendors. */
class SyscallSysretTest {

    private static final long USER_RIP = USER + 0x1234;

    // ------------------------------------------------------------------ SYSCALL

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void syscallFromUserSavesRipAndFlagsAndEntersKernel(Vendor v) {
        SysFixture m = new SysFixture(v);
        Cpu cpu = m.cpu;
        m.userMode();
        long userRsp = cpu.r[Cpu.RSP];
        // user flags: CF, ZF, TF, IF, DF, NT, AC, RF set; IOPL 0
        long userFlags = 0x2 | Flags.CF | Flags.ZF | Flags.TF | Flags.IF | Flags.DF | Flags.NT | Flags.AC | Flags.RF;
        cpu.setRflags(userFlags);
        cpu.r[Cpu.RAX] = 39;

        FastSyscall.syscall(cpu, USER_RIP);

        assertEquals(USER_RIP, cpu.r[Cpu.RCX], "RCX = next RIP");
        assertEquals(userFlags & ~Flags.RF, cpu.r[Cpu.R11], "R11 = RFLAGS with RF cleared");
        // Linux FMASK clears everything that was set: RFLAGS = 0x2.
        assertEquals(0x2, cpu.getRflags());
        assertEquals(ENTRY_SYSCALL, cpu.rip);
        assertEquals(0, cpu.cpl);
        assertEquals(KERNEL_CS, cpu.segSel[Cpu.CS]);
        assertEquals(KERNEL_DS, cpu.segSel[Cpu.SS]);
        assertEquals(0xA09B, cpu.segAttr[Cpu.CS], "CS cache: type 11, S, DPL0, P, L, G");
        assertEquals(0xC093, cpu.segAttr[Cpu.SS], "SS cache: type 3, S, DPL0, P, B, G");
        assertEquals(0, cpu.segBase[Cpu.CS]);
        assertEquals(-1, cpu.segLimit[Cpu.CS]);
        assertEquals(-1, cpu.segLimit[Cpu.SS]);
        assertEquals(userRsp, cpu.r[Cpu.RSP], "RSP untouched");
        assertEquals(39, cpu.r[Cpu.RAX]);
        assertTrue(cpu.is64BitCode());
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void syscallAppliesOnlyFmaskBits(Vendor v) {
        SysFixture m = new SysFixture(v);
        Cpu cpu = m.cpu;
        m.userMode();
        cpu.fmask = Flags.IF | Flags.DF; // keep everything else
        long f = 0x2 | Flags.CF | Flags.IF | Flags.DF | Flags.OF | Flags.AC;
        cpu.setRflags(f);
        FastSyscall.syscall(cpu, USER_RIP);
        assertEquals(0x2 | Flags.CF | Flags.OF | Flags.AC, cpu.getRflags());
        assertEquals(f, cpu.r[Cpu.R11]);
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void syscallCsSelectorIgnoresStarRplAndSsIsPlus8(Vendor v) {
        SysFixture m = new SysFixture(v);
        Cpu cpu = m.cpu;
        m.userMode();
        cpu.star = 0x0023_0013_0000_0000L; // RPL 3 in STAR[47:32]
        FastSyscall.syscall(cpu, USER_RIP);
        assertEquals(0x10, cpu.segSel[Cpu.CS]);
        assertEquals(0x1B, cpu.segSel[Cpu.SS]);
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void syscallWithSceClearIsUdAndChangesNothing(Vendor v) {
        SysFixture m = new SysFixture(v);
        Cpu cpu = m.cpu;
        m.userMode();
        cpu.efer &= ~Cpu.EFER_SCE;
        SysFixture.Snapshot s = SysFixture.Snapshot.of(cpu);
        assertUd(() -> FastSyscall.syscall(cpu, USER_RIP));
        s.assertSame(cpu);
    }

    @Test
    void intelSyscallInCompatibilityModeIsUd() {
        SysFixture m = new SysFixture(Vendor.INTEL);
        Cpu cpu = m.cpu;
        m.userMode();
        m.loadFromGdt(Cpu.CS, USER32_CS);
        assertUd(() -> FastSyscall.syscall(m.cpu, 0x1000));
    }

    @Test
    void amdSyscallInCompatibilityModeUsesCstar() {
        SysFixture m = new SysFixture(Vendor.AMD);
        Cpu cpu = m.cpu;
        m.userMode();
        m.loadFromGdt(Cpu.CS, USER32_CS);
        cpu.cstar = KBASE + 0x5000;
        FastSyscall.syscall(cpu, 0x8048000L);
        assertEquals(KBASE + 0x5000, cpu.rip);
        assertEquals(0x8048000L, cpu.r[Cpu.RCX]);
        assertEquals(0, cpu.cpl);
        assertTrue(cpu.is64BitCode());
    }

    // ------------------------------------------------------------------ SYSRET

    /** Kernel state just before Linux's sysretq: CPL 0, RCX = user RIP, R11 = user flags. */
    private static SysFixture atSysret(Vendor v, long rcx, long r11) {
        SysFixture m = new SysFixture(v);
        m.kernelMode();
        m.cpu.r[Cpu.RCX] = rcx;
        m.cpu.r[Cpu.R11] = r11;
        m.cpu.r[Cpu.RSP] = USTACK_TOP - 0x80; // Linux restores the user RSP before sysretq
        return m;
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void sysretqReturnsToUser64(Vendor v) {
        SysFixture m = atSysret(v, USER_RIP, 0x246);
        Cpu cpu = m.cpu;
        FastSyscall.sysret(cpu, true);
        assertEquals(USER_RIP, cpu.rip);
        assertEquals(0x246, cpu.getRflags());
        assertEquals(3, cpu.cpl);
        assertEquals(USER_CS, cpu.segSel[Cpu.CS]);
        assertEquals(USER_DS, cpu.segSel[Cpu.SS]);
        assertEquals(0xA0FB, cpu.segAttr[Cpu.CS]);
        assertEquals(0, cpu.segBase[Cpu.CS]);
        assertEquals(-1, cpu.segLimit[Cpu.CS]);
        assertEquals(USTACK_TOP - 0x80, cpu.r[Cpu.RSP], "RSP unchanged");
        assertTrue(cpu.is64BitCode());
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void sysretFlagsAreR11Masked(Vendor v) {
        // RF (16), VM (17), reserved bits 3, 5, 15, 22-63 cleared; bit 1 set; TF IF IOPL NT AC ID VIF VIP kept.
        SysFixture m = atSysret(v, USER_RIP, -1L);
        FastSyscall.sysret(m.cpu, true);
        assertEquals(0x3C7FD7L | 2, m.cpu.getRflags());
        SysFixture m2 = atSysret(v, USER_RIP, 0);
        FastSyscall.sysret(m2.cpu, true);
        assertEquals(2, m2.cpu.getRflags());
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void sysret32ReturnsToCompatibilityMode(Vendor v) {
        SysFixture m = atSysret(v, 0xFFFF_FFFF_0804_8000L, 0x202);
        Cpu cpu = m.cpu;
        FastSyscall.sysret(cpu, false);
        assertEquals(0x0804_8000L, cpu.rip, "RIP = ECX");
        assertEquals(USER32_CS, cpu.segSel[Cpu.CS]);
        assertEquals(0xC0FB, cpu.segAttr[Cpu.CS], "L=0, D=1");
        assertEquals(USER_DS, cpu.segSel[Cpu.SS]);
        assertEquals(3, cpu.cpl);
        assertTrue(!cpu.is64BitCode());
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void sysretAtCpl3IsGp0(Vendor v) {
        SysFixture m = new SysFixture(v);
        m.userMode();
        m.cpu.r[Cpu.RCX] = USER_RIP;
        SysFixture.Snapshot s = SysFixture.Snapshot.of(m.cpu);
        assertGp0(() -> FastSyscall.sysret(m.cpu, true));
        s.assertSame(m.cpu);
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void sysretWithSceClearIsUd(Vendor v) {
        SysFixture m = atSysret(v, USER_RIP, 0x202);
        m.cpu.efer &= ~Cpu.EFER_SCE;
        assertUd(() -> FastSyscall.sysret(m.cpu, true));
        assertEquals(0, m.cpu.cpl);
    }

    @Test
    void intelSysretToNonCanonicalRcxIsGp0AtCpl0WithNoStateChange() {
        for (int i = 47; i <= 63; i++) {
            long rcx = 1L << i; // the sysret_rip.c values, all non-canonical with 4-level paging
            SysFixture m = atSysret(Vendor.INTEL, rcx, 0x246);
            // Linux has already done swapgs and loaded the user RSP (CVE-2012-0217 scenario).
            m.cpu.segBase[Cpu.GS] = 0x7000;
            m.cpu.kernelGsBase = KBASE + 0x9000;
            SysFixture.Snapshot s = SysFixture.Snapshot.of(m.cpu);
            CpuException e = assertThrows(CpuException.class, () -> FastSyscall.sysret(m.cpu, true));
            assertEquals("#GP(0x0)", e.describe());
            assertEquals(0, m.cpu.cpl, "the #GP is taken at CPL 0");
            s.assertSame(m.cpu);
        }
    }

    @Test
    void intelSysretCanonicalBoundary() {
        SysFixture m = atSysret(Vendor.INTEL, 0x0000_7FFF_FFFF_FFFFL, 0x202);
        FastSyscall.sysret(m.cpu, true);
        assertEquals(0x0000_7FFF_FFFF_FFFFL, m.cpu.rip);
        SysFixture k = atSysret(Vendor.INTEL, 0xFFFF_8000_0000_0000L, 0x202); // kernel half is canonical: allowed
        FastSyscall.sysret(k.cpu, true);
        assertEquals(3, k.cpu.cpl);
        SysFixture n = atSysret(Vendor.INTEL, 0x0000_8000_0000_0000L, 0x202);
        assertGp0(() -> FastSyscall.sysret(n.cpu, true));
    }

    @Test
    void intelSysret32DoesNotCheckRcxCanonical() {
        SysFixture m = atSysret(Vendor.INTEL, 0x8000_0000_0000_1000L, 0x202);
        FastSyscall.sysret(m.cpu, false);
        assertEquals(0x1000, m.cpu.rip);
        assertEquals(3, m.cpu.cpl);
    }

    @Test
    void amdSysretToNonCanonicalRcxReturnsToRing3() {
        for (int i = 47; i <= 63; i++) {
            long rcx = 1L << i;
            SysFixture m = atSysret(Vendor.AMD, rcx, 0x246);
            FastSyscall.sysret(m.cpu, true);
            assertEquals(rcx, m.cpu.rip, "AMD loads the non-canonical RIP");
            assertEquals(3, m.cpu.cpl, "and the fetch will fault in ring 3");
            assertEquals(USER_CS, m.cpu.segSel[Cpu.CS]);
            assertTrue(!m.cpu.canonical(m.cpu.rip));
        }
    }

    @Test
    void amdSysretKeepsUnusableSsCacheFromInterruptEntry() {
        // An interrupt from CPL 3 loads SS with NULL; if the kernel then SYSRETs (no context switch
        // in between), AMD writes only the selector (X86_BUG_SYSRET_SS_ATTRS).
        SysFixture m = new SysFixture(Vendor.AMD);
        Cpu cpu = m.cpu;
        m.userMode();
        Interrupts.externalInterrupt(cpu, 0x20, USER_RIP);
        assertEquals(0, cpu.segSel[Cpu.SS]);
        int nullSsAttr = cpu.segAttr[Cpu.SS];
        assertTrue((nullSsAttr & Cpu.ATTR_UNUSABLE) != 0);
        cpu.r[Cpu.RCX] = USER_RIP;
        cpu.r[Cpu.R11] = 0x202;
        FastSyscall.sysret(cpu, true);
        assertEquals(USER_DS, cpu.segSel[Cpu.SS], "selector written");
        assertEquals(nullSsAttr, cpu.segAttr[Cpu.SS], "hidden attributes kept: still unusable");
    }

    @Test
    void amdSysretKeepsKernelDsAttributes() {
        SysFixture m = atSysret(Vendor.AMD, USER_RIP, 0x202);
        FastSyscall.sysret(m.cpu, true);
        assertEquals(USER_DS, m.cpu.segSel[Cpu.SS]);
        assertEquals(0xC093, m.cpu.segAttr[Cpu.SS], "still the DPL-0 __KERNEL_DS cache");
    }

    @Test
    void intelSysretReloadsFullSsCacheEvenAfterNullSs() {
        SysFixture m = new SysFixture(Vendor.INTEL);
        Cpu cpu = m.cpu;
        m.userMode();
        Interrupts.externalInterrupt(cpu, 0x20, USER_RIP);
        assertTrue((cpu.segAttr[Cpu.SS] & Cpu.ATTR_UNUSABLE) != 0);
        cpu.r[Cpu.RCX] = USER_RIP;
        cpu.r[Cpu.R11] = 0x202;
        FastSyscall.sysret(cpu, true);
        assertEquals(USER_DS, cpu.segSel[Cpu.SS]);
        assertEquals(0xC0F3, cpu.segAttr[Cpu.SS], "fixed cache: type 3, S, DPL 3, P, B, G");
        assertEquals(0, cpu.segBase[Cpu.SS]);
        assertEquals(-1, cpu.segLimit[Cpu.SS]);
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void syscallSysretRoundTripPreservesUserFlagsExceptRf(Vendor v) {
        SysFixture m = new SysFixture(v);
        Cpu cpu = m.cpu;
        m.userMode();
        long f = 0x2 | Flags.NT | Flags.IF | Flags.AC | Flags.CF; // syscall_nt.c: NT survives the round trip
        cpu.setRflags(f);
        FastSyscall.syscall(cpu, USER_RIP);
        assertEquals(0, cpu.getRflags() & Flags.NT, "FMASK clears NT in the kernel");
        FastSyscall.sysret(cpu, true);
        assertEquals(f, cpu.getRflags());
        assertEquals(USER_RIP, cpu.rip);
        assertEquals(3, cpu.cpl);
    }

    // ------------------------------------------------------------------ SWAPGS

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void swapgsExchangesBases(Vendor v) {
        SysFixture m = new SysFixture(v);
        m.cpu.segBase[Cpu.GS] = 0x7FFF_0000_1000L;
        m.cpu.kernelGsBase = KBASE + 0x8000;
        FastSyscall.swapgs(m.cpu);
        assertEquals(KBASE + 0x8000, m.cpu.segBase[Cpu.GS]);
        assertEquals(0x7FFF_0000_1000L, m.cpu.kernelGsBase);
        FastSyscall.swapgs(m.cpu);
        assertEquals(0x7FFF_0000_1000L, m.cpu.segBase[Cpu.GS]);
        assertEquals(KBASE + 0x8000, m.cpu.kernelGsBase);
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void swapgsAtCpl3IsGp0(Vendor v) {
        SysFixture m = new SysFixture(v);
        m.userMode();
        m.cpu.segBase[Cpu.GS] = 0x1000;
        m.cpu.kernelGsBase = 0x2000;
        assertGp0(() -> FastSyscall.swapgs(m.cpu));
        assertEquals(0x1000, m.cpu.segBase[Cpu.GS]);
        assertEquals(0x2000, m.cpu.kernelGsBase);
    }

    @Test
    void swapgsOutside64BitModeIsUd() {
        SysFixture m = new SysFixture(Vendor.INTEL);
        m.loadFromGdt(Cpu.CS, KERNEL32_CS);
        assertUd(() -> FastSyscall.swapgs(m.cpu));
        assertNotEquals(0, m.cpu.segAttr[Cpu.CS]);
    }
}

package dev.lstar.runtime.sys;

import static dev.lstar.runtime.sys.SysFixture.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.Vendor;
import org.junit.jupiter.api.Test;

/** Event delivery through the 64-bit IDT (SDM Vol. 3A §6.14), double and triple faults. */
class InterruptDeliveryTest {

    private final SysFixture m = new SysFixture(Vendor.INTEL);
    private final Cpu cpu = m.cpu;

    private static final long FAULT_RIP = USER + 0x1000, NEXT_RIP = USER + 0x1003;

    /** Reads the frame the CPU pushed: [errorCode], RIP, CS, RFLAGS, RSP, SS from the current RSP. */
    private long[] frame(boolean withError) {
        long sp = cpu.r[Cpu.RSP];
        int n = withError ? 6 : 5;
        long[] f = new long[n];
        for (int i = 0; i < n; i++) f[i] = m.readSys64(sp + 8L * i);
        return f;
    }

    @Test
    void gpFromUserSwitchesToRsp0AndPushesFullFrame() {
        m.userMode();
        long userRsp = USTACK_TOP - 0x108; // not 16-byte aligned: only the new stack gets aligned
        cpu.r[Cpu.RSP] = userRsp;
        cpu.setRflags(0x202 | Flags.TF | Flags.NT | Flags.AC);
        Interrupts.deliver(cpu, CpuException.gp(0x2b, "test"), FAULT_RIP, NEXT_RIP);

        assertEquals(handler(CpuException.GP), cpu.rip);
        assertEquals(0, cpu.cpl);
        assertEquals(KERNEL_CS, cpu.segSel[Cpu.CS]);
        assertEquals(0, cpu.segSel[Cpu.SS], "SS = NULL selector with RPL = new CPL (0)");
        assertTrue((cpu.segAttr[Cpu.SS] & Cpu.ATTR_UNUSABLE) != 0);
        assertEquals(RSP0_TOP - 48, cpu.r[Cpu.RSP]);
        long[] f = frame(true);
        assertEquals(0x2b, f[0], "error code");
        assertEquals(FAULT_RIP, f[1], "faults save the faulting RIP");
        assertEquals(USER_CS, f[2]);
        assertEquals(0x202 | Flags.TF | Flags.NT | Flags.AC | Flags.RF, f[3], "RFLAGS image, RF set for a fault");
        assertEquals(userRsp, f[4]);
        assertEquals(USER_DS, f[5]);
        // interrupt gate: IF cleared; TF, NT, RF cleared; AC kept
        assertEquals(0x2 | Flags.AC, cpu.getRflags());
    }

    @Test
    void faultInKernelStaysOnCurrentStackAlignedDown() {
        m.kernelMode();
        cpu.r[Cpu.RSP] = KSTACK_TOP - 0x18; // misaligned
        cpu.setRflags(0x246);
        long rip = KBASE + 0x1000;
        Interrupts.deliver(cpu, CpuException.ud("test"), rip, rip + 2);
        long base = KSTACK_TOP - 0x20; // aligned down to 16
        assertEquals(base - 40, cpu.r[Cpu.RSP]);
        long[] f = frame(false);
        assertEquals(rip, f[0]);
        assertEquals(KERNEL_CS, f[1]);
        assertEquals(0x246 | Flags.RF, f[2]);
        assertEquals(KSTACK_TOP - 0x18, f[3], "old RSP pushed even without a privilege change");
        assertEquals(KERNEL_DS, f[4], "old SS pushed");
        assertEquals(KERNEL_DS, cpu.segSel[Cpu.SS], "SS unchanged at same privilege");
        assertEquals(0xC093, cpu.segAttr[Cpu.SS]);
        assertEquals(handler(CpuException.UD), cpu.rip);
        assertEquals(0x046, cpu.getRflags(), "IF cleared by interrupt gate, ZF PF kept");
    }

    @Test
    void trapGateKeepsIf() {
        m.userMode();
        Interrupts.intN(cpu, 0x80, FAULT_RIP, NEXT_RIP); // gate 0x80 is a DPL-3 trap gate
        assertEquals(handler(0x80), cpu.rip);
        assertTrue((cpu.getRflags() & Flags.IF) != 0);
        long[] f = frame(false);
        assertEquals(NEXT_RIP, f[0], "software interrupts save the next RIP");
        assertEquals(0x202, f[2], "no RF for a software interrupt");
        assertEquals(RSP0_TOP - 40, cpu.r[Cpu.RSP]);
    }

    @Test
    void istIsUsedEvenWithoutPrivilegeChange() {
        m.setGate(CpuException.NMI, handler(2), 1, 0, Segments.SYS_INT_GATE, true);
        m.kernelMode();
        Interrupts.deliverEvent(cpu, CpuException.NMI, 0, false, Interrupts.KIND_EXTERNAL, KBASE + 0x1000, KBASE + 0x1000);
        assertEquals(IST1_TOP - 40, cpu.r[Cpu.RSP]);
        assertEquals(KERNEL_DS, cpu.segSel[Cpu.SS], "no privilege change: SS kept");
        assertEquals(KSTACK_TOP, frame(false)[3]);
    }

    @Test
    void istFromUserUsesIstNotRsp0() {
        m.setGate(CpuException.NMI, handler(2), 1, 0, Segments.SYS_INT_GATE, true);
        m.userMode();
        Interrupts.deliverEvent(cpu, CpuException.NMI, 0, false, Interrupts.KIND_EXTERNAL, FAULT_RIP, FAULT_RIP);
        assertEquals(IST1_TOP - 40, cpu.r[Cpu.RSP]);
        assertEquals(0, cpu.segSel[Cpu.SS]);
        assertEquals(0, cpu.cpl);
    }

    @Test
    void pageFaultSetsCr2AndPushesErrorCode() {
        m.userMode();
        CpuException pf = CpuException.pf(0xdead_b000L, 0x6, "test");
        Interrupts.deliver(cpu, pf, FAULT_RIP, NEXT_RIP);
        assertEquals(0xdead_b000L, cpu.cr2);
        assertEquals(handler(CpuException.PF), cpu.rip);
        long[] f = frame(true);
        assertEquals(0x6, f[0]);
        assertEquals(FAULT_RIP, f[1]);
    }

    @Test
    void realPageFaultFromMmuIsDelivered() {
        m.userMode();
        long kernelAddr = KBASE + 0x5000; // supervisor page
        CpuException pf = assertThrows(CpuException.class, () -> cpu.mmu.read64(kernelAddr));
        assertEquals(CpuException.PF, pf.vector);
        assertEquals(0x5, pf.errorCode, "present | user");
        Interrupts.deliver(cpu, pf, FAULT_RIP, NEXT_RIP);
        assertEquals(kernelAddr, cpu.cr2);
        assertEquals(0x5, frame(true)[0]);
    }

    @Test
    void softwareIntToDpl0GateFromUserIsGp() {
        m.userMode();
        // vector 0x30 has a DPL-0 gate: INT 0x30 from CPL 3 delivers #GP(0x30*8+2)
        m.setGate(0x30, handler(0x30), 0, 0, Segments.SYS_INT_GATE, true);
        Interrupts.intN(cpu, 0x30, FAULT_RIP, NEXT_RIP);
        assertEquals(handler(CpuException.GP), cpu.rip);
        long[] f = frame(true);
        assertEquals(0x30 * 8 + 2, f[0], "IDT bit set, EXT clear for INT n");
        assertEquals(FAULT_RIP, f[1], "the #GP points at the INT instruction");
        assertEquals(0x202 | Flags.RF, f[3]);
    }

    @Test
    void hardwareExceptionIgnoresGateDpl() {
        m.userMode();
        // #GP's gate is DPL 0: a hardware #GP from CPL 3 is still delivered
        Interrupts.deliver(cpu, CpuException.gp0("x"), FAULT_RIP, NEXT_RIP);
        assertEquals(handler(CpuException.GP), cpu.rip);
    }

    @Test
    void int3UsesDpl3GateAndSavesNextRip() {
        m.userMode();
        Interrupts.int3(cpu, FAULT_RIP, FAULT_RIP + 1);
        assertEquals(handler(CpuException.BP), cpu.rip);
        assertEquals(FAULT_RIP + 1, frame(false)[0]);
    }

    @Test
    void deliverOfSoftIntExceptionUsesNextRip() {
        m.userMode();
        Interrupts.deliver(cpu, CpuException.softInt(0x80), FAULT_RIP, NEXT_RIP);
        assertEquals(NEXT_RIP, frame(false)[0]);
    }

    @Test
    void notPresentGateIsNpWithIdtErrorCode() {
        m.userMode();
        m.setGate(0x81, handler(0x81), 0, 3, Segments.SYS_INT_GATE, false);
        Interrupts.intN(cpu, 0x81, FAULT_RIP, NEXT_RIP);
        assertEquals(handler(CpuException.NP), cpu.rip);
        assertEquals(0x81 * 8 + 2, frame(true)[0]);
    }

    @Test
    void vectorBeyondIdtLimitIsGpWithExtForHardwareEvents() {
        m.userMode();
        cpu.idtrLimit = 0x40 * 16 - 1;
        Interrupts.externalInterrupt(cpu, 0x41, FAULT_RIP);
        assertEquals(handler(CpuException.GP), cpu.rip);
        assertEquals(0x41 * 8 + 2 + 1, frame(true)[0], "IDT | EXT");
    }

    @Test
    void softwareIntBeyondIdtLimitHasNoExt() {
        m.userMode();
        cpu.idtrLimit = 0x40 * 16 - 1;
        Interrupts.intN(cpu, 0x80, FAULT_RIP, NEXT_RIP);
        assertEquals(0x80 * 8 + 2, frame(true)[0]);
    }

    @Test
    void gateWithNon64BitTargetIsGpSelector() {
        m.userMode();
        m.setGateRaw(0x82, KERNEL32_CS, handler(0x82), 0, 3, Segments.SYS_INT_GATE, true);
        Interrupts.intN(cpu, 0x82, FAULT_RIP, NEXT_RIP);
        assertEquals(handler(CpuException.GP), cpu.rip);
        assertEquals(KERNEL32_CS, frame(true)[0]);
    }

    @Test
    void gateOfWrongTypeIsGp() {
        m.userMode();
        m.setGateRaw(0x83, KERNEL_CS, handler(0x83), 0, 3, 0xC /* call gate */, true);
        Interrupts.intN(cpu, 0x83, FAULT_RIP, NEXT_RIP);
        assertEquals(0x83 * 8 + 2, frame(true)[0]);
    }

    @Test
    void interruptGateWithDataSegmentTargetIsGpSelector() {
        m.userMode();
        m.setGateRaw(0x84, KERNEL_DS, handler(0x84), 0, 3, Segments.SYS_INT_GATE, true);
        Interrupts.intN(cpu, 0x84, FAULT_RIP, NEXT_RIP);
        assertEquals(KERNEL_DS, frame(true)[0]);
    }

    @Test
    void externalInterruptMaskedByIf() {
        m.userMode();
        cpu.setRflags(0x2);
        long rsp = cpu.r[Cpu.RSP];
        assertFalse(Interrupts.externalInterrupt(cpu, 0x20, FAULT_RIP));
        assertEquals(3, cpu.cpl);
        assertEquals(rsp, cpu.r[Cpu.RSP]);
        cpu.setRflags(0x202);
        assertTrue(Interrupts.externalInterrupt(cpu, 0x20, FAULT_RIP));
        assertEquals(handler(0x20), cpu.rip);
        assertEquals(0, cpu.cpl);
    }

    @Test
    void haltedCpuWakesOnDelivery() {
        m.kernelMode();
        cpu.setRflags(0x202);
        SystemInsns.hlt(cpu);
        assertTrue(cpu.halted);
        Interrupts.externalInterrupt(cpu, 0x21, KBASE + 0x1001);
        assertFalse(cpu.halted);
    }

    @Test
    void into64BitModeIsUd() {
        m.userMode();
        cpu.setRflags(0x202 | Flags.OF);
        assertUd(() -> Interrupts.into(cpu, FAULT_RIP, NEXT_RIP));
    }

    // ------------------------------------------------------------------ double / triple faults

    @Test
    void gpWhileDeliveringGpIsDoubleFaultOnIst() {
        m.userMode();
        // #GP's gate points at a not-present code segment: delivering #GP raises #NP (contributory) -> #DF
        m.setDesc(0x70, SysFixture.desc(0x201b, 0, 0)); // L=1, type 0xb, S=1, DPL0, P=0
        m.setGateRaw(CpuException.GP, 0x70, handler(13), 0, 0, Segments.SYS_INT_GATE, true);
        Interrupts.deliver(cpu, CpuException.gp0("x"), FAULT_RIP, NEXT_RIP);
        assertEquals(handler(CpuException.DF), cpu.rip);
        assertEquals(IST1_TOP - 48, cpu.r[Cpu.RSP], "#DF gate uses IST1");
        long[] f = frame(true);
        assertEquals(0, f[0], "#DF error code is 0");
        assertEquals(FAULT_RIP, f[1]);
        assertEquals(USER_CS, f[2]);
    }

    @Test
    void pageFaultWhileDeliveringPageFaultIsDoubleFault() {
        m.userMode();
        // RSP0 points at an unmapped page: pushing the #PF frame faults again -> #DF (on IST1)
        long unmapped = KBASE + 30 * MiB;
        m.unmap2m(unmapped);
        m.writeSys64(TSS + Interrupts.TSS_RSP0, unmapped + 0x1000);
        Interrupts.deliver(cpu, CpuException.pf(0x1234, 0x4, "x"), FAULT_RIP, NEXT_RIP);
        assertEquals(handler(CpuException.DF), cpu.rip);
        assertEquals(unmapped + 0x1000 - 8, cpu.cr2, "CR2 holds the second fault's address");
    }

    @Test
    void pageFaultWhileDeliveringBenignExceptionIsHandledSerially() {
        m.userMode();
        long unmapped = KBASE + 30 * MiB;
        m.unmap2m(unmapped);
        // #UD's gate uses IST2, which points into an unmapped page; #PF's gate is fine.
        m.writeSys64(TSS + Interrupts.TSS_IST1 + 8, unmapped + 0x1000);
        m.setGate(CpuException.UD, handler(6), 2, 0, Segments.SYS_INT_GATE, true);
        Interrupts.deliver(cpu, CpuException.ud("x"), FAULT_RIP, NEXT_RIP);
        assertEquals(handler(CpuException.PF), cpu.rip);
        assertEquals(unmapped + 0x1000 - 8, cpu.cr2);
        long[] f = frame(true);
        assertEquals(0x2, f[0] & 0x7, "supervisor write, not present");
        assertEquals(FAULT_RIP, f[1]);
    }

    @Test
    void contributoryAfterPageFaultIsDoubleFault() {
        m.userMode();
        m.setGate(CpuException.PF, handler(14), 0, 0, Segments.SYS_INT_GATE, false); // #NP delivering #PF
        Interrupts.deliver(cpu, CpuException.pf(0x1000, 0x4, "x"), FAULT_RIP, NEXT_RIP);
        assertEquals(handler(CpuException.DF), cpu.rip);
    }

    @Test
    void faultWhileDeliveringDoubleFaultIsTripleFault() {
        m.userMode();
        m.setGate(CpuException.GP, handler(13), 0, 0, Segments.SYS_INT_GATE, false);
        m.setGate(CpuException.DF, handler(8), 1, 0, Segments.SYS_INT_GATE, false);
        TripleFault t = assertThrows(TripleFault.class,
                () -> Interrupts.deliver(cpu, CpuException.gp0("x"), FAULT_RIP, NEXT_RIP));
        assertEquals(CpuException.NP, t.vector);
    }

    @Test
    void npDeliveringSoftwareIntIsSerialNotDouble() {
        m.userMode();
        m.setGate(0x85, handler(0x85), 0, 3, Segments.SYS_INT_GATE, false);
        m.setGate(CpuException.NP, handler(11), 0, 0, Segments.SYS_INT_GATE, true);
        Interrupts.intN(cpu, 0x85, FAULT_RIP, NEXT_RIP);
        assertEquals(handler(CpuException.NP), cpu.rip);
    }

    @Test
    void tssLimitTooSmallEscalatesToTripleFault() {
        m.userMode();
        cpu.trLimit = 0x3; // RSP0 (offset 4..11) and IST1 are outside the TSS
        // #UD needs RSP0 -> #TS(TSS sel | EXT), handled serially (benign first); delivering #TS needs
        // RSP0 again -> #TS during #TS (contributory twice) -> #DF; #DF needs IST1 -> #TS -> shutdown.
        TripleFault t = assertThrows(TripleFault.class,
                () -> Interrupts.deliver(cpu, CpuException.ud("x"), FAULT_RIP, NEXT_RIP));
        assertEquals(CpuException.TS, t.vector);
    }

    @Test
    void tssReadBeyondLimitIsTsWithTssSelector() {
        m.userMode();
        cpu.trLimit = 0x3;
        CpuException e = assertThrows(CpuException.class, () -> Interrupts.readTss64(cpu, Interrupts.TSS_RSP0));
        assertEquals("#TS(0x40)", e.describe());
    }

    @Test
    void faultDuringHardwareExceptionDeliveryHasExtBit() {
        m.userMode();
        // #UD's gate targets a not-present code segment: #NP(0x70 | EXT) is delivered serially.
        m.setDesc(0x70, SysFixture.desc(0x201b, 0, 0));
        m.setGateRaw(CpuException.UD, 0x70, handler(6), 0, 0, Segments.SYS_INT_GATE, true);
        Interrupts.deliver(cpu, CpuException.ud("x"), FAULT_RIP, NEXT_RIP);
        assertEquals(handler(CpuException.NP), cpu.rip);
        assertEquals(0x71, frame(true)[0]);
    }

    @Test
    void faultDuringSoftwareIntDeliveryHasNoExtBit() {
        m.userMode();
        m.setDesc(0x70, SysFixture.desc(0x201b, 0, 0));
        m.setGateRaw(0x86, 0x70, handler(0x86), 0, 3, Segments.SYS_INT_GATE, true);
        Interrupts.intN(cpu, 0x86, FAULT_RIP, NEXT_RIP);
        assertEquals(handler(CpuException.NP), cpu.rip);
        assertEquals(0x70, frame(true)[0]);
        assertEquals(FAULT_RIP, frame(true)[1]);
    }
}

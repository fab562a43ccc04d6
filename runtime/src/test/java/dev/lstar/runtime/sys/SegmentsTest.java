package dev.lstar.runtime.sys;

import static dev.lstar.runtime.sys.SysFixture.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Vendor;
import org.junit.jupiter.api.Test;

/** Segment-register loads and descriptor-table instructions. */
class SegmentsTest {

    private final SysFixture m = new SysFixture(Vendor.INTEL);
    private final Cpu cpu = m.cpu;

    @Test
    void decodesLinuxDescriptors() {
        long d = SysFixture.desc(0xa09b, 0, 0xfffff);
        assertEquals(0x00af9b000000ffffL, d, "the __KERNEL_CS quadword Linux builds");
        assertEquals(0xA09B, Segments.attrOf(d));
        assertEquals(-1, Segments.limitOf(d));
        assertEquals(0, Segments.baseOf(d));
        long tls = SysFixture.desc(0x40f3, 0x12345678L, 0xabcde); // byte granular
        assertEquals(0x12345678L, Segments.baseOf(tls));
        assertEquals(0xabcde, Segments.limitOf(tls));
    }

    @Test
    void movDsLoadsCacheAndSetsAccessedBit() {
        m.userMode();
        m.setDesc(0x78, SysFixture.desc(0xc0f2, 0x1000, 0xfffff)); // writable data, DPL 3, A = 0
        Segments.loadSegment(cpu, Cpu.DS, 0x7B);
        assertEquals(0x7B, cpu.segSel[Cpu.DS]);
        assertEquals(0xC0F3, cpu.segAttr[Cpu.DS], "accessed bit now set in the cache");
        assertEquals(0x1000, cpu.segBase[Cpu.DS]);
        assertEquals(-1, cpu.segLimit[Cpu.DS]);
        assertEquals(1L << 40, m.getDesc(0x78) & (1L << 40), "and in the GDT");
    }

    @Test
    void nullDataSelectorIsAllowedAndUnusable() {
        m.userMode();
        Segments.loadSegment(cpu, Cpu.DS, 3);
        assertEquals(3, cpu.segSel[Cpu.DS], "selector kept as written, RPL included");
        assertTrue((cpu.segAttr[Cpu.DS] & Cpu.ATTR_UNUSABLE) != 0);
    }

    @Test
    void nullFsClearsBaseOnIntelButNotOnAmd() {
        SysFixture amd = new SysFixture(Vendor.AMD);
        for (SysFixture f : new SysFixture[] {m, amd}) {
            f.userMode();
            f.cpu.segBase[Cpu.FS] = 0x7F00_0000_0000L;
            Segments.loadSegment(f.cpu, Cpu.FS, 0);
        }
        assertEquals(0, cpu.segBase[Cpu.FS]);
        assertEquals(0x7F00_0000_0000L, amd.cpu.segBase[Cpu.FS]);
    }

    @Test
    void movFsFromDescriptorLoads32BitBase() {
        m.userMode();
        cpu.segBase[Cpu.FS] = 0x7F00_0000_0000L;
        m.setDesc(0x60, SysFixture.desc(0xc0f3, 0xCAFE0000L, 0xfffff)); // a TLS entry
        Segments.loadSegment(cpu, Cpu.FS, 0x63);
        assertEquals(0xCAFE0000L, cpu.segBase[Cpu.FS]);
    }

    @Test
    void nullSsRules() {
        m.kernelMode();
        Segments.loadSegment(cpu, Cpu.SS, 0); // CPL 0, RPL 0, 64-bit mode: allowed
        assertEquals(0, cpu.segSel[Cpu.SS]);
        assertTrue((cpu.segAttr[Cpu.SS] & Cpu.ATTR_UNUSABLE) != 0);
        assertGp0(() -> Segments.loadSegment(cpu, Cpu.SS, 1)); // RPL != CPL
        m.userMode();
        assertGp0(() -> Segments.loadSegment(cpu, Cpu.SS, 3)); // CPL 3
        assertEquals(USER_DS, cpu.segSel[Cpu.SS]);
        m.kernelMode();
        m.loadFromGdt(Cpu.CS, KERNEL32_CS); // compatibility mode: NULL SS never allowed
        assertGp0(() -> Segments.loadSegment(cpu, Cpu.SS, 0));
    }

    @Test
    void ssChecks() {
        m.userMode();
        assertFault(CpuException.GP, USER_DS & ~3, () -> Segments.loadSegment(cpu, Cpu.SS, USER_DS & ~3)); // RPL != CPL
        assertFault(CpuException.GP, KERNEL_DS, () -> Segments.loadSegment(cpu, Cpu.SS, KERNEL_DS | 3)); // DPL != CPL
        m.setDesc(0x70, SysFixture.desc(0xc0f1, 0, 0xfffff)); // read-only
        assertFault(CpuException.GP, 0x70, () -> Segments.loadSegment(cpu, Cpu.SS, 0x73));
        assertFault(CpuException.GP, USER_CS & ~3, () -> Segments.loadSegment(cpu, Cpu.SS, USER_CS));
        m.setDesc(0x78, SysFixture.desc(0xc073, 0, 0xfffff)); // not present
        assertFault(CpuException.SS, 0x78, () -> Segments.loadSegment(cpu, Cpu.SS, 0x7B));
        Segments.loadSegment(cpu, Cpu.SS, USER_DS);
        assertEquals(USER_DS, cpu.segSel[Cpu.SS]);
    }

    @Test
    void dataSegmentChecks() {
        m.userMode();
        assertFault(CpuException.GP, KERNEL_DS, () -> Segments.loadSegment(cpu, Cpu.DS, KERNEL_DS | 3)); // DPL 0 < CPL 3
        m.setDesc(0x70, SysFixture.desc(0xc0f8, 0, 0xfffff)); // execute-only code
        assertFault(CpuException.GP, 0x70, () -> Segments.loadSegment(cpu, Cpu.ES, 0x73));
        assertFault(CpuException.GP, TSS_SEL, () -> Segments.loadSegment(cpu, Cpu.ES, TSS_SEL | 3)); // system descriptor
        m.setDesc(0x78, SysFixture.desc(0xc0f2 & ~0x80, 0, 0xfffff)); // not present
        assertFault(CpuException.NP, 0x78, () -> Segments.loadSegment(cpu, Cpu.GS, 0x7B));
        assertFault(CpuException.GP, 0x800, () -> Segments.loadSegment(cpu, Cpu.DS, 0x803)); // beyond GDT limit
        assertFault(CpuException.GP, 0x2C, () -> Segments.loadSegment(cpu, Cpu.DS, 0x2F)); // TI=1 without an LDT
        // readable code is fine; conforming readable code ignores DPL
        Segments.loadSegment(cpu, Cpu.DS, USER_CS);
        m.setDesc(0x70, SysFixture.desc(0xc09e, 0, 0xfffff)); // conforming readable code, DPL 0
        Segments.loadSegment(cpu, Cpu.DS, 0x73);
        assertEquals(0x73, cpu.segSel[Cpu.DS]);
    }

    @Test
    void rplAboveDplIsGp() {
        m.kernelMode();
        assertFault(CpuException.GP, KERNEL_DS, () -> Segments.loadSegment(cpu, Cpu.DS, KERNEL_DS | 3));
        Segments.loadSegment(cpu, Cpu.DS, USER_DS); // DPL 3 >= CPL 0 and RPL 3
        assertEquals(USER_DS, cpu.segSel[Cpu.DS]);
    }

    @Test
    void lldtThenLdtSelectorsWork() {
        long ldt = KBASE + 0x14000;
        m.writeSys64(ldt + 8, SysFixture.desc(0xc0f3, 0x5000, 0xfffff));
        m.setSysDesc(0x50, Segments.SYS_LDT, 0, true, ldt, 15);
        Segments.lldt(cpu, 0x50);
        assertEquals(0x50, Segments.sldt(cpu));
        m.userMode();
        Segments.loadSegment(cpu, Cpu.DS, 0x0F); // index 1, TI, RPL 3
        assertEquals(0x5000, cpu.segBase[Cpu.DS]);
        assertFault(CpuException.GP, 0x14, () -> Segments.loadSegment(cpu, Cpu.DS, 0x17)); // beyond LDT limit
        m.kernelMode();
        Segments.lldt(cpu, 0);
        assertTrue((cpu.ldtrAttr & Cpu.ATTR_UNUSABLE) != 0);
        assertFault(CpuException.GP, TSS_SEL, () -> Segments.lldt(cpu, TSS_SEL));
    }

    @Test
    void lgdtLidtSgdtSidt() {
        long op = SCRATCH;
        m.writeSys64(op, 0x1234_0000_0000_00FFL);
        m.writeSys64(op + 8, 0xFFFF);
        // operand bytes: limit [FF 00], base [00 00 00 00 34 12 FF FF] -> base = 0xFFFF_1234_0000_0000
        Segments.lidt(cpu, op);
        assertEquals(0xFF, cpu.idtrLimit);
        assertEquals(0xFFFF_1234_0000_0000L, cpu.idtrBase);
        Segments.lgdt(cpu, op);
        assertEquals(0xFFFF_1234_0000_0000L, cpu.gdtrBase);
        cpu.gdtrBase = GDT;
        cpu.gdtrLimit = GDT_LIMIT;
        Segments.sgdt(cpu, op + 16);
        assertEquals(GDT_LIMIT, cpu.mmu.readSys16(op + 16));
        assertEquals(GDT, cpu.mmu.readSys64(op + 18));
        Segments.sidt(cpu, op + 32);
        assertEquals(0xFFFF_1234_0000_0000L, cpu.mmu.readSys64(op + 34));
        // non-canonical base
        m.writeSys64(op + 8, 0x8000);
        assertGp0(() -> Segments.lgdt(cpu, op));
        assertEquals(GDT, cpu.gdtrBase);
        // CPL 3
        m.userMode();
        assertGp0(() -> Segments.lidt(cpu, USER + 0x100));
    }

    @Test
    void umipMakesStoresPrivileged() {
        m.userMode();
        Segments.sgdt(cpu, USER + 0x100); // allowed without UMIP
        assertEquals(GDT, cpu.mmu.read64(USER + 0x102));
        cpu.cr4 |= Cpu.CR4_UMIP;
        assertGp0(() -> Segments.sgdt(cpu, USER + 0x100));
        assertGp0(() -> Segments.sidt(cpu, USER + 0x100));
        assertGp0(() -> Segments.str(cpu));
        assertGp0(() -> Segments.sldt(cpu));
        assertGp0(() -> Segments.smsw(cpu));
        m.kernelMode();
        assertEquals(TSS_SEL, Segments.str(cpu));
    }

    @Test
    void ltrMarksBusyAndLoadsCache() {
        // the fixture already ran LTR 0x40
        assertEquals(TSS_SEL, cpu.trSel);
        assertEquals(TSS, cpu.trBase, "64-bit base from both quadwords");
        assertEquals(0x67, cpu.trLimit);
        assertEquals(Segments.SYS_TSS_BUSY, cpu.trAttr & 0xF);
        assertEquals(Segments.SYS_TSS_BUSY, (int) (m.getDesc(TSS_SEL) >>> 40) & 0xF);
        // a busy TSS cannot be loaded again
        assertFault(CpuException.GP, TSS_SEL, () -> Segments.ltr(cpu, TSS_SEL));
    }

    @Test
    void ltrFailures() {
        assertGp0(() -> Segments.ltr(cpu, 0));
        assertFault(CpuException.GP, KERNEL_DS, () -> Segments.ltr(cpu, KERNEL_DS));
        assertFault(CpuException.GP, 0x44, () -> Segments.ltr(cpu, 0x44)); // TI = 1
        m.setSysDesc(0x60, Segments.SYS_TSS_AVAIL, 0, false, TSS, 0x67);
        assertFault(CpuException.NP, 0x60, () -> Segments.ltr(cpu, 0x60));
        m.setSysDesc(0x60, Segments.SYS_TSS_AVAIL, 0, true, TSS, 0x67);
        m.writeSys64(GDT + 0x68, 0x8000_0000L); // base 63:32 = 0x80000000: non-canonical
        assertFault(CpuException.GP, 0x60, () -> Segments.ltr(cpu, 0x60));
        m.userMode();
        assertGp0(() -> Segments.ltr(cpu, 0x60));
    }

    @Test
    void lslAndLarForUserCode() {
        // vDSO getcpu: LSL on the CPUNODE segment (0x7b), whose limit encodes node << 12 | cpu
        m.setDesc(0x78, SysFixture.desc(0x40f5, 0, (1 << 12) | 3)); // DPL 3 read-only data, byte granular
        m.userMode();
        assertEquals((1 << 12) | 3, Segments.lsl(cpu, 0x7B));
        assertEquals(0x0040_F500L, Segments.lar(cpu, 0x7B));
        assertEquals(-1, Segments.lsl(cpu, KERNEL_DS), "DPL 0 not visible at CPL 3");
        assertEquals(-1, Segments.lsl(cpu, 0), "NULL");
        assertEquals(-1, Segments.lsl(cpu, 0x803), "beyond the limit: ZF = 0, no fault");
        assertEquals(0xFFFF_FFFFL, Segments.lsl(cpu, USER_DS));
        m.kernelMode();
        assertEquals(0x67, Segments.lsl(cpu, TSS_SEL), "TSS is a valid LSL type");
    }
}

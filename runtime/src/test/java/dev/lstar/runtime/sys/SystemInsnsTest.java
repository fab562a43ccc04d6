package dev.lstar.runtime.sys;

import static dev.lstar.runtime.sys.SysFixture.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.Vendor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** HLT, CLI/STI, PUSHF/POPF, RDTSC(P), FSGSBASE, INVLPG, INVPCID, CPUID. */
class SystemInsnsTest {

    private final SysFixture m = new SysFixture(Vendor.INTEL);
    private final Cpu cpu = m.cpu;

    @Test
    void hltIsPrivileged() {
        m.userMode();
        assertGp0(() -> SystemInsns.hlt(cpu));
        assertFalse(cpu.halted);
        m.kernelMode();
        SystemInsns.hlt(cpu);
        assertTrue(cpu.halted);
    }

    @Test
    void cliStiDependOnIopl() {
        m.userMode(); // IOPL 0, CPL 3
        assertGp0(() -> SystemInsns.cli(cpu));
        assertGp0(() -> SystemInsns.sti(cpu));
        assertEquals(0x202, cpu.getRflags());
        cpu.setRflags(0x202 | Flags.IOPL); // IOPL 3: allowed in ring 3
        SystemInsns.cli(cpu);
        assertEquals(0x2 | Flags.IOPL, cpu.getRflags());
        assertTrue(SystemInsns.sti(cpu), "IF 0 -> 1 opens an interrupt shadow");
        assertFalse(SystemInsns.sti(cpu), "IF already 1: no shadow");
        m.kernelMode();
        SystemInsns.cli(cpu);
        assertEquals(0, cpu.getRflags() & Flags.IF);
    }

    /**
     * Expected values were produced by the host CPU (AMD EPYC, Linux, CPL 3, IOPL 0, TF never set)
     * with this program, built by gcc:
     * <pre>
     * pushfq; popq before; pushq v; popfq; pushfq; popq after; pushq before; popfq
     * </pre>
     * starting from RFLAGS = 0x246.
     */
    @ParameterizedTest
    @CsvSource({
            "0x2, 0x202",
            "0xfffffffffffffeff, 0x244ed7",
            "0x247402, 0x244602",
            "0x1b0002, 0x202",
            "0x8d5, 0xad7",
            "0x202, 0x202",
    })
    void popfAtCpl3MatchesHostCpu(String in, String out) {
        m.userMode();
        cpu.setRflags(0x246);
        SystemInsns.popf(cpu, Long.parseUnsignedLong(in.substring(2), 16), 8);
        assertEquals(Long.parseUnsignedLong(out.substring(2), 16), SystemInsns.pushfImage(cpu));
    }

    @Test
    void popfAtCpl0ChangesIoplAndIfButNotVmVifVip() {
        m.kernelMode();
        cpu.setRflags(0x2);
        SystemInsns.popf(cpu, 0x2 | Flags.IOPL | Flags.IF | Flags.VM | Flags.VIF | Flags.VIP | Flags.RF, 8);
        assertEquals(0x2 | Flags.IOPL | Flags.IF, cpu.getRflags());
    }

    @Test
    void popf16OnlyTouchesLowWord() {
        m.kernelMode();
        cpu.setRflags(0x2 | Flags.AC | Flags.ID);
        SystemInsns.popf(cpu, 0xFFFF_0000L | Flags.CF, 2);
        assertEquals(0x2 | Flags.AC | Flags.ID | Flags.CF, cpu.getRflags());
    }

    @Test
    void pushfClearsRfAndVm() {
        cpu.setRflags(0x2 | Flags.RF | Flags.CF);
        assertEquals(0x3, SystemInsns.pushfImage(cpu));
    }

    @Test
    void rdtscAndRdtscp() {
        m.userMode();
        cpu.instructions = 0x1_2345_6789L;
        cpu.tscOffset = 1;
        cpu.tscAux = 0x1003;
        cpu.r[Cpu.RCX] = -1;
        SystemInsns.rdtsc(cpu);
        assertEquals(0x2345_678AL, cpu.r[Cpu.RAX]);
        assertEquals(1, cpu.r[Cpu.RDX]);
        assertEquals(-1, cpu.r[Cpu.RCX]);
        SystemInsns.rdtscp(cpu);
        assertEquals(0x1003, cpu.r[Cpu.RCX]);
        assertEquals(0x1003, SystemInsns.rdpid(cpu));
        cpu.cr4 |= Cpu.CR4_TSD;
        assertGp0(() -> SystemInsns.rdtsc(cpu));
        assertGp0(() -> SystemInsns.rdtscp(cpu));
        m.kernelMode();
        SystemInsns.rdtsc(cpu);
    }

    @Test
    void fsgsbaseNeedsCr4Bit() {
        m.userMode();
        assertUd(() -> SystemInsns.rdfsbase(cpu));
        assertUd(() -> SystemInsns.wrgsbase(cpu, 0));
        cpu.cr4 |= Cpu.CR4_FSGSBASE;
        SystemInsns.wrfsbase(cpu, 0x7F12_3456_7000L);
        SystemInsns.wrgsbase(cpu, 0x1000);
        assertEquals(0x7F12_3456_7000L, SystemInsns.rdfsbase(cpu));
        assertEquals(0x1000, SystemInsns.rdgsbase(cpu));
        assertEquals(0x1000, cpu.segBase[Cpu.GS]);
        assertGp0(() -> SystemInsns.wrfsbase(cpu, 0x8000_0000_0000_0000L));
        assertEquals(0x7F12_3456_7000L, cpu.segBase[Cpu.FS]);
        m.loadFromGdt(Cpu.CS, USER32_CS);
        assertUd(() -> SystemInsns.rdfsbase(cpu));
    }

    @Test
    void invlpgDropsTranslation() {
        long la = KBASE + 20 * MiB;
        m.phys.write64(20 * MiB, 1);
        m.phys.write64(24 * MiB, 2);
        assertEquals(1, cpu.mmu.readSys64(la));
        long table = m.pml4;
        for (int level = 4; level > 2; level--) {
            table = m.phys.read64(table + 8L * ((int) (la >>> (3 + 9 * level)) & 511)) & 0x000F_FFFF_FFFF_F000L;
        }
        long pde = table + 8L * ((int) (la >>> 21) & 511);
        m.phys.write64(pde, (24 * MiB) | 0x83);
        assertEquals(1, cpu.mmu.readSys64(la));
        m.userMode();
        assertGp0(() -> SystemInsns.invlpg(cpu, la));
        m.kernelMode();
        SystemInsns.invlpg(cpu, 0x8000_0000_0000_0000L); // non-canonical: no-op, no fault
        SystemInsns.invlpg(cpu, la);
        assertEquals(2, cpu.mmu.readSys64(la));
    }

    @Test
    void invpcidChecks() {
        long desc = SCRATCH;
        m.writeSys64(desc, 0);
        m.writeSys64(desc + 8, KBASE);
        SystemInsns.invpcid(cpu, 0, desc);
        SystemInsns.invpcid(cpu, 2, desc);
        assertGp0(() -> SystemInsns.invpcid(cpu, 4, desc));
        m.writeSys64(desc, 1);
        assertGp0(() -> SystemInsns.invpcid(cpu, 1, desc)); // PCID != 0 with PCIDE = 0
        m.writeSys64(desc, 1L << 12);
        assertGp0(() -> SystemInsns.invpcid(cpu, 3, desc)); // reserved descriptor bits
        m.writeSys64(desc, 0);
        m.writeSys64(desc + 8, 0x8000_0000_0000_0000L);
        assertGp0(() -> SystemInsns.invpcid(cpu, 0, desc));
        m.userMode();
        assertGp0(() -> SystemInsns.invpcid(cpu, 2, desc));
    }

    // ------------------------------------------------------------------ CPUID

    private int[] cpuid(Cpu c, int leaf, int sub) {
        c.r[Cpu.RAX] = 0xFFFF_FFFF_0000_0000L | (leaf & 0xFFFF_FFFFL);
        c.r[Cpu.RCX] = sub & 0xFFFF_FFFFL;
        Cpuid.cpuid(c);
        for (int r : new int[] {Cpu.RAX, Cpu.RBX, Cpu.RCX, Cpu.RDX}) assertEquals(0, c.r[r] >>> 32, "upper halves zeroed");
        return new int[] {(int) c.r[Cpu.RAX], (int) c.r[Cpu.RBX], (int) c.r[Cpu.RCX], (int) c.r[Cpu.RDX]};
    }

    @Test
    void cpuidVendorStringsMatchHardwareEncoding() {
        // EBX, EDX, ECX of leaf 0 on this AMD host (gcc __cpuid): 0x68747541 0x69746e65 0x444d4163.
        int[] amd = cpuid(new SysFixture(Vendor.AMD).cpu, 0, 0);
        assertEquals(0x68747541, amd[1]);
        assertEquals(0x69746e65, amd[3]);
        assertEquals(0x444d4163, amd[2]);
        int[] intel = cpuid(cpu, 0, 0);
        assertEquals("GenuineIntel", str(intel[1]) + str(intel[3]) + str(intel[2]));
        assertEquals(Cpuid.MAX_BASIC_LEAF, intel[0]);
        int[] ext = cpuid(new SysFixture(Vendor.AMD).cpu, 0x8000_0000, 0);
        assertEquals("AuthenticAMD", str(ext[1]) + str(ext[3]) + str(ext[2]));
    }

    /**
     * The cache leaves decode (as glibc and Linux decode them) to the documented hierarchy: Intel
     * leaf 2 defers to leaf 4 (descriptor 0xFF), leaf 4 lists L1d, L1i, L2, L3 then type 0;
     * AMD's 0x80000005/6 give L1d/L1i, L2 and L3; the other vendor's leaves stay zero.
     */
    @Test
    void cpuidCacheLeavesDescribeTheHierarchy() {
        assertEquals(0xFF01, cpuid(cpu, 2, 0)[0]);
        long[] bytes = new long[4];
        int[][] typeLevel = {{1, 1}, {2, 1}, {3, 2}, {3, 3}};
        for (int sub = 0; sub < 4; sub++) {
            int[] r = cpuid(cpu, 4, sub);
            assertEquals(typeLevel[sub][0], r[0] & 0x1F, "type of subleaf " + sub);
            assertEquals(typeLevel[sub][1], (r[0] >> 5) & 7, "level of subleaf " + sub);
            assertEquals(Cpuid.LINE, (r[1] & 0xFFF) + 1);
            bytes[sub] = (long) ((r[1] >>> 22) + 1) * (((r[1] >>> 12) & 0x3FF) + 1) * ((r[1] & 0xFFF) + 1) * (r[2] + 1L);
        }
        assertEquals(0, cpuid(cpu, 4, 4)[0] & 0x1F, "no fifth cache");
        assertEquals(Cpuid.L1_KIB * 1024L, bytes[0]);
        assertEquals(Cpuid.L1_KIB * 1024L, bytes[1]);
        assertEquals(Cpuid.INTEL_L2_KIB * 1024L, bytes[2]);
        assertEquals(Cpuid.L3_KIB * 1024L, bytes[3]);
        assertEquals(Cpuid.INTEL_L2_KIB, cpuid(cpu, 0x8000_0006, 0)[2] >>> 16);
        assertEquals(0, cpuid(cpu, 0x8000_0005, 0)[2], "reserved on Intel");
        Cpu amd = new SysFixture(Vendor.AMD).cpu;
        assertEquals(0, cpuid(amd, 4, 0)[0], "no leaf 4 on AMD");
        int[] l1 = cpuid(amd, 0x8000_0005, 0), l2l3 = cpuid(amd, 0x8000_0006, 0);
        assertEquals(Cpuid.L1_KIB, l1[2] >>> 24);
        assertEquals(Cpuid.LINE, l1[3] & 0xFF);
        assertEquals(Cpuid.AMD_L2_KIB, l2l3[2] >>> 16);
        assertEquals(6, (l2l3[2] >> 12) & 0xF, "8-way");
        assertEquals(Cpuid.L3_KIB, (l2l3[3] >>> 18) * 512);
        assertEquals(8, (l2l3[3] >> 12) & 0xF, "16-way");
    }

    private static String str(int v) {
        return "" + (char) (v & 0xFF) + (char) ((v >> 8) & 0xFF) + (char) ((v >> 16) & 0xFF) + (char) (v >>> 24);
    }

    @Test
    void cpuidFeatureBitsAdvertiseWhatTheSystemSideImplements() {
        int[] l1 = cpuid(cpu, 1, 0);
        assertEquals(6, (l1[0] >> 8) & 0xF, "Intel family 6");
        assertTrue((l1[2] & (1 << 17)) != 0, "PCID");
        assertTrue((l1[3] & (1 << 5)) != 0, "MSR");
        assertTrue((l1[3] & (1 << 13)) != 0, "PGE");
        assertTrue((l1[3] & (1 << 23)) != 0, "MMX (implemented)");
        // SSE4.2 is advertised, and only together with SSSE3 and SSE4.1 (glibc's SSE4.2 paths use PSHUFB)
        assertTrue((l1[2] & (1 << 20)) != 0, "SSE4.2");
        assertEquals((l1[2] & (1 << 9 | 1 << 19)) == (1 << 9 | 1 << 19), (l1[2] & (1 << 20)) != 0, "SSE4.2 with SSSE3/SSE4.1");
        int[] l7 = cpuid(cpu, 7, 0);
        assertTrue((l7[1] & 1) != 0, "FSGSBASE");
        assertTrue((l7[1] & (1 << 7)) != 0, "SMEP");
        assertTrue((l7[1] & (1 << 20)) != 0, "SMAP");
        assertEquals(Features.LA57, (l7[2] & (1 << 16)) != 0, "LA57");
        assertTrue((l7[2] & (1 << 2)) != 0, "UMIP");
        int[] e1 = cpuid(cpu, 0x8000_0001, 0);
        for (int bit : new int[] {11, 20, 27, 29}) assertTrue((e1[3] & (1 << bit)) != 0, "0x80000001 EDX bit " + bit);
        int[] e8 = cpuid(cpu, 0x8000_0008, 0);
        assertEquals(Features.MAXPHYADDR, e8[0] & 0xFF);
        assertEquals(Features.LINEAR_BITS, (e8[0] >> 8) & 0xFF);
        int amdFamily = cpuid(new SysFixture(Vendor.AMD).cpu, 1, 0)[0];
        assertEquals(0x17, ((amdFamily >> 8) & 0xF) + ((amdFamily >> 20) & 0xFF), "AMD family 17h");
    }

    @Test
    void everyCr4BitCpuidAdvertisesIsSettable() {
        // CR4 bits backed by CPUID features must be accepted by MOV to CR4 (and vice versa).
        long cr4 = cpu.cr4 | Cpu.CR4_FSGSBASE | Cpu.CR4_SMEP | Cpu.CR4_SMAP | Cpu.CR4_UMIP | Cpu.CR4_PCIDE;
        ControlRegs.movToCr(cpu, 4, cr4);
        assertEquals(cr4, cpu.cr4);
    }

    @Test
    void cpuidUnknownLeaves() {
        Cpu amd = new SysFixture(Vendor.AMD).cpu;
        assertEquals(0, cpuid(amd, 0x4000_0000, 0)[0], "AMD: zeros");
        assertEquals(0, cpuid(amd, 2, 0)[1]);
        // Intel: a leaf above the basic maximum returns the highest basic leaf (leaf 7 here).
        int[] hi = cpuid(cpu, 0x4000_0000, 0);
        int[] l7 = cpuid(cpu, 7, 0);
        assertEquals(l7[1], hi[1]);
        assertEquals(0, cpuid(cpu, 7, 1)[1], "subleaf 1 is empty");
    }

    @Test
    void cpuidBrandString() {
        StringBuilder sb = new StringBuilder();
        for (int leaf = 0x8000_0002; leaf <= 0x8000_0004; leaf++) {
            for (int v : cpuid(cpu, leaf, 0)) sb.append(str(v));
        }
        assertTrue(sb.toString().startsWith("lstar virtual x86-64 processor\0"));
        assertEquals(48, sb.length());
    }
}

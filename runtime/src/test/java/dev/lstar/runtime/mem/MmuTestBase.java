package dev.lstar.runtime.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Vendor;
import org.junit.jupiter.api.function.Executable;

/** Shared set-up: 64 MiB of RAM, page tables from 1 MiB up, data frames from 16 MiB up. */
abstract class MmuTestBase {
    static final long MiB = 1L << 20;
    static final long TABLES = 1 * MiB;
    static final long DATA = 16 * MiB;

    final PhysicalMemory phys = new PhysicalMemory(64 * MiB);
    final Cpu cpu = new Cpu(Vendor.INTEL);
    final Mmu mmu = new Mmu(cpu, phys);
    PageTables pt;

    /** Long mode with paging, CR0.WP=1, EFER.NXE as given, 4- or 5-level tables, extra CR4 bits. */
    void longMode(int levels, boolean nxe, long cr4Extra) {
        pt = new PageTables(phys, levels, TABLES);
        cpu.cr0 = Cpu.CR0_PE | Cpu.CR0_PG | Cpu.CR0_WP;
        cpu.cr4 = Cpu.CR4_PAE | (levels == 5 ? Cpu.CR4_LA57 : 0) | cr4Extra;
        cpu.efer = Cpu.EFER_LME | Cpu.EFER_LMA | (nxe ? Cpu.EFER_NXE : 0);
        cpu.cr3 = pt.root;
        mmu.flushAll();
    }

    void longMode4() { longMode(4, true, 0); }

    static CpuException fault(Executable e) {
        return assertThrows(CpuException.class, e);
    }

    /** Asserts {@code e} raises #PF with exactly {@code errorCode} at {@code address}. */
    static void assertPf(long address, int errorCode, Executable e) {
        CpuException x = fault(e);
        assertEquals(CpuException.PF, x.vector, () -> "expected #PF, got " + x.describe());
        assertEquals(errorCode, x.errorCode, () -> "error code of " + x.describe() + ": " + x.getMessage());
        assertEquals(address, x.address, () -> "address of " + x.describe());
    }

    static void assertGp0(Executable e) {
        CpuException x = fault(e);
        assertEquals(CpuException.GP, x.vector, () -> "expected #GP, got " + x.describe());
        assertEquals(0, x.errorCode);
    }

    void user() { cpu.cpl = 3; }
    void kernel() { cpu.cpl = 0; }
}

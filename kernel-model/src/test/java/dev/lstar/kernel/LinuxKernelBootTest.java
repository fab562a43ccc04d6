package dev.lstar.kernel;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.mem.Mmu;
import dev.lstar.runtime.setup.Gdt;
import dev.lstar.runtime.sys.Msrs;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

/** The machine state after boot is what Linux 6.6's early code leaves (docs/spec/syscall-path.md §2-3). */
class LinuxKernelBootTest {
    static KernelConfig quiet() {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream());
        return KernelConfig.defaults().withIo(InputStream.nullInputStream(), sink, sink).withLog(sink);
    }

    @Test
    void syscallInitMsrs() {
        LinuxKernel k = LinuxKernel.boot(quiet());
        Cpu c = k.cpu;
        assertEquals(0x0023_0010_0000_0000L, Msrs.rdmsr(c, Msrs.STAR));
        assertEquals(k.image.address("entry_SYSCALL_64"), Msrs.rdmsr(c, Msrs.LSTAR));
        assertEquals(0x257FD5L, Msrs.rdmsr(c, Msrs.FMASK));
        assertEquals(0, Msrs.rdmsr(c, Msrs.CSTAR), "wrmsrl_cstar skips the write on Intel");
        assertEquals(Gdt.KERNEL_CS, Msrs.rdmsr(c, Msrs.SYSENTER_CS));
        assertEquals(k.entryStackTop, Msrs.rdmsr(c, Msrs.SYSENTER_ESP));
        long efer = Msrs.rdmsr(c, Msrs.EFER);
        assertTrue((efer & Cpu.EFER_SCE) != 0 && (efer & Cpu.EFER_NXE) != 0 && (efer & Cpu.EFER_LMA) != 0);
        assertEquals(LinuxKernel.PERCPU_LA, Msrs.rdmsr(c, Msrs.GS_BASE), "GS base = this CPU's per-CPU area");
        assertEquals(0, Msrs.rdmsr(c, Msrs.KERNEL_GS_BASE));
    }

    @Test
    void amdGetsCstar() {
        LinuxKernel k = LinuxKernel.boot(quiet().withVendor(Vendor.AMD));
        assertEquals(k.image.address("entry_SYSCALL_compat"), Msrs.rdmsr(k.cpu, Msrs.CSTAR));
    }

    @Test
    void ptiPgdPairAndPcids() {
        LinuxKernel k = LinuxKernel.boot(quiet());
        long kpgd = k.kernelCr3 & ~0xFFFL;
        assertEquals(0, kpgd & 0x1FFF, "8 KiB-aligned PGD pair");
        assertEquals(1, k.kernelCr3 & 0xFFF, "kernel PCID 1");
        assertEquals(kpgd + 4096, k.userCr3 & ~0xFFFL, "user PGD = kernel PGD + 4 KiB (CR3 bit 12)");
        assertEquals(0x801, k.userCr3 & 0xFFF, "user PCID = kernel PCID | 0x800");
        assertTrue((k.cpu.cr4 & Cpu.CR4_PCIDE) != 0);

        LinuxKernel flat = LinuxKernel.boot(quiet().withKpti(false).withPcid(false));
        assertEquals(flat.kernelCr3, flat.userCr3, "without PTI one PGD serves both");
        assertEquals(0, flat.kernelCr3 & 0xFFF);
        assertEquals(0, flat.cpu.cr4 & Cpu.CR4_PCIDE);
    }

    @Test
    void userPgdMapsOnlyWhatTheEntryCodeNeeds() {
        LinuxKernel k = LinuxKernel.boot(quiet());
        Mmu mmu = k.cpu.mmu;
        long tss = LinuxKernel.PERCPU_LA + k.image.perCpuOffset("cpu_tss_rw");
        long hot = LinuxKernel.PERCPU_LA + k.image.perCpuOffset("pcpu_hot");
        long text = k.image.address("entry_SYSCALL_64");
        mmu.writeCr3(k.userCr3);
        assertTrue(mmu.peek(text) >= 0, "entry text mapped in the user PGD");
        assertTrue(mmu.peek(tss) >= 0, "cpu_tss_rw (sp2 store before the CR3 switch) mapped in the user PGD");
        assertTrue(mmu.peek(k.entryStackTop - 8) >= 0, "the trampoline stack is mapped in the user PGD");
        assertEquals(-1, mmu.peek(hot), "pcpu_hot is kernel-only");
        assertEquals(-1, mmu.peek(k.threadStackTop - 8), "the thread stack is kernel-only");
        mmu.writeCr3(k.kernelCr3);
        assertTrue(mmu.peek(hot) >= 0);
        assertTrue(mmu.peek(k.threadStackTop - 8) >= 0);
        assertEquals(-1, mmu.peek(k.threadStackTop - 16 * 1024 - 8), "guard page below the thread stack");
    }

    @Test
    void perCpuValuesAndTss() {
        LinuxKernel k = LinuxKernel.boot(quiet());
        Mmu mmu = k.cpu.mmu;
        long tss = LinuxKernel.PERCPU_LA + k.image.perCpuOffset("cpu_tss_rw");
        assertEquals(k.entryStackTop, mmu.readSys64(tss + k.image.constant("TSS_sp0")));
        assertEquals(k.threadStackTop, mmu.readSys64(LinuxKernel.PERCPU_LA + k.image.perCpuOffset("pcpu_hot") + k.image.constant("X86_top_of_stack")));
        assertEquals(Gdt.TSS, k.cpu.trSel);
        assertEquals(tss, k.cpu.trBase);
        assertEquals(0, k.cpu.cpl);
        assertEquals(Gdt.KERNEL_CS, k.cpu.segSel[Cpu.CS]);
    }

    @Test
    void idtGatesPointAtTheStubs() {
        LinuxKernel k = LinuxKernel.boot(quiet());
        Mmu mmu = k.cpu.mmu;
        for (ExceptionVector v : ExceptionVector.values()) {
            long lo = mmu.readSys64(k.cpu.idtrBase + v.vector * 16L), hi = mmu.readSys64(k.cpu.idtrBase + v.vector * 16L + 8);
            long target = (lo & 0xFFFF) | ((lo >>> 32) & 0xFFFF0000L) | (hi << 32);
            assertEquals(k.image.address(v.symbol), target, v.name());
            assertEquals(Gdt.KERNEL_CS, (int) (lo >>> 16) & 0xFFFF);
            assertEquals(0xE, (int) (lo >>> 40) & 0xF, "interrupt gate");
            assertEquals(v.dpl, (int) (lo >>> 45) & 3, v.name() + " DPL");
        }
        long lo80 = mmu.readSys64(k.cpu.idtrBase + 0x80 * 16L);
        assertEquals(3, (int) (lo80 >>> 45) & 3, "int $0x80 callable from ring 3");
    }
}

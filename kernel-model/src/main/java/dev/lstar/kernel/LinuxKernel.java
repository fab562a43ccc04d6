package dev.lstar.kernel;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.setup.FrameAllocator;
import dev.lstar.runtime.setup.Gdt;
import dev.lstar.runtime.setup.LongMode;
import dev.lstar.runtime.setup.PageTables;
import dev.lstar.runtime.sys.Msrs;

import java.util.List;

/**
 * A Linux-shaped x86-64 machine: boots the modelled kernel (GDT, TSS, IDT, per-CPU area, kernel
 * page tables with optional page-table isolation and PCID, {@code syscall_init}'s MSRs), loads
 * one static ELF process and runs it on an {@link Engine}. The syscall and exception entry paths
 * are the guest machine code of {@code entry_64.S}; only the C parts of the kernel
 * ({@code do_syscall_64}, {@code do_exception}, {@code do_int80_syscall_32}) are Java, reached
 * through native functions at their guest addresses.
 */
public final class LinuxKernel {
    /** Guest RAM (frames are allocated lazily by the physical memory). */
    public static final long PHYS_BYTES = 4L << 30;

    // Kernel virtual layout (Linux-like regions; see docs/ARCHITECTURE.md)
    public static final long PERCPU_LA = 0xFFFF_8880_0100_0000L;     // in the direct-map range
    public static final long THREAD_STACK_LA = 0xFFFF_C900_0000_0000L; // vmalloc-like; 16 KiB + guard
    public static final long THREAD_SIZE = 16 * 1024;
    public static final long CEA_LA = 0xFFFF_FE00_0000_0000L;          // cpu_entry_area: GDT, IDT, #DF stack
    public static final long DF_STACK_LA = CEA_LA + 0x10000;
    public static final int KERNEL_PCID = 1, USER_PCID = KERNEL_PCID | 0x800;
    public static final long STAR = 0x0023_0010_0000_0000L;
    /** SYSCALL_MASK: CF PF AF ZF SF TF IF DF OF IOPL NT RF AC ID (arch/x86/kernel/cpu/common.c). */
    public static final long SYSCALL_MASK = 0x257FD5L;

    public final KernelConfig config;
    public final Machine machine;
    public final Cpu cpu;
    public final KernelImage image;
    final FrameAllocator frames;
    final PageTables kernelPgd, userPgd;
    public final long kernelCr3, userCr3;
    public final long threadStackTop, entryStackTop;
    final SyscallTable syscalls;
    final ExceptionHandler exceptions;

    /** Set when the process has ended. */
    ExitStatus exit;
    UserProcess process;
    long syscallCount;

    private LinuxKernel(KernelConfig config) {
        this.config = config;
        this.machine = new Machine(config.vendor(), PHYS_BYTES);
        this.cpu = machine.cpu;
        this.image = KernelImage.load();
        this.frames = new FrameAllocator(16L << 20, PHYS_BYTES);
        boolean five = config.fiveLevel();
        // Linux allocates the PTI PGD pair as one 8 KiB-aligned block: kernel half, then user half.
        long pgdPair = allocateAligned8k();
        this.kernelPgd = new PageTables(machine.phys, frames, five, pgdPair);
        this.userPgd = config.kpti() ? new PageTables(machine.phys, frames, five, pgdPair + 4096) : null;
        int pcidK = config.pcid() ? KERNEL_PCID : 0, pcidU = config.pcid() ? USER_PCID : 0;
        this.kernelCr3 = pgdPair | pcidK;
        this.userCr3 = config.kpti() ? (pgdPair + 4096) | pcidU : kernelCr3;

        mapKernelText();
        long percpuPa = mapPerCpu();
        this.threadStackTop = THREAD_STACK_LA + 4096 + THREAD_SIZE; // a guard page below
        mapRange(kernelPgd, THREAD_STACK_LA + 4096, THREAD_SIZE, PageTables.RW | PageTables.NX | PageTables.G, false);
        this.entryStackTop = PERCPU_LA + image.perCpuOffset("entry_stack_storage") + image.constant("ENTRY_STACK_SIZE");
        long dfStackTop = DF_STACK_LA + 4 * 4096;
        mapRange(kernelPgd, DF_STACK_LA, 4 * 4096, PageTables.RW | PageTables.NX | PageTables.G, true);

        // GDT and IDT in the cpu_entry_area, visible in both PGDs (the CPU reads them at every entry).
        long gdtPa = frames.allocate(), idtPa = frames.allocate();
        mapShared(CEA_LA, gdtPa, PageTables.RW | PageTables.NX | PageTables.G);
        mapShared(CEA_LA + 4096, idtPa, PageTables.NX | PageTables.G);
        long tssLa = PERCPU_LA + image.perCpuOffset("cpu_tss_rw");
        Gdt.install(cpu, machine.phys, gdtPa, CEA_LA, tssLa, (int) image.constant("TSS_HW_SIZE") - 1);
        buildIdt(idtPa, CEA_LA + 4096);
        cpu.trSel = Gdt.TSS;
        cpu.trBase = tssLa;
        cpu.trLimit = (int) image.constant("TSS_HW_SIZE") - 1;
        cpu.trAttr = 0x8B; // present, busy 64-bit TSS (LTR marks it busy)
        machine.phys.write8(gdtPa + Gdt.TSS + 5, 0x8B);

        // per-CPU initial values
        long tss = percpuPa + image.perCpuOffset("cpu_tss_rw");
        machine.phys.write64(tss + image.constant("TSS_sp0"), entryStackTop);
        machine.phys.write64(tss + image.constant("TSS_ist"), dfStackTop); // IST1: #DF
        machine.phys.write16(tss + image.constant("TSS_io_bitmap_base"), (int) image.constant("TSS_HW_SIZE"));
        long hot = percpuPa + image.perCpuOffset("pcpu_hot");
        machine.phys.write64(hot + image.constant("X86_top_of_stack"), threadStackTop);

        // long mode, paging, then what start_kernel/cpu_init/syscall_init do with the CPU
        LongMode.enable(cpu, kernelCr3, five, config.pcid());
        cpu.cr4 |= Cpu.CR4_SMEP; // SMAP stays off: the CVE-2012-0217 demonstration needs a pre-SMAP CPU
        Gdt.enterRing(cpu, 0);
        syscallInit();
        Msrs.wrmsr(cpu, Msrs.GS_BASE, PERCPU_LA);
        Msrs.wrmsr(cpu, Msrs.KERNEL_GS_BASE, 0);
        Msrs.wrmsr(cpu, Msrs.FS_BASE, 0);
        Msrs.wrmsr(cpu, Msrs.TSC_AUX, 0);

        this.syscalls = new SyscallTable(this);
        this.exceptions = new ExceptionHandler(this);
        machine.registerNative(image.address("do_syscall_64"), "do_syscall_64", m -> syscalls.doSyscall64());
        machine.registerNative(image.address("do_int80_syscall_32"), "do_int80_syscall_32", m -> syscalls.doInt80Syscall32());
        machine.registerNative(image.address("do_exception"), "do_exception", m -> exceptions.doException());
    }

    /** Boots a machine per {@code config}. */
    public static LinuxKernel boot(KernelConfig config) {
        return new LinuxKernel(config);
    }

    /**
     * syscall_init() of Linux 6.6 (arch/x86/kernel/cpu/common.c) with CONFIG_IA32_EMULATION:
     * STAR, LSTAR, CSTAR (skipped on Intel, as wrmsrl_cstar does), SYSENTER_*, SYSCALL_MASK.
     */
    private void syscallInit() {
        Msrs.wrmsr(cpu, Msrs.STAR, STAR);
        Msrs.wrmsr(cpu, Msrs.LSTAR, image.address("entry_SYSCALL_64"));
        if (config.vendor() != dev.lstar.runtime.Vendor.INTEL) {
            Msrs.wrmsr(cpu, Msrs.CSTAR, image.address("entry_SYSCALL_compat"));
        }
        Msrs.wrmsr(cpu, Msrs.SYSENTER_CS, Gdt.KERNEL_CS);
        Msrs.wrmsr(cpu, Msrs.SYSENTER_ESP, entryStackTop);
        Msrs.wrmsr(cpu, Msrs.SYSENTER_EIP, image.address("entry_SYSENTER_compat"));
        Msrs.wrmsr(cpu, Msrs.FMASK, SYSCALL_MASK);
        Msrs.wrmsr(cpu, Msrs.EFER, Msrs.rdmsr(cpu, Msrs.EFER) | Cpu.EFER_SCE | Cpu.EFER_NXE);
    }

    private long allocateAligned8k() {
        long a = frames.allocate();
        if ((a & 0x1FFF) != 0) a = frames.allocate();
        long b = frames.allocate();
        if (b != a + 4096) throw new IllegalStateException("PGD pair not contiguous");
        machine.phys.fill(a, 0, 8192);
        return a;
    }

    /** Kernel text: read-only, executable, global, in both PGDs (it is all entry text). */
    private void mapKernelText() {
        byte[] text = image.patchAlternatives(config.kpti(), config.pcid(), config.fiveLevel(), config.canonicalCheck());
        for (int off = 0; off < text.length; off += 4096) {
            long pa = frames.allocate();
            machine.phys.fill(pa, 0, 4096);
            machine.phys.write(pa, text, off, Math.min(4096, text.length - off));
            mapShared(image.base() + off, pa, PageTables.G);
        }
    }

    /**
     * The per-CPU area: page 0 (fixed_percpu_data, pcpu_hot, cpu_tlbstate) in the kernel PGD only;
     * cpu_tss_rw and the entry stack also in the user PGD, which the entry code touches before it
     * switches CR3 (Linux maps them through the cpu_entry_area).
     */
    private long mapPerCpu() {
        long size = image.perCpuSize();
        long tssPage = image.perCpuOffset("cpu_tss_rw") & ~0xFFFL;
        long first = frames.allocate();
        for (long off = 4096; off < size; off += 4096) {
            if (frames.allocate() != first + off) throw new IllegalStateException("per-CPU area not contiguous");
        }
        machine.phys.fill(first, 0, size);
        for (long off = 0; off < size; off += 4096) {
            if (off >= tssPage) mapShared(PERCPU_LA + off, first + off, PageTables.RW | PageTables.NX | PageTables.G);
            else kernelPgd.map4k(PERCPU_LA + off, first + off, PageTables.RW | PageTables.NX | PageTables.G);
        }
        return first;
    }

    private void mapShared(long la, long pa, long flags) {
        kernelPgd.map4k(la, pa, flags);
        if (userPgd != null) userPgd.map4k(la, pa, flags);
    }

    private void mapRange(PageTables pt, long la, long len, long flags, boolean shared) {
        for (long off = 0; off < len; off += 4096) {
            long pa = frames.allocate();
            machine.phys.fill(pa, 0, 4096);
            if (shared) mapShared(la + off, pa, flags); else pt.map4k(la + off, pa, flags);
        }
    }

    /** 64-bit interrupt gates (type 0xE) to the exception stubs and the int $0x80 entry. */
    private void buildIdt(long idtPa, long idtLa) {
        machine.phys.fill(idtPa, 0, 4096);
        for (ExceptionVector v : ExceptionVector.values()) {
            writeGate(idtPa, v.vector, image.address(v.symbol), v.dpl, v == ExceptionVector.DF ? 1 : 0);
        }
        writeGate(idtPa, ExceptionVector.INT80_VECTOR, image.address(ExceptionVector.INT80_SYMBOL), ExceptionVector.INT80_DPL, 0);
        cpu.idtrBase = idtLa;
        cpu.idtrLimit = 256 * 16 - 1;
    }

    private void writeGate(long idtPa, int vector, long target, int dpl, int ist) {
        long lo = (target & 0xFFFF) | ((long) Gdt.KERNEL_CS << 16) | ((long) ist << 32) | (0xEL << 40)
                | ((long) dpl << 45) | (1L << 47) | (((target >>> 16) & 0xFFFF) << 48);
        machine.phys.write64(idtPa + vector * 16L, lo);
        machine.phys.write64(idtPa + vector * 16L + 8, target >>> 32);
    }

    /** Loads a static ELF executable as the machine's process and prepares its first return to user mode. */
    public UserProcess exec(byte[] elf, String path, List<String> argv, List<String> envp) {
        AddressSpace as = new AddressSpace(cpu, machine.phys, frames, kernelPgd, userPgd, config.fiveLevel());
        process = UserProcess.load(this, as, elf, path, argv, envp);
        process.enterUserMode();
        return process;
    }

    /** Runs the process on {@code engine} until it exits, is killed, or the kernel oopses. */
    public ExitStatus run(Engine engine) {
        if (process == null) throw new IllegalStateException("no process loaded");
        while (exit == null) {
            RunResult r = engine.run(machine, Long.MAX_VALUE);
            if (exit != null) break;
            if (r.reason() == StopReason.TRIPLE_FAULT) {
                exit = ExitStatus.oops("triple fault: the machine shut down (" + r.message() + ")", Signal.SIGKILL);
            } else if (r.reason() == StopReason.UNHANDLED_FAULT) {
                CpuException f = r.fault();
                exit = ExitStatus.oops("undeliverable " + (f == null ? "fault" : f.describe()) + " at rip 0x"
                        + Long.toHexString(r.faultRip()), Signal.SIGKILL);
            } else if (r.reason() == StopReason.UNSUPPORTED) {
                exit = ExitStatus.unsupported(r.message());
            } else if (r.reason() == StopReason.HALTED) {
                exit = ExitStatus.oops("the kernel halted", Signal.SIGKILL);
            } else if (r.reason() == StopReason.REQUESTED) {
                exit = ExitStatus.oops("stopped: " + r.message(), Signal.SIGKILL);
            }
        }
        config.stdout().flush();
        config.stderr().flush();
        return exit;
    }

    /** The system-call table, for embedders and tests that add a system call ({@link SyscallTable#override}). */
    public SyscallTable syscalls() {
        return syscalls;
    }

    public long syscallCount() {
        return syscallCount;
    }

    /** Ends the process with an exit code (exit_group). */
    void exitProcess(int code) {
        exit = ExitStatus.exited(code);
        machine.requestStop("exit_group(" + code + ")");
    }

    void killProcess(ExitStatus status) {
        exit = status;
        machine.requestStop(status.message());
    }
}

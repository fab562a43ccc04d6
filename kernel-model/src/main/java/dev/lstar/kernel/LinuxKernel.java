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
    /** The default guest RAM when the JVM heap holds it (frames are allocated lazily, so RAM is a limit, not a cost). */
    public static final long PHYS_BYTES = 4L << 30;
    /** Physical memory below this is not handed to the process (the PC's low memory and lstar's kernel data). */
    static final long FIRST_FRAME = 16L << 20;
    /** The smallest RAM lstar boots with: the reserved 16 MiB plus room for the kernel's pages and a small process. */
    public static final long MIN_RAM = 32L << 20;
    /** JVM heap kept for lstar itself (decoded blocks, translations, GC slack) beyond the guest's frames. */
    static final long HEAP_RESERVE = dev.lstar.runtime.mem.PhysicalMemory.HEAP_RESERVE;
    /** How often the CPU-time limit is checked (guest CPU time read from the running thread). */
    static final long CPU_CHECK_MICROS = 2000;

    // Kernel virtual layout (Linux-like regions; see docs/ARCHITECTURE.md)
    public static final long PERCPU_LA = 0xFFFF_8880_0100_0000L;     // in the direct-map range
    public static final long THREAD_STACK_LA = 0xFFFF_C900_0000_0000L; // vmalloc-like; 16 KiB + guard
    public static final long THREAD_SIZE = 16 * 1024;
    /** Distance between two tasks' kernel stacks (a guard page, the stack, and a gap). */
    static final long STACK_STRIDE = 0x8000;
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
    /** The current task's signals (actions, masks, pending set, delivery); their system calls below. */
    Signals signals;
    final SignalSyscalls signalSyscalls;
    /** The modelled RAM in bytes (MemTotal, and what the overcommit heuristic and the OOM killer go by). */
    public final long ramBytes;
    /** The current process's resource limits (each process has its own: fork copies them). */
    ResourceLimits limits;
    /** The process's credentials (struct cred, in {@link ProcessSyscalls}), for /proc/PID/status. */
    ProcessSyscalls creds;

    /** Where the guest's files live (the host's file system unless the embedder set another, see {@link #setFileSystem}). */
    private dev.lstar.kernel.vfs.Vfs vfs;
    /** The current process's file descriptors (made at exec: 0, 1, 2 are the config's streams). */
    dev.lstar.kernel.vfs.FdTable fds = newFdTable();
    /** fcntl's record locks (POSIX and OFD) of every guest process. */
    final RecordLocks recordLocks = new RecordLocks();
    /** The random source of getrandom and /dev/urandom. */
    final java.util.Random random = new HostEntropy();
    /**
     * The kernel's get_random_long for exec: the layout's random offsets and AT_RANDOM's bytes
     * ({@link #random}, or a generator seeded with {@link KernelConfig#aslrSeed()} so that runs repeat).
     */
    final java.util.Random layoutRandom;

    /** System.nanoTime() at boot (sysinfo's uptime). */
    final long bootNanos = System.nanoTime();
    /** The vDSO's vvar page and its refresher (see {@link Vdso}). */
    final Vdso vdso;
    /** Set when the current process has ended (the initial process's status once {@link #run} returns). */
    ExitStatus exit;
    /** The current task's process. */
    UserProcess process;
    long syscallCount;

    // ---- tasks: the processes, the CPU they share, and the current one
    /** The one CPU and its run queue. */
    final Scheduler sched;
    /** The futex wait queues. */
    final Futexes futexes = new Futexes(this);
    /** The page cache of privately mapped file pages (shared by every process: code is translated once). */
    final PageCache pageCache;
    /** Frames that several address spaces map (fork's copy-on-write). */
    final FrameRefs frameRefs;
    /** Every task that has not been reaped, by tid. */
    final java.util.Map<Integer, Task> tasks = new java.util.TreeMap<>();
    /** The task holding the CPU (Linux's current). */
    Task current;
    /** The initial process (pid 1: the init of lstar's pid namespace, which orphans are re-parented to). */
    Task initTask;
    private int lastPid = 1;
    /** The pids allocated since boot (fork, vfork, clone: total_forks). */
    private long forks;
    /** The system-wide /proc files (cpuinfo, meminfo, ...). */
    final SystemFiles systemFiles;
    /** Kernel-stack slots of ended tasks, for reuse (their pages stay mapped). */
    private final java.util.ArrayDeque<Integer> freeStackSlots = new java.util.ArrayDeque<>();
    private int stackSlots = 1;
    /** The physical address of CPU 0's per-CPU area. */
    private final long percpuPa;
    /** The modelled CPUs ({@link KernelConfig#cpus}); {@link #machine} and {@link #cpu} are CPU 0's. */
    final PerCpu[] cpus;
    /**
     * The CPU whose task runs the kernel's Java code now (Linux's this_cpu): with one CPU always
     * CPU 0; with several, set when a CPU takes the kernel lock ({@link #enterKernel}).
     */
    PerCpu cur;
    /**
     * The big kernel lock of the SMP model: the kernel's Java code (system calls, exceptions,
     * the scheduler's context switches' kernel part) runs on one CPU at a time, guest code on all
     * of them at once. Not taken with one CPU (holding the CPU is holding the kernel).
     */
    final java.util.concurrent.locks.ReentrantLock bkl = new java.util.concurrent.locks.ReentrantLock();
    /** The run is ending (the initial process ended): every other task is killed. */
    volatile boolean shuttingDown;
    /** Counted down when the initial process's last thread has ended. */
    final java.util.concurrent.CountDownLatch initEnded = new java.util.concurrent.CountDownLatch(1);

    private LinuxKernel(KernelConfig config, long ramBytes) {
        this.config = config;
        this.layoutRandom = config.aslrSeed() == null ? random : new java.util.Random(config.aslrSeed());
        this.ramBytes = ramBytes;
        this.sched = new Scheduler(this, config.cpus());
        this.machine = new Machine(config.vendor(), ramBytes);
        this.cpu = machine.cpu;
        this.image = KernelImage.load();
        this.frames = new FrameAllocator(FIRST_FRAME, ramBytes);
        this.frameRefs = new FrameRefs(frames);
        this.pageCache = new PageCache(machine.phys, frames);
        this.systemFiles = new SystemFiles(this);
        this.limits = new ResourceLimits(ramBytes, Ids.uid() == 0);
        // RLIMIT_CPU of the first process (an embedder may set it before or after load): its timers check it
        limits.cpuLimitChanged = () -> { Task t = initTask; if (t != null && t.timers != null) t.timers.cpuLimitChanged(); };
        boolean five = config.fiveLevel();
        // Linux allocates the PTI PGD pair as one 8 KiB-aligned block: kernel half, then user half.
        long pgdPair = allocateAligned8k();
        this.kernelPgd = new PageTables(machine.phys, frames, five, pgdPair);
        this.userPgd = config.kpti() ? new PageTables(machine.phys, frames, five, pgdPair + 4096) : null;
        int pcidK = config.pcid() ? KERNEL_PCID : 0, pcidU = config.pcid() ? USER_PCID : 0;
        this.kernelCr3 = pgdPair | pcidK;
        this.userCr3 = config.kpti() ? (pgdPair + 4096) | pcidU : kernelCr3;

        mapKernelText();
        this.threadStackTop = THREAD_STACK_LA + 4096 + THREAD_SIZE; // a guard page below
        mapRange(kernelPgd, THREAD_STACK_LA + 4096, THREAD_SIZE, PageTables.RW | PageTables.NX | PageTables.G, false);
        // the IDT in the cpu_entry_area, visible in both PGDs, one for every CPU
        long idtPa = frames.allocate();
        mapShared(CEA_LA + 4096, idtPa, PageTables.NX | PageTables.G);
        buildIdt(idtPa);
        this.cpus = new PerCpu[config.cpus()];
        cpus[0] = bringUp(0, machine);
        this.percpuPa = cpus[0].percpuPa;
        this.entryStackTop = cpus[0].entryStackTop;
        this.cur = cpus[0];

        this.signals = new Signals(this);
        this.signalSyscalls = new SignalSyscalls(this, signals);
        this.syscalls = new SyscallTable(this);
        this.exceptions = new ExceptionHandler(this);
        this.vdso = new Vdso(machine.phys, frames.allocate());
        // a system call that read a clock or slept republishes the vvar page: a vDSO read is never behind it
        machine.registerNative(image.address("do_syscall_64"), "do_syscall_64", m -> {
            PerCpu pc = enterKernel(m);
            try {
                syscalls.doSyscall64();
                vdso.afterSyscall();
            } finally {
                leaveKernel(pc);
            }
        });
        machine.registerNative(image.address("do_int80_syscall_32"), "do_int80_syscall_32", m -> {
            PerCpu pc = enterKernel(m);
            try {
                syscalls.doInt80Syscall32();
                vdso.afterSyscall();
            } finally {
                leaveKernel(pc);
            }
        });
        machine.registerNative(image.address("do_exception"), "do_exception", m -> {
            PerCpu pc = enterKernel(m);
            try {
                exceptions.doException();
            } finally {
                leaveKernel(pc);
            }
        });
        // the other CPUs (their machines copy the native functions registered above)
        for (int i = 1; i < cpus.length; i++) cpus[i] = bringUp(i, new Machine(machine));
        if (cpus.length > 1) machine.phys.shareBetweenCpus();
    }

    /**
     * Brings CPU {@code i} up as Linux's secondary-CPU start does for what the entry code uses: its
     * per-CPU area (GS base; TSS, entry stack and pcpu_hot inside it), its GDT in its own
     * cpu_entry_area with its TSS descriptor, its #DF stack, the shared IDT, long mode with the
     * kernel's page tables, and syscall_init's MSRs; TSC_AUX holds the CPU number (RDTSCP/RDPID).
     */
    private PerCpu bringUp(int i, Machine m) {
        Cpu c = m.cpu;
        c.smp = cpus.length > 1;
        long percpuLa = PERCPU_LA + i * percpuStride();
        long percpuPa = mapPerCpu(percpuLa);
        long entryTop = percpuLa + image.perCpuOffset("entry_stack_storage") + image.constant("ENTRY_STACK_SIZE");
        long cea = CEA_LA + i * CEA_STRIDE;
        long dfStackTop = cea + 0x10000 + 4 * 4096;
        mapRange(kernelPgd, cea + 0x10000, 4 * 4096, PageTables.RW | PageTables.NX | PageTables.G, true);
        long gdtPa = frames.allocate();
        mapShared(cea, gdtPa, PageTables.RW | PageTables.NX | PageTables.G);
        long tssLa = percpuLa + image.perCpuOffset("cpu_tss_rw");
        Gdt.install(c, m.phys, gdtPa, cea, tssLa, (int) image.constant("TSS_HW_SIZE") - 1);
        c.idtrBase = CEA_LA + 4096;
        c.idtrLimit = 256 * 16 - 1;
        c.trSel = Gdt.TSS;
        c.trBase = tssLa;
        c.trLimit = (int) image.constant("TSS_HW_SIZE") - 1;
        c.trAttr = 0x8B; // present, busy 64-bit TSS (LTR marks it busy)
        m.phys.write8(gdtPa + Gdt.TSS + 5, 0x8B);

        // per-CPU initial values
        long tss = percpuPa + image.perCpuOffset("cpu_tss_rw");
        m.phys.write64(tss + image.constant("TSS_sp0"), entryTop);
        m.phys.write64(tss + image.constant("TSS_ist"), dfStackTop); // IST1: #DF
        m.phys.write16(tss + image.constant("TSS_io_bitmap_base"), (int) image.constant("TSS_HW_SIZE"));
        long hot = percpuPa + image.perCpuOffset("pcpu_hot");
        m.phys.write64(hot + image.constant("X86_top_of_stack"), threadStackTop);
        m.phys.write32(hot + 12, i); // pcpu_hot.cpu_number

        // long mode, paging, then what start_kernel/cpu_init/syscall_init do with the CPU
        LongMode.enable(c, kernelCr3, config.fiveLevel(), config.pcid());
        c.cr4 |= Cpu.CR4_SMEP; // SMAP stays off: the CVE-2012-0217 demonstration needs a pre-SMAP CPU
        Gdt.enterRing(c, 0);
        syscallInit(c, entryTop);
        Msrs.wrmsr(c, Msrs.GS_BASE, percpuLa);
        Msrs.wrmsr(c, Msrs.KERNEL_GS_BASE, 0);
        Msrs.wrmsr(c, Msrs.FS_BASE, 0);
        Msrs.wrmsr(c, Msrs.TSC_AUX, i);
        return new PerCpu(i, m, percpuLa, percpuPa, entryTop);
    }

    /** The distance between two CPUs' per-CPU areas (the area rounded up to 64 KiB). */
    private long percpuStride() {
        return (image.perCpuSize() + 0xFFFF) & ~0xFFFFL;
    }

    /** The distance between two CPUs' cpu_entry_areas (GDT page, then the #DF stack at +64 KiB). */
    static final long CEA_STRIDE = 0x20000;

    /** Boots a machine per {@code config} with {@link #defaultRamBytes()} of RAM. */
    public static LinuxKernel boot(KernelConfig config) {
        return new LinuxKernel(config, defaultRamBytes());
    }

    /**
     * Boots a machine per {@code config} with {@code ramBytes} of RAM (rounded down to 4 KiB).
     * Throws {@link IllegalArgumentException} when the RAM is below {@link #MIN_RAM} or does not
     * fit this JVM's heap ({@link #checkRamFitsHeap}).
     */
    public static LinuxKernel boot(KernelConfig config, long ramBytes) {
        checkRamFitsHeap(ramBytes);
        return new LinuxKernel(config, ramBytes & ~0xFFFL);
    }

    /**
     * The most guest RAM this JVM can hold with lstar's own needs beside it (the physical memory's
     * JVM-wide budget of backed frames): 4/5 of the maximum heap after {@link #HEAP_RESERVE} (a quarter
     * of a heap under 1 GiB), so that a guest that touches all of its RAM is stopped by
     * lstar's OOM killer while the garbage collector still has room (a nearly full heap makes the
     * collector run back to back for a minute before the JVM gives up).
     */
    public static long maxRamForHeap() {
        return dev.lstar.runtime.mem.PhysicalMemory.hostBudgetBytes();
    }

    /** The default RAM: {@link #PHYS_BYTES} (4 GiB), or less if the JVM heap cannot hold it. */
    public static long defaultRamBytes() {
        return Math.max(MIN_RAM, Math.min(PHYS_BYTES, maxRamForHeap()));
    }

    /** Throws {@link IllegalArgumentException} with the reason if {@code ramBytes} cannot be modelled in this JVM. */
    public static void checkRamFitsHeap(long ramBytes) {
        if (ramBytes < MIN_RAM) {
            throw new IllegalArgumentException("guest RAM of " + mib(ramBytes) + " is too small (at least " + mib(MIN_RAM) + ")");
        }
        if (ramBytes > maxRamForHeap()) {
            long heapNeeded = Math.max(ramBytes / 4 * 5 + HEAP_RESERVE, ramBytes / 3 * 5);
            throw new IllegalArgumentException("guest RAM of " + mib(ramBytes) + " does not fit the JVM heap (max "
                    + mib(Runtime.getRuntime().maxMemory()) + "; " + mib(ramBytes) + " of RAM needs -Xmx"
                    + ((heapNeeded + (1L << 20) - 1) >> 20) + "m or more)");
        }
    }

    private static String mib(long bytes) {
        return (bytes >> 20) + " MiB";
    }

    /**
     * syscall_init() of Linux 6.6 (arch/x86/kernel/cpu/common.c) with CONFIG_IA32_EMULATION:
     * STAR, LSTAR, CSTAR (skipped on Intel, as wrmsrl_cstar does), SYSENTER_*, SYSCALL_MASK.
     */
    private void syscallInit(Cpu cpu, long entryStackTop) {
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
        long a = frames.allocateContiguous(2, 8192);
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
    private long mapPerCpu(long percpuLa) {
        long size = image.perCpuSize();
        long tssPage = image.perCpuOffset("cpu_tss_rw") & ~0xFFFL;
        long first = frames.allocate();
        for (long off = 4096; off < size; off += 4096) {
            if (frames.allocate() != first + off) throw new IllegalStateException("per-CPU area not contiguous");
        }
        machine.phys.fill(first, 0, size);
        for (long off = 0; off < size; off += 4096) {
            if (off >= tssPage) mapShared(percpuLa + off, first + off, PageTables.RW | PageTables.NX | PageTables.G);
            else kernelPgd.map4k(percpuLa + off, first + off, PageTables.RW | PageTables.NX | PageTables.G);
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
    private void buildIdt(long idtPa) {
        machine.phys.fill(idtPa, 0, 4096);
        for (ExceptionVector v : ExceptionVector.values()) {
            writeGate(idtPa, v.vector, image.address(v.symbol), v.dpl, v == ExceptionVector.DF ? 1 : 0);
        }
        writeGate(idtPa, ExceptionVector.INT80_VECTOR, image.address(ExceptionVector.INT80_SYMBOL), ExceptionVector.INT80_DPL, 0);
        writeGate(idtPa, ExceptionVector.RESCHED_VECTOR, image.address(ExceptionVector.RESCHED_SYMBOL), 0, 0);
    }

    private void writeGate(long idtPa, int vector, long target, int dpl, int ist) {
        long lo = (target & 0xFFFF) | ((long) Gdt.KERNEL_CS << 16) | ((long) ist << 32) | (0xEL << 40)
                | ((long) dpl << 45) | (1L << 47) | (((target >>> 16) & 0xFFFF) << 48);
        machine.phys.write64(idtPa + vector * 16L, lo);
        machine.phys.write64(idtPa + vector * 16L + 8, target >>> 32);
    }

    /**
     * The guest's file system: any java.nio directory as its "/" ({@link dev.lstar.kernel.vfs.Vfs#confined}
     * for a jail, {@link dev.lstar.kernel.vfs.Vfs#host} for the host's own view). Set it before {@link #exec}.
     */
    public void setFileSystem(dev.lstar.kernel.vfs.Vfs vfs) {
        this.vfs = vfs;
    }

    /** The guest's file system (the host's, as qemu-user shows it, unless {@link #setFileSystem} chose another). */
    public dev.lstar.kernel.vfs.Vfs vfs() {
        if (vfs == null) vfs = dev.lstar.kernel.vfs.Vfs.host();
        return vfs;
    }

    /** The process's file descriptor table. */
    public dev.lstar.kernel.vfs.FdTable fds() {
        return fds;
    }

    /**
     * Loads an ELF executable (static, static-pie, or dynamic: its PT_INTERP interpreter is read
     * from {@link #vfs()}) as the machine's process and prepares its first return to user mode.
     * {@code envp} is the environment exactly as the process will see it.
     */
    public UserProcess exec(byte[] elf, String path, List<String> argv, List<String> envp) {
        AddressSpace as = newMm();
        dev.lstar.kernel.vfs.Vfs v = vfs();
        if (v.exePath.isEmpty()) {
            // /proc/self/exe: the executable's guest path if it lies inside the guest's root, else its host path
            String guest = null;
            try {
                java.nio.file.Path host = java.nio.file.Path.of(path).toAbsolutePath().normalize();
                try {
                    host = host.toRealPath(); // d_path: the file's own name, links resolved (/bin/cat is /usr/bin/cat)
                } catch (java.io.IOException e) {
                    // an embedder's path that is not a host file: keep it as given
                }
                if (v.fileSystem() == java.nio.file.FileSystems.getDefault()) guest = v.guestPathOf(host);
                v.exePath = guest != null ? guest : host.toString();
            } catch (java.nio.file.InvalidPathException e) {
                v.exePath = path;
            }
        }
        long exeDev = 0, exeIno = 0;
        try {
            java.util.Map<String, Object> a = java.nio.file.Files.readAttributes(java.nio.file.Path.of(path), "unix:dev,ino");
            exeDev = ((Number) a.get("dev")).longValue();
            exeIno = ((Number) a.get("ino")).longValue();
        } catch (java.io.IOException | RuntimeException e) {
            // not a host file (an embedder's bytes): /proc/self/maps shows 00:00 0
        }
        process = UserProcess.load(this, as, elf, path, v.exePath, exeDev, exeIno, argv, envp, UserProcess.PER_LINUX);
        UserProcess p = process;
        fds = newFdTable();
        v.proc = new ProcFiles(this, p);
        fds.install(new dev.lstar.kernel.vfs.OpenFile.StreamFile(config.stdin(), null, 0), false, 0, 3);
        fds.install(new dev.lstar.kernel.vfs.OpenFile.StreamFile(null, config.stdout(), 1), false, 1, 3);
        fds.install(new dev.lstar.kernel.vfs.OpenFile.StreamFile(null, config.stderr(), 2), false, 2, 3);
        Task t = new Task(1, new Cpu(config.vendor()), threadStackTop, 0);
        t.process = p;
        t.fds = fds;
        t.vfs = v;
        t.signals = signals;
        signals.owner = t;
        t.limits = limits;
        t.timers = new SignalSyscalls.Timers(this, t);
        if (creds != null) t.cred = creds.c;
        ((ProcFiles) v.proc).task = t;
        v.procs = this::procView;
        v.pids = this::processIds;
        v.system = systemFiles;
        tasks.put(t.tid, t);
        initTask = t;
        t.timers.cpuLimitChanged(); // an RLIMIT_CPU set before load
        sched.start(t);
        process.enterUserMode();
        vdso.startRefresh();
        return process;
    }

    /**
     * Runs the initial process on {@code engine}, on the calling thread, until it exits, is killed,
     * or the kernel oopses; the processes it creates run on host threads of their own, on the same
     * engine, taking turns on the CPU ({@link Scheduler}). When the initial process ends, the
     * others are killed (it is the init of lstar's pid namespace) and the run returns its status.
     */
    public ExitStatus run(Engine engine) {
        if (process == null) throw new IllegalStateException("no process loaded");
        cpus[0].engine = engine;
        for (int i = 1; i < cpus.length; i++) {
            if (engineFactory == null) throw new IllegalStateException(cpus.length + " CPUs need an engine factory (setEngineFactory)");
            cpus[i].engine = engineFactory.apply(cpus[i].machine);
        }
        startCpuClock();
        Task t = initTask;
        t.thread = Thread.currentThread();
        t.cpuStart = THREADS.getCurrentThreadCpuTime();
        runTask(t);
        try {
            initEnded.await(); // the initial process's other threads may still run
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        shutdown();
        vdso.stopRefresh();
        Task init = initTask;
        exit = init.processExit != null ? init.processExit : t.exit;
        process = init.process;
        config.stdout().flush();
        config.stderr().flush();
        return exit;
    }

    /** Makes the engines of CPUs 1.. (CPU 0 runs the engine given to {@link #run}); needed with more than one CPU. */
    public void setEngineFactory(java.util.function.Function<Machine, Engine> factory) {
        this.engineFactory = factory;
    }

    private java.util.function.Function<Machine, Engine> engineFactory;

    /** The engines of the modelled CPUs, by CPU number (set by {@link #run}; null entries before). */
    public List<Engine> engines() {
        java.util.List<Engine> l = new java.util.ArrayList<>();
        for (PerCpu pc : cpus) l.add(pc.engine);
        return l;
    }

    /** The machines of the modelled CPUs (CPU 0's is {@link #machine}). */
    public List<Machine> machines() {
        java.util.List<Machine> l = new java.util.ArrayList<>();
        for (PerCpu pc : cpus) l.add(pc.machine);
        return l;
    }

    /** Asks the CPU running task {@code t} (if any) to stop at its next block boundary. */
    void kick(Task t, String message) {
        PerCpu pc = t.onCpu;
        if (pc != null) pc.machine.requestStop(message);
    }

    /** The body of a task's host thread: take the CPU, run guest code until the task ends, then end it. */
    void runTask(Task t) {
        dev.lstar.runtime.mem.Exclusive ex = machine.phys.exclusive;
        if (smp()) ex.join(); // a member of the split locks' exclusive sections: active while it may touch guest memory
        try {
            runTaskJoined(t);
        } finally {
            if (smp()) ex.retire();
        }
    }

    private void runTaskJoined(Task t) {
        dev.lstar.runtime.mem.Exclusive ex = machine.phys.exclusive;
        sched.acquire(t);
        PerCpu pc = t.home;
        Machine m = pc.machine;
        Cpu c = pc.cpu;
        if (t.setChildTid != 0) { // schedule_tail: CLONE_CHILD_SETTID, in the child's own memory
            lockKernel(pc);
            try {
                t.process.mm.copyToUser(t.setChildTid, TaskSyscalls.le32(t.tid), 0, 4);
                t.setChildTid = 0;
            } finally {
                unlockKernel(pc);
            }
        }
        boolean interrupt = false; // a signal was posted from outside: interrupt the guest once it is in user mode
        while (t.exit == null && !t.killed) {
            if (t.migrateTo != null && c.cpl == 3) { // sched_setaffinity moved it: between two runs no engine holds it
                sched.migrate(t);
                pc = t.home;
                m = pc.machine;
                c = pc.cpu;
            }
            ex.enter(m); // guest memory from here (after a split lock's section that is open now)
            RunResult r;
            try {
                if (interrupt && c.cpl == 3) {
                    interrupt = false;
                    interruptForSignal(pc, t);
                }
                // inside the kernel's entry or exit code, go one block at a time until user mode is reached
                // (where a pending interrupt is raised or a pending move to another CPU made)
                r = pc.engine.run(m, interrupt || t.migrateTo != null ? 1 : Long.MAX_VALUE);
            } finally {
                ex.suspend();
            }
            if (t.exit != null || t.killed) break;
            if (r.reason() == StopReason.BUDGET) continue;
            if (r.reason() == StopReason.REQUESTED && SHOOTDOWN_MESSAGE.equals(r.message())) {
                pc.flushIfRequested();
                continue;
            }
            // a signal's stop: the note may have been taken with an earlier stop while this request
            // was still on its way (two timer expiries close together), so the message counts too
            if (r.reason() == StopReason.REQUESTED
                    && (t.signals.takeKick() | (r.message() != null && r.message().startsWith(Signals.STOP_MESSAGE)))) {
                interrupt = true;
                continue;
            }
            // the scheduler tick (another task waits for the CPU), a move to another CPU, or a stale stop meant for a killed task
            if (r.reason() == StopReason.REQUESTED && r.message() != null
                    && (r.message().equals(Scheduler.PREEMPT_MESSAGE) || r.message().equals(Scheduler.MIGRATE_MESSAGE)
                            || r.message().equals("killed"))) {
                interrupt = pc.needResched;
                continue;
            }
            lockKernel(pc);
            try {
                if (t.exit != null) break;
                if (r.reason() == StopReason.TRIPLE_FAULT) {
                    setExit(ExitStatus.oops("triple fault: the machine shut down (" + r.message() + ")", Signal.SIGKILL));
                } else if (r.reason() == StopReason.UNHANDLED_FAULT) {
                    CpuException f = r.fault();
                    setExit(ExitStatus.oops("undeliverable " + (f == null ? "fault" : f.describe()) + " at rip 0x"
                            + Long.toHexString(r.faultRip()), Signal.SIGKILL));
                } else if (r.reason() == StopReason.UNSUPPORTED) {
                    setExit(ExitStatus.unsupported(r.message()));
                } else if (r.reason() == StopReason.HALTED) {
                    setExit(ExitStatus.oops("the kernel halted", Signal.SIGKILL));
                } else if (r.reason() == StopReason.REQUESTED) {
                    setExit(ExitStatus.oops("stopped: " + r.message(), Signal.SIGKILL));
                }
            } finally {
                unlockKernel(pc);
            }
        }
        lockKernel(pc);
        try {
            if (t.exit == null) {
                t.exit = ExitStatus.killed(Signal.SIGKILL, "killed by SIGKILL (" + (shuttingDown ? "the run ended" : "its process was killed") + ")");
                if (current == t) exit = t.exit;
            }
            m.takeStop();
            TaskSyscalls.exitTask(this, t);
        } finally {
            if (smp()) { // the CPU may run another task already: only the lock is given up here
                int holds = bkl.getHoldCount();
                for (int i = 0; i < holds; i++) bkl.unlock();
                ex.suspend();
            }
        }
    }

    /** The tasks that have not ended. */
    java.util.List<Task> liveTasks() {
        java.util.List<Task> l = new java.util.ArrayList<>();
        synchronized (tasks) {
            for (Task t : tasks.values()) if (t.alive()) l.add(t);
        }
        return l;
    }

    /** /proc/PID of guest process {@code pid} (a zombie's too, until it is reaped), or null. */
    dev.lstar.kernel.vfs.Vfs.Proc procView(int pid) {
        Task t = task(pid);
        if (t == null || !t.isLeader() || t.vfs == null) return null;
        return t.vfs.proc;
    }

    /** The pids of the guest's processes (what /proc lists). */
    int[] processIds() {
        synchronized (tasks) {
            return tasks.values().stream().filter(Task::isLeader).mapToInt(t -> t.tid).sorted().toArray();
        }
    }

    /** The task with id {@code tid} (live or a zombie), or null. */
    Task task(int tid) {
        synchronized (tasks) {
            return tasks.get(tid);
        }
    }

    /** A new pid (alloc_pid: the next free number upwards, wrapping at pid_max). */
    int allocPid() {
        synchronized (tasks) {
            forks++;
            do {
                lastPid = lastPid >= 4_194_303 ? 2 : lastPid + 1;
            } while (tasks.containsKey(lastPid));
            return lastPid;
        }
    }

    /**
     * A new task with a kernel stack of its own (16 KiB above a guard page, in the vmalloc-like
     * range beside the first task's); its registers are filled by the caller.
     */
    Task newTask(int tid) {
        int slot;
        Integer free = freeStackSlots.poll();
        if (free != null) {
            slot = free;
        } else {
            slot = stackSlots++;
            mapRange(kernelPgd, THREAD_STACK_LA + slot * STACK_STRIDE + 4096, THREAD_SIZE, PageTables.RW | PageTables.NX | PageTables.G, false);
        }
        return new Task(tid, new Cpu(config.vendor()), THREAD_STACK_LA + slot * STACK_STRIDE + 4096 + THREAD_SIZE, slot);
    }

    /** The task ended for good: its kernel stack may serve another. */
    void freeKernelStack(Task t) {
        if (t.stackSlot != 0) freeStackSlots.add(t.stackSlot);
    }

    /** Starts the host thread of a new task (it waits for the CPU). */
    void startTask(Task t) {
        multitask = true;
        sched.place(t);
        sched.startTick();
        Thread th = Thread.ofPlatform().name("lstar-pid-" + t.tid).daemon(true).unstarted(() -> {
            t.cpuStart = THREADS.getCurrentThreadCpuTime();
            try {
                runTask(t);
            } catch (Throwable e) {
                config.log().println("lstar: internal error in pid " + t.tid + ": " + e);
                e.printStackTrace(config.log());
                deadlock("lstar: internal error in pid " + t.tid + ": " + e);
                sched.release(t);
            }
        });
        t.thread = th;
        synchronized (tasks) {
            tasks.put(t.tid, t);
        }
        th.start();
    }

    /** The initial process ended: every other task is killed and its thread waited for. */
    private void shutdown() {
        shuttingDown = true;
        sched.stopTick();
        java.util.List<Task> others;
        synchronized (tasks) {
            others = new java.util.ArrayList<>(tasks.values());
        }
        for (Task o : others) {
            o.killed = true;
            kick(o, "killed");
        }
        sched.wakeAll();
        for (Task o : others) {
            Thread th = o.thread;
            if (th == null || th == Thread.currentThread()) continue;
            try {
                th.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** "[pid N] " before an strace line once the guest has more than one task (as strace -f prints it), else "". */
    String stracePrefix() {
        Task t = current;
        return t == null || !multitask ? "" : "[pid " + t.tid + "] ";
    }

    /** Set once a second task exists (strace lines then name their task). */
    volatile boolean multitask;

    /** Points the kernel's current-task fields at {@code t} (the context switch's last step). */
    void setCurrent(Task t) {
        current = t;
        process = t.process;
        fds = t.fds;
        if (t.vfs != null) vfs = t.vfs;
        signals = t.signals;
        if (t.limits != null) limits = t.limits;
        if (creds != null && t.cred != null) creds.c = t.cred;
        exit = t.exit;
    }

    /** pcpu_hot.top_of_stack of CPU {@code pc}: the kernel stack the entry code switches to. */
    void setTopOfStack(PerCpu pc, long top) {
        machine.phys.write64(pc.percpuPa + image.perCpuOffset("pcpu_hot") + image.constant("X86_top_of_stack"), top);
    }

    /** The CPU of machine {@code m}. */
    PerCpu percpu(dev.lstar.runtime.Machine m) {
        for (PerCpu pc : cpus) if (pc.machine == m) return pc;
        throw new IllegalStateException("not a CPU of this kernel: " + m);
    }

    /** Whether several CPUs run at the same time (the kernel lock and TLB shootdowns are needed). */
    boolean smp() {
        return cpus.length > 1;
    }

    /**
     * Entry into the kernel's Java code from guest code running on machine {@code m} (a native
     * function: do_syscall_64, do_exception...): with several CPUs, takes the kernel lock and
     * makes this CPU and its task the current ones. Pair with {@link #leaveKernel}.
     */
    PerCpu enterKernel(dev.lstar.runtime.Machine m) {
        if (cpus.length == 1) return cur;
        PerCpu pc = percpu(m);
        lockKernel(pc);
        return pc;
    }

    /** The end of {@link #enterKernel}: the kernel lock is given up; a TLB shootdown asked meanwhile is done before guest code runs on. */
    void leaveKernel(PerCpu pc) {
        if (cpus.length == 1) return;
        unlockKernel(pc);
        machine.phys.exclusive.resume(true); // back to guest code (after a split lock's section that is open now)
    }

    /** Takes the kernel lock on CPU {@code pc} (for its running task) and points the current-task fields at that task. */
    void lockKernel(PerCpu pc) {
        if (cpus.length == 1) return;
        pc.inKernel = true;
        dev.lstar.runtime.mem.Exclusive ex = machine.phys.exclusive;
        ex.suspend(); // waiting for the lock: quiescent for a split lock's section
        bkl.lock();
        ex.resume(true); // kernel code touches guest memory: not while a section is open
        cur = pc;
        Task t = pc.running;
        if (t != null) setCurrent(t);
    }

    /** Gives the kernel lock up (every hold) for CPU {@code pc}; returns the holds, for {@link #relockKernel}. */
    int unlockKernel(PerCpu pc) {
        if (cpus.length == 1) return 0;
        int holds = bkl.getHoldCount();
        for (int i = 0; i < holds; i++) bkl.unlock();
        if (holds > 0) machine.phys.exclusive.suspend(); // until the kernel lock or guest code again (lockKernel, leaveKernel)
        pc.inKernel = false;
        pc.flushIfRequested();
        return holds;
    }

    /** Takes the kernel lock again with {@code holds} holds, on CPU {@code pc} (after a sleep moved the task). */
    void relockKernel(PerCpu pc, int holds) {
        if (cpus.length == 1 || holds == 0) return;
        lockKernel(pc);
        for (int i = 1; i < holds; i++) bkl.lock();
    }

    /** The CPU of the calling kernel code (this_cpu). */
    Cpu cpu() {
        return cur.cpu;
    }

    /**
     * The TLB shootdown after the kernel changed or removed mappings of {@code mm} (page
     * {@code page}, or every page when -1): this CPU's TLB directly, and every other CPU that may
     * use the space's user mappings now is asked to flush and waited for (flush_tlb_mm_range's
     * IPIs); CPUs that ran the space earlier flush its ASID when they switch back to it
     * ({@link Scheduler#loadMm}: the space's generation moved on).
     */
    void flushTlb(AddressSpace mm, long page) {
        dev.lstar.runtime.mem.Mmu own = cur.cpu.mmu;
        if (page == -1) own.flushAll(); else own.invlpg(page);
        if (cpus.length == 1) return;
        long gen = ++mm.tlbGen;
        PerCpu me = cur;
        for (PerCpu pc : cpus) {
            if (pc == me || pc.loadedMm != mm) continue;
            if (pc.flushRequested < gen) pc.flushRequested = gen;
            pc.machine.requestStop(SHOOTDOWN_MESSAGE);
        }
        for (PerCpu pc : cpus) {
            if (pc == me) continue;
            int spins = 0;
            boolean active = machine.phys.exclusive.suspend(); // the CPU waited for may be parked for a split lock
            while (pc.loadedMm == mm && !pc.inKernel && pc.flushDone < gen) {
                if (++spins < 100) Thread.onSpinWait(); else java.util.concurrent.locks.LockSupport.parkNanos(20_000);
            }
            machine.phys.exclusive.resume(active);
        }
    }

    /** The stop message of a TLB shootdown request. */
    static final String SHOOTDOWN_MESSAGE = "tlb shootdown";

    /** A process's first descriptor table: closing a descriptor drops the process's record locks on its file. */
    private dev.lstar.kernel.vfs.FdTable newFdTable() {
        dev.lstar.kernel.vfs.FdTable t = new dev.lstar.kernel.vfs.FdTable();
        t.onClose = this::closingFile;
        return t;
    }

    /** locks_remove_posix from filp_close: the closing task's descriptor table (fl_owner) gives up its record locks on the file. */
    private void closingFile(dev.lstar.kernel.vfs.OpenFile f) {
        Task t = current;
        if (t == null || !recordLocks.holdsAny(t.fds)) return;
        String key = FileSyscalls.lockKey(f, vfs());
        if (key != null) recordLocks.closed(t.fds, key);
    }

    /** Records how the current process ended. */
    void setExit(ExitStatus status) {
        exit = status;
        if (current != null) current.exit = status;
    }

    /** The run cannot go on (every task waits forever, or lstar failed): it ends with {@code message} (SIGKILL). */
    void deadlock(String message) {
        Task init = initTask;
        if (init == null || init.processExit != null || init.groupExit != null) return;
        ExitStatus st = ExitStatus.killed(Signal.SIGKILL, message);
        init.groupExit = st;
        for (Task t : liveTasks()) {
            t.killed = true;
            if (t.leader == init && t.exit == null) t.exit = st;
            kick(t, message);
        }
        if (current != null && current.leader == init) exit = st;
        sched.wakeAll();
        machine.requestStop(message);
    }

    /**
     * mm_alloc + pgd_alloc: a new, empty user address space with its own PGD pair (8 KiB aligned;
     * the kernel half's top-level entries copied from the kernel's own, as pgd_ctor does).
     */
    AddressSpace newMm() {
        long pair = allocateAligned8k();
        PageTables kp = new PageTables(machine.phys, frames, config.fiveLevel(), pair);
        PageTables up = config.kpti() ? new PageTables(machine.phys, frames, config.fiveLevel(), pair + 4096) : null;
        for (int idx = 256; idx < 512; idx++) {
            kp.setTopLevelEntry(idx, kernelPgd.topLevelEntry(idx));
            if (up != null) up.setTopLevelEntry(idx, userPgd.topLevelEntry(idx));
        }
        AddressSpace as = new AddressSpace(cpu, machine.phys, frames, frameRefs, kp, up, config.fiveLevel());
        as.kernel = this;
        as.limits = limits;
        as.pageCache = pageCache;
        as.totalRamPages = totalRamBytes() >>> 12;
        as.outOfMemory = this::outOfMemoryKill;
        return as;
    }

    /**
     * A signal posted while guest code ran (a timer, the host's SIGINT) reaches it as Linux's
     * would: an interrupt (here the reschedule IPI vector, as when another CPU sends a signal)
     * enters the kernel through the guest IDT, and the exit to user mode delivers it. Only with
     * IF set, as hardware would (user mode always has it, unless iopl games cleared it).
     */
    private void interruptForSignal(PerCpu pc, Task t) {
        Cpu cpu = pc.cpu;
        if (!(t.signals.hasReady() || pc.needResched) || (cpu.rflags & dev.lstar.runtime.Flags.IF) == 0) return;
        dev.lstar.runtime.sys.Interrupts.deliverEvent(cpu, Signals.RESCHEDULE_VECTOR, 0, false,
                dev.lstar.runtime.sys.Interrupts.KIND_EXTERNAL, cpu.rip, cpu.rip);
    }

    /**
     * Sends signal {@code signo} to the process from outside (an embedder, the CLI forwarding the
     * host's SIGINT/SIGTERM/SIGHUP): SI_USER from pid 0, as a signal from another process
     * looks. Thread-safe; the guest gets it at its next return to user mode.
     */
    public void postSignal(int signo) {
        if (signo < 1 || signo > Signal.NSIG) throw new IllegalArgumentException("no signal " + signo);
        Task init = initTask;
        if (init == null) return;
        // as a terminal's ^C reaches the foreground process group: the initial process's group
        for (Task t : liveTasks()) {
            if (t.isLeader() && t.pgid == init.pgid) {
                signalProcess(t, Signals.Info.sent(signo, Signals.SI_USER, 0, 0, "(sent from outside the guest)"), true);
            }
        }
    }

    /**
     * totalram_pages() in bytes: the RAM the page allocator manages, i.e. the modelled RAM less
     * the 16 MiB below {@link #FIRST_FRAME} that lstar keeps for itself (as Linux's MemTotal
     * excludes what the kernel reserved at boot). The overcommit heuristic compares against it.
     */
    public long totalRamBytes() {
        return ramBytes - FIRST_FRAME;
    }

    /** The RAM not in use (sysinfo's freeram, meminfo's MemFree): totalram less the frames handed out. */
    public long freeRamBytes() {
        return Math.max(0, totalRamBytes() - frames.inUse());
    }

    /** The last pid allocated (/proc/loadavg's last field). */
    int lastPid() {
        synchronized (tasks) {
            return lastPid;
        }
    }

    /** The processes and threads created since boot, the first one included (/proc/stat's processes). */
    long forks() {
        synchronized (tasks) {
            return forks + 1;
        }
    }

    /** The process's resource limits (getrlimit/setrlimit/prlimit64 see the same); set them before {@link #run}. */
    public ResourceLimits limits() {
        return limits;
    }

    // ---------------------------------------------------------------- the OOM killer

    /**
     * Guest RAM is exhausted while a page is being populated: mm/oom_kill.c would pick the process
     * with the largest footprint (the only one here) and send it SIGKILL, logging
     * "Out of memory: Killed process PID (COMM) total-vm:..kB, anon-rss:..kB, ...".
     */
    void outOfMemoryKill() {
        if (exit != null) return;
        AddressSpace mm = process.mm;
        String msg = String.format("Out of memory: Killed process %d (%s) total-vm:%dkB, anon-rss:%dkB, file-rss:0kB, "
                        + "shmem-rss:0kB, UID:%d oom_score_adj:0 (guest RAM %d MiB; --memory sets it)",
                process.pid, process.comm, mm.totalVmPages() * 4, mm.rssPages() * 4, Ids.uid(), ramBytes >> 20);
        killProcess(ExitStatus.killed(Signal.SIGKILL, msg));
    }

    // ---------------------------------------------------------------- CPU time and RLIMIT_CPU

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    private volatile Thread runThread;
    private volatile long cpuBase;

    private void startCpuClock() {
        if (runThread == null) {
            runThread = Thread.currentThread();
            cpuBase = THREADS.getCurrentThreadCpuTime();
        }
    }

    /**
     * The process's CPU time in nanoseconds: the CPU time (user + system) of the host thread that
     * runs the guest, since {@link #run} began. Interpretation, translation and the modelled kernel
     * all run on that thread, as a process's user and system time would; the JVM's compiler and GC
     * threads are not counted. -1 if the thread has ended.
     */
    public long cpuTimeNanos() {
        Task cur = current;
        if (cur != null && cur.thread != runThread) return taskCpuNanos(cur); // (a thread that exec'd may lead the first process)
        Thread t = runThread;
        if (t == null) return 0;
        long now = t == Thread.currentThread() ? THREADS.getCurrentThreadCpuTime() : THREADS.getThreadCpuTime(t.threadId());
        return now < 0 ? -1 : now - cpuBase;
    }

    /**
     * The CPU time of the process whose leader is {@code leader}: its ended threads' and its live
     * threads' (CLOCK_PROCESS_CPUTIME_ID, RUSAGE_SELF, times' tms_utime); its total once it ended.
     */
    long processCpuNanos(Task leader) {
        if (leader.processExit != null) return Math.max(leader.cpuTotal, 0);
        synchronized (tasks) {
            long sum = leader.deadThreadsCpu;
            for (Task t : leader.group) sum += taskCpuNanos(t);
            return sum;
        }
    }

    /** The CPU time of task {@code t}'s host thread since the task began (its total once it ended). */
    long taskCpuNanos(Task t) {
        if (t.cpuTotal >= 0) return t.cpuTotal;
        Thread th = t.thread;
        if (th == null) return 0;
        long now = th == Thread.currentThread() ? THREADS.getCurrentThreadCpuTime() : THREADS.getThreadCpuTime(th.threadId());
        return now < 0 ? 0 : now - t.cpuStart;
    }

    /**
     * Turns the vvar page's 1 kHz host refresh off or on again (exec turns it on). Off, the vDSO's
     * clocks move only at system calls — still never behind them — and the guest's reads no longer
     * depend on a host thread's timing: for runs that must be repeatable, such as the lockstep engine.
     */
    public void vvarRefresh(boolean on) {
        if (on) vdso.startRefresh();
        else vdso.stopRefresh();
    }

    /** The system-call table, for embedders and tests that add a system call ({@link SyscallTable#override}). */
    public SyscallTable syscalls() {
        return syscalls;
    }

    public long syscallCount() {
        return syscallCount;
    }

    /** Ends the current process with an exit code (exit_group). */
    void exitProcess(int code) {
        if (process != null) process.mm.exitMmap(); // exit_mmap: shared file pages reach their files
        groupExit(ExitStatus.exited(code));
        cur.machine.requestStop("exit_group(" + code + ")");
    }

    /** Ends the current process (every thread of it) with {@code status}: a fatal signal, the OOM killer, a limit. */
    void killProcess(ExitStatus status) {
        if (process != null && exit == null) process.mm.exitMmap();
        groupExit(status);
        cur.machine.requestStop(status.message());
        signals.wakeAll();
    }

    /** do_group_exit: the process's status, and every other thread of it killed (they end when they next run). */
    private void groupExit(ExitStatus status) {
        Task cur = current;
        setExit(status);
        if (cur == null) return;
        Task leader = cur.leader;
        if (leader.groupExit == null) leader.groupExit = status;
        for (Task o : new java.util.ArrayList<>(leader.group)) {
            if (o == cur || o.exit != null) continue;
            o.exit = status;
            o.killed = true;
            sched.wake(o);
            kick(o, "killed");
        }
    }

    /**
     * do_signal_stop: the current process stops (every thread, as each next returns to user mode)
     * with signal {@code sig}; the parent is told (CLD_STOPPED, unless it set SA_NOCLDSTOP) and a
     * wait with WUNTRACED/WSTOPPED reports it once. The task sleeps until SIGCONT continues the
     * process or SIGKILL is pending.
     */
    void groupStop(int sig) {
        Task t = current, leader = t.leader;
        if (!leader.stopped) {
            leader.stopped = true;
            leader.stopSignal = sig;
            leader.stopReport = true;
            leader.continueReport = false;
            notifyParentOfJobControl(leader, TaskSyscalls.CLD_STOPPED, sig);
        }
        waitWhileStopped(t);
    }

    /** A thread of a stopped process sleeps until it is continued (or has a SIGKILL pending, or is killed). */
    void waitWhileStopped(Task t) {
        Task leader = t.leader;
        while (leader.stopped && !t.killed && t.exit == null && (t.signals.pending() & Signal.bit(Signal.SIGKILL.number)) == 0) {
            sched.sleep(t, leader, Long.MAX_VALUE, "SIGCONT (stopped by " + Signal.of(leader.stopSignal) + ")",
                    () -> !leader.stopped || (t.signals.pending() & Signal.bit(Signal.SIGKILL.number)) != 0, false);
        }
    }

    /** SIGCONT for a process: a stopped one continues (its parent told CLD_CONTINUED); pending stop signals go. */
    void continueProcess(Task leader) {
        for (Task t : new java.util.ArrayList<>(leader.group)) if (t.signals != null) t.signals.flushStops();
        if (!leader.stopped) return;
        leader.stopped = false;
        leader.stopReport = false;
        leader.continueReport = true;
        sched.wake(leader);
        notifyParentOfJobControl(leader, TaskSyscalls.CLD_CONTINUED, Signal.SIGCONT.number);
    }

    /** do_notify_parent_cldstop: SIGCHLD with CLD_STOPPED/CLD_CONTINUED unless the parent set SA_NOCLDSTOP; its waits wake. */
    private void notifyParentOfJobControl(Task leader, int code, int status) {
        Task p = leader.parent;
        if (p == null || p.processExit != null || p.signals == null) return;
        if ((p.signals.saFlags[Signal.SIGCHLD.number] & Signals.SA_NOCLDSTOP) == 0) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(128).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.putInt(0, Signal.SIGCHLD.number).putInt(8, code).putInt(16, leader.tgid).putInt(20, (int) Ids.uid()).putInt(24, status);
            signalProcess(p, new Signals.Info(Signal.SIGCHLD.number, b.array(), "(child pid " + leader.tgid + " stopped or continued)"), false);
        }
        sched.wake(p.children);
    }

    /**
     * A process-directed signal (kill, SIGCHLD, a timer, the terminal's): into the process's
     * shared pending set, taken by a thread that does not block it ({@link Signals#sendToProcess}).
     */
    void signalProcess(Task leader, Signals.Info info, boolean async) {
        Signals.sendToProcess(this, leader, info, async);
    }
}

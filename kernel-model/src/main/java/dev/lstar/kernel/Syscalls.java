package dev.lstar.kernel;

import static dev.lstar.kernel.Errno.*;

import dev.lstar.runtime.Cpu;

import java.nio.charset.StandardCharsets;

/**
 * The system calls lstar implements, with Linux 6.6's argument checks and error codes. Memory
 * arguments go through copy_from_user/copy_to_user ({@link AddressSpace}), so a bad pointer is
 * -EFAULT, never a host error.
 */
final class Syscalls {
    static final int ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004;
    /** MAX_RW_COUNT: the most a single read/write transfers. */
    static final long MAX_RW_COUNT = 0x7FFF_F000L;
    static final int GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;

    private final LinuxKernel k;
    private final java.util.Random random;

    Syscalls(LinuxKernel k) {
        this.k = k;
        this.random = k.random;
    }

    private AddressSpace mm() {
        return k.process.mm;
    }

    void register(SyscallTable t) {
        t.x64(12, "brk", "p", (a, a1, a2, a3, a4, a5) -> brk(a));
        t.x64(63, "uname", "p", (buf, a1, a2, a3, a4, a5) -> uname(buf));
        t.x64(97, "getrlimit", "Lp", (res, rlim, a2, a3, a4, a5) -> getrlimit(res, rlim));
        // getuid/geteuid/getgid/getegid and the other credentials: ProcessSyscalls
        t.x64(160, "setrlimit", "Lp", (res, rlim, a2, a3, a4, a5) -> setrlimit(res, rlim));
        t.x64(158, "arch_prctl", "Zp", (code, addr, a2, a3, a4, a5) -> archPrctl((int) code, addr));
        t.x64(96, "gettimeofday", "pp", (tv, tz, a2, a3, a4, a5) -> gettimeofday(tv, tz));
        t.x64(201, "time", "p", (tloc, a1, a2, a3, a4, a5) -> time(tloc));
        t.x64(228, "clock_gettime", "Kp", (clk, tp, a2, a3, a4, a5) -> clockGettime((int) clk, tp));
        t.x64(302, "prlimit64", "iLpp", (pid, res, nw, old, a4, a5) -> prlimit64((int) pid, res, nw, old));
        t.x64(318, "getrandom", "puG", (buf, len, flags, a3, a4, a5) -> getrandom(buf, len, (int) flags));
        // what ld.so and libc start-up ask for
        t.x64(24, "sched_yield", 0, (a0, a1, a2, a3, a4, a5) -> 0);
        t.x64(99, "sysinfo", "p", (info, a1, a2, a3, a4, a5) -> sysinfo(info));
        t.x64(157, "prctl", "Rxxxx", (op, a1, a2, a3, a4, a5) -> prctl((int) op, a1, a2, a3, a4));
        t.x64(135, "personality", "x", (pers, a1, a2, a3, a4, a5) -> personality(pers));
        t.x64(202, "futex", "pXuppu", (ua, op, val, ts, ua2, v3) -> k.futexes.futex(ua, (int) op, (int) val, ts, ua2, (int) v3));
        t.x64(204, "sched_getaffinity", "iup", (pid, len, mask, a3, a4, a5) -> schedGetaffinity((int) pid, len & 0xFFFF_FFFFL, mask));
        t.x64(273, "set_robust_list", "pu", (head, len, a2, a3, a4, a5) -> setRobustList(head, len));
        // rseq: answered as a kernel built without CONFIG_RSEQ would (glibc then runs without it), no warning
        t.x64(334, "rseq", "pxix", (a0, a1, a2, a3, a4, a5) -> -ENOSYS);

        // the i386 ABI through int $0x80 (arch/x86/entry/syscalls/syscall_32.tbl)
        t.ia32(45, "brk", 1, (a, a1, a2, a3, a4, a5) -> brk(a));
        t.ia32(136, "personality", 1, (pers, a1, a2, a3, a4, a5) -> personality(pers));
        t.ia32(199, "getuid32", 0, (a0, a1, a2, a3, a4, a5) -> Ids.uid());
    }

    // ---- process start-up (kernel/futex, kernel/sys.c, kernel/sched)

    /** set_robust_list: the head is recorded (exit walks it, {@link Futexes#exitRobustList}); len must be sizeof(struct robust_list_head). */
    long setRobustList(long head, long len) {
        if (len != 24) return -EINVAL;
        k.current.robustList = head;
        return 0;
    }

    /**
     * kernel/exec_domain.c personality: returns the old persona; any other value than 0xffffffff
     * (a query) becomes the new one, unchecked, as Linux stores it. ADDR_NO_RANDOMIZE takes effect
     * at the next execve (a fixed layout, as {@code setarch -R} relies on), READ_IMPLIES_EXEC makes
     * mmap and mprotect add PROT_EXEC to PROT_READ; the persona survives execve (less
     * READ_IMPLIES_EXEC) and fork. The other bits (ADDR_COMPAT_LAYOUT's legacy bottom-up layout,
     * the ADDR_LIMIT flags) are only stored.
     */
    long personality(long persona) {
        UserProcess p = k.process;
        int old = p.personality;
        if ((int) persona != -1) p.personality = (int) persona;
        return old & 0xFFFF_FFFFL;
    }

    static final int PR_SET_PDEATHSIG = 1, PR_GET_PDEATHSIG = 2, PR_GET_DUMPABLE = 3, PR_SET_DUMPABLE = 4,
            PR_SET_NAME = 15, PR_GET_NAME = 16, PR_SET_NO_NEW_PRIVS = 38, PR_GET_NO_NEW_PRIVS = 39;

    /** kernel/sys.c prctl: the basics (process name, dumpable, parent-death signal, no_new_privs); others -EINVAL. */
    long prctl(int op, long a2, long a3, long a4, long a5) {
        UserProcess p = k.process;
        switch (op) {
            case PR_SET_NAME -> {
                byte[] b = new byte[16];
                int n = 0;
                for (; n < 15; n++) {
                    if (!mm().copyFromUser(a2 + n, b, n, 1)) return -EFAULT;
                    if (b[n] == 0) break;
                }
                String name = new String(b, 0, n, StandardCharsets.ISO_8859_1);
                Task t = k.current;
                if (t != null && t != t.leader) t.comm = name; // the calling thread's own name
                else p.comm = name;
                return 0;
            }
            case PR_GET_NAME -> {
                byte[] b = java.util.Arrays.copyOf((k.current != null ? TaskSyscalls.comm(k.current) : p.comm).getBytes(StandardCharsets.ISO_8859_1), 16);
                return mm().copyToUser(a2, b, 0, 16) ? 0 : -EFAULT;
            }
            case PR_GET_DUMPABLE -> { return p.dumpable; }
            case PR_SET_DUMPABLE -> {
                if (a2 != 0 && a2 != 1) return -EINVAL;
                p.dumpable = (int) a2;
                return 0;
            }
            case PR_SET_PDEATHSIG -> {
                if (a2 < 0 || a2 > 64) return -EINVAL;
                p.pdeathSignal = (int) a2;
                return 0;
            }
            case PR_GET_PDEATHSIG -> {
                byte[] b = {(byte) p.pdeathSignal, (byte) (p.pdeathSignal >> 8), 0, 0};
                return mm().copyToUser(a2, b, 0, 4) ? 0 : -EFAULT;
            }
            case PR_SET_NO_NEW_PRIVS -> {
                if (a2 != 1 || a3 != 0 || a4 != 0 || a5 != 0) return -EINVAL;
                p.noNewPrivs = true;
                return 0;
            }
            case PR_GET_NO_NEW_PRIVS -> { return a2 != 0 || a3 != 0 || a4 != 0 || a5 != 0 ? -EINVAL : p.noNewPrivs ? 1 : 0; }
            default -> { return -EINVAL; }
        }
    }

    /** sched_getaffinity: the task's mask (every modelled CPU unless sched_setaffinity narrowed it); the length must hold nr_cpu_ids bits and be a multiple of 8; returns the bytes written. */
    long schedGetaffinity(int pid, long len, long mask) {
        if (len * 8 < 1 || (len & 7) != 0) return -EINVAL;
        Task t = pid == 0 ? k.current : k.task(pid);
        if (t == null || !t.alive()) return -ESRCH;
        long online = k.cpus.length >= 64 ? -1L : (1L << k.cpus.length) - 1, set = t.affinity & online;
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) b[i] = (byte) (set >>> (8 * i));
        return mm().copyToUser(mask, b, 0, 8) ? 8 : -EFAULT;
    }

    /**
     * sysinfo(2): uptime, loads 0, RAM as modelled (free = the frames not in use, as /proc/meminfo's
     * MemFree), no swap, the number of live tasks (nr_threads, as Linux counts procs).
     */
    long sysinfo(long info) {
        byte[] b = new byte[112];
        long uptime = Math.max(0, (System.nanoTime() - k.bootNanos) / 1_000_000_000L);
        long total = k.totalRamBytes(), free = k.freeRamBytes();
        putLe(b, 0, uptime);
        putLe(b, 32, total);
        putLe(b, 40, free);
        int procs = Math.min(k.liveTasks().size(), 0xFFFF);
        b[80] = (byte) procs; // procs (u16)
        b[81] = (byte) (procs >> 8);
        b[104] = 1; // mem_unit
        return mm().copyToUser(info, b, 0, b.length) ? 0 : -EFAULT;
    }

    private static void putLe(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) b[off + i] = (byte) (v >>> (8 * i));
    }

    /**
     * access_ok(addr, size) of arch/x86/include/asm/uaccess_64.h: the range lies below
     * TASK_SIZE_MAX (size taken as unsigned, so a negative size always fails).
     */
    private boolean accessOk(long addr, long size) {
        long max = mm().taskSizeMax;
        return Long.compareUnsigned(size, max) <= 0 && Long.compareUnsigned(addr, max - size) <= 0;
    }

    static long le64(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[off + i] & 0xFF);
        return v;
    }

    /**
     * mm/mmap.c sys_brk of Linux 6.6: returns the new break, or the old one when the request cannot
     * be met (libc's sbrk turns that into ENOMEM): below the start; check_data_rlimit (the heap
     * plus the data segment above RLIMIT_DATA); then for growth do_brk_flags' may_expand_vm
     * (RLIMIT_AS, RLIMIT_DATA) and the overcommit check of the increment.
     */
    long brk(long addr) {
        AddressSpace mm = mm();
        if (addr < mm.startBrk) return mm.brk;
        if (mm.limits != null && mm.limits.exceeds(ResourceLimits.RLIMIT_DATA, (addr - mm.startBrk) + (mm.endData - mm.startData))) {
            return mm.brk;
        }
        long newEnd = (addr + 0xFFF) & ~0xFFFL, oldEnd = (mm.brk + 0xFFF) & ~0xFFFL;
        if (newEnd <= oldEnd) {
            if (newEnd < oldEnd) mm.remove(newEnd, oldEnd);
            mm.brk = addr;
            return addr;
        }
        if (newEnd > mm.taskSizeMax || mm.overlaps(oldEnd, newEnd + 4096)) return mm.brk;
        long pages = (newEnd - oldEnd) >>> 12;
        if (!mm.mayExpandVm(Vma.PROT_READ | Vma.PROT_WRITE, "[heap]", pages) || !mm.vmEnoughMemory(pages)) return mm.brk;
        mm.add(oldEnd, newEnd, Vma.PROT_READ | Vma.PROT_WRITE, "[heap]");
        mm.brk = addr;
        return addr;
    }

    long uname(long buf) {
        String[] fields = {SystemFiles.SYSNAME, SystemFiles.NODENAME, SystemFiles.RELEASE, SystemFiles.VERSION, SystemFiles.MACHINE,
            SystemFiles.DOMAINNAME}; // /proc/version and /proc/sys/kernel say the same
        byte[] b = new byte[65 * 6];
        for (int i = 0; i < fields.length; i++) {
            byte[] f = fields[i].getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(f, 0, b, i * 65, Math.min(64, f.length));
        }
        return mm().copyToUser(buf, b, 0, b.length) ? 0 : -EFAULT;
    }

    /**
     * arch/x86/kernel/process_64.c do_arch_prctl_64. While the kernel runs, the user's GS base
     * sits in KERNEL_GS_BASE (the entry code did swapgs), so SET_GS/GET_GS use that MSR.
     */
    long archPrctl(int code, long addr) {
        AddressSpace mm = mm();
        switch (code) {
            case ARCH_SET_FS -> {
                if (addr >= mm.taskSizeMax || addr < 0) return -EPERM;
                cpu().segBase[Cpu.FS] = addr;
                return 0;
            }
            case ARCH_SET_GS -> {
                if (addr >= mm.taskSizeMax || addr < 0) return -EPERM;
                cpu().kernelGsBase = addr;
                return 0;
            }
            case ARCH_GET_FS -> { return mm.putUser64(addr, cpu().segBase[Cpu.FS]) ? 0 : -EFAULT; }
            case ARCH_GET_GS -> { return mm.putUser64(addr, cpu().kernelGsBase) ? 0 : -EFAULT; }
            default -> { return -EINVAL; }
        }
    }

    long clockGettime(int clk, long tp) {
        k.vdso.timeObserved();
        long ns;
        switch (clk) {
            case 0, 5, 11 -> { // REALTIME, REALTIME_COARSE, TAI (no leap-second offset modelled)
                java.time.Instant now = java.time.Instant.now();
                ns = now.getEpochSecond() * 1_000_000_000L + now.getNano();
            }
            case 1, 4, 6, 7, 8, 9 -> ns = System.nanoTime(); // MONOTONIC(_RAW/_COARSE), BOOTTIME(_ALARM)
            default -> { // the CPU-time clocks: PROCESS/THREAD_CPUTIME_ID and clock_getcpuclockid's ids
                ns = clk == 2 || clk == 3 || clk < 0 ? ProcessSyscalls.cpuClock(k, clk) : -1;
                if (ns < 0) return -EINVAL;
            }
        }
        byte[] ts = new byte[16];
        long sec = Math.floorDiv(ns, 1_000_000_000L), nsec = Math.floorMod(ns, 1_000_000_000L);
        for (int i = 0; i < 8; i++) { ts[i] = (byte) (sec >>> (8 * i)); ts[8 + i] = (byte) (nsec >>> (8 * i)); }
        return mm().copyToUser(tp, ts, 0, 16) ? 0 : -EFAULT;
    }

    /** time(2): seconds since the epoch, also stored at {@code tloc} when it is not NULL. */
    long time(long tloc) {
        k.vdso.timeObserved();
        long sec = java.time.Instant.now().getEpochSecond();
        if (tloc != 0 && !mm().putUser64(tloc, sec)) return -EFAULT;
        return sec;
    }

    /** gettimeofday(2): struct timeval {sec, usec}; the obsolete timezone is zeros. */
    long gettimeofday(long tv, long tz) {
        k.vdso.timeObserved();
        java.time.Instant now = java.time.Instant.now();
        if (tv != 0 && (!mm().putUser64(tv, now.getEpochSecond()) || !mm().putUser64(tv + 8, now.getNano() / 1000))) return -EFAULT;
        if (tz != 0 && !mm().copyToUser(tz, new byte[8], 0, 8)) return -EFAULT;
        return 0;
    }

    // ---- resource limits (kernel/sys.c)

    /** getrlimit(unsigned int resource, struct rlimit *): do_prlimit, then copy_to_user. */
    long getrlimit(long resource, long rlim) {
        long[] old = new long[2];
        long r = k.limits.prlimit(resource, null, old);
        if (r != 0) return r;
        return copyRlimitOut(rlim, old) ? 0 : -EFAULT;
    }

    /** setrlimit(unsigned int resource, const struct rlimit *): copy_from_user first, then do_prlimit. */
    long setrlimit(long resource, long rlim) {
        long[] nw = copyRlimitIn(rlim);
        if (nw == null) return -EFAULT;
        return k.limits.prlimit(resource, nw, null);
    }

    /**
     * prlimit64(pid_t pid, unsigned int resource, const struct rlimit64 *new, struct rlimit64 *old):
     * the new limit is read first (-EFAULT), pid 0 or the caller's own pid selects this process
     * (any other: -ESRCH, there is no other task), do_prlimit, and the old limit is written last (so
     * a bad {@code old} pointer is -EFAULT after the new limit took effect, as in Linux).
     */
    long prlimit64(int pid, long resource, long newRlim, long oldRlim) {
        long[] nw = null;
        if (newRlim != 0) {
            nw = copyRlimitIn(newRlim);
            if (nw == null) return -EFAULT;
        }
        if (pid != 0 && pid != k.process.pid) return -ESRCH;
        long[] old = oldRlim != 0 ? new long[2] : null;
        long r = k.limits.prlimit(resource, nw, old);
        if (r == 0 && old != null && !copyRlimitOut(oldRlim, old)) return -EFAULT;
        return r;
    }

    private long[] copyRlimitIn(long p) {
        byte[] b = new byte[16];
        if (!mm().copyFromUser(p, b, 0, 16)) return null;
        return new long[] {le64(b, 0), le64(b, 8)};
    }

    private boolean copyRlimitOut(long p, long[] v) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) { b[i] = (byte) (v[0] >>> (8 * i)); b[8 + i] = (byte) (v[1] >>> (8 * i)); }
        return mm().copyToUser(p, b, 0, 16);
    }

    long getrandom(long buf, long len, int flags) {
        if ((flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) != 0) return -EINVAL;
        if ((flags & GRND_INSECURE) != 0 && (flags & GRND_RANDOM) != 0) return -EINVAL;
        int n = (int) Math.min(len, 33554431L); // Linux caps one call at 32 MiB - 1
        byte[] b = new byte[Math.min(n, 1 << 16)];
        long done = 0;
        while (done < n) {
            int c = (int) Math.min(b.length, n - done);
            random.nextBytes(b);
            if (!mm().copyToUser(buf + done, b, 0, c)) return done > 0 ? done : -EFAULT;
            done += c;
        }
        return done;
    }

    /** The CPU of the calling kernel code (this_cpu). */
    private Cpu cpu() {
        return k.cur.cpu;
    }
}

package dev.lstar.kernel;

import static dev.lstar.kernel.Errno.*;

import dev.lstar.runtime.Cpu;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * The system calls lstar implements, with Linux 6.6's argument checks and error codes. Memory
 * arguments go through copy_from_user/copy_to_user ({@link AddressSpace}), so a bad pointer is
 * -EFAULT, never a host error.
 */
final class Syscalls {
    // mmap flags (include/uapi/linux/mman.h, asm-generic/mman-common.h)
    static final int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_SHARED_VALIDATE = 0x03, MAP_TYPE = 0x0F,
            MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000, MAP_FIXED_NOREPLACE = 0x100000;
    static final int PROT_WRITE = 2;
    static final int ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004;
    /** MAX_RW_COUNT: the most a single read/write transfers. */
    static final long MAX_RW_COUNT = 0x7FFF_F000L;
    static final int PROT_SEM = 0x8;
    static final int GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;

    private final LinuxKernel k;
    private final Cpu cpu;
    private final SecureRandom random;

    Syscalls(LinuxKernel k) {
        this.k = k;
        this.cpu = k.cpu;
        this.random = k.random;
    }

    private AddressSpace mm() {
        return k.process.mm;
    }

    void register(SyscallTable t) {
        t.x64(9, "mmap", 6, (a, len, prot, flags, fd, off) -> mmap(a, len, (int) prot, (int) flags, (int) fd, off));
        t.x64(10, "mprotect", 3, (a, len, prot, a3, a4, a5) -> mprotect(a, len, (int) prot));
        t.x64(11, "munmap", 2, (a, len, a2, a3, a4, a5) -> munmap(a, len));
        t.x64(12, "brk", 1, (a, a1, a2, a3, a4, a5) -> brk(a));
        t.x64(39, "getpid", 0, (a0, a1, a2, a3, a4, a5) -> k.process.pid);
        t.x64(60, "exit", 1, (code, a1, a2, a3, a4, a5) -> exit((int) code));
        t.x64(63, "uname", 1, (buf, a1, a2, a3, a4, a5) -> uname(buf));
        t.x64(97, "getrlimit", 2, (res, rlim, a2, a3, a4, a5) -> getrlimit(res, rlim));
        t.x64(102, "getuid", 0, (a0, a1, a2, a3, a4, a5) -> Ids.uid());
        t.x64(104, "getgid", 0, (a0, a1, a2, a3, a4, a5) -> Ids.gid());
        t.x64(107, "geteuid", 0, (a0, a1, a2, a3, a4, a5) -> Ids.uid());
        t.x64(108, "getegid", 0, (a0, a1, a2, a3, a4, a5) -> Ids.gid());
        t.x64(110, "getppid", 0, (a0, a1, a2, a3, a4, a5) -> 0);
        t.x64(160, "setrlimit", 2, (res, rlim, a2, a3, a4, a5) -> setrlimit(res, rlim));
        t.x64(158, "arch_prctl", 2, (code, addr, a2, a3, a4, a5) -> archPrctl((int) code, addr));
        t.x64(186, "gettid", 0, (a0, a1, a2, a3, a4, a5) -> k.process.pid);
        t.x64(218, "set_tid_address", 1, (p, a1, a2, a3, a4, a5) -> { k.process.tidAddress = p; return k.process.pid; });
        t.x64(96, "gettimeofday", 2, (tv, tz, a2, a3, a4, a5) -> gettimeofday(tv, tz));
        t.x64(201, "time", 1, (tloc, a1, a2, a3, a4, a5) -> time(tloc));
        t.x64(228, "clock_gettime", 2, (clk, tp, a2, a3, a4, a5) -> clockGettime((int) clk, tp));
        t.x64(231, "exit_group", 1, (code, a1, a2, a3, a4, a5) -> exit((int) code));
        t.x64(302, "prlimit64", 4, (pid, res, nw, old, a4, a5) -> prlimit64((int) pid, res, nw, old));
        t.x64(318, "getrandom", 3, (buf, len, flags, a3, a4, a5) -> getrandom(buf, len, (int) flags));

        // the i386 ABI through int $0x80 (arch/x86/entry/syscalls/syscall_32.tbl)
        t.ia32(1, "exit", 1, (code, a1, a2, a3, a4, a5) -> exit((int) code));
        t.ia32(20, "getpid", 0, (a0, a1, a2, a3, a4, a5) -> k.process.pid);
        t.ia32(45, "brk", 1, (a, a1, a2, a3, a4, a5) -> brk(a));
        t.ia32(199, "getuid32", 0, (a0, a1, a2, a3, a4, a5) -> Ids.uid());
        t.ia32(224, "gettid", 0, (a0, a1, a2, a3, a4, a5) -> k.process.pid);
        t.ia32(252, "exit_group", 1, (code, a1, a2, a3, a4, a5) -> exit((int) code));
    }

    long exit(int code) {
        k.exitProcess(code);
        return 0;
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

    /** mm/mmap.c do_mmap, anonymous mappings only. */
    long mmap(long addr, long len, int prot, int flags, int fd, long off) {
        AddressSpace mm = mm();
        if (len == 0) return -EINVAL;
        long alen = (len + 0xFFF) & ~0xFFFL;
        if (alen == 0 || alen < 0 || alen > mm.taskSizeMax) return -ENOMEM;
        if ((off & 0xFFF) != 0) return -EINVAL;
        int type = flags & MAP_TYPE;
        if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE) return -EINVAL;
        if ((flags & MAP_ANONYMOUS) == 0) {
            // file mappings are not modelled yet: an open descriptor is ENODEV (as for a file without mmap)
            return k.fds().isOpen(fd) ? -ENODEV : -EBADF;
        }
        // do_mmap does not validate prot: unknown bits (PROT_SEM...) are ignored, unlike mprotect
        long start;
        if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0) {
            if ((addr & 0xFFF) != 0) return -EINVAL;
            if (addr + alen > mm.taskSizeMax || addr + alen < addr) return -ENOMEM;
            if (addr < 0x1000) return -EPERM; // mmap_min_addr
            if ((flags & MAP_FIXED) == 0 && mm.overlaps(addr, addr + alen)) return -EEXIST;
            start = addr;
        } else {
            start = mm.findFree(addr, alen);
            if (start < 0) return -ENOMEM;
        }
        // mmap_region: may_expand_vm (RLIMIT_AS, RLIMIT_DATA), counting a MAP_FIXED replacement's overlap as freed
        long pages = alen >>> 12;
        if (!mm.mayExpandVm(prot & 7, "anon", pages) && !mm.mayExpandVm(prot & 7, "anon", pages - mm.pagesMapped(start, start + alen))) {
            return -ENOMEM;
        }
        // accountable_mapping (private and writable) or a shared anonymous mapping (shmem_acct_size), unless
        // MAP_NORESERVE (which mode 0 honours): the heuristic overcommit check of the whole request
        boolean accountable = (flags & MAP_NORESERVE) == 0 && (type != MAP_PRIVATE || (prot & PROT_WRITE) != 0);
        if (accountable && !mm.vmEnoughMemory(pages)) return -ENOMEM;
        mm.add(start, start + alen, prot & 7, "anon");
        return start;
    }

    long munmap(long addr, long len) {
        if ((addr & 0xFFF) != 0 || len == 0) return -EINVAL;
        long alen = (len + 0xFFF) & ~0xFFFL;
        if (addr + alen > mm().taskSizeMax || addr + alen < addr) return -EINVAL;
        mm().remove(addr, addr + alen);
        return 0;
    }

    long mprotect(long addr, long len, int prot) {
        if ((addr & 0xFFF) != 0) return -EINVAL;
        // mm/mprotect.c accepts READ|WRITE|EXEC|SEM (x86 PROT_SEM 0x8, no effect) and GROWSDOWN/UP;
        // lstar has no VM_GROWSDOWN/UP areas, which makes either grows bit -EINVAL, as Linux does for them
        if ((prot & ~(7 | PROT_SEM)) != 0) return -EINVAL;
        prot &= 7;
        long alen = (len + 0xFFF) & ~0xFFFL;
        if (alen == 0) return 0;
        if (addr + alen < addr) return -ENOMEM;
        return mm().protect(addr, addr + alen, prot) ? 0 : -ENOMEM;
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
        String[] fields = {"Linux", "lstar", "6.6.8-lstar", "#1 SMP PREEMPT_DYNAMIC lstar", "x86_64", "(none)"};
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
                cpu.segBase[Cpu.FS] = addr;
                return 0;
            }
            case ARCH_SET_GS -> {
                if (addr >= mm.taskSizeMax || addr < 0) return -EPERM;
                cpu.kernelGsBase = addr;
                return 0;
            }
            case ARCH_GET_FS -> { return mm.putUser64(addr, cpu.segBase[Cpu.FS]) ? 0 : -EFAULT; }
            case ARCH_GET_GS -> { return mm.putUser64(addr, cpu.kernelGsBase) ? 0 : -EFAULT; }
            default -> { return -EINVAL; }
        }
    }

    long clockGettime(int clk, long tp) {
        long ns;
        switch (clk) {
            case 0, 5, 11 -> { // REALTIME, REALTIME_COARSE, TAI (no leap-second offset modelled)
                java.time.Instant now = java.time.Instant.now();
                ns = now.getEpochSecond() * 1_000_000_000L + now.getNano();
            }
            case 1, 4, 6, 7, 8, 9 -> ns = System.nanoTime(); // MONOTONIC(_RAW/_COARSE), BOOTTIME(_ALARM)
            case 2, 3 -> ns = Math.max(0, k.cpuTimeNanos()); // PROCESS/THREAD_CPUTIME: the clock RLIMIT_CPU uses
            default -> { return -EINVAL; }
        }
        byte[] ts = new byte[16];
        long sec = Math.floorDiv(ns, 1_000_000_000L), nsec = Math.floorMod(ns, 1_000_000_000L);
        for (int i = 0; i < 8; i++) { ts[i] = (byte) (sec >>> (8 * i)); ts[8 + i] = (byte) (nsec >>> (8 * i)); }
        return mm().copyToUser(tp, ts, 0, 16) ? 0 : -EFAULT;
    }

    /** time(2): seconds since the epoch, also stored at {@code tloc} when it is not NULL. */
    long time(long tloc) {
        long sec = java.time.Instant.now().getEpochSecond();
        if (tloc != 0 && !mm().putUser64(tloc, sec)) return -EFAULT;
        return sec;
    }

    /** gettimeofday(2): struct timeval {sec, usec}; the obsolete timezone is zeros. */
    long gettimeofday(long tv, long tz) {
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
}

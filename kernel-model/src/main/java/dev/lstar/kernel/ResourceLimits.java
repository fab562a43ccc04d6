package dev.lstar.kernel;

import static dev.lstar.kernel.Errno.EINVAL;
import static dev.lstar.kernel.Errno.EPERM;

/**
 * The process's resource limits ({@code signal->rlim[]} of Linux), what getrlimit, setrlimit and
 * prlimit64 read and write and what the memory and CPU-time checks consult.
 *
 * <p>Enforced: RLIMIT_CPU (SIGXCPU at the soft limit, SIGKILL at the hard limit, see
 * {@link LinuxKernel}), RLIMIT_AS and RLIMIT_DATA (mmap, brk: {@code may_expand_vm} and
 * {@code check_data_rlimit}), RLIMIT_STACK (stack pages faulted in deeper than the soft limit are
 * SIGSEGV, as {@code acct_stack_growth} refuses the growth). The others are stored and reported
 * but nothing in lstar consumes them (no files, processes, locks or signals to limit).
 *
 * <p>Defaults are Linux's INIT_RLIMITS (include/asm-generic/resource.h) with what fork_init
 * derives from the RAM size for RLIMIT_NPROC and RLIMIT_SIGPENDING, i.e. what a process started
 * by a kernel with no shell limits in between would see.
 */
public final class ResourceLimits {
    public static final int RLIMIT_CPU = 0, RLIMIT_FSIZE = 1, RLIMIT_DATA = 2, RLIMIT_STACK = 3, RLIMIT_CORE = 4,
            RLIMIT_RSS = 5, RLIMIT_NPROC = 6, RLIMIT_NOFILE = 7, RLIMIT_MEMLOCK = 8, RLIMIT_AS = 9,
            RLIMIT_LOCKS = 10, RLIMIT_SIGPENDING = 11, RLIMIT_MSGQUEUE = 12, RLIMIT_NICE = 13,
            RLIMIT_RTPRIO = 14, RLIMIT_RTTIME = 15, RLIM_NLIMITS = 16;
    /** RLIM_INFINITY (and RLIM64_INFINITY) on x86-64: all ones, an unsigned comparison is larger than any value. */
    public static final long RLIM_INFINITY = -1L;
    /** fs/file.c sysctl_nr_open default (1024 * 1024): RLIMIT_NOFILE's hard limit may not exceed it. */
    static final long NR_OPEN = 1024 * 1024;

    static final String[] NAMES = {"RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE",
            "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS",
            "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME"};

    private final long[] cur = new long[RLIM_NLIMITS], max = new long[RLIM_NLIMITS];
    private final boolean capSysResource;
    /** Told when RLIMIT_CPU changes (the kernel arms or re-arms its CPU-time check). */
    Runnable cpuLimitChanged = () -> {};

    /**
     * @param ramBytes       the modelled RAM: fork_init sets RLIMIT_NPROC and RLIMIT_SIGPENDING to
     *                       max_threads / 2, max_threads = RAM / (8 * THREAD_SIZE) clamped to
     *                       [MIN_THREADS = 20, FUTEX_TID_MASK]
     * @param capSysResource whether the process may raise hard limits (CAP_SYS_RESOURCE): lstar's
     *                       guest runs as the invoking user, so this is true only for root
     */
    public ResourceLimits(long ramBytes, boolean capSysResource) {
        this.capSysResource = capSysResource;
        java.util.Arrays.fill(cur, RLIM_INFINITY);
        java.util.Arrays.fill(max, RLIM_INFINITY);
        cur[RLIMIT_STACK] = 8L << 20;                       // _STK_LIM
        cur[RLIMIT_CORE] = 0;
        long threads = Math.min(Math.max(ramBytes / (8 * LinuxKernel.THREAD_SIZE), 20), 0x3FFF_FFFF);
        cur[RLIMIT_NPROC] = max[RLIMIT_NPROC] = threads / 2;
        cur[RLIMIT_SIGPENDING] = max[RLIMIT_SIGPENDING] = threads / 2;
        cur[RLIMIT_NOFILE] = 1024;                          // INR_OPEN_CUR
        max[RLIMIT_NOFILE] = 4096;                          // INR_OPEN_MAX
        cur[RLIMIT_MEMLOCK] = max[RLIMIT_MEMLOCK] = 8L << 20; // MLOCK_LIMIT (since 5.16)
        cur[RLIMIT_MSGQUEUE] = max[RLIMIT_MSGQUEUE] = 819200; // MQ_BYTES_MAX
        cur[RLIMIT_NICE] = max[RLIMIT_NICE] = 0;
        cur[RLIMIT_RTPRIO] = max[RLIMIT_RTPRIO] = 0;
    }

    /**
     * copy_signal's rlimits for a forked child: the same limits, its own from now on (a child's
     * setrlimit does not change its parent's). The CPU-limit check is the first process's alone.
     */
    ResourceLimits forkCopy() {
        ResourceLimits c = new ResourceLimits(cur, max, capSysResource);
        return c;
    }

    private ResourceLimits(long[] cur, long[] max, boolean capSysResource) {
        this.capSysResource = capSysResource;
        System.arraycopy(cur, 0, this.cur, 0, cur.length);
        System.arraycopy(max, 0, this.max, 0, max.length);
    }

    /** The soft limit (rlim_cur) of {@code resource}. */
    public long soft(int resource) {
        return cur[resource];
    }

    /** The hard limit (rlim_max) of {@code resource}. */
    public long hard(int resource) {
        return max[resource];
    }

    /** Whether {@code value} (a byte or second count) is above the soft limit of {@code resource} (unsigned, so infinity never is). */
    boolean exceeds(int resource, long value) {
        return Long.compareUnsigned(value, cur[resource]) > 0;
    }

    /**
     * Sets a limit from the host (lstar's own options, e.g. {@code --limit-cpu}), as a shell's
     * {@code ulimit} would before exec; no permission check. Throws on soft &gt; hard.
     */
    public void set(int resource, long soft, long hard) {
        if (resource < 0 || resource >= RLIM_NLIMITS) throw new IllegalArgumentException("no resource " + resource);
        if (Long.compareUnsigned(soft, hard) > 0) throw new IllegalArgumentException("soft limit above hard limit");
        cur[resource] = soft;
        max[resource] = hard;
        if (resource == RLIMIT_CPU) cpuLimitChanged.run();
    }

    /**
     * kernel/sys.c do_prlimit of Linux 6.6: {@code resource} is an unsigned int (-EINVAL at or above
     * RLIM_NLIMITS); a new limit with soft &gt; hard is -EINVAL; RLIMIT_NOFILE's hard limit above
     * nr_open is -EPERM; raising a hard limit needs CAP_SYS_RESOURCE (-EPERM). Lowering, and moving
     * the soft limit anywhere up to the hard limit, is always allowed. {@code old}, if not null,
     * receives the previous {soft, hard} (only on success).
     *
     * @return 0 or -errno
     */
    /** check_process_timers after SIGXCPU: the soft RLIMIT_CPU moves up to {@code soft} (the check is not re-armed). */
    void raiseCpuSoft(long soft) {
        cur[RLIMIT_CPU] = soft;
    }

    long prlimit(long resource, long[] newLimit, long[] old) {
        if (Long.compareUnsigned(resource & 0xFFFF_FFFFL, RLIM_NLIMITS) >= 0) return -EINVAL;
        int r = (int) resource;
        if (newLimit != null) {
            if (Long.compareUnsigned(newLimit[0], newLimit[1]) > 0) return -EINVAL;
            if (r == RLIMIT_NOFILE && Long.compareUnsigned(newLimit[1], NR_OPEN) > 0) return -EPERM;
            if (Long.compareUnsigned(newLimit[1], max[r]) > 0 && !capSysResource) return -EPERM;
        }
        if (old != null) {
            old[0] = cur[r];
            old[1] = max[r];
        }
        if (newLimit != null) {
            cur[r] = newLimit[0];
            max[r] = newLimit[1];
            // Linux arms the process CPU timer here when the new soft limit is finite
            if (r == RLIMIT_CPU) cpuLimitChanged.run();
        }
        return 0;
    }

    /** "8388608" or "unlimited", for strace-style output and messages. */
    static String format(long v) {
        return v == RLIM_INFINITY ? "RLIM64_INFINITY" : Long.toUnsignedString(v);
    }
}

package dev.lstar.kernel;

import static dev.lstar.kernel.Errno.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Process attributes (kernel/sys.c, kernel/groups.c, kernel/time/posix-timers.c,
 * kernel/sched/core.c, kernel/futex/syscalls.c of Linux 6.6) for lstar's one process:
 *
 * <ul>
 * <li>resource usage: getrusage, times and clock_getres. CPU time is the guest thread's
 *     ({@link LinuxKernel#cpuTimeNanos}), all of it reported as user time; ru_maxrss is the
 *     address space's high-water mark and ru_minflt its first-touch faults; block I/O and
 *     context-switch counts are 0. lstar claims CONFIG_HZ=250 (the COARSE clocks tick every
 *     4 ms) and USER_HZ=100 (AT_CLKTCK), and its jiffies start at INITIAL_JIFFIES, 5 minutes
 *     before a 32-bit wrap, at boot, as Linux's do.</li>
 * <li>process groups and sessions: the process is pid 1 of its own pid namespace, the leader of
 *     its process group and of its session (pgid = sid = pid, as a container's first process that
 *     its runtime made a session leader), so setsid and setpgid are EPERM after their checks,
 *     and any other pid is ESRCH.</li>
 * <li>credentials (per process: fork copies them, threads share them; {@link Cred}): at first
 *     the host's uid and gid for all of real, effective, saved and filesystem ids and the host's
 *     supplementary groups. The set*id calls follow Linux's rules: without
 *     CAP_SETUID/CAP_SETGID (the guest has them only while its effective uid is 0, which needs lstar
 *     itself to run as root) an id may only be set to one the process already has, else EPERM.
 *     When lstar runs as root the new ids are recorded and reported; lstar does not change its
 *     own host credentials, so files are still accessed with root's rights (a warning says so
 *     the first time).</li>
 * <li>one CPU: sched_setaffinity needs CPU 0 in the mask, getcpu says CPU 0 node 0;
 *     get_robust_list returns what set_robust_list stored.</li>
 * </ul>
 */
final class ProcessSyscalls {
    static final int RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1, RUSAGE_THREAD = 1;
    /** CONFIG_HZ lstar claims, and USER_HZ (clock_t ticks, AT_CLKTCK). */
    static final long HZ = 250, USER_HZ = 100;
    /** INITIAL_JIFFIES: (unsigned long)(unsigned int)(-300 * HZ). */
    static final long INITIAL_JIFFIES = (-300 * HZ) & 0xFFFF_FFFFL;
    static final int NGROUPS_MAX = 65536;
    static final long NS = 1_000_000_000L;

    private final LinuxKernel k;
    /** Real, effective, saved and filesystem user and group ids (struct cred). */
    /**
     * A process's credentials (struct cred): real, effective, saved and filesystem user and group
     * ids and the supplementary groups. Each process has its own (fork copies them; the threads
     * of a process share theirs); {@link #c} is the current task's.
     */
    static final class Cred {
        long ruid, euid, suid, fsuid, rgid, egid, sgid, fsgid;
        long[] groups;

        Cred copy() {
            Cred n = new Cred();
            n.ruid = ruid; n.euid = euid; n.suid = suid; n.fsuid = fsuid;
            n.rgid = rgid; n.egid = egid; n.sgid = sgid; n.fsgid = fsgid;
            n.groups = groups.clone();
            return n;
        }
    }

    /** The current task's credentials (the context switch points it at the task's own). */
    Cred c = new Cred();
    private boolean warnedRoot;

    ProcessSyscalls(LinuxKernel k) {
        this.k = k;
        c.ruid = c.euid = c.suid = c.fsuid = Ids.uid();
        c.rgid = c.egid = c.sgid = c.fsgid = Ids.gid();
        c.groups = hostGroups();
        k.creds = this;
    }

    /** Real, effective, saved and filesystem uids (or gids) as /proc/PID/status prints them. */
    long[] ids(boolean user) {
        return user ? new long[] {c.ruid, c.euid, c.suid, c.fsuid} : new long[] {c.rgid, c.egid, c.sgid, c.fsgid};
    }

    /** The supplementary groups (getgroups). */
    long[] groups() { return c.groups.clone(); }

    /**
     * The host's supplementary groups: com.sun.security.auth.module.UnixSystem#getGroups, the JVM's
     * own getgroups(2), which a process started by lstar's own process would inherit; just the
     * primary group if Java cannot tell.
     */
    private static long[] hostGroups() {
        try {
            long[] g = new com.sun.security.auth.module.UnixSystem().getGroups();
            if (g != null) {
                g = g.clone();
                java.util.Arrays.sort(g); // group_info is kept sorted (groups_sort)
                return g;
            }
        } catch (Throwable t) {
            // not a Unix host
        }
        return new long[] {Ids.gid()};
    }

    private AddressSpace mm() { return k.process.mm; }
    private int pid() { return k.process.pid; }

    void register(SyscallTable t) {
        t.x64(98, "getrusage", "np", (a, b, c, d, e, f) -> getrusage((int) a, b));
        t.x64(100, "times", "p", (a, b, c, d, e, f) -> times(a));
        t.x64(229, "clock_getres", "Kp", (a, b, c, d, e, f) -> clockGetres((int) a, b));
        t.x64(102, "getuid", "", (a, b, c, d, e, f) -> this.c.ruid);
        t.x64(104, "getgid", "", (a, b, c, d, e, f) -> this.c.rgid);
        t.x64(107, "geteuid", "", (a, b, c, d, e, f) -> this.c.euid);
        t.x64(108, "getegid", "", (a, b, c, d, e, f) -> this.c.egid);
        t.x64(105, "setuid", "n", (a, b, c, d, e, f) -> setuid((int) a, true));
        t.x64(106, "setgid", "n", (a, b, c, d, e, f) -> setuid((int) a, false));
        t.x64(113, "setreuid", "nn", (a, b, c, d, e, f) -> setreuid((int) a, (int) b, true));
        t.x64(114, "setregid", "nn", (a, b, c, d, e, f) -> setreuid((int) a, (int) b, false));
        t.x64(117, "setresuid", "nnn", (a, b, c, d, e, f) -> setresuid((int) a, (int) b, (int) c, true));
        t.x64(119, "setresgid", "nnn", (a, b, c, d, e, f) -> setresuid((int) a, (int) b, (int) c, false));
        t.x64(118, "getresuid", "ppp", (a, b, c, d, e, f) -> getresuid(a, b, c, this.c.ruid, this.c.euid, this.c.suid));
        t.x64(120, "getresgid", "ppp", (a, b, c, d, e, f) -> getresuid(a, b, c, this.c.rgid, this.c.egid, this.c.sgid));
        t.x64(122, "setfsuid", "n", (a, b, c, d, e, f) -> setfsuid((int) a, true));
        t.x64(123, "setfsgid", "n", (a, b, c, d, e, f) -> setfsuid((int) a, false));
        t.x64(115, "getgroups", "np", (a, b, c, d, e, f) -> getgroups((int) a, b));
        t.x64(116, "setgroups", "np", (a, b, c, d, e, f) -> setgroups((int) a, b));
        t.x64(203, "sched_setaffinity", "nup", (a, b, c, d, e, f) -> schedSetaffinity((int) a, b & 0xFFFF_FFFFL, c));
        t.x64(309, "getcpu", "ppp", (a, b, c, d, e, f) -> getcpu(a, b));
        t.x64(274, "get_robust_list", "npp", (a, b, c, d, e, f) -> getRobustList((int) a, b, c));
    }

    /** find_task_by_vpid for the calls that take 0 as "the caller": only this process exists. */
    private boolean self(int pid) {
        return pid == 0 || pid == pid();
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private boolean put(long addr, ByteBuffer b) {
        return mm().copyToUser(addr, b.array(), 0, b.capacity());
    }

    // ------------------------------------------------------------------ resource usage

    /**
     * getrusage(who, ru): SELF is the process (every thread's CPU time, ended ones too), THREAD the
     * calling thread, CHILDREN the children it waited for (theirs included). CPU time is reported
     * as user time (lstar does not split user from system time); memory figures are the process's.
     */
    long getrusage(int who, long ru) {
        if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD) return -EINVAL;
        ByteBuffer b = le(144);
        long cpu = who == RUSAGE_THREAD ? Math.max(0, k.cpuTimeNanos()) : who == RUSAGE_SELF ? processCpu(k) : childrenCpu(k);
        b.putLong(0, cpu / NS).putLong(8, cpu % NS / 1000); // ru_utime; ru_stime stays 0
        if (who != RUSAGE_CHILDREN) {
            b.putLong(32, mm().hiwaterRssPages() * 4); // ru_maxrss in KiB
            b.putLong(64, mm().minorFaults()); // ru_minflt
        }
        return put(ru, b) ? 0 : -EFAULT;
    }

    /** The calling process's CPU time (every thread's). */
    static long processCpu(LinuxKernel k) {
        Task cur = k.current;
        return cur == null ? Math.max(0, k.cpuTimeNanos()) : k.processCpuNanos(cur.leader);
    }

    /** The CPU time of the calling process's waited-for children. */
    static long childrenCpu(LinuxKernel k) {
        Task cur = k.current;
        return cur == null ? 0 : cur.leader.childrenCpu;
    }

    /**
     * A CPU-time clock's reading (posix-cpu-timers): CLOCK_PROCESS_CPUTIME_ID (2), CLOCK_THREAD_CPUTIME_ID
     * (3), or a clock id made by clock_getcpuclockid/pthread_getcpuclockid: ~pid << 3 | per-thread 4 |
     * PROF 0 / VIRT 1 / SCHED 2 (pid 0: the caller). A thread clock must name a thread of the caller's
     * process, a process clock a process; else -1 (EINVAL). All three kinds read the one CPU time lstar
     * keeps (it does not split user from system time).
     */
    static long cpuClock(LinuxKernel k, int clk) {
        if (clk == 2) return processCpu(k);
        if (clk == 3) return Math.max(0, k.cpuTimeNanos());
        if (clk >= 0 || (clk & 3) == 3) return -1;
        int pid = ~(clk >> 3);
        boolean thread = (clk & 4) != 0;
        Task cur = k.current;
        if (cur == null) return pid == 0 ? Math.max(0, k.cpuTimeNanos()) : -1;
        if (pid == 0) return thread ? Math.max(0, k.cpuTimeNanos()) : k.processCpuNanos(cur.leader);
        Task t = k.task(pid);
        if (t == null || t.state == Task.State.DEAD) return -1;
        if (thread) return t.leader == cur.leader ? Math.max(0, k.taskCpuNanos(t)) : -1;
        return t.isLeader() ? k.processCpuNanos(t) : -1;
    }

    /** The jiffies counter: INITIAL_JIFFIES at boot, HZ per second after it. */
    long jiffies() {
        long up = Math.max(0, System.nanoTime() - k.bootNanos);
        return INITIAL_JIFFIES + up / (NS / HZ);
    }

    /** times(buf): struct tms in USER_HZ ticks (buf may be NULL); returns jiffies_64_to_clock_t(jiffies). */
    long times(long buf) {
        if (buf != 0) {
            ByteBuffer b = le(32);
            b.putLong(0, processCpu(k) / (NS / USER_HZ)); // tms_utime; tms_stime 0 (not split)
            b.putLong(16, childrenCpu(k) / (NS / USER_HZ)); // tms_cutime; tms_cstime 0
            if (!put(buf, b)) return -EFAULT;
        }
        return jiffies() * USER_HZ / HZ;
    }

    /**
     * clock_getres(clock, res): 1 ns for the high-resolution clocks (REALTIME, MONOTONIC,
     * MONOTONIC_RAW, BOOTTIME, TAI, the alarm clocks) and the CPU-time clocks (the scheduler's
     * clock), a tick (4 ms at HZ=250) for the COARSE ones; other clock ids EINVAL. res may be NULL.
     */
    long clockGetres(int clk, long res) {
        long ns;
        switch (clk) {
            case 0, 1, 2, 3, 4, 7, 8, 9, 11 -> ns = 1;
            case 5, 6 -> ns = NS / HZ;
            default -> {
                if (clk >= 0 || cpuClock(k, clk) < 0) return -EINVAL;
                ns = (clk & 3) == 2 ? 1 : NS / HZ; // the SCHED clock has 1 ns, PROF and VIRT a tick (posix_cpu_clock_getres)
            }
        }
        if (res == 0) return 0;
        return put(res, le(16).putLong(0, 0).putLong(8, ns)) ? 0 : -EFAULT;
    }

    // ------------------------------------------------------------------ credentials

    /** CAP_SETUID / CAP_SETGID: the guest has them while its effective uid is 0 (only possible when lstar runs as root). */
    private boolean capable() {
        return c.euid == 0;
    }

    private void changed() {
        if (!warnedRoot && Ids.uid() == 0) {
            warnedRoot = true;
            k.config.log().println("lstar: warning: the guest changed its user or group ids; lstar records them, but keeps accessing"
                    + " files with the host's root rights");
        }
    }

    /** setuid/setgid: with the capability all ids change, else the effective (and fs) id may become the real or saved one. */
    long setuid(int id, boolean user) {
        if (id == -1) return -EINVAL; // !uid_valid
        long v = id & 0xFFFF_FFFFL;
        boolean cap = capable();
        long r = user ? c.ruid : c.rgid, s = user ? c.suid : c.sgid;
        if (cap) {
            set(user, v, v, v, v);
        } else if (v == r || v == s) {
            set(user, r, v, s, v);
        } else {
            return -EPERM;
        }
        return 0;
    }

    /** setreuid/setregid: -1 keeps an id; the saved id follows the effective one when the real one is set or the effective one changes from the real. */
    long setreuid(int rid, int eid, boolean user) {
        long r = user ? c.ruid : c.rgid, e = user ? c.euid : c.egid, s = user ? c.suid : c.sgid;
        boolean cap = capable();
        long nr = r, ne = e, ns = s;
        if (rid != -1) {
            nr = rid & 0xFFFF_FFFFL;
            if (nr != r && nr != e && !cap) return -EPERM;
        }
        if (eid != -1) {
            ne = eid & 0xFFFF_FFFFL;
            if (ne != r && ne != e && ne != s && !cap) return -EPERM;
        }
        if (rid != -1 || (eid != -1 && ne != r)) ns = ne;
        set(user, nr, ne, ns, ne);
        return 0;
    }

    /** setresuid/setresgid: -1 keeps an id; each other must be one of the current three unless capable. */
    long setresuid(int rid, int eid, int sid, boolean user) {
        long r = user ? c.ruid : c.rgid, e = user ? c.euid : c.egid, s = user ? c.suid : c.sgid;
        boolean cap = capable();
        long[] want = {rid, eid, sid};
        for (int i = 0; i < 3; i++) {
            if (want[i] == -1) continue;
            long v = want[i] & 0xFFFF_FFFFL;
            if (!cap && v != r && v != e && v != s) return -EPERM;
            want[i] = v;
        }
        long nr = want[0] == -1 ? r : want[0], ne = want[1] == -1 ? e : want[1], ns = want[2] == -1 ? s : want[2];
        set(user, nr, ne, ns, ne);
        return 0;
    }

    /** setfsuid/setfsgid: returns the old fs id; it changes only to one of the others (or anything with the capability). */
    long setfsuid(int id, boolean user) {
        long old = user ? c.fsuid : c.fsgid;
        if (id == -1) return old;
        long v = id & 0xFFFF_FFFFL;
        boolean ok = capable() || (user ? v == c.ruid || v == c.euid || v == c.suid || v == c.fsuid : v == c.rgid || v == c.egid || v == c.sgid || v == c.fsgid);
        if (ok && v != old) {
            if (user) c.fsuid = v; else c.fsgid = v;
            changed();
        }
        return old;
    }

    private void set(boolean user, long r, long e, long s, long fs) {
        if (user) {
            if (r != c.ruid || e != c.euid || s != c.suid) changed();
            c.ruid = r; c.euid = e; c.suid = s; c.fsuid = fs;
        } else {
            if (r != c.rgid || e != c.egid || s != c.sgid) changed();
            c.rgid = r; c.egid = e; c.sgid = s; c.fsgid = fs;
        }
    }

    /** getresuid/getresgid: three put_user, in order (a fault stops at the first bad pointer). */
    long getresuid(long rp, long ep, long sp, long r, long e, long s) {
        long[] p = {rp, ep, sp}, v = {r, e, s};
        for (int i = 0; i < 3; i++) {
            if (!put(p[i], le(4).putInt(0, (int) v[i]))) return -EFAULT;
        }
        return 0;
    }

    /** getgroups(size, list): size 0 asks for the count; a smaller size than the count is EINVAL. */
    long getgroups(int size, long list) {
        if (size < 0) return -EINVAL;
        int n = c.groups.length;
        if (size != 0) {
            if (n > size) return -EINVAL;
            ByteBuffer b = le(n * 4);
            for (int i = 0; i < n; i++) b.putInt(i * 4, (int) c.groups[i]);
            if (n > 0 && !put(list, b)) return -EFAULT;
        }
        return n;
    }

    /** setgroups(size, list): CAP_SETGID only (EPERM), at most NGROUPS_MAX (EINVAL). */
    long setgroups(int size, long list) {
        if (!capable()) return -EPERM;
        if (Integer.compareUnsigned(size, NGROUPS_MAX) > 0) return -EINVAL;
        byte[] b = new byte[size * 4];
        if (size > 0 && !mm().copyFromUser(list, b, 0, b.length)) return -EFAULT;
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long[] g = new long[size];
        for (int i = 0; i < size; i++) g[i] = bb.getInt(i * 4) & 0xFFFF_FFFFL;
        java.util.Arrays.sort(g); // groups_sort
        if (!java.util.Arrays.equals(g, c.groups)) changed();
        c.groups = g;
        return 0;
    }

    // ------------------------------------------------------------------ one CPU

    /**
     * sched_setaffinity(pid, len, mask): the user mask is read first (a shorter one is zero-filled,
     * a longer one cut to cpumask_size(), 8 bytes), then the task (0: the caller; else any thread
     * by its id, ESRCH if none); a mask without any online CPU is EINVAL. A task whose CPU is no
     * longer in its mask moves to the lowest CPU of the mask at its next user-mode stop (the caller:
     * on its way back from this call).
     */
    long schedSetaffinity(int pid, long len, long mask) {
        int n = (int) Math.min(len, 8);
        byte[] b = new byte[8];
        if (n > 0 && !mm().copyFromUser(mask, b, 0, n)) return -EFAULT;
        Task t = pid == 0 ? k.current : k.task(pid);
        if (t == null || !t.alive()) return -ESRCH;
        long online = k.cpus.length >= 64 ? -1L : (1L << k.cpus.length) - 1;
        long want = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong() & online;
        if (want == 0) return -EINVAL;
        t.affinity = want;
        PerCpu home = t.home;
        if (home != null && (want & (1L << home.id)) == 0) {
            t.migrateTo = k.cpus[Long.numberOfTrailingZeros(want)];
            if (t == k.current) k.cur.machine.requestStop(Scheduler.MIGRATE_MESSAGE);
            else k.kick(t, Scheduler.MIGRATE_MESSAGE);
        }
        return 0;
    }

    /** getcpu(cpu, node, tcache): the calling task's CPU on node 0; either pointer may be NULL. */
    long getcpu(long cpu, long node) {
        if (cpu != 0 && !put(cpu, le(4).putInt(0, k.cur.id))) return -EFAULT;
        if (node != 0 && !put(node, le(4))) return -EFAULT;
        return 0;
    }

    /** get_robust_list(pid, head_ptr, len_ptr): the head set_robust_list stored; the length (24) is written first. */
    long getRobustList(int pid, long headPtr, long lenPtr) {
        if (!self(pid)) return -ESRCH;
        if (!mm().putUser64(lenPtr, 24)) return -EFAULT;
        return mm().putUser64(headPtr, k.current.robustList) ? 0 : -EFAULT;
    }
}

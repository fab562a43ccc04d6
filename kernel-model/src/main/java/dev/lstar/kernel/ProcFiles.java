package dev.lstar.kernel;

import dev.lstar.kernel.elf.ElfFile;
import dev.lstar.kernel.elf.ProgramHeader;
import dev.lstar.kernel.vfs.FdTable;
import dev.lstar.kernel.vfs.OpenFile;
import dev.lstar.kernel.vfs.Stat;
import dev.lstar.kernel.vfs.Vfs;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The generated files of /proc/PID for the one process (fs/proc/base.c, array.c, fd.c of Linux
 * 6.6): maps and auxv (from {@link UserProcess}), cmdline and environ (read from the guest's
 * stack between mm's arg_start/arg_end and env_start/env_end, as get_mm_cmdline does, so a
 * program that rewrites its argv strings sees the change), comm, stat, statm, status and
 * fdinfo/N. Each is a snapshot made at open, as seq_file's first read makes one.
 */
final class ProcFiles implements Vfs.Proc {
    /** USER_HZ: the clock ticks of /proc/PID/stat. */
    static final long USER_HZ = 100;
    /** CAP_LAST_CAP of 6.6 (CAP_CHECKPOINT_RESTORE = 40): the full capability set. */
    static final long CAP_FULL = (1L << 41) - 1;

    private final LinuxKernel k;
    private final UserProcess p;
    /** The process's (first) task, once it exists; its state, descriptors and signals are what the files show. */
    Task task;
    /** The view of one thread (/proc/PID/task/TID): its own tid, name, state, CPU time and signals. */
    private boolean threadView;
    /** mm's start_code, end_code, start_data, end_data (load_elf_binary: code from the PF_X PT_LOAD segments, data from all). */
    private final long startCode, endCode, startData, endData;

    ProcFiles(LinuxKernel k, UserProcess p) {
        this.k = k;
        this.p = p;
        long sc = -1, ec = 0, sd = 0, ed = 0;
        ElfFile elf = p.elf;
        for (ProgramHeader ph : elf.loadSegments()) {
            long v = ph.vaddr();
            if (ph.executable() && Long.compareUnsigned(v, sc) < 0) sc = v;
            long end = v + ph.filesz();
            if (ph.executable() && Long.compareUnsigned(ec, end) < 0) ec = end;
            if (Long.compareUnsigned(sd, v) < 0) sd = v;
            if (Long.compareUnsigned(ed, end) < 0) ed = end;
        }
        if (sc == -1) sc = 0;
        startCode = sc + p.loadBias;
        endCode = ec + p.loadBias;
        startData = sd + p.loadBias;
        endData = ed + p.loadBias;
    }

    @Override public int pid() { return p.pid; }

    /** The leader (a zombie while other threads go on) and the live threads, ascending. */
    private java.util.List<Task> threads() {
        Task leader = t().leader;
        java.util.List<Task> all = new java.util.ArrayList<>();
        synchronized (k.tasks) {
            if (leader.state != Task.State.DEAD) all.add(leader);
            for (Task o : leader.group) if (o != leader) all.add(o);
        }
        all.sort((a, b) -> Integer.compare(a.tid, b.tid));
        return all;
    }

    @Override public int[] tids() {
        java.util.List<Task> all = threads();
        if (all.isEmpty()) return new int[] {p.pid};
        int[] r = new int[all.size()];
        for (int i = 0; i < r.length; i++) r[i] = all.get(i).tid;
        return r;
    }

    @Override public Vfs.Proc thread(int tid) {
        if (task == null) return tid == p.pid ? this : null;
        for (Task o : threads()) {
            if (o.tid == tid) {
                if (threadView && o == task) return this;
                ProcFiles v = new ProcFiles(this, o);
                return v;
            }
        }
        return null;
    }

    @Override public int currentTid() {
        Task c = k.current;
        return c != null && c.tgid == p.pid ? c.tid : p.pid;
    }

    /**
     * comm_write (fs/proc/base.c): the first 15 bytes written (up to a NUL; a newline is kept, as
     * Linux keeps it) become the name of the task the file names — the process's leader for
     * /proc/PID/comm, the thread for /proc/PID/task/TID/comm — if the writer is a thread of the
     * same process, else EINVAL. The whole count is reported written.
     */
    @Override public int writeComm(byte[] b, int off, int len) {
        Task target = threadView ? task : t().leader;
        Task me = k.current;
        if (me == null || target == null || me.tgid != target.tgid) throw new dev.lstar.kernel.vfs.SysError(Errno.EINVAL);
        int n = 0;
        while (n < Math.min(len, 15) && b[off + n] != 0) n++;
        String name = new String(b, off, n, StandardCharsets.ISO_8859_1);
        if (target.isLeader()) target.process.comm = name;
        else target.comm = name;
        return len;
    }

    /** A thread's view of the same process. */
    private ProcFiles(ProcFiles of, Task thread) {
        this.k = of.k;
        this.p = of.p;
        this.startCode = of.startCode;
        this.endCode = of.endCode;
        this.startData = of.startData;
        this.endData = of.endData;
        this.task = thread;
        this.threadView = true;
    }

    /** The id the files show in their pid fields: the thread's in a thread view, else the process's. */
    private int shownPid() {
        return threadView ? task.tid : p.pid;
    }

    /** The name: the thread's own in a thread view, else the process's (its leader's). */
    private String comm() {
        return threadView ? TaskSyscalls.comm(task) : p.comm;
    }

    @Override public FdTable fds() { return t().fds != null ? t().fds : k.fds(); }

    @Override public String exePath() { return t().vfs != null ? t().vfs.exePath : null; }

    @Override public String cwd() { return t().vfs != null ? t().vfs.cwd() : null; }

    /** The task these files describe (the current one until the kernel sets it). */
    private Task t() {
        Task t = task;
        return t != null ? t : k.current != null ? k.current : new Task(p.pid, null, 0, 0);
    }

    /** The task's state letter: R running (or runnable), S sleeping, T stopped, Z zombie. */
    private char state() {
        Task t = t();
        if (t.state == Task.State.ZOMBIE || t.state == Task.State.DEAD) return 'Z';
        if (t.leader.stopped) return 'T';
        return t.state == Task.State.SLEEPING ? 'S' : 'R';
    }

    private static String stateName(char c) {
        return switch (c) {
            case 'S' -> "S (sleeping)";
            case 'T' -> "T (stopped)";
            case 'Z' -> "Z (zombie)";
            default -> "R (running)";
        };
    }

    private Signals sig() {
        Signals s = t().signals;
        return s != null ? s : k.signals;
    }

    @Override public byte[] content(Vfs.Special kind, int fd) {
        return switch (kind) {
            case PROC_SELF_MAPS -> p.mapsText();
            case PROC_SELF_AUXV -> p.auxvBytes();
            case PROC_CMDLINE -> cmdline();
            case PROC_ENVIRON -> guest(p.envStart, p.envEnd);
            case PROC_COMM -> (comm() + "\n").getBytes(StandardCharsets.ISO_8859_1);
            case PROC_STAT -> stat().getBytes(StandardCharsets.ISO_8859_1);
            case PROC_STATM -> statm().getBytes(StandardCharsets.ISO_8859_1);
            case PROC_STATUS -> status().getBytes(StandardCharsets.ISO_8859_1);
            case PROC_FDINFO -> fdinfo(fd).getBytes(StandardCharsets.ISO_8859_1);
            default -> new byte[0];
        };
    }

    /** Guest memory [from, to) as far as it is readable (access_remote_vm stops at the first hole). */
    private byte[] guest(long from, long to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] b = new byte[4096];
        long at = from;
        while (at < to) {
            int n = (int) Math.min(b.length - (at & 4095), to - at); // one page at a time
            if (!p.mm.readRemote(at, b, 0, n)) break; // through the process's own page tables (access_remote_vm)
            out.write(b, 0, n);
            at += n;
        }
        return out.toByteArray();
    }

    /**
     * get_mm_cmdline: the argv strings [arg_start, arg_end); if the byte before arg_end is no
     * longer NUL (setproctitle overwrote it), the string from arg_start up to its first NUL,
     * which may run on into the environment area.
     */
    private byte[] cmdline() {
        byte[] args = guest(p.argStart, p.argEnd);
        if (args.length == 0 || args[args.length - 1] == 0) return args;
        byte[] all = guest(p.argStart, p.envEnd);
        int n = 0;
        while (n < all.length && all[n] != 0) n++;
        return java.util.Arrays.copyOf(all, n);
    }

    /** The process's CPU time (every thread's) in USER_HZ ticks. */
    private long utimeTicks() {
        if (threadView) return Math.max(0, k.taskCpuNanos(task)) / (1_000_000_000L / USER_HZ);
        return Math.max(0, task != null ? k.processCpuNanos(task.leader) : k.cpuTimeNanos()) / (1_000_000_000L / USER_HZ);
    }

    /** Its waited-for children's CPU time in USER_HZ ticks. */
    private long cutimeTicks() {
        return task != null ? task.leader.childrenCpu / (1_000_000_000L / USER_HZ) : 0;
    }

    private long startTicks() {
        return Math.max(0, p.startNanos - k.bootNanos) / (1_000_000_000L / USER_HZ);
    }

    /** fs/proc/array.c do_task_stat: the 52 fields; kstkesp/kstkeip 0, no blocked I/O accounting. */
    String stat() {
        Signals s = sig();
        Task t = t();
        AddressSpace mm = p.mm;
        long rsslim = k.limits.soft(ResourceLimits.RLIMIT_RSS);
        long ign = 0, cgt = 0;
        for (int n = 1; n <= Signal.NSIG; n++) {
            if (s.handler[n] == Signals.SIG_IGN) ign |= Signal.bit(n);
            else if (s.handler[n] != Signals.SIG_DFL) cgt |= Signal.bit(n);
        }
        StringBuilder b = new StringBuilder();
        b.append(shownPid()).append(" (").append(comm()).append(") ").append(state()).append(' ').append(TaskSyscalls.ppid(t))
                .append(' ').append(t.leader.pgid).append(' ').append(t.leader.sid)
                .append(" 0 -1 ").append(p.randomized ? 0x400000 : 0).append(' ') // tty_nr, tpgid, flags (PF_RANDOMIZE)
                .append(mm.minorFaults()).append(" 0 0 0 ") // minflt cminflt majflt cmajflt
                .append(utimeTicks()).append(" 0 ").append(cutimeTicks()).append(" 0 ") // utime stime cutime cstime: all CPU time is user time
                .append("20 0 ").append(Math.max(1, t.leader.group.size())).append(" 0 ") // priority nice num_threads itrealvalue
                .append(startTicks()).append(' ')
                .append(mm.totalVmPages() * 4096).append(' ').append(mm.rssPages()).append(' ').append(Long.toUnsignedString(rsslim)).append(' ')
                .append(Long.toUnsignedString(startCode)).append(' ').append(Long.toUnsignedString(endCode)).append(' ')
                .append(Long.toUnsignedString(p.initialSp)).append(" 0 0 ") // startstack kstkesp kstkeip
                .append(s.ownPending() & 0x7fffffffL).append(' ').append(s.blocked & 0x7fffffffL).append(' ')
                .append(ign & 0x7fffffffL).append(' ').append(cgt & 0x7fffffffL)
                .append(" 0 0 0 17 0 0 0 0 0 0 ") // wchan nswap cnswap exit_signal processor rt_priority policy blkio guest cguest
                .append(Long.toUnsignedString(startData)).append(' ').append(Long.toUnsignedString(endData)).append(' ')
                .append(Long.toUnsignedString(mm.startBrk)).append(' ')
                .append(Long.toUnsignedString(p.argStart)).append(' ').append(Long.toUnsignedString(p.argEnd)).append(' ')
                .append(Long.toUnsignedString(p.envStart)).append(' ').append(Long.toUnsignedString(p.envEnd)).append(" 0\n");
        return b.toString();
    }

    /** proc_pid_statm: size resident shared text lib data dt, in pages (shared: lstar does not tell file pages apart: 0). */
    String statm() {
        AddressSpace mm = p.mm;
        long text = ((endCode + 4095) & ~4095L) - (startCode & ~4095L) >>> 12;
        return mm.totalVmPages() + " " + mm.rssPages() + " 0 " + text + " 0 " + mm.dataVmPages() + " 0\n";
    }

    private static String hex16(long v) {
        return String.format("%016x", v);
    }

    private static String kb(long pages) {
        return String.format("%8d kB", pages * 4);
    }

    /** fs/proc/array.c proc_pid_status with the lines a libc, busybox or procps read; the fields lstar does not track are listed in ARCHITECTURE.md. */
    String status() {
        Signals s = sig();
        Task t = t();
        AddressSpace mm = p.mm;
        ProcessSyscalls.Cred cr = t.cred != null ? t.cred : k.creds != null ? k.creds.c : null;
        long[] uid = cr != null ? new long[] {cr.ruid, cr.euid, cr.suid, cr.fsuid} : new long[] {Ids.uid(), Ids.uid(), Ids.uid(), Ids.uid()};
        long[] gid = cr != null ? new long[] {cr.rgid, cr.egid, cr.sgid, cr.fsgid} : new long[] {Ids.gid(), Ids.gid(), Ids.gid(), Ids.gid()};
        long[] groups = cr != null ? cr.groups.clone() : new long[0];
        long ign = 0, cgt = 0;
        for (int n = 1; n <= Signal.NSIG; n++) {
            if (s.handler[n] == Signals.SIG_IGN) ign |= Signal.bit(n);
            else if (s.handler[n] != Signals.SIG_DFL) cgt |= Signal.bit(n);
        }
        long caps = uid[1] == 0 ? CAP_FULL : 0;
        long text = (((endCode + 4095) & ~4095L) - (startCode & ~4095L)) >>> 12;
        long stackPages = 0;
        for (Vma v : mm.vmas()) if ("[stack]".equals(v.name)) stackPages += (v.end - v.start) >>> 12;
        StringBuilder b = new StringBuilder();
        b.append("Name:\t").append(comm()).append('\n');
        b.append("Umask:\t").append(String.format("%04o", (t.vfs != null ? t.vfs : k.vfs()).umask)).append('\n');
        b.append("State:\t").append(stateName(state())).append('\n');
        b.append("Tgid:\t").append(p.pid).append("\nNgid:\t0\nPid:\t").append(shownPid()).append("\nPPid:\t").append(TaskSyscalls.ppid(t))
                .append("\nTracerPid:\t0\n");
        b.append("Uid:\t").append(uid[0]).append('\t').append(uid[1]).append('\t').append(uid[2]).append('\t').append(uid[3]).append('\n');
        b.append("Gid:\t").append(gid[0]).append('\t').append(gid[1]).append('\t').append(gid[2]).append('\t').append(gid[3]).append('\n');
        b.append("FDSize:\t").append(fds().maxFds()).append('\n');
        b.append("Groups:\t");
        for (long g : groups) b.append(g).append(' ');
        b.append('\n');
        b.append("NStgid:\t").append(p.pid).append("\nNSpid:\t").append(shownPid()).append("\nNSpgid:\t").append(t.leader.pgid)
                .append("\nNSsid:\t").append(t.leader.sid).append("\nKthread:\t0\n");
        b.append("VmPeak:\t").append(kb(mm.totalVmPages())).append('\n'); // no peak kept: the current size
        b.append("VmSize:\t").append(kb(mm.totalVmPages())).append('\n');
        b.append("VmLck:\t").append(kb(0)).append("\nVmPin:\t").append(kb(0)).append('\n');
        b.append("VmHWM:\t").append(kb(mm.hiwaterRssPages())).append('\n');
        b.append("VmRSS:\t").append(kb(mm.rssPages())).append('\n');
        b.append("RssAnon:\t").append(kb(mm.rssPages())).append("\nRssFile:\t").append(kb(0)).append("\nRssShmem:\t").append(kb(0)).append('\n');
        b.append("VmData:\t").append(kb(mm.dataVmPages())).append('\n');
        b.append("VmStk:\t").append(kb(stackPages)).append('\n');
        b.append("VmExe:\t").append(kb(text)).append('\n');
        b.append("VmLib:\t").append(kb(0)).append("\nVmPTE:\t").append(kb(0)).append("\nVmSwap:\t").append(kb(0)).append('\n');
        b.append("HugetlbPages:\t").append(kb(0)).append('\n');
        b.append("CoreDumping:\t0\nTHP_enabled:\t1\n");
        b.append("Threads:\t").append(Math.max(1, t.leader.group.size())).append('\n');
        b.append("SigQ:\t").append(Long.bitCount(s.pending())).append('/').append(k.limits.soft(ResourceLimits.RLIMIT_SIGPENDING)).append('\n');
        b.append("SigPnd:\t").append(hex16(s.ownPending())).append('\n');
        b.append("ShdPnd:\t").append(hex16(s.sharedPending())).append('\n');
        b.append("SigBlk:\t").append(hex16(s.blocked)).append('\n');
        b.append("SigIgn:\t").append(hex16(ign)).append('\n');
        b.append("SigCgt:\t").append(hex16(cgt)).append('\n');
        b.append("CapInh:\t").append(hex16(0)).append('\n');
        b.append("CapPrm:\t").append(hex16(caps)).append('\n');
        b.append("CapEff:\t").append(hex16(caps)).append('\n');
        b.append("CapBnd:\t").append(hex16(CAP_FULL)).append('\n');
        b.append("CapAmb:\t").append(hex16(0)).append('\n');
        b.append("NoNewPrivs:\t").append(p.noNewPrivs ? 1 : 0).append("\nSeccomp:\t0\nSeccomp_filters:\t0\n");
        b.append("Cpus_allowed:\t1\nCpus_allowed_list:\t0\n");
        b.append("Mems_allowed:\t").append("00000000,".repeat(31)).append("00000001\nMems_allowed_list:\t0\n");
        b.append("voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
        return b.toString();
    }

    /** fs/proc/fd.c seq_show: pos, flags (octal, O_CLOEXEC from the descriptor table), mnt_id (lstar has one mount: 1), ino. */
    String fdinfo(int fd) {
        FdTable t = fds();
        OpenFile f = t.get(fd);
        int flags = f.flags | (t.closeOnExec(fd) ? OpenFile.O_CLOEXEC : 0);
        long ino;
        try {
            Stat st = f.stat(k.vfs());
            ino = st.ino();
        } catch (RuntimeException e) {
            ino = 0;
        }
        return "pos:\t" + f.position() + "\nflags:\t0" + Integer.toOctalString(flags) + "\nmnt_id:\t1\nino:\t" + ino + "\n";
    }
}

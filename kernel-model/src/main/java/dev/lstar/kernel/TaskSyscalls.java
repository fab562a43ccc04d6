package dev.lstar.kernel;

import static dev.lstar.kernel.Errno.*;

import dev.lstar.kernel.elf.ElfException;
import dev.lstar.kernel.vfs.SysError;
import dev.lstar.kernel.vfs.Vfs;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.ops.X87;
import dev.lstar.runtime.setup.Gdt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Processes (kernel/fork.c, kernel/exit.c, fs/exec.c, kernel/sys.c of Linux 6.6): fork, vfork,
 * clone and clone3 in their process forms, execve and execveat (ELF executables, static or
 * dynamic, and {@code #!} scripts), exit and exit_group, wait4 and waitid with zombies and
 * SIGCHLD, the re-parenting of orphans to init (the initial process, pid 1 of lstar's pid
 * namespace), getppid, gettid, set_tid_address, and process groups and sessions.
 *
 * <p>A forked child gets a copy-on-write copy of the address space
 * ({@link AddressSpace#copyInto}), a copy of the descriptor table (the same open file
 * descriptions), of the file-system context and of the signal actions, and starts in user mode
 * right after the system call with RAX = 0, as ret_from_fork leaves it; it runs on a host thread
 * of its own and takes turns with the others on the CPU ({@link Scheduler}). Threads
 * (CLONE_THREAD) are not modelled yet: such a clone is -ENOSYS with a warning, and glibc's
 * pthread_create then fails with EAGAIN.
 */
final class TaskSyscalls {
    static final long CSIGNAL = 0xff, CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800,
            CLONE_PIDFD = 0x1000, CLONE_PTRACE = 0x2000, CLONE_VFORK = 0x4000, CLONE_PARENT = 0x8000,
            CLONE_THREAD = 0x10000, CLONE_NEWNS = 0x20000, CLONE_SYSVSEM = 0x40000, CLONE_SETTLS = 0x80000,
            CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_CLEARTID = 0x200000, CLONE_DETACHED = 0x400000,
            CLONE_UNTRACED = 0x800000, CLONE_CHILD_SETTID = 0x1000000, CLONE_NEWCGROUP = 0x2000000,
            CLONE_NEWUTS = 0x4000000, CLONE_NEWIPC = 0x8000000, CLONE_NEWUSER = 0x10000000, CLONE_NEWPID = 0x20000000,
            CLONE_NEWNET = 0x40000000, CLONE_IO = 0x80000000L, CLONE_CLEAR_SIGHAND = 0x100000000L,
            CLONE_INTO_CGROUP = 0x200000000L;
    static final long NAMESPACES = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;
    static final int WNOHANG = 1, WUNTRACED = 2, WSTOPPED = 2, WEXITED = 4, WCONTINUED = 8, WNOWAIT = 0x0100_0000,
            WNOTHREAD = 0x2000_0000, WALL = 0x4000_0000, WCLONE = 0x8000_0000;
    static final int P_ALL = 0, P_PID = 1, P_PGID = 2, P_PIDFD = 3;
    static final int CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_STOPPED = 5, CLD_CONTINUED = 6;
    static final int AT_EMPTY_PATH = 0x1000, AT_SYMLINK_NOFOLLOW = 0x100;
    /** binfmt_script: at most this many levels of #! interpreters (Linux's 4 rounds of search_binary_handler... 5 with the first). */
    static final int MAX_INTERPRETER_DEPTH = 4;
    /** BINPRM_BUF_SIZE: the #! line is read from the first 256 bytes. */
    static final int BINPRM_BUF_SIZE = 256;
    /** MAX_ARG_STRINGS and the default ARG_MAX (a quarter of an 8 MiB stack). */
    static final int MAX_ARG_STRINGS = 0x7FFFFFFF;
    static final long ARG_MAX = 2L << 20;

    private final LinuxKernel k;
    private final java.util.Set<String> warned = new java.util.HashSet<>();

    TaskSyscalls(LinuxKernel k) {
        this.k = k;
    }

    void register(SyscallTable t) {
        t.x64(56, "clone", "Cpppx", (a, b, c, d, e, f) -> clone(a, b, c, d, e, 0));
        t.x64(57, "fork", "", (a, b, c, d, e, f) -> clone(Signal.SIGCHLD.number, 0, 0, 0, 0, 0));
        t.x64(58, "vfork", "", (a, b, c, d, e, f) -> clone(CLONE_VM | CLONE_VFORK | Signal.SIGCHLD.number, 0, 0, 0, 0, 0));
        t.x64(435, "clone3", "pu", (a, b, c, d, e, f) -> clone3(a, b));
        t.x64(59, "execve", "spp", (a, b, c, d, e, f) -> execve(FileSyscalls.AT_FDCWD, a, b, c, 0));
        t.x64(322, "execveat", "dsppa", (a, b, c, d, e, f) -> execve((int) a, b, c, d, (int) e));
        t.x64(60, "exit", "i", (a, b, c, d, e, f) -> exit((int) a));
        t.x64(231, "exit_group", "i", (a, b, c, d, e, f) -> exitGroup((int) a));
        t.x64(61, "wait4", "ipWp", (a, b, c, d, e, f) -> wait4((int) a, b, (int) c, d));
        t.x64(247, "waitid", "iipWp", (a, b, c, d, e, f) -> waitid((int) a, (int) b, c, (int) d, e));
        t.x64(39, "getpid", "", (a, b, c, d, e, f) -> k.current.tgid);
        t.x64(110, "getppid", "", (a, b, c, d, e, f) -> ppid(k.current));
        t.x64(186, "gettid", "", (a, b, c, d, e, f) -> k.current.tid);
        t.x64(218, "set_tid_address", "p", (a, b, c, d, e, f) -> { k.current.clearChildTid = a; return k.current.tid; });
        t.x64(109, "setpgid", "ii", (a, b, c, d, e, f) -> setpgid((int) a, (int) b));
        t.x64(111, "getpgrp", "", (a, b, c, d, e, f) -> k.current.leader.pgid);
        t.x64(112, "setsid", "", (a, b, c, d, e, f) -> setsid());
        t.x64(121, "getpgid", "i", (a, b, c, d, e, f) -> getpgid((int) a, false));
        t.x64(124, "getsid", "i", (a, b, c, d, e, f) -> getpgid((int) a, true));
        t.ia32(1, "exit", 1, (a, b, c, d, e, f) -> exit((int) a));
        t.ia32(252, "exit_group", 1, (a, b, c, d, e, f) -> exitGroup((int) a));
        t.ia32(20, "getpid", 0, (a, b, c, d, e, f) -> k.current.tgid);
        t.ia32(224, "gettid", 0, (a, b, c, d, e, f) -> k.current.tid);
    }

    private void warnOnce(String what) {
        if (warned.add(what)) k.config.log().println("lstar: warning: " + what);
    }

    private long regs() {
        return k.syscalls.currentRegs();
    }

    private AddressSpace mm() {
        return k.process.mm;
    }

    static int ppid(Task t) {
        Task parent = t.leader.parent;
        return parent == null ? 0 : parent.tgid;
    }

    // ------------------------------------------------------------------ fork, vfork, clone, clone3

    /**
     * clone3(args, size): struct clone_args (at least CLONE_ARGS_SIZE_VER0, 64 bytes; unknown
     * trailing bytes must be zero): flags, pidfd, child_tid, parent_tid, exit_signal, stack,
     * stack_size, tls, set_tid, set_tid_size, cgroup.
     */
    long clone3(long uargs, long size) {
        if (size < 64 || size > 4096) return -EINVAL;
        byte[] b = new byte[(int) size];
        if (!mm().copyFromUser(uargs, b, 0, b.length)) return -EFAULT;
        for (int i = 88; i < b.length; i++) if (b[i] != 0) return -E2BIG;
        ByteBuffer a = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long flags = a.getLong(0), childTid = a.getLong(16), parentTid = a.getLong(24), exitSignal = a.getLong(32),
                stack = a.getLong(40), stackSize = a.getLong(48), tls = a.getLong(56);
        long setTidSize = size >= 80 ? a.getLong(72) : 0;
        if ((flags & CSIGNAL) != 0 || Long.compareUnsigned(exitSignal, Signal.NSIG) > 0) return -EINVAL;
        if ((flags & (CLONE_DETACHED | CLONE_INTO_CGROUP)) != 0 || setTidSize != 0) {
            warnOnce("clone3 with set_tid or CLONE_INTO_CGROUP is not modelled: returning -EINVAL");
            return -EINVAL;
        }
        if ((stack == 0) != (stackSize == 0)) return -EINVAL;
        long sp = stack == 0 ? 0 : stack + stackSize;
        return clone(flags | exitSignal, sp, parentTid, childTid, tls, 3);
    }

    /**
     * kernel_clone for fork, vfork, clone and clone3 ({@code version} 3): copy_process's flag
     * checks, then the child task. Returns the child's pid to the parent.
     */
    long clone(long flags, long newsp, long parentTid, long childTid, long tls, int version) {
        if (version != 3) flags &= 0xFFFF_FFFFL;
        if ((flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS)) return -EINVAL;
        if ((flags & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS)) return -EINVAL;
        if ((flags & CLONE_THREAD) != 0 && (flags & CLONE_SIGHAND) == 0) return -EINVAL;
        if ((flags & CLONE_SIGHAND) != 0 && (flags & CLONE_VM) == 0) return -EINVAL;
        if ((flags & CLONE_PARENT) != 0 && k.current == k.initTask) return -EINVAL; // init's siblings would be outside the namespace
        if (version != 3 && (flags & CLONE_PIDFD) != 0 && (flags & CLONE_PARENT_SETTID) != 0) return -EINVAL;
        if ((flags & NAMESPACES) != 0) {
            warnOnce("clone with namespace flags (0x" + Long.toHexString(flags & NAMESPACES) + ") is not modelled: returning -EINVAL");
            return -EINVAL;
        }
        if ((flags & CLONE_PIDFD) != 0) {
            warnOnce("clone with CLONE_PIDFD is not modelled: returning -EINVAL");
            return -EINVAL;
        }
        boolean thread = (flags & CLONE_THREAD) != 0;
        if ((flags & CLONE_CLEAR_SIGHAND) != 0 && (flags & CLONE_SIGHAND) != 0) return -EINVAL;
        int exitSignal = (int) (flags & CSIGNAL);
        if (exitSignal > Signal.NSIG) return -EINVAL;
        Task parent = k.current;
        int pid = k.allocPid();
        Task child = k.newTask(pid);
        child.affinity = parent.affinity; // fork and clone inherit the CPU mask
        if (thread) return cloneThread(parent, child, flags, newsp, parentTid, childTid, tls);
        // the address space: shared (CLONE_VM: vfork, or a process that shares memory) or copied
        AddressSpace cmm;
        if ((flags & CLONE_VM) != 0) {
            cmm = mm();
            cmm.users++;
        } else {
            cmm = k.newMm();
            mm().copyInto(cmm);
        }
        UserProcess cp = k.process.forkCopy(cmm, pid);
        child.process = cp;
        child.parent = (flags & CLONE_PARENT) != 0 ? parent.leader.parent : parent.leader;
        child.parent.children.add(child);
        child.pgid = parent.leader.pgid; // a process's group and session are its leader's (a thread's own are not kept up to date)
        child.sid = parent.leader.sid;
        child.exitSignal = exitSignal;
        shareOrCopyFiles(parent, child, flags);
        if (child.vfs != parent.vfs) {
            ProcFiles pf = new ProcFiles(k, cp);
            pf.task = child;
            child.vfs.proc = pf;
        }
        // CLONE_SIGHAND (with CLONE_VM, checked above): the same sigactions, its own pending sets and mask
        child.signals = (flags & CLONE_SIGHAND) != 0 ? parent.signals.sighandCopy(child, (flags & CLONE_VFORK) != 0)
                : parent.signals.forkCopy(child);
        if ((flags & CLONE_CLEAR_SIGHAND) != 0) child.signals.clearHandlers();
        child.limits = parent.limits.forkCopy();
        child.cred = parent.cred != null ? parent.cred.copy() : null;
        if ((flags & CLONE_VM) == 0) cmm.limits = child.limits;
        child.timers = new SignalSyscalls.Timers(k, child);
        // RLIMIT_CPU is inherited and the child's CPU time starts at 0: its own check, re-armed by its setrlimit
        child.limits.cpuLimitChanged = child.timers::cpuLimitChanged;
        child.timers.cpuLimitChanged();
        child.robustList = 0;
        if ((flags & CLONE_CHILD_SETTID) != 0) child.setChildTid = childTid;
        if ((flags & CLONE_CHILD_CLEARTID) != 0) child.clearChildTid = childTid;
        initChildRegisters(child, cmm, newsp, (flags & CLONE_SETTLS) != 0 ? tls : -1);
        if ((flags & CLONE_PARENT_SETTID) != 0) {
            byte[] tid = le32(pid);
            mm().copyToUser(parentTid, tid, 0, 4);
        }
        if ((flags & CLONE_VFORK) != 0) child.vforkParent = parent;
        k.startTask(child);
        if ((flags & CLONE_VFORK) != 0) {
            // wait_for_vfork_done: killable only, until the child execs or exits
            while (!child.vforkDone && !parent.killed) {
                k.sched.sleep(parent, child, Long.MAX_VALUE, "a vfork child (pid " + pid + ") to exec or exit",
                        () -> child.vforkDone, false);
            }
        }
        return pid;
    }

    /** A thread's name (task->comm): its own for a non-leader thread that has one, else the process's. */
    static String comm(Task t) {
        return t != t.leader && t.comm != null ? t.comm : t.process.comm;
    }

    /**
     * A new thread of the caller's process (CLONE_THREAD, with CLONE_VM and CLONE_SIGHAND): the
     * same process image and address space, the same actions (its own blocked mask and pending
     * set), the process's timers; descriptors and file-system context shared or copied as the
     * flags say. It gets no exit signal: its end is seen through CLONE_CHILD_CLEARTID.
     */
    private long cloneThread(Task parent, Task child, long flags, long newsp, long parentTid, long childTid, long tls) {
        Task leader = parent.leader;
        child.group.clear();
        child.leader = leader;
        child.tgid = leader.tgid;
        child.parent = null;
        child.pgid = leader.pgid;
        child.sid = leader.sid;
        child.exitSignal = -1;
        child.process = k.process;
        child.comm = comm(parent); // copy_process copies the creating thread's name
        mm().users++;
        shareOrCopyFiles(parent, child, flags);
        if (child.vfs != parent.vfs) child.vfs.proc = parent.vfs.proc;
        child.signals = parent.signals.threadCopy(child);
        child.limits = parent.limits;
        child.cred = parent.cred;
        child.timers = parent.timers;
        if ((flags & CLONE_CHILD_SETTID) != 0) child.setChildTid = childTid;
        if ((flags & CLONE_CHILD_CLEARTID) != 0) child.clearChildTid = childTid;
        initChildRegisters(child, mm(), newsp, (flags & CLONE_SETTLS) != 0 ? tls : -1);
        if ((flags & CLONE_PARENT_SETTID) != 0) mm().copyToUser(parentTid, le32(child.tid), 0, 4);
        synchronized (k.tasks) {
            leader.group.add(child);
        }
        k.startTask(child);
        return child.tid;
    }

    /** copy_files and copy_fs: the descriptor table and the file-system context, shared (CLONE_FILES, CLONE_FS) or copied. */
    private static void shareOrCopyFiles(Task parent, Task child, long flags) {
        if ((flags & CLONE_FILES) != 0) {
            child.fds = parent.fds;
            child.fds.users++;
        } else {
            child.fds = parent.fds.copy();
        }
        child.vfs = (flags & CLONE_FS) != 0 ? parent.vfs : parent.vfs.forkCopy();
    }

    /**
     * The child's registers as ret_from_fork returns to user mode with them: the parent's user
     * registers from pt_regs with RAX = 0, the new stack if one was given, the TLS if asked, the
     * user GS base, and the child's own address space (user CR3).
     */
    private void initChildRegisters(Task child, AddressSpace cmm, long newsp, long tls) {
        Cpu cpu = k.cpu(), c = child.saved;
        long regs = regs();
        c.copyStateFrom(cpu);
        int[] off = {PtRegs.AX, PtRegs.CX, PtRegs.DX, PtRegs.BX, PtRegs.SP, PtRegs.BP, PtRegs.SI, PtRegs.DI,
            PtRegs.R8, PtRegs.R9, PtRegs.R10, PtRegs.R11, PtRegs.R12, PtRegs.R13, PtRegs.R14, PtRegs.R15};
        for (int i = 0; i < 16; i++) c.r[i] = cpu.mmu.readSys64(regs + off[i]);
        c.r[Cpu.RAX] = 0;
        if (newsp != 0) c.r[Cpu.RSP] = newsp;
        c.rip = cpu.mmu.readSys64(regs + PtRegs.IP);
        c.setRflags(cpu.mmu.readSys64(regs + PtRegs.FLAGS));
        Gdt.enterRing(c, 3);
        // in the kernel, GS.base is the per-CPU area and KERNEL_GS_BASE the user's (after swapgs)
        c.segBase[Cpu.GS] = cpu.kernelGsBase;
        c.kernelGsBase = cpu.segBase[Cpu.GS];
        if (tls != -1) c.segBase[Cpu.FS] = tls;
        c.cr3 = cmm.userCr3(0);
        c.halted = false;
        c.debugTrapPending = false;
    }

    // ------------------------------------------------------------------ exit

    /** exit_group: the process ends, every thread of it. */
    long exitGroup(int code) {
        k.exitProcess(code);
        return 0;
    }

    /** exit: the calling thread ends; when it is the process's last, the process ends with {@code code}. */
    long exit(int code) {
        Task t = k.current;
        if (t.leader.group.size() <= 1) return exitGroup(code);
        k.setExit(ExitStatus.exited(code));
        k.cur.machine.requestStop("exit(" + code + ")");
        return 0;
    }

    /**
     * do_exit for task {@code t}, which holds the CPU: its robust futexes and clear_child_tid
     * word are released, the vfork parent let go, the descriptors and the address space dropped
     * (the last user frees them). If other threads of its process go on, that is all (a leader
     * stays as a zombie that cannot be reaped yet). The last thread ends the process: the
     * children go to init, and the leader becomes a zombie its parent is told about (SIGCHLD, or
     * its clone exit signal) — or is reaped at once when the parent ignores SIGCHLD or set
     * SA_NOCLDWAIT. Then the CPU goes to the next task, and the host thread ends.
     */
    static void exitTask(LinuxKernel k, Task t) {
        Task leader = t.leader;
        try {
            k.futexes.exitRobustList(t);
            if (t.clearChildTid != 0 && t.process.mm.users > 1) {
                // mm_release: the tid word is cleared and a futex waiter on it woken (pthread_join)
                k.futexes.clearChildTid(t.process.mm, t.clearChildTid);
            }
            if (t.vforkParent != null && !t.vforkDone) {
                t.vforkDone = true;
                k.sched.wake(t.vforkParent);
            }
            if (--t.fds.users == 0) {
                t.fds.closeAll();
                k.recordLocks.released(t.fds); // its POSIX record locks (fl_owner is the table: a shared one keeps them)
            }
            k.sched.wakeFiles(); // a pipe's last writer may have gone: its readers see EOF
            AddressSpace mm = t.process.mm;
            if (--mm.users == 0) {
                mm.exitMmap();
                k.cpu().mmu.writeCr3(k.kernelPgd.root); // off the space before its page tables go (no PCID: nothing else uses 0)
                k.sched.dropMm(mm);
                mm.destroy();
            }
        } catch (RuntimeException e) {
            k.config.log().println("lstar: internal error while pid " + t.tid + " exited: " + e);
        }
        t.cpuTotal = k.taskCpuNanos(t);
        synchronized (k.tasks) {
            leader.group.remove(t);
            if (leader.execWaiter != null) k.sched.wake(leader.execWaiter); // de_thread waits for the group to empty
            leader.deadThreadsCpu += Math.max(t.cpuTotal, 0);
        }
        if (!leader.group.isEmpty()) {
            // a thread ends; the process goes on (another thread takes the process's signals it could have taken)
            if (t.signals != null) t.signals.retarget(~0L);
            if (t != leader) reap(k, t);
            else t.state = Task.State.ZOMBIE;
            k.sched.release(t);
            return;
        }
        ExitStatus st = leader.groupExit != null ? leader.groupExit : leader.exit != null ? leader.exit : t.exit;
        leader.processExit = st;
        if (t != leader) reap(k, t);
        if (leader.timers != null) leader.timers.cancel();
        if (leader != k.initTask && st != null && (st.oops() || st.message().startsWith("unsupported"))) {
            k.config.log().println("lstar: pid " + leader.tgid + " (" + leader.process.comm + "): " + st.message());
        }
        leader.waitStatus = waitStatus(st);
        leader.cpuTotal = leader.deadThreadsCpu; // every thread's, the leader's included
        Task init = k.initTask;
        boolean notifyInit = false;
        for (Task c : new ArrayList<>(leader.children)) {
            if (leader == init) { c.parent = null; continue; }
            c.parent = init;
            init.children.add(c);
            notifyInit |= c.state == Task.State.ZOMBIE && c.group.isEmpty();
        }
        leader.children.clear();
        if (notifyInit) k.sched.wake(init.children);
        Task p = leader.parent;
        leader.state = Task.State.ZOMBIE;
        if (p == null || p.processExit != null) {
            reap(k, leader);
        } else {
            int sig = leader.exitSignal;
            boolean autoReap = sig == Signal.SIGCHLD.number
                    && (p.signals.handler[sig] == Signals.SIG_IGN || (p.signals.saFlags[sig] & Signals.SA_NOCLDWAIT) != 0);
            if (sig > 0) k.signalProcess(p, chldInfo(leader, sig), false);
            if (autoReap) reap(k, leader);
            k.sched.wake(p.children);
        }
        k.sched.release(t);
        if (leader == init) k.initEnded.countDown();
    }

    /** The task is gone for good: out of its parent's children and the task table. */
    /**
     * A zombie child reaped by its parent's wait (wait_task_zombie): its CPU time and its own
     * children's go to the waiting process's children total (auto-reaped children are not counted).
     */
    private void reapWaited(LinuxKernel k, Task z) {
        Task me = k.current.leader;
        me.childrenCpu += Math.max(z.cpuTotal, 0) + z.childrenCpu;
        reap(k, z);
    }

    static void reap(LinuxKernel k, Task t) {
        t.state = Task.State.DEAD;
        if (t.isLeader() && t.parent != null) t.parent.children.remove(t);
        synchronized (k.tasks) {
            if (t != k.initTask) k.tasks.remove(t.tid);
        }
        k.freeKernelStack(t);
    }

    /** wait4's status word: the exit code in bits 8-15, or the signal (with 0x80 for a core dump). */
    static int waitStatus(ExitStatus st) {
        if (st == null) return 0;
        if (st.signal() != null) return st.signal().number | (st.signal().dumpsCore() && !st.oops() ? 0x80 : 0);
        return (st.code() & 0xFF) << 8;
    }

    /** The SIGCHLD siginfo of do_notify_parent: si_code CLD_*, si_pid, si_uid, si_status, si_utime, si_stime. */
    static Signals.Info chldInfo(Task t, int signo) {
        ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        int code = cldCode(t.waitStatus);
        b.putInt(0, signo).putInt(8, code).putInt(16, t.tgid).putInt(20, (int) Ids.uid())
                .putInt(24, cldStatus(t.waitStatus)).putLong(32, Math.max(0, t.cpuTotal) / 10_000_000L).putLong(40, 0);
        return new Signals.Info(signo, b.array(), "(child pid " + t.tgid + " ended)");
    }

    static int cldCode(int ws) {
        if ((ws & 0x7F) == 0) return CLD_EXITED;
        return (ws & 0x80) != 0 ? CLD_DUMPED : CLD_KILLED;
    }

    static int cldStatus(int ws) {
        return (ws & 0x7F) == 0 ? (ws >> 8) & 0xFF : ws & 0x7F;
    }

    // ------------------------------------------------------------------ wait4, waitid

    /** Whether child {@code c} is one that a wait for {@code pid} (wait4's encoding) by {@code self} may take. */
    private static boolean selects(Task c, int which, int id, Task self, int options) {
        boolean match = switch (which) {
            case P_ALL -> true;
            case P_PID -> c.tgid == id;
            default -> c.pgid == (id == 0 ? self.pgid : id);
        };
        if (!match) return false;
        // __WCLONE: only children whose exit signal is not SIGCHLD; __WALL: either kind
        return (options & WALL) != 0 || ((options & WCLONE) != 0) == (c.exitSignal != Signal.SIGCHLD.number);
    }

    /** What a wait found: a child that exited (a zombie), stopped or continued. */
    record Event(Task child, int code) {}

    /**
     * do_wait: the first selected child with something to report — a zombie (WEXITED), a stop
     * (WSTOPPED/WUNTRACED), a continue (WCONTINUED) — or null with {@code result[0]} set: -ECHILD
     * when no child is selected at all, 0 with WNOHANG, -ERESTARTSYS when a signal interrupts the
     * sleep. Reports of stops and continues are consumed unless WNOWAIT.
     */
    private Event doWait(int which, int id, int options, long[] result) {
        Task me = k.current, self = me.leader;
        while (true) {
            boolean any = false;
            for (Task c : self.children) {
                if (!selects(c, which, id, self, options)) continue;
                any = true;
                if (c.state == Task.State.ZOMBIE && c.group.isEmpty()) {
                    if ((options & WEXITED) != 0) return new Event(c, CLD_EXITED);
                    continue;
                }
                if ((options & WSTOPPED) != 0 && c.stopReport && c.stopped) {
                    if ((options & WNOWAIT) == 0) c.stopReport = false;
                    return new Event(c, CLD_STOPPED);
                }
                if ((options & WCONTINUED) != 0 && c.continueReport) {
                    if ((options & WNOWAIT) == 0) c.continueReport = false;
                    return new Event(c, CLD_CONTINUED);
                }
            }
            if (!any) { result[0] = -ECHILD; return null; }
            if ((options & WNOHANG) != 0) { result[0] = 0; return null; }
            k.sched.sleep(me, self.children, Long.MAX_VALUE, "its children (wait)", null, true);
            if (me.signals.hasReady()) { result[0] = -ERESTARTSYS; return null; }
            if (me.killed) { result[0] = -EINTR; return null; }
        }
    }

    /** wait4(pid, wstatus, options, rusage). */
    long wait4(int pid, long wstatus, int options, long rusage) {
        if ((options & ~(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE)) != 0) return -EINVAL;
        if (pid == Integer.MIN_VALUE) return -ESRCH;
        int which = pid > 0 ? P_PID : pid == -1 ? P_ALL : P_PGID;
        int id = pid > 0 ? pid : pid == -1 ? 0 : pid == 0 ? 0 : -pid;
        long[] res = new long[1];
        Event ev = doWait(which, id, options | WEXITED, res);
        if (ev == null) return res[0];
        Task z = ev.child();
        int status = switch (ev.code()) {
            case CLD_STOPPED -> (z.stopSignal << 8) | 0x7F;
            case CLD_CONTINUED -> 0xFFFF;
            default -> z.waitStatus;
        };
        if (wstatus != 0 && !mm().copyToUser(wstatus, le32(status), 0, 4)) return -EFAULT;
        if (rusage != 0 && !mm().copyToUser(rusage, rusage(z), 0, 144)) return -EFAULT;
        if (ev.code() == CLD_EXITED) reapWaited(k, z);
        return z.tgid;
    }

    /** waitid(idtype, id, infop, options, rusage). */
    long waitid(int which, int id, long infop, int options, long rusage) {
        if ((options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | WNOTHREAD | WALL | WCLONE)) != 0) return -EINVAL;
        if ((options & (WEXITED | WSTOPPED | WCONTINUED)) == 0) return -EINVAL;
        switch (which) {
            case P_ALL -> id = 0;
            case P_PID, P_PGID -> { if (id < 0 || (which == P_PID && id == 0)) return -EINVAL; }
            case P_PIDFD -> {
                warnOnce("waitid(P_PIDFD) is not modelled (no pidfds): returning -EINVAL");
                return -EINVAL;
            }
            default -> { return -EINVAL; }
        }
        long[] res = new long[1];
        Event ev = doWait(which, id, options, res);
        byte[] info = new byte[128];
        Task z = ev == null ? null : ev.child();
        if (z != null) {
            int code = ev.code() == CLD_EXITED ? cldCode(z.waitStatus) : ev.code();
            int status = switch (ev.code()) {
                case CLD_STOPPED -> z.stopSignal;
                case CLD_CONTINUED -> Signal.SIGCONT.number;
                default -> cldStatus(z.waitStatus);
            };
            ByteBuffer b = ByteBuffer.wrap(info).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(0, Signal.SIGCHLD.number).putInt(8, code).putInt(16, z.tgid).putInt(20, (int) Ids.uid()).putInt(24, status);
        } else if (res[0] != 0) {
            return res[0];
        }
        if (infop != 0 && !mm().copyToUser(infop, info, 0, 128)) return -EFAULT;
        if (z != null && rusage != 0 && !mm().copyToUser(rusage, rusage(z), 0, 144)) return -EFAULT;
        if (z != null && ev.code() == CLD_EXITED && (options & WNOWAIT) == 0) reapWaited(k, z);
        return 0;
    }

    /** struct rusage of a reaped child: its CPU time as user time (the rest 0, as lstar does not count it). */
    private static byte[] rusage(Task z) {
        ByteBuffer b = ByteBuffer.allocate(144).order(ByteOrder.LITTLE_ENDIAN);
        long ns = Math.max(0, z.cpuTotal);
        b.putLong(0, ns / 1_000_000_000L).putLong(8, ns % 1_000_000_000L / 1000);
        return b.array();
    }

    // ------------------------------------------------------------------ process groups and sessions

    /**
     * setpgid(pid, pgid): pid 0 is the calling process (from any thread; a non-leader thread's tid is EINVAL), pgid 0 the target's pid. The target must be the
     * caller or a child of it that has not exec'd (EACCES) in the same session, and not a session
     * leader (EPERM); an existing group it joins must be in the caller's session (EPERM).
     */
    long setpgid(int pid, int pgid) {
        Task self = k.current.leader; // from any thread: the calling process
        if (pgid < 0) return -EINVAL;
        Task t = pid == 0 ? self : k.task(pid);
        if (t == null) return -ESRCH;
        if (t.tid != t.tgid) return -EINVAL; // a thread other than a leader
        if (t != self && t.parent != self) return -ESRCH;
        if (t != self) {
            if (t.sid != self.sid) return -EPERM;
            if (t.didExec) return -EACCES;
        }
        if (t.sid == t.tgid) return -EPERM;
        int target = pgid == 0 ? t.tgid : pgid;
        if (target != t.tgid) {
            boolean exists = false;
            for (Task o : k.liveTasks()) if (o.leader.pgid == target && o.leader.sid == self.sid) exists = true;
            if (!exists) return -EPERM;
        }
        t.pgid = target;
        return 0;
    }

    /** setsid(): EPERM for a process-group leader (a group with its pid exists), else a new session and group. */
    long setsid() {
        Task self = k.current.leader; // from any thread: the calling process
        for (Task o : k.liveTasks()) if (o.leader.pgid == self.tgid) return -EPERM;
        self.sid = self.tgid;
        self.pgid = self.tgid;
        return self.sid;
    }

    /** getpgid / getsid: of the caller (0) or any process; ESRCH if there is none. */
    long getpgid(int pid, boolean session) {
        Task t = pid == 0 ? k.current : k.task(pid); // any thread's id names its process
        if (t == null) return -ESRCH;
        return session ? t.leader.sid : t.leader.pgid;
    }

    // ------------------------------------------------------------------ execve

    /** execve / execveat: the new image, or an error with the old one untouched. */
    long execve(int dfd, long filename, long argv, long envp, int flags) {
        if ((flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) != 0) return -EINVAL;
        FileSyscalls files = k.syscalls.files;
        try {
            String path = files.path(filename, (flags & AT_EMPTY_PATH) != 0);
            List<String> args = strings(argv), env = strings(envp);
            String base;
            if (path.isEmpty()) {
                // AT_EMPTY_PATH: the descriptor itself (fexecve)
                dev.lstar.kernel.vfs.OpenFile f = k.fds().get(dfd);
                if (!f.isRegular() || f.guestPath == null || !f.guestPath.startsWith("/")) return -EACCES;
                path = f.guestPath;
                base = "/";
            } else {
                base = files.base(dfd, path);
            }
            return exec(base, path, args, env, (flags & AT_SYMLINK_NOFOLLOW) == 0, 0);
        } catch (SysError e) {
            return -e.errno;
        }
    }

    /** An argv or envp array: the strings up to the NULL pointer (EFAULT, E2BIG past ARG_MAX). */
    private List<String> strings(long array) {
        List<String> l = new ArrayList<>();
        if (array == 0) return l; // Linux accepts NULL (and warns) as an empty array
        long total = 0;
        byte[] p = new byte[8];
        for (long a = array; ; a += 8) {
            if (!mm().copyFromUser(a, p, 0, 8)) throw new SysError(EFAULT);
            long ptr = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (ptr == 0) return l;
            byte[] s = k.syscalls.files.userString(ptr, 128 * 1024);
            if (s == null) throw new SysError(EFAULT);
            if (s.length == 128 * 1024) throw new SysError(E2BIG); // MAX_ARG_STRLEN
            total += s.length + 1 + 8;
            if (total > ARG_MAX) throw new SysError(E2BIG);
            l.add(new String(s, StandardCharsets.UTF_8));
        }
    }

    /**
     * do_execveat_common / bprm_execve: opens the file (a regular file the caller may execute),
     * runs a {@code #!} script's interpreter (up to {@link #MAX_INTERPRETER_DEPTH} levels), loads
     * an ELF into a new address space, and only then replaces the process image.
     */
    private long exec(String base, String path, List<String> args, List<String> env, boolean follow, int depth) {
        Vfs vfs = k.vfs();
        Vfs.Lookup l = vfs.lookup(base, path, follow);
        if (!l.exists()) return -ENOENT;
        if (!follow && l.isSymlink()) return -ELOOP;
        if (l.isDir() || !l.isRegular() || !vfs.mayAccess(l, 1)) return -EACCES;
        dev.lstar.kernel.vfs.Stat st = vfs.stat(l);
        if (st.size() > UserProcess.MAX_INTERPRETER_BYTES) return -ENOMEM;
        byte[] bytes;
        try {
            bytes = java.nio.file.Files.readAllBytes(l.host());
        } catch (java.io.IOException e) {
            return -EACCES;
        }
        if (bytes.length >= 2 && bytes[0] == '#' && bytes[1] == '!') {
            if (depth >= MAX_INTERPRETER_DEPTH) return -ELOOP;
            int end = 2;
            while (end < Math.min(bytes.length, BINPRM_BUF_SIZE) && bytes[end] != '\n') end++;
            String line = new String(bytes, 2, end - 2, StandardCharsets.UTF_8).strip();
            if (line.isEmpty()) return -ENOEXEC;
            int sp = 0;
            while (sp < line.length() && line.charAt(sp) != ' ' && line.charAt(sp) != '\t') sp++;
            String interp = line.substring(0, sp), arg = line.substring(sp).strip();
            List<String> nargs = new ArrayList<>();
            nargs.add(interp);
            if (!arg.isEmpty()) nargs.add(arg);
            nargs.add(path);
            if (args.size() > 1) nargs.addAll(args.subList(1, args.size()));
            return exec(interp.startsWith("/") ? "/" : vfs.cwd(), interp, nargs, env, true, depth + 1);
        }
        AddressSpace nmm = k.newMm();
        UserProcess np;
        try {
            np = UserProcess.load(k, nmm, bytes, path, l.guest(), st.dev(), st.ino(), args, env, k.process.personality);
        } catch (ElfException e) {
            nmm.destroy();
            if (e.fatal()) {
                // Linux fails here past begin_new_exec: the old image is gone and the process dies with SIGSEGV
                k.killProcess(ExitStatus.killed(Signal.SIGSEGV, "killed by SIGSEGV (core dumped): execve of " + path
                        + " failed past the point of no return: " + e.getMessage()));
                return 0;
            }
            return -e.errno();
        } catch (SysError e) {
            nmm.destroy();
            return -e.errno;
        }
        commit(np, nmm, l.guest());
        return 0;
    }

    /**
     * begin_new_exec + start_thread: past the point of no return. Close-on-exec descriptors
     * close, caught signals go back to SIG_DFL, a vfork parent is released, the CPU moves to the
     * new address space and the old one is let go, and pt_regs are set so that the return to user
     * mode enters the new image with every register zero, as ELF_PLAT_INIT leaves them.
     */
    private void commit(UserProcess np, AddressSpace nmm, String guestPath) {
        Task t = k.current;
        UserProcess old = t.process;
        long regs = regs(); // this task's pt_regs (read now: while de_thread sleeps, other tasks make system calls)
        if (!deThread(t)) { // killed meanwhile (another thread's exit_group or exec, a fatal signal): the task ends
            nmm.destroy();
            return;
        }
        t.clearChildTid = 0; // exec_mm_release: the old image's words are not touched at exit
        t.robustList = 0;
        np.pid = t.tgid;
        t.process = np;
        k.process = np;
        t.didExec = true;
        if (t.fds.users > 1) { // unshare_files
            t.fds.users--;
            t.fds = t.fds.copy();
            k.fds = t.fds;
        }
        t.fds.closeOnExec();
        k.sched.wakeFiles();
        t.signals.execReset();
        t.vfs.exePath = guestPath;
        ProcFiles pf = new ProcFiles(k, np);
        pf.task = t;
        t.vfs.proc = pf;
        if (t.vforkParent != null && !t.vforkDone) {
            t.vforkDone = true;
            k.sched.wake(t.vforkParent);
        }
        k.sched.loadMm(nmm, false);
        AddressSpace omm = old.mm;
        if (--omm.users == 0) {
            omm.exitMmap();
            k.sched.dropMm(omm);
            omm.destroy();
        }
        Cpu cpu = k.cpu();
        for (int off = 0; off <= PtRegs.DI; off += 8) cpu.mmu.writeSys64(regs + off, 0);
        cpu.mmu.writeSys64(regs + PtRegs.IP, np.startPc);
        cpu.mmu.writeSys64(regs + PtRegs.SP, np.initialSp);
        cpu.mmu.writeSys64(regs + PtRegs.CS, Gdt.USER_CS);
        cpu.mmu.writeSys64(regs + PtRegs.SS, Gdt.USER_DS);
        cpu.mmu.writeSys64(regs + PtRegs.FLAGS, 0x202);
        cpu.segBase[Cpu.FS] = 0;
        cpu.segSel[Cpu.FS] = 0;
        cpu.segSel[Cpu.GS] = 0;
        cpu.kernelGsBase = 0; // the user GS base, while in the kernel
        X87.resetFxState(cpu);
    }

    /**
     * de_thread (fs/exec.c): every other thread of the process is killed, and the exec'ing task
     * sleeps (killable only) until they have all ended. A thread other than the leader then takes
     * the leader's place: its pid (exchange_tids — afterwards tid = tgid), its parent and
     * children, its process group, session, stop state, CPU time and start time (its exit signal
     * becomes SIGCHLD, as de_thread sets it); the
     * old leader, a zombie by then, is released without a word to the parent, who sees one
     * process go on. False if the task was killed before the others ended (the exec fails and the
     * task ends).
     */
    private boolean deThread(Task t) {
        Task leader = t.leader;
        if (t.killed || leader.groupExit != null) return false;
        java.util.List<Task> others;
        synchronized (k.tasks) {
            others = new ArrayList<>(leader.group);
        }
        if (others.size() <= 1 && leader == t) return true;
        for (Task o : others) {
            if (o == t || o.exit != null) continue;
            o.exit = ExitStatus.killed(Signal.SIGKILL, "killed by execve in another thread");
            o.killed = true;
            k.sched.wake(o);
            k.kick(o, "killed"); // running on another CPU: stop it now
        }
        java.util.function.BooleanSupplier alone = () -> {
            synchronized (k.tasks) {
                return leader.group.size() == 1 && (leader == t || leader.state == Task.State.ZOMBIE);
            }
        };
        leader.execWaiter = t;
        try {
            while (!alone.getAsBoolean()) {
                if (t.killed) return false;
                k.sched.sleep(t, null, Long.MAX_VALUE, "the other threads of its process to end (execve)", alone, false);
            }
        } finally {
            leader.execWaiter = null;
        }
        if (t.killed) return false;
        if (leader == t) return true;
        // the exec'ing thread becomes the leader, under the leader's pid
        synchronized (k.tasks) {
            leader.state = Task.State.DEAD;
            k.tasks.remove(t.tid);
            t.tid = leader.tid;
            k.tasks.put(t.tid, t);
            leader.group.clear();
            t.group.clear();
            t.group.add(t);
            t.leader = t;
            t.comm = null;
            t.parent = leader.parent;
            if (t.parent != null) {
                int i = t.parent.children.indexOf(leader);
                if (i >= 0) t.parent.children.set(i, t);
            }
            for (Task c : leader.children) c.parent = t;
            t.children.addAll(leader.children);
            leader.children.clear();
            t.pgid = leader.pgid;
            t.sid = leader.sid;
            t.exitSignal = Signal.SIGCHLD.number; // as de_thread sets it (whatever the leader's clone asked for)
            t.stopped = leader.stopped;
            t.stopSignal = leader.stopSignal;
            t.stopReport = leader.stopReport;
            t.continueReport = leader.continueReport;
            t.didExec = leader.didExec;
            t.deadThreadsCpu = leader.deadThreadsCpu;
            t.childrenCpu = leader.childrenCpu;
            t.startNanos = leader.startNanos;
            if (t.timers != null) t.timers.owner = t;
            if (leader == k.initTask) k.initTask = t;
        }
        k.freeKernelStack(leader);
        return true;
    }

    static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }

    /** A futex word's identity: its address space and address (private futexes; shared ones by the same key here). */
    record FutexKey(AddressSpace mm, long addr) {}
}

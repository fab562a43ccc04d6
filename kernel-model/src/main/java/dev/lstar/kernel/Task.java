package dev.lstar.kernel;

import dev.lstar.runtime.Cpu;

import java.util.ArrayList;
import java.util.List;

/**
 * One guest task (Linux's task_struct): a thread of a process. Every task runs on a host thread
 * of its own, and the tasks take turns on the one modelled CPU ({@link Scheduler}): while a task
 * does not hold the CPU, its register state is kept in {@link #saved}, as Linux keeps it on the
 * task's kernel stack and in its thread struct.
 *
 * <p>What a process shares between its threads — the address space and image
 * ({@link UserProcess}), the descriptors, the file-system context, the signal handlers, the
 * limits — is referenced from here; the threads of a process (CLONE_THREAD) reference the same
 * objects, while the group's bookkeeping (its threads, children, wait and stop state) lives on
 * the leader.
 */
final class Task {
    enum State { RUNNING, SLEEPING, ZOMBIE, DEAD }

    /** The thread id (fixed but for execve from a non-leader thread, which takes the leader's). */
    volatile int tid;
    /** The process (thread group) id: the tid of the group's leader. */
    int tgid;
    /** The thread group's leader (this task for a process's first thread). */
    Task leader = this;
    /** A non-leader thread's own name (task->comm: PR_SET_NAME, copied at clone); the leader's is the process's {@code comm}. */
    String comm;
    /** For a leader: the group's threads that have not ended (itself included while it runs). */
    final List<Task> group = new ArrayList<>();
    /** For a leader: the status of exit_group or of a fatal signal, which every thread of the group ends with. */
    ExitStatus groupExit;
    /** For a leader: the process's status once its last thread ended (what wait reports). */
    ExitStatus processExit;
    /** For a leader: group stop — stopped by signal {@code stopSignal}; a stop or a continue not yet reported to a wait. */
    volatile boolean stopped;
    int stopSignal;
    boolean stopReport, continueReport;
    /** The parent process (real_parent); null for the initial process, whose parent is lstar's init. */
    Task parent;
    /** For a leader: the processes its threads forked and it has not reaped (children and zombies). */
    final List<Task> children = new ArrayList<>();
    int pgid, sid;
    /** The signal the parent gets when this process ends (clone's exit_signal; SIGCHLD for fork). */
    int exitSignal = Signal.SIGCHLD.number;

    // ---- what the task's process has (swapped into the kernel's "current" fields while it runs)
    UserProcess process;
    dev.lstar.kernel.vfs.FdTable fds;
    dev.lstar.kernel.vfs.Vfs vfs;
    Signals signals;
    ResourceLimits limits;
    /** The process's credentials (threads share them). */
    ProcessSyscalls.Cred cred;
    /** The process's interval timers (alarm, setitimer). */
    SignalSyscalls.Timers timers;

    /** CLONE_CHILD_SETTID: where the child writes its tid when it first runs (schedule_tail), 0 if not asked. */
    long setChildTid;
    /** Whether the process has exec'd since fork (setpgid by the parent is then EACCES). */
    boolean didExec;
    /** CLONE_CHILD_CLEARTID / set_tid_address: cleared and futex-woken at exit. */
    long clearChildTid;
    /** set_robust_list's head. */
    long robustList;

    // ---- scheduling
    volatile State state = State.RUNNING;
    /** The CPU state while the task does not run. */
    final Cpu saved;
    /** The CPU this task runs on (pinned at creation: a task never moves while inside the kernel's code, see Scheduler). */
    PerCpu home;
    /** sched: the CPU the task holds now, or null (waiting for it, asleep, or ended). */
    volatile PerCpu onCpu;
    /** sched_setaffinity's mask (bit n: CPU n; inherited by fork and clone); the task runs only on these. */
    volatile long affinity = -1L;
    /** A CPU the task is to move to (its affinity no longer holds its home): done at its next user-mode stop. */
    volatile PerCpu migrateTo;
    /** The top of this task's kernel stack (pcpu_hot.top_of_stack while it runs), and its slot. */
    final long stackTop;
    final int stackSlot;
    /** The host thread that runs this task. */
    Thread thread;
    /** What a sleeping task waits for ({@link Scheduler#wake(Object)} keys), and whether it was woken. */
    Object waitKey;
    boolean woken;
    /** The deadline of the current sleep (System.nanoTime scale, Long.MAX_VALUE: none) and what it waits for, in words. */
    long sleepDeadline = Long.MAX_VALUE;
    String waitingFor;
    /** Set when the task must end (exit_group of its process, a fatal signal, the run's end). */
    volatile boolean killed;

    // ---- the end
    /** How the process ended (for the leader: the process's status), null while alive. */
    ExitStatus exit;
    /** The wait status the parent reads (wait4's int): code << 8, or the signal (| 0x80 with a core dump). */
    int waitStatus;
    /** A vfork child's parent waits until the child execs or exits (vfork_done). */
    Task vforkParent;
    boolean vforkDone;
    /**
     * CPU time of the host thread when the task started, and the total once it ended (for a
     * leader whose whole group ended: the process's, every thread's included).
     */
    long cpuStart, cpuTotal = -1;
    /** For a leader: the CPU time of the group's threads that ended (the leader's own included once it ended). */
    long deadThreadsCpu;
    /** For a leader: the CPU time of the children it waited for, theirs included (RUSAGE_CHILDREN, tms_cutime). */
    long childrenCpu;
    /** System.nanoTime() when the task was made (/proc/PID/stat starttime; a thread that execs takes its leader's). */
    long startNanos = System.nanoTime();
    /** For a leader: a thread in execve waiting for the group's other threads to end (de_thread), woken as each ends. */
    volatile Task execWaiter;

    Task(int tid, Cpu saved, long stackTop, int stackSlot) {
        this.tid = tid;
        this.tgid = tid;
        this.pgid = tid;
        this.sid = tid;
        this.saved = saved;
        this.stackTop = stackTop;
        this.stackSlot = stackSlot;
        group.add(this);
    }

    /** Whether this is the first thread of its process. */
    boolean isLeader() {
        return leader == this;
    }

    boolean alive() {
        return state != State.ZOMBIE && state != State.DEAD;
    }

    @Override
    public String toString() {
        return "task " + tid + (process != null ? " (" + process.comm + ")" : "");
    }
}

package dev.lstar.kernel;

import static dev.lstar.kernel.Errno.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.mem.Mmu;
import dev.lstar.runtime.ops.X87;
import dev.lstar.runtime.setup.Gdt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;

/**
 * A task's signals, as Linux 6.6 keeps them: the sigactions (sighand: shared by the threads of a
 * process and by processes cloned with CLONE_SIGHAND — the arrays are the same objects — and
 * unshared at execve), the task's blocked mask, its own pending set (thread-directed signals:
 * tgkill, faults) and its process's shared one (signal_struct's shared_pending: kill, SIGCHLD,
 * timers, limits — {@link #sendToProcess}), each with its queued siginfo (one per standard
 * signal, a queue per real-time signal), the alternate signal stack, and what sigcontext reports of the last fault. Delivery happens where Linux does it, on the way back to user mode
 * ({@link #exitToUserMode}, called at the end of do_syscall_64, do_int80_syscall_32 and
 * do_exception, whose guest exit code then chooses SYSRET or IRET from the edited pt_regs):
 * default actions, syscall restart, and the x86-64 {@code rt_sigframe} of
 * arch/x86/kernel/signal_64.c with the FXSAVE-format FP state. {@link #rtSigreturn} undoes it.
 *
 * <p>Signals may be posted from other threads (timers, the host's SIGINT); such a post wakes a
 * sleeping system call and asks the run loop to interrupt running guest code
 * ({@link #takeKick}), which it does with an external interrupt through the guest IDT.
 */
final class Signals {
    // include/uapi/asm-generic/signal-defs.h and arch/x86/include/uapi/asm/signal.h
    static final long SA_NOCLDSTOP = 1, SA_NOCLDWAIT = 2, SA_SIGINFO = 4, SA_EXPOSE_TAGBITS = 0x800,
            SA_RESTORER = 0x0400_0000L, SA_ONSTACK = 0x0800_0000L, SA_RESTART = 0x1000_0000L,
            SA_NODEFER = 0x4000_0000L, SA_RESETHAND = 0x8000_0000L;
    /** UAPI_SA_FLAGS: the flag bits a sigaction keeps; unknown bits are dropped (and so reported back as unsupported). */
    static final long UAPI_SA_FLAGS = SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER
            | SA_RESETHAND | SA_EXPOSE_TAGBITS | SA_RESTORER;
    static final long SIG_DFL = 0, SIG_IGN = 1;
    // si_code values (include/uapi/asm-generic/siginfo.h)
    static final int SI_USER = 0, SI_KERNEL = 0x80, SI_QUEUE = -1, SI_TKILL = -6;
    static final int ILL_ILLOPN = 2, FPE_INTDIV = 1, FPE_FLTDIV = 3, FPE_FLTOVF = 4, FPE_FLTUND = 5, FPE_FLTRES = 6,
            FPE_FLTINV = 7, SEGV_MAPERR = 1, SEGV_ACCERR = 2, BUS_ADRALN = 1, BUS_ADRERR = 2, TRAP_TRACE = 2;
    // sigaltstack
    static final int SS_ONSTACK = 1, SS_DISABLE = 2, SS_AUTODISARM = 1 << 31;
    static final long MINSIGSTKSZ = 2048;
    /** The kernel's sigset_t: 64 bits. */
    static final int SIGSET_SIZE = 8;
    static final long UNBLOCKABLE = Signal.bit(9) | Signal.bit(19);

    // struct rt_sigframe (x86-64): pretcode, ucontext (uc_flags, uc_link, uc_stack, uc_mcontext, uc_sigmask), siginfo
    static final int UC = 8, UC_STACK = UC + 16, MCONTEXT = UC + 40, UC_SIGMASK = UC + 296, INFO = UC + 304,
            FRAME_SIZE = INFO + 128;
    /** uc_flags without XSAVE: UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS (frame_uc_flags). */
    static final long UC_FLAGS = 0x2 | 0x4;
    /** The FXSAVE image below the frame; FP_XSTATE_MAGIC1 in its software-reserved bytes (save_xstate_epilog). */
    static final int FX_SIZE = 512, FX_SW_BYTES = 464;
    static final int FP_XSTATE_MAGIC1 = 0x46505853;
    /** FIX_EFLAGS of arch/x86/kernel/signal.c: the flags rt_sigreturn takes from the frame. */
    static final long FIX_EFLAGS = Flags.AC | Flags.OF | Flags.DF | Flags.TF | Flags.SF | Flags.ZF | Flags.AF | Flags.PF
            | Flags.CF | Flags.RF;
    /** The external interrupt that makes running guest code enter the kernel for a signal posted meanwhile. */
    static final int RESCHEDULE_VECTOR = ExceptionVector.RESCHED_VECTOR;
    static final int NR_RESTART_SYSCALL = 219;
    /** How a stop requested for a posted signal begins ({@link LinuxKernel#run} recognises it). */
    static final String STOP_MESSAGE = "signal ";

    /**
     * One queued siginfo: the 128 bytes of {@code siginfo_t} as the handler will see them, and
     * for a signal that kills, why it was sent (the process's last words).
     */
    record Info(int signo, byte[] bytes, String why) {
        int code() {
            return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
        }

        /** A siginfo with si_signo, si_code and the union's first two quadwords (offsets 16 and 24). */
        static Info of(int signo, int code, long f0, long f1, String why) {
            ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(0, signo).putInt(8, code).putLong(16, f0).putLong(24, f1);
            return new Info(signo, b.array(), why);
        }

        /** kill/tkill/tgkill/SIGPIPE: _kill {si_pid, si_uid}. */
        static Info sent(int signo, int code, int pid, long uid, String why) {
            return of(signo, code, (pid & 0xFFFF_FFFFL) | (uid << 32), 0, why);
        }

        /** A fault: _sigfault {si_addr}. */
        static Info fault(int signo, int code, long addr, String why) {
            return of(signo, code, addr, 0, why);
        }
    }

    /**
     * A pending set (struct sigpending): bit n-1 for signal n and the queued siginfo. Its own
     * lock guards it; a task's Signals lock may be held when it is taken, never the reverse.
     */
    static final class Pending {
        /** The set; written under the lock, read without it. */
        volatile long bits;
        @SuppressWarnings("unchecked")
        private final ArrayDeque<Info>[] queue = new ArrayDeque[Signal.NSIG + 1];

        Pending() {
            for (int i = 1; i <= Signal.NSIG; i++) queue[i] = new ArrayDeque<>();
        }

        /** legacy_queue: a standard signal already pending is not queued twice. */
        synchronized void add(Info info) {
            int n = info.signo;
            if (n < 32 && (bits & Signal.bit(n)) != 0) return;
            queue[n].add(info);
            bits |= Signal.bit(n);
        }

        /** next_signal + collect_signal: the lowest synchronous (fault) signal not in {@code mask} first, else the lowest; null if none. */
        synchronized Info take(long mask) {
            long ready = bits & ~mask;
            if (ready == 0) return null;
            long sync = ready & Signal.SYNCHRONOUS;
            int n = Long.numberOfTrailingZeros(sync != 0 ? sync : ready) + 1;
            Info i = queue[n].poll();
            if (queue[n].isEmpty()) bits &= ~Signal.bit(n);
            return i;
        }

        synchronized void flush(int n) {
            queue[n].clear();
            bits &= ~Signal.bit(n);
        }
    }

    private final LinuxKernel k;
    /** The task these signals belong to (set when the task is made). */
    Task owner;
    // the sigactions, indexed by signal number (sighand: possibly shared, see the class comment)
    long[] handler, saFlags, restorer, saMask;
    /** task->blocked. */
    volatile long blocked;
    /** task->pending: signals sent to this thread. */
    private final Pending own = new Pending();
    /** signal->shared_pending: signals sent to the process, shared by its threads. */
    private final Pending shared;
    /** While in rt_sigtimedwait: the signals it waits for (a process-directed one wakes it even if blocked). */
    private volatile long waitingFor;
    /** sas_ss_sp, sas_ss_size, sas_ss_flags. */
    long altSp, altSize;
    int altFlags = SS_DISABLE;
    /** saved_sigmask and TIF_RESTORE_SIGMASK (rt_sigsuspend, rt_sigtimedwait). */
    long savedMask;
    boolean restoreSigmask;
    /** thread.trap_nr, thread.error_code, thread.cr2: sigcontext's trapno, err and cr2. */
    long trapNr, errorCode, faultAddress;
    /** restart_block.fn: what restart_syscall resumes (null: do_no_restart_syscall, -EINTR). */
    java.util.function.LongSupplier restartBlock;
    /** A signal was posted from another thread while guest code may be running. */
    private volatile boolean kick;
    long delivered;

    Signals(LinuxKernel k) {
        this(k, null, new Pending());
    }

    /** Signals whose actions are {@code share}'s (CLONE_SIGHAND), or new ones, with the process's shared pending set {@code shared}. */
    private Signals(LinuxKernel k, Signals share, Pending shared) {
        this.k = k;
        this.shared = shared;
        handler = share != null ? share.handler : new long[Signal.NSIG + 1];
        saFlags = share != null ? share.saFlags : new long[Signal.NSIG + 1];
        restorer = share != null ? share.restorer : new long[Signal.NSIG + 1];
        saMask = share != null ? share.saMask : new long[Signal.NSIG + 1];
    }

    /**
     * A new thread's signals (CLONE_SIGHAND): the same actions (shared: a change in one thread is
     * seen by all), the creator's blocked mask, nothing pending, no alternate stack (a thread
     * sharing the address space gets none, as copy_process's sas_ss_reset).
     */
    synchronized Signals threadCopy(Task child) {
        Signals c = new Signals(k, this, shared);
        c.owner = child;
        c.blocked = blocked;
        return c;
    }

    /**
     * A process cloned with CLONE_SIGHAND but not CLONE_THREAD (which needs CLONE_VM): the same
     * actions (a sigaction in one is seen by the other), its own pending sets, the creator's
     * blocked mask; the alternate stack is kept only for CLONE_VFORK (copy_process's sas_ss_reset).
     */
    synchronized Signals sighandCopy(Task child, boolean vfork) {
        Signals c = new Signals(k, this, new Pending());
        c.owner = child;
        c.blocked = blocked;
        if (vfork) {
            c.altSp = altSp;
            c.altSize = altSize;
            c.altFlags = altFlags;
        }
        return c;
    }

    /** CLONE_CLEAR_SIGHAND: every handled signal goes back to SIG_DFL (ignored ones stay ignored). */
    synchronized void clearHandlers() {
        for (int n = 1; n <= Signal.NSIG; n++) {
            if (handler[n] != SIG_IGN) handler[n] = SIG_DFL;
            saFlags[n] = 0;
            saMask[n] = 0;
            restorer[n] = 0;
        }
    }

    /** Whether this task's mask blocks signal {@code n} (complete_signal's wants_signal). */
    boolean blocks(int n) {
        return (blocked & Signal.bit(n)) != 0;
    }

    private AddressSpace mm() {
        return k.process.mm;
    }

    long reg(long regs, int off) {
        return mmu().readSys64(regs + off);
    }

    void setReg(long regs, int off, long v) {
        mmu().writeSys64(regs + off, v);
    }

    // ------------------------------------------------------------------ sending

    /** What is pending for this thread: its own set and its process's shared one (rt_sigpending's union; SIGKILL checks). */
    long pending() {
        return own.bits | shared.bits;
    }

    /** task->pending only (/proc SigPnd, the stat signal field). */
    long ownPending() {
        return own.bits;
    }

    /** The process's shared pending set (/proc ShdPnd). */
    long sharedPending() {
        return shared.bits;
    }

    /** Whether a pending signal is not blocked: what makes a sleeping call return and the exit path deliver. */
    boolean hasReady() {
        return ((own.bits | shared.bits) & ~blocked) != 0;
    }

    /**
     * sig_ignored(): an unblocked signal whose handler is SIG_IGN, or SIG_DFL with an ignoring
     * default action, is dropped when sent (a blocked one is queued: the handler may change).
     */
    private boolean ignoredNow(int n) {
        if ((blocked & Signal.bit(n)) != 0) return false;
        long h = handler[n];
        return h == SIG_IGN || (h == SIG_DFL && Signal.of(n).ignoredByDefault());
    }

    /** send_signal from the process itself or the kernel on its behalf (engine thread). */
    void send(Info info) {
        prepare(info.signo);
        boolean ipi;
        synchronized (this) {
            if (ignoredNow(info.signo)) return;
            enqueue(info);
            // another CPU runs the target: interrupt it (signal_wake_up's kick_process IPI)
            ipi = owner != null && k.smp() && owner != k.current && owner.onCpu != null && hasReady();
            if (ipi) kick = true;
        }
        if (ipi) k.kick(owner, STOP_MESSAGE + Signal.of(info.signo));
    }

    /**
     * __send_signal with PIDTYPE_TGID, then complete_signal: a process-directed signal goes to the
     * process's shared pending set (unless ignored, judged by the mask of its first live
     * thread, as sig_ignored judges the task the pid names); the thread that takes it is woken
     * — the leader if it does not block it, else the first thread that does not — and a thread
     * in rt_sigtimedwait for it. When every thread blocks it, it stays pending until one
     * unblocks it (that thread's next return to user mode delivers it) or waits for it.
     * {@code async}: sent from a host thread other than the running task's (a timer, the
     * host's SIGINT): the target is also asked to interrupt running guest code ({@link #takeKick}).
     */
    static void sendToProcess(LinuxKernel k, Task leader, Info info, boolean async) {
        int n = info.signo;
        Task first = null, target = null;
        java.util.List<Task> waiters = null;
        synchronized (k.tasks) {
            for (Task t : leader.group) {
                if (!t.alive() || t.signals == null) continue;
                if (first == null) first = t;
                if (target == null && !t.signals.blocks(n)) target = t;
                if ((t.signals.waitingFor & Signal.bit(n)) != 0) {
                    if (waiters == null) waiters = new java.util.ArrayList<>();
                    waiters.add(t);
                }
            }
        }
        if (first == null) return;
        Signals s = first.signals;
        s.prepare(n);
        synchronized (s) {
            if (s.ignoredNow(n)) return;
            s.shared.add(info);
        }
        if (waiters != null) for (Task w : waiters) k.sched.wake(w);
        if (target == null) return;
        Signals ts = target.signals;
        boolean interrupt;
        synchronized (ts) {
            ts.notifyAll();
            // from outside the guest (a timer, the host), or to a task another CPU runs now (the IPI)
            interrupt = ts.hasReady() && (async || (k.smp() && target != k.current && target.onCpu != null));
            if (interrupt) ts.kick = true;
        }
        k.sched.wake(target);
        if (interrupt) {
            PerCpu pc = target.onCpu != null ? target.onCpu : target.home;
            (pc != null ? pc.machine : k.machine).requestStop(STOP_MESSAGE + Signal.of(n));
        }
    }

    /**
     * prepare_signal's job-control part, before a signal is queued (even an ignored or blocked
     * one): SIGCONT continues the stopped process and discards its pending stop signals; a stop
     * signal discards a pending SIGCONT.
     */
    private void prepare(int n) {
        if (owner == null) return;
        if (n == Signal.SIGCONT.number) {
            k.continueProcess(owner.leader);
        } else if (Signal.of(n).stopsByDefault() && n != 0) {
            shared.flush(Signal.SIGCONT.number);
            for (Task t : owner.leader.group) if (t.signals != null) t.signals.flush(Signal.SIGCONT.number);
        }
    }

    /** Discards pending stop signals (SIGCONT arrived), the thread's and the process's. */
    synchronized void flushStops() {
        for (int n : new int[] {19, 20, 21, 22}) {
            flush(n);
            shared.flush(n);
        }
    }

    /**
     * A signal from outside the guest's own execution: a timer, the host's SIGINT, another Java
     * thread of an embedder. Wakes a sleeping system call and asks the engine to stop so that the
     * run loop can interrupt the guest ({@link #takeKick}).
     */
    void sendAsync(Info info) {
        prepare(info.signo);
        synchronized (this) {
            if (ignoredNow(info.signo)) return;
            enqueue(info);
            if (!hasReady()) return;
            kick = true;
        }
        Task o = owner;
        PerCpu pc = o == null ? null : o.onCpu != null ? o.onCpu : o.home;
        (pc != null ? pc.machine : k.machine).requestStop(STOP_MESSAGE + Signal.of(info.signo));
    }

    /**
     * force_sig_info: a synchronous fault signal. If it is blocked or ignored, it is unblocked and
     * its action reset to SIG_DFL, so that it kills rather than loops (kernel/signal.c).
     */
    synchronized void force(Info info) {
        int n = info.signo;
        boolean blockedNow = (blocked & Signal.bit(n)) != 0;
        if (blockedNow || handler[n] == SIG_IGN) {
            handler[n] = SIG_DFL;
            if (blockedNow) blocked &= ~Signal.bit(n);
        }
        enqueue(info);
    }

    private void enqueue(Info info) {
        own.add(info);
        notifyAll();
        if (owner != null) k.sched.wake(owner);
    }

    /** Whether a signal was posted asynchronously since the last call (and clears the note). */
    boolean takeKick() {
        if (!kick) return false;
        kick = false;
        return true;
    }

    /**
     * dequeue_signal: from the thread's own set first, then the process's shared one; in each the
     * lowest synchronous (fault) signal not in {@code mask} first, else the lowest; null if none.
     */
    synchronized Info dequeue(long mask) {
        Info i = own.take(mask);
        return i != null ? i : shared.take(mask);
    }

    /** Discards this thread's pending instances of signal {@code n}. */
    synchronized void flush(int n) {
        own.flush(n);
    }

    /**
     * do_sigaction's flush when a signal becomes ignored (SIG_IGN, or SIG_DFL that ignores): its
     * pending instances go from the process's shared set and every thread's own set.
     */
    void flushEverywhere(int n) {
        shared.flush(n);
        if (owner == null) {
            flush(n);
            return;
        }
        java.util.List<Task> group;
        synchronized (k.tasks) {
            group = new java.util.ArrayList<>(owner.leader.group);
        }
        flush(n);
        for (Task t : group) if (t.signals != null) t.signals.flush(n);
    }

    /** set_current_blocked: SIGKILL and SIGSTOP can never be blocked. */
    void setBlocked(long mask) {
        long newlyBlocked;
        synchronized (this) {
            newlyBlocked = mask & ~UNBLOCKABLE & ~blocked;
            blocked = mask & ~UNBLOCKABLE;
            notifyAll();
        }
        if ((newlyBlocked & shared.bits) != 0) retarget(newlyBlocked);
    }

    /**
     * retarget_shared_pending: this thread blocks (or, exiting, no longer takes) the process's
     * pending signals in {@code mask}; a sleeping thread that does not block one of them is woken
     * to take it.
     */
    void retarget(long mask) {
        long pend = shared.bits & mask;
        if (pend == 0 || owner == null) return;
        java.util.List<Task> group;
        synchronized (k.tasks) {
            group = new java.util.ArrayList<>(owner.leader.group);
        }
        for (Task t : group) {
            if (t == owner || !t.alive() || t.signals == null) continue;
            if ((pend & ~t.signals.blocked) != 0) k.sched.wake(t);
        }
    }

    /**
     * copy_process for a forked child's task {@code child}: the same actions, blocked mask and
     * alternate stack; nothing pending (the child's pending set starts empty).
     */
    synchronized Signals forkCopy(Task child) {
        Signals c = new Signals(k);
        c.owner = child;
        System.arraycopy(handler, 0, c.handler, 0, handler.length);
        System.arraycopy(saFlags, 0, c.saFlags, 0, saFlags.length);
        System.arraycopy(restorer, 0, c.restorer, 0, restorer.length);
        System.arraycopy(saMask, 0, c.saMask, 0, saMask.length);
        c.blocked = blocked;
        c.altSp = altSp;
        c.altSize = altSize;
        c.altFlags = altFlags;
        return c;
    }

    /**
     * execve's flush_signal_handlers and the rest of begin_new_exec: caught signals go back to
     * SIG_DFL (ignored ones stay ignored), flags and masks of the actions are cleared, the
     * alternate stack is disabled; the blocked mask and pending signals are kept.
     */
    synchronized void execReset() {
        // de_thread's unshare of a sighand another process shares (CLONE_SIGHAND): a private copy
        handler = handler.clone();
        saFlags = saFlags.clone();
        restorer = restorer.clone();
        saMask = saMask.clone();
        clearHandlers();
        altSp = 0;
        altSize = 0;
        altFlags = SS_DISABLE;
        restartBlock = null;
    }


    // ------------------------------------------------------------------ sleeping

    /**
     * Sleeps until a signal not blocked by {@code blocked} is pending, or until
     * {@code deadlineNanos} ({@link System#nanoTime} scale; Long.MAX_VALUE for none). True if a
     * signal woke it, false at the deadline. Ends early, as if woken, when the process is being
     * killed.
     */
    boolean sleep(long deadlineNanos) {
        return sleepFor(0, deadlineNanos);
    }

    /** As {@link #sleep}, also woken by a pending signal in {@code wanted} even if blocked (rt_sigtimedwait). */
    boolean sleepFor(long wanted, long deadlineNanos) {
        k.vdso.timeObserved(); // time passes: the vvar page is republished when the call returns
        Task t = owner;
        if (t == null) return sleepAlone(wanted, deadlineNanos);
        waitingFor = wanted;
        try {
            while (!hasReady() && (pending() & wanted) == 0) {
                if (k.exit != null || t.killed) return true;
                long now = System.nanoTime();
                if (deadlineNanos != Long.MAX_VALUE && now - deadlineNanos >= 0) return false;
                // the CPU runs other tasks meanwhile; a signal for this task wakes it
                k.sched.sleep(t, null, deadlineNanos, wanted != 0 ? "a signal (rt_sigtimedwait)" : "a signal",
                        wanted == 0 ? null : () -> (pending() & wanted) != 0);
            }
            return true;
        } finally {
            waitingFor = 0;
        }
    }

    /** {@link #sleepFor} before the signals belong to a task (a kernel with no process yet). */
    private synchronized boolean sleepAlone(long wanted, long deadlineNanos) {
        while (!hasReady() && (pending() & wanted) == 0) {
            if (k.exit != null) return true;
            long now = System.nanoTime();
            if (deadlineNanos != Long.MAX_VALUE && now - deadlineNanos >= 0) return false;
            try {
                if (deadlineNanos == Long.MAX_VALUE) wait();
                else {
                    long ns = deadlineNanos - now;
                    wait(ns / 1_000_000, (int) (ns % 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return true;
            }
        }
        return true;
    }

    /** Wakes sleepers so they notice the process ended. */
    synchronized void wakeAll() {
        notifyAll();
        if (owner != null) k.sched.wake(owner);
    }

    // ------------------------------------------------------------------ faults

    /**
     * A user-mode exception that demand paging did not resolve: records trapno/err/cr2 for the
     * sigcontext and forces the signal Linux's trap handler sends (arch/x86/kernel/traps.c,
     * arch/x86/mm/fault.c), with its si_code and si_addr. {@code why} explains a death by it.
     */
    void fault(int vector, int error, long ip, long cr2, String why) {
        Signal s = Signal.forVector(vector);
        int code = SI_KERNEL;
        long addr = 0;
        switch (vector) {
            case 0 -> { code = FPE_INTDIV; addr = ip; }
            case 1 -> { code = TRAP_TRACE; addr = ip; }
            case 6 -> { code = ILL_ILLOPN; addr = ip; }
            case 14 -> {
                // set_signal_archinfo: the user bit, and PROT for an address in the kernel half
                error |= 4;
                if (Long.compareUnsigned(cr2, mm().taskSizeMax) >= 0) error |= 1;
                faultAddress = cr2;
                Vma v = mm().find(cr2);
                code = v != null ? SEGV_ACCERR : SEGV_MAPERR;
                addr = cr2;
                if (v != null && (error & 1) == 0 && AddressSpace.permits(v, error) && mm().beyondFileEnd(v, cr2)) {
                    // a file page past the file's end: VM_FAULT_SIGBUS, do_sigbus's BUS_ADRERR
                    s = Signal.SIGBUS;
                    code = BUS_ADRERR;
                }
            }
            case 16, 19 -> {
                code = fpeCode(vector);
                if (code == 0) return; // a spurious #MF/#XM: no error to report, the instruction retries
                addr = ip;
                error = 0;
            }
            case 17 -> code = BUS_ADRALN;
            default -> { }
        }
        trapNr = vector;
        errorCode = error & 0xFFFF_FFFFL;
        force(Info.fault(s.number, code, addr, why));
    }

    /** fpu__exception_code: the si_code for an x87 (#MF) or SIMD (#XM) exception, 0 if none is unmasked. */
    private int fpeCode(int vector) {
        int err = vector == 16 ? cpu().fsw & ~cpu().fcw : ~(cpu().mxcsr >> 7) & cpu().mxcsr;
        if ((err & 0x01) != 0) return FPE_FLTINV;
        if ((err & 0x04) != 0) return FPE_FLTDIV;
        if ((err & 0x08) != 0) return FPE_FLTOVF;
        if ((err & 0x12) != 0) return FPE_FLTUND;
        if ((err & 0x20) != 0) return FPE_FLTRES;
        return 0;
    }

    // ------------------------------------------------------------------ delivery

    /**
     * exit_to_user_mode_loop's signal work (arch_do_signal_or_restart): delivers every deliverable
     * signal — a handler gets a frame (several nest, the last delivered runs first), a default
     * action ignores, or ends the process — then handles a system call's restart code when no
     * handler took it, and restores a mask saved by rt_sigsuspend.
     */
    void exitToUserMode(long regs) {
        if (k.exit != null) return;
        if (owner != null && owner.leader.stopped) k.waitWhileStopped(owner); // another thread stopped the process
        if (k.exit != null) return;
        delivering(regs);
    }

    /** Whether a system call's exit needs {@link #exitToUserMode}: a signal is ready, a mask awaits restoring, or {@code ret} is a restart code. */
    boolean exitWork(long ret) {
        return hasReady() || restoreSigmask || (ret >= -ERESTART_RESTARTBLOCK && ret <= -ERESTARTSYS);
    }

    private void delivering(long regs) {
        while (hasReady()) {
            Info info = dequeue(blocked);
            if (info == null) break;
            int n = info.signo;
            Signal s = Signal.of(n);
            long h = handler[n];
            if (h == SIG_IGN) continue;
            if (h == SIG_DFL) {
                if (s.ignoredByDefault()) continue;
                if (s.stopsByDefault()) {
                    if (k.config.strace()) straceSignal(info);
                    k.groupStop(n); // do_signal_stop: until SIGCONT (or SIGKILL)
                    if (k.exit != null) return;
                    continue;
                }
                if (k.config.strace()) straceSignal(info);
                k.killProcess(ExitStatus.killed(s, "killed by " + s + (info.why() == null ? "" : " " + info.why())
                        + (s.dumpsCore() ? " (core dumped)" : "")));
                return;
            }
            handleSignal(regs, info, h);
            if (k.exit != null) return;
        }
        if (reg(regs, PtRegs.ORIG_AX) >= 0) {
            long ax = reg(regs, PtRegs.AX);
            if (ax == -ERESTARTNOHAND || ax == -ERESTARTSYS || ax == -ERESTARTNOINTR) {
                restart(regs, reg(regs, PtRegs.ORIG_AX));
            } else if (ax == -ERESTART_RESTARTBLOCK) {
                restart(regs, NR_RESTART_SYSCALL);
            }
        }
        if (restoreSigmask) {
            restoreSigmask = false;
            setBlocked(savedMask);
        }
    }

    /** Back to the system-call instruction: RAX = {@code nr}, RIP - 2 (SYSCALL and INT $0x80 are both two bytes). */
    private void restart(long regs, long nr) {
        setReg(regs, PtRegs.AX, nr);
        setReg(regs, PtRegs.IP, reg(regs, PtRegs.IP) - 2);
    }

    /** handle_signal: restart codes seen by a handler, the frame, then the handler's mask. */
    private void handleSignal(long regs, Info info, long h) {
        int n = info.signo;
        long flags = saFlags[n], mask = saMask[n], rest = restorer[n];
        if ((flags & SA_RESETHAND) != 0) handler[n] = SIG_DFL;
        if (reg(regs, PtRegs.ORIG_AX) >= 0) {
            long ax = reg(regs, PtRegs.AX);
            if (ax == -ERESTART_RESTARTBLOCK || ax == -ERESTARTNOHAND || (ax == -ERESTARTSYS && (flags & SA_RESTART) == 0)) {
                setReg(regs, PtRegs.AX, -EINTR);
            } else if (ax == -ERESTARTSYS || ax == -ERESTARTNOINTR) {
                restart(regs, reg(regs, PtRegs.ORIG_AX));
            }
        }
        if (k.config.strace()) straceSignal(info);
        long saved = restoreSigmask ? savedMask : blocked;
        String failure = setupRtFrame(regs, info, h, flags, rest, saved);
        if (failure != null) {
            // force_sigsegv: a SIGSEGV whose own frame cannot be written kills
            if (n == Signal.SIGSEGV.number) handler[n] = SIG_DFL;
            force(Info.of(Signal.SIGSEGV.number, SI_KERNEL, 0, 0, "(" + failure + ")"));
            return;
        }
        delivered++;
        setReg(regs, PtRegs.FLAGS, reg(regs, PtRegs.FLAGS) & ~(long) (Flags.DF | Flags.RF | Flags.TF));
        X87.resetFxState(cpu()); // fpu__clear_user_states: the handler starts with a clean FPU
        restoreSigmask = false;
        setBlocked(blocked | mask | ((flags & SA_NODEFER) != 0 ? 0 : Signal.bit(n)));
    }

    /** on_sig_stack(sp): inside the alternate stack (never, with SS_AUTODISARM). */
    boolean onSigStack(long sp) {
        if ((altFlags & SS_AUTODISARM) != 0) return false;
        return onAltStack(sp);
    }

    private boolean onAltStack(long sp) {
        return Long.compareUnsigned(sp, altSp) > 0 && Long.compareUnsigned(sp - altSp, altSize) <= 0;
    }

    /** sas_ss_flags(sp). */
    int sasSsFlags(long sp) {
        if (altSize == 0) return SS_DISABLE;
        return onSigStack(sp) ? SS_ONSTACK : 0;
    }

    /**
     * x64_setup_rt_frame with get_sigframe and copy_fpstate_to_sigframe: below the red zone (or
     * at the top of the alternate stack), the FXSAVE image 64-byte aligned, then the frame with
     * RSP ≡ 8 (mod 16) as after a call; registers set for the handler. Null on success, else why
     * it failed (then the process gets SIGSEGV, as Linux's signal_setup_done does).
     */
    private String setupRtFrame(long regs, Info info, long h, long flags, long rest, long savedMask) {
        if ((flags & SA_RESTORER) == 0) return "x86-64 signal handlers need SA_RESTORER";
        long userSp = reg(regs, PtRegs.SP);
        boolean nested = onSigStack(userSp), entering = false;
        long sp = userSp - 128; // the red zone
        if ((flags & SA_ONSTACK) != 0 && sasSsFlags(sp) == 0) {
            sp = altSp + altSize;
            entering = true;
        }
        long fx = (sp - FX_SIZE) & ~63L;
        long frame = ((fx - FRAME_SIZE) & ~15L) - 8;
        if ((nested || entering) && !onAltStack(frame)) return "the alternate signal stack at 0x" + Long.toHexString(altSp) + " overflowed";

        byte[] fxImage = new byte[FX_SIZE];
        X87.fxImage(cpu(), fxImage, true);
        ByteBuffer sw = ByteBuffer.wrap(fxImage).order(ByteOrder.LITTLE_ENDIAN);
        sw.putInt(FX_SW_BYTES, FP_XSTATE_MAGIC1).putInt(FX_SW_BYTES + 4, FX_SIZE + 4).putLong(FX_SW_BYTES + 8, 3)
                .putInt(FX_SW_BYTES + 16, FX_SIZE);
        // FXSAVE leaves bytes 416-463 as they were; the software bytes follow
        if (!mm().copyToUser(fx, fxImage, 0, 416) || !mm().copyToUser(fx + FX_SW_BYTES, fxImage, FX_SW_BYTES, 48)) {
            return "the signal frame at 0x" + Long.toHexString(fx) + " is not writable";
        }

        ByteBuffer f = ByteBuffer.allocate(FRAME_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        f.putLong(0, rest);
        f.putLong(UC, UC_FLAGS).putLong(UC + 8, 0);
        f.putLong(UC_STACK, altSp).putInt(UC_STACK + 8, altFlags).putLong(UC_STACK + 16, altSize); // unsafe_save_altstack: the flags as set
        putSigcontext(f, MCONTEXT, regs, fx, savedMask);
        f.putLong(UC_SIGMASK, savedMask);
        int len = (flags & SA_SIGINFO) != 0 ? FRAME_SIZE : INFO;
        if ((flags & SA_SIGINFO) != 0) f.put(INFO, info.bytes());
        if (!mm().copyToUser(frame, f.array(), 0, len)) return "the signal frame at 0x" + Long.toHexString(frame) + " is not writable";
        if ((altFlags & SS_AUTODISARM) != 0) { altSp = 0; altSize = 0; altFlags = SS_DISABLE; }

        setReg(regs, PtRegs.DI, info.signo);
        setReg(regs, PtRegs.AX, 0);
        setReg(regs, PtRegs.SI, frame + INFO);
        setReg(regs, PtRegs.DX, frame + UC);
        setReg(regs, PtRegs.IP, h);
        setReg(regs, PtRegs.SP, frame);
        setReg(regs, PtRegs.CS, Gdt.USER_CS);
        setReg(regs, PtRegs.SS, Gdt.USER_DS);
        return null;
    }

    /** struct sigcontext (uapi asm/sigcontext.h) in the order of its fields. */
    private static final int[] SC_REGS = {PtRegs.R8, PtRegs.R9, PtRegs.R10, PtRegs.R11, PtRegs.R12, PtRegs.R13, PtRegs.R14,
            PtRegs.R15, PtRegs.DI, PtRegs.SI, PtRegs.BP, PtRegs.BX, PtRegs.DX, PtRegs.AX, PtRegs.CX, PtRegs.SP, PtRegs.IP,
            PtRegs.FLAGS};
    static final int SC_CS = 144, SC_SS = 150, SC_ERR = 152, SC_TRAPNO = 160, SC_OLDMASK = 168, SC_CR2 = 176,
            SC_FPSTATE = 184, SC_RESERVED = 192;

    private void putSigcontext(ByteBuffer f, int at, long regs, long fpstate, long mask) {
        for (int i = 0; i < SC_REGS.length; i++) f.putLong(at + 8 * i, reg(regs, SC_REGS[i]));
        f.putShort(at + SC_CS, (short) reg(regs, PtRegs.CS)).putShort(at + SC_CS + 2, (short) 0).putShort(at + SC_CS + 4, (short) 0)
                .putShort(at + SC_SS, (short) reg(regs, PtRegs.SS));
        f.putLong(at + SC_ERR, errorCode).putLong(at + SC_TRAPNO, trapNr).putLong(at + SC_OLDMASK, mask)
                .putLong(at + SC_CR2, faultAddress).putLong(at + SC_FPSTATE, fpstate);
    }

    /**
     * rt_sigreturn (arch/x86/kernel/signal_64.c): the frame is at RSP - 8 (the handler's {@code ret}
     * popped pretcode). Restores the mask, every register of the sigcontext (CS and SS forced to
     * RPL 3, only FIX_EFLAGS from the saved flags, orig_ax = -1 so no restart follows), the FP
     * state and the alternate stack; returns the restored RAX. A frame that cannot be read, or an
     * FP image FXRSTOR would refuse, is SIGSEGV. Whatever it restores, the exit path still
     * decides between SYSRET and IRET with the six checks.
     */
    long rtSigreturn(long regs) {
        long frame = reg(regs, PtRegs.SP) - 8;
        byte[] b = new byte[INFO];
        if (Long.compareUnsigned(frame, mm().taskSizeMax - FRAME_SIZE) > 0 || !mm().copyFromUser(frame, b, 0, INFO)) {
            return badFrame(frame, "cannot be read");
        }
        ByteBuffer f = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long ucFlags = f.getLong(UC);
        setBlocked(f.getLong(UC_SIGMASK));
        restartBlock = null;
        for (int i = 0; i < SC_REGS.length; i++) {
            int off = SC_REGS[i];
            long v = f.getLong(MCONTEXT + 8 * i);
            if (off == PtRegs.FLAGS) v = (reg(regs, PtRegs.FLAGS) & ~FIX_EFLAGS) | (v & FIX_EFLAGS);
            setReg(regs, off, v);
        }
        setReg(regs, PtRegs.CS, (f.getShort(MCONTEXT + SC_CS) & 0xFFFF) | 3);
        long ss = (f.getShort(MCONTEXT + SC_SS) & 0xFFFF) | 3;
        // force_valid_ss for frames without UC_STRICT_RESTORE_SS: the GDT's only user data segment is __USER_DS
        if ((ucFlags & 0x4) == 0 && ss != Gdt.USER_DS) ss = Gdt.USER_DS;
        setReg(regs, PtRegs.SS, ss);
        setReg(regs, PtRegs.ORIG_AX, -1);
        long fp = f.getLong(MCONTEXT + SC_FPSTATE);
        if (fp == 0) {
            X87.resetFxState(cpu());
        } else {
            byte[] fx = new byte[FX_SIZE];
            if (Long.compareUnsigned(fp, mm().taskSizeMax - FX_SIZE) > 0 || !mm().copyFromUser(fp, fx, 0, FX_SIZE)) {
                return badFrame(frame, "has an unreadable FP state at 0x" + Long.toHexString(fp));
            }
            if (!X87.loadFxImage(cpu(), fx, true)) return badFrame(frame, "has an FP state with reserved MXCSR bits");
        }
        // restore_altstack: errors other than EFAULT are ignored
        sigaltstack(f.getLong(UC_STACK), f.getInt(UC_STACK + 8), f.getLong(UC_STACK + 16), reg(regs, PtRegs.SP));
        return reg(regs, PtRegs.AX);
    }

    private long badFrame(long frame, String what) {
        force(Info.of(Signal.SIGSEGV.number, SI_KERNEL, 0, 0, "(rt_sigreturn: the signal frame at 0x" + Long.toHexString(frame) + " " + what + ")"));
        return 0;
    }

    /**
     * do_sigaltstack's update half (kernel/signal.c): -EPERM while running on the alternate stack,
     * -EINVAL for an unknown mode, -ENOMEM below MINSIGSTKSZ; SS_DISABLE clears it.
     */
    long sigaltstack(long ssSp, int ssFlags, long ssSize, long sp) {
        if (onSigStack(sp)) return -EPERM;
        int mode = ssFlags & ~SS_AUTODISARM;
        if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0) return -EINVAL;
        if (altSp == ssSp && altSize == ssSize && altFlags == ssFlags) return 0;
        if (mode == SS_DISABLE) {
            ssSize = 0;
            ssSp = 0;
        } else if (Long.compareUnsigned(ssSize, MINSIGSTKSZ) < 0) {
            return -ENOMEM;
        }
        altSp = ssSp;
        altSize = ssSize;
        altFlags = ssFlags;
        return 0;
    }

    // ------------------------------------------------------------------ strace

    private void straceSignal(Info info) {
        String code = switch (info.code()) {
            case SI_USER -> "SI_USER";
            case SI_KERNEL -> "SI_KERNEL";
            case SI_QUEUE -> "SI_QUEUE";
            case SI_TKILL -> "SI_TKILL";
            default -> Integer.toString(info.code());
        };
        k.config.log().println(k.stracePrefix() + "--- " + Signal.of(info.signo) + " {si_signo=" + Signal.of(info.signo) + ", si_code=" + code + "} ---");
    }

    /** The CPU of the calling kernel code (this_cpu). */
    private Cpu cpu() {
        return k.cur.cpu;
    }

    /** This CPU's MMU (the current task's address space is loaded in it). */
    private Mmu mmu() {
        return k.cur.cpu.mmu;
    }
}

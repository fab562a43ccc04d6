package dev.lstar.kernel;

import static dev.lstar.kernel.Errno.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The signal system calls of Linux 6.6 (kernel/signal.c, arch/x86/kernel/signal_64.c) and the
 * calls that sleep until a signal or a time (kernel/time/hrtimer.c, itimer.c, alarm), with their
 * argument checks and errno values. The state and the delivery are {@link Signals}.
 *
 * <p>Timers: ITIMER_REAL (and alarm) run on the host's monotonic clock; ITIMER_VIRTUAL and
 * ITIMER_PROF both count the CPU time of the process — the host threads of all its tasks (lstar
 * does not split user from system time) —, polled every millisecond while one is armed.
 */
final class SignalSyscalls {
    static final int SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
    static final int ITIMER_REAL = 0, ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;
    static final int TIMER_ABSTIME = 1;
    private static final long NS = 1_000_000_000L;


    private final LinuxKernel k;

    SignalSyscalls(LinuxKernel k, Signals sig) {
        this.k = k;
    }

    /** The current task's signals. */
    private Signals sig() {
        return k.signals;
    }

    private AddressSpace mm() {
        return k.process.mm;
    }

    private long regs() {
        return k.syscalls.currentRegs();
    }

    void register(SyscallTable t) {
        t.x64(13, "rt_sigaction", "Sppu", (a, b, c, d, e, f) -> rtSigaction((int) a, b, c, d));
        t.x64(14, "rt_sigprocmask", "Hppu", (a, b, c, d, e, f) -> rtSigprocmask((int) a, b, c, d));
        t.x64(15, "rt_sigreturn", 0, (a, b, c, d, e, f) -> sig().rtSigreturn(regs()));
        t.x64(34, "pause", 0, (a, b, c, d, e, f) -> pause());
        t.x64(35, "nanosleep", "pp", (a, b, c, d, e, f) -> nanosleep(a, b));
        t.x64(36, "getitimer", "Yp", (a, b, c, d, e, f) -> getitimer((int) a, b));
        t.x64(37, "alarm", "u", (a, b, c, d, e, f) -> alarm(a & 0xFFFF_FFFFL));
        t.x64(38, "setitimer", "Ypp", (a, b, c, d, e, f) -> setitimer((int) a, b, c));
        t.x64(62, "kill", "iS", (a, b, c, d, e, f) -> kill((int) a, (int) b));
        t.x64(127, "rt_sigpending", "pu", (a, b, c, d, e, f) -> rtSigpending(a, b));
        t.x64(128, "rt_sigtimedwait", "pppu", (a, b, c, d, e, f) -> rtSigtimedwait(a, b, c, d));
        t.x64(129, "rt_sigqueueinfo", "iip", (a, b, c, d, e, f) -> rtSigqueueinfo((int) a, (int) a, (int) b, c, false));
        t.x64(130, "rt_sigsuspend", "pu", (a, b, c, d, e, f) -> rtSigsuspend(a, b));
        t.x64(131, "sigaltstack", "pp", (a, b, c, d, e, f) -> sigaltstack(a, b));
        t.x64(200, "tkill", "iS", (a, b, c, d, e, f) -> tgkill(k.process.pid, (int) a, (int) b, false));
        t.x64(219, "restart_syscall", 0, (a, b, c, d, e, f) -> restartSyscall());
        t.x64(230, "clock_nanosleep", "Ktpp", (a, b, c, d, e, f) -> clockNanosleep((int) a, (int) b, c, d));
        t.x64(234, "tgkill", "iiS", (a, b, c, d, e, f) -> tgkill((int) a, (int) b, (int) c, true));
        t.x64(297, "rt_tgsigqueueinfo", "iiip", (a, b, c, d, e, f) -> rtSigqueueinfo((int) a, (int) b, (int) c, d, true));
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Reads {@code len} user bytes, or null (EFAULT). */
    private byte[] read(long la, int len) {
        byte[] b = new byte[len];
        return mm().copyFromUser(la, b, 0, len) ? b : null;
    }

    private boolean write(long la, ByteBuffer b) {
        return mm().copyToUser(la, b.array(), 0, b.capacity());
    }

    // ------------------------------------------------------------------ actions and masks

    /**
     * rt_sigaction(sig, act, oact, sigsetsize): sigsetsize must be 8; 1..64; SIGKILL/SIGSTOP only
     * readable. The new action is read before anything changes; unknown sa_flags bits are
     * dropped; setting SIG_IGN (or SIG_DFL for a default-ignored signal) discards it if pending.
     */
    long rtSigaction(int n, long act, long oact, long sigsetsize) {
        if (sigsetsize != Signals.SIGSET_SIZE) return -EINVAL;
        long[] nw = null;
        if (act != 0) {
            byte[] b = read(act, 32);
            if (b == null) return -EFAULT;
            ByteBuffer a = le(b);
            nw = new long[] {a.getLong(0), a.getLong(8) & Signals.UAPI_SA_FLAGS, a.getLong(16), a.getLong(24)};
        }
        if (n < 1 || n > Signal.NSIG || (nw != null && Signal.of(n).unblockable())) return -EINVAL;
        long[] old = {sig().handler[n], sig().saFlags[n], sig().restorer[n], sig().saMask[n]};
        if (nw != null) {
            sig().handler[n] = nw[0];
            sig().saFlags[n] = nw[1];
            sig().restorer[n] = nw[2];
            sig().saMask[n] = nw[3] & ~Signals.UNBLOCKABLE;
            if (nw[0] == Signals.SIG_IGN || (nw[0] == Signals.SIG_DFL && Signal.of(n).ignoredByDefault())) sig().flushEverywhere(n);
        }
        if (oact != 0) {
            ByteBuffer o = le(new byte[32]);
            o.putLong(0, old[0]).putLong(8, old[1]).putLong(16, old[2]).putLong(24, old[3]);
            if (!write(oact, o)) return -EFAULT;
        }
        return 0;
    }

    /** rt_sigprocmask(how, set, oset, sigsetsize): the old mask is written after the change. */
    long rtSigprocmask(int how, long set, long oset, long sigsetsize) {
        if (sigsetsize != Signals.SIGSET_SIZE) return -EINVAL;
        long old = sig().blocked;
        if (set != 0) {
            byte[] b = read(set, 8);
            if (b == null) return -EFAULT;
            long m = le(b).getLong(0);
            switch (how) {
                case SIG_BLOCK -> sig().setBlocked(old | m);
                case SIG_UNBLOCK -> sig().setBlocked(old & ~m);
                case SIG_SETMASK -> sig().setBlocked(m);
                default -> { return -EINVAL; }
            }
        }
        if (oset != 0 && !write(oset, le(new byte[8]).putLong(0, old))) return -EFAULT;
        return 0;
    }

    /** rt_sigpending(set, sigsetsize): blocked signals that are pending; a size above 8 is EINVAL. */
    long rtSigpending(long set, long sigsetsize) {
        if (Long.compareUnsigned(sigsetsize, Signals.SIGSET_SIZE) > 0) return -EINVAL;
        byte[] b = new byte[8];
        le(b).putLong(0, sig().pending() & sig().blocked);
        return mm().copyToUser(set, b, 0, (int) sigsetsize) ? 0 : -EFAULT;
    }

    /** sigaltstack(uss, uoss): the old stack is reported as it was before the change. */
    long sigaltstack(long uss, long uoss) {
        // current_user_stack_pointer(): pt_regs' RSP (the CPU's own when called outside a system call, as tests do)
        long sp = regs() != 0 ? k.syscalls.reg(regs(), PtRegs.SP) : k.cpu().r[dev.lstar.runtime.Cpu.RSP];
        ByteBuffer old = le(new byte[24]);
        old.putLong(0, sig().altSp).putInt(8, sig().sasSsFlags(sp) | (sig().altFlags & Signals.SS_AUTODISARM)).putLong(16, sig().altSize);
        long r = 0;
        if (uss != 0) {
            byte[] b = read(uss, 24);
            if (b == null) return -EFAULT;
            ByteBuffer n = le(b);
            r = sig().sigaltstack(n.getLong(0), n.getInt(8), n.getLong(16), sp);
        }
        if (r == 0 && uoss != 0 && !write(uoss, old)) return -EFAULT;
        return r;
    }

    // ------------------------------------------------------------------ sending

    private long uid() {
        return Ids.uid();
    }

    /**
     * kill(pid, sig) of kernel/signal.c: pid > 0 is that process; 0 the caller's process group;
     * -1 every process but init (pid 1) and the caller; below -1 the process group -pid. ESRCH
     * when nothing matches; signal 0 only checks. A zombie still answers to its pid (the signal
     * is dropped). Every guest process has the same credentials, so permission never fails.
     */
    long kill(int pid, int n) {
        if (n < 0 || n > Signal.NSIG) return -EINVAL;
        int self = k.process.pid;
        Signals.Info info = Signals.Info.sent(n, Signals.SI_USER, self, uid(), "(sent by kill() from pid " + self + ")");
        if (pid > 0) {
            Task t = k.task(pid); // any thread's id names its process
            if (t == null) return -ESRCH;
            if (n != 0) k.signalProcess(t.leader, info, false);
            return 0;
        }
        int pgid = pid == 0 ? k.current.leader.pgid : -pid;
        boolean any = false;
        java.util.Set<Task> leaders = new java.util.LinkedHashSet<>();
        for (Task t : k.liveTasks()) leaders.add(t.leader);
        for (Task t : leaders) {
            boolean match = pid == -1 ? t.tgid != 1 && t.tgid != self : t.pgid == pgid;
            if (!match) continue;
            any = true;
            if (n != 0) k.signalProcess(t, info, false);
        }
        return any ? 0 : -ESRCH;
    }

    /** Sends {@code info} to task {@code t} (nothing to a zombie, which can no longer take signals). */
    private void sendTo(Task t, Signals.Info info) {
        if (!t.alive() || t.signals == null) return;
        t.signals.send(info);
    }

    /** tgkill(tgid, tid, sig) and tkill(tid, sig): that thread (of that process, for tgkill). */
    long tgkill(int tgid, int tid, int n, boolean group) {
        if (n < 0 || n > Signal.NSIG) return -EINVAL;
        if (tid <= 0 || (group && tgid <= 0)) return -EINVAL;
        int self = k.process.pid;
        Task t = k.task(tid);
        if (t == null || !t.alive() || (group && t.tgid != tgid)) return -ESRCH;
        if (n == 0) return 0;
        sendTo(t, Signals.Info.sent(n, Signals.SI_TKILL, self, uid(), "(sent by " + (group ? "tgkill" : "tkill") + "() from pid " + self + ")"));
        return 0;
    }

    /**
     * rt_sigqueueinfo / rt_tgsigqueueinfo: the caller's siginfo, with si_signo set to {@code n};
     * to another process a non-negative si_code or SI_TKILL is EPERM (only the kernel may claim
     * those); to itself anything goes.
     */
    long rtSigqueueinfo(int tgid, int tid, int n, long uinfo, boolean thread) {
        byte[] b = read(uinfo, 128);
        if (b == null) return -EFAULT;
        if (n < 0 || n > Signal.NSIG) return -EINVAL;
        if (thread && (tgid <= 0 || tid <= 0)) return -EINVAL;
        int self = k.process.pid;
        Task t = k.task(thread ? tid : tgid);
        if (t == null || t.tgid != tgid || (thread && !t.alive())) return -ESRCH;
        // only the kernel may claim a non-negative si_code or SI_TKILL, except towards oneself
        int code = le(b).getInt(8);
        if (t.tgid != self && (code >= 0 || code == Signals.SI_TKILL)) return -EPERM;
        if (n == 0) return 0;
        le(b).putInt(0, n);
        Signals.Info info = new Signals.Info(n, b, "(sent by rt_sigqueueinfo() from pid " + self + ")");
        if (thread) sendTo(t, info);
        else k.signalProcess(t.leader, info, false);
        return 0;
    }

    // ------------------------------------------------------------------ waiting

    /** pause(): sleeps until a signal is delivered; -ERESTARTNOHAND becomes EINTR under a handler. */
    long pause() {
        sig().sleep(Long.MAX_VALUE);
        return -ERESTARTNOHAND;
    }

    /** rt_sigsuspend(mask, sigsetsize): waits with {@code mask} blocked; the old mask returns with the handler's frame. */
    long rtSigsuspend(long mask, long sigsetsize) {
        if (sigsetsize != Signals.SIGSET_SIZE) return -EINVAL;
        byte[] b = read(mask, 8);
        if (b == null) return -EFAULT;
        sig().savedMask = sig().blocked;
        sig().restoreSigmask = true;
        sig().setBlocked(le(b).getLong(0));
        sig().sleep(Long.MAX_VALUE);
        return -ERESTARTNOHAND;
    }

    /**
     * rt_sigtimedwait(these, info, timeout, sigsetsize): takes a pending signal of {@code these}
     * (SIGKILL/SIGSTOP never) without running its handler, waiting up to {@code timeout} (NULL:
     * forever); -EAGAIN on time-out, -EINTR if another signal arrives meanwhile.
     */
    long rtSigtimedwait(long these, long uinfo, long uts, long sigsetsize) {
        if (sigsetsize != Signals.SIGSET_SIZE) return -EINVAL;
        byte[] b = read(these, 8);
        if (b == null) return -EFAULT;
        long want = le(b).getLong(0) & ~Signals.UNBLOCKABLE;
        long deadline = Long.MAX_VALUE;
        if (uts != 0) {
            long ns = readTimespec(uts);
            if (ns == -EFAULT || ns == -EINVAL) return ns;
            deadline = System.nanoTime() + ns;
        }
        Signals.Info info = sig().dequeue(~want);
        if (info == null && deadline != Long.MAX_VALUE && deadline - System.nanoTime() <= 0) return -EAGAIN;
        if (info == null) {
            sig().sleepFor(want, deadline);
            info = sig().dequeue(~want);
            if (info == null) return sig().hasReady() ? -EINTR : -EAGAIN;
        }
        if (uinfo != 0 && !mm().copyToUser(uinfo, info.bytes(), 0, 128)) return -EFAULT;
        return info.signo();
    }

    /** A struct timespec from user memory in nanoseconds; -EFAULT, or -EINVAL unless 0 <= tv_nsec < 10^9 and tv_sec >= 0. */
    private long readTimespec(long la) {
        byte[] b = read(la, 16);
        if (b == null) return -EFAULT;
        long sec = le(b).getLong(0), nsec = le(b).getLong(8);
        if (sec < 0 || nsec < 0 || nsec >= NS) return -EINVAL;
        return sec > Long.MAX_VALUE / NS - 1 ? Long.MAX_VALUE / 2 : sec * NS + nsec;
    }

    private boolean writeTimespec(long la, long ns) {
        return write(la, le(new byte[16]).putLong(0, ns / NS).putLong(8, ns % NS));
    }

    /** nanosleep(req, rem): relative, on CLOCK_MONOTONIC. */
    long nanosleep(long req, long rem) {
        long ns = readTimespec(req);
        if (ns == -EFAULT || ns == -EINVAL) return ns;
        return sleepUntil(System.nanoTime() + ns, rem);
    }

    /**
     * clock_nanosleep(clock, flags, req, rem) on REALTIME, MONOTONIC, BOOTTIME, TAI and the
     * alarm clocks. The clocks without a sleep in Linux (MONOTONIC_RAW, the COARSE ones) are
     * -EOPNOTSUPP, THREAD_CPUTIME is -EINVAL, as there; a sleep on PROCESS_CPUTIME is not
     * modelled and says so with -EOPNOTSUPP. An interrupted absolute sleep returns
     * -ERESTARTNOHAND (no time left to report), a relative one restarts with the time left.
     */
    long clockNanosleep(int clock, int flags, long req, long rem) {
        switch (clock) {
            case 0, 1, 7, 8, 9, 11 -> { }
            case 2, 4, 5, 6 -> { return -EOPNOTSUPP; }
            default -> { return -EINVAL; }
        }
        long ns = readTimespec(req);
        if (ns == -EFAULT || ns == -EINVAL) return ns;
        if ((flags & TIMER_ABSTIME) != 0) {
            long now = clock == 0 || clock == 8 || clock == 11 ? realtimeNanos() : System.nanoTime();
            long deadline = System.nanoTime() + (ns - now);
            return sig().sleep(deadline) ? -ERESTARTNOHAND : 0;
        }
        return sleepUntil(System.nanoTime() + ns, rem);
    }

    private static long realtimeNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * NS + now.getNano();
    }

    /**
     * hrtimer_nanosleep: sleeps until {@code deadline}; interrupted, it stores the time left in
     * {@code rem} and returns -ERESTART_RESTARTBLOCK, so an ignored or handled-with-restart
     * signal resumes the same sleep through restart_syscall and a handler sees EINTR.
     */
    private long sleepUntil(long deadline, long rem) {
        if (!sig().sleep(deadline)) return 0;
        long left = Math.max(0, deadline - System.nanoTime());
        if (rem != 0 && !writeTimespec(rem, left)) return -EFAULT;
        sig().restartBlock = () -> sleepUntil(deadline, rem);
        return -ERESTART_RESTARTBLOCK;
    }

    /** restart_syscall(): resumes an interrupted sleep, or -EINTR (do_no_restart_syscall). */
    long restartSyscall() {
        var fn = sig().restartBlock;
        sig().restartBlock = null;
        return fn == null ? -EINTR : fn.getAsLong();
    }

    // ------------------------------------------------------------------ interval timers

    /** alarm(seconds): ITIMER_REAL without interval; returns the seconds left of the previous one, rounded. */
    long alarm(long seconds) {
        long[] old = setTimer(ITIMER_REAL, seconds * NS, 0);
        long sec = old[0] / NS, usec = old[0] % NS / 1000;
        if ((sec == 0 && usec != 0) || usec >= 500_000) sec++;
        return sec;
    }

    long getitimer(int which, long value) {
        if (which < 0 || which > 2) return -EINVAL;
        long[] cur = current(which);
        return write(value, itimerval(cur)) ? 0 : -EFAULT;
    }

    /** setitimer(which, new, old): a NULL new value disarms (Linux's kept misfeature); usec outside 0..999999 is EINVAL. */
    long setitimer(int which, long nw, long old) {
        long value = 0, ival = 0;
        if (nw != 0) {
            byte[] b = read(nw, 32);
            if (b == null) return -EFAULT;
            ByteBuffer v = le(b);
            long is = v.getLong(0), iu = v.getLong(8), vs = v.getLong(16), vu = v.getLong(24);
            if (is < 0 || iu < 0 || iu >= 1_000_000 || vs < 0 || vu < 0 || vu >= 1_000_000) return -EINVAL;
            ival = is * NS + iu * 1000;
            value = vs * NS + vu * 1000;
        }
        if (which < 0 || which > 2) return -EINVAL;
        long[] prev = setTimer(which, value, ival);
        if (old != 0 && !write(old, itimerval(prev))) return -EFAULT;
        return 0;
    }

    private static ByteBuffer itimerval(long[] t) {
        return le(new byte[32]).putLong(0, t[1] / NS).putLong(8, t[1] % NS / 1000).putLong(16, t[0] / NS).putLong(24, t[0] % NS / 1000);
    }


    /** The current process's timers (those of the kernel's first process before any task exists). */
    private Timers timers() {
        Task t = k.current;
        if (t == null) {
            if (early == null) early = new Timers(k, null);
            return early;
        }
        return t.timers;
    }

    private Timers early;

    private long[] setTimer(int which, long value, long ival) {
        return timers().set(which, value, ival);
    }

    private long[] current(int which) {
        return timers().current(which);
    }

    /** Whether an interval timer (or alarm) of the current process is armed: a signal will come to end a wait. */
    boolean timerArmed() {
        return timers().armed();
    }

    /** The current process ended: no timer of it fires any more. */
    void cancelTimers() {
        timers().cancel();
    }

    /**
     * A process's interval timers (signal_struct's real_timer and it_[PROF/VIRT]): ITIMER_REAL on
     * the host clock, VIRTUAL and PROF on the process's CPU time; an expiry sends its signal to
     * the process whose timer it is. Not inherited by fork; kept across execve.
     */
    static final class Timers {
        private final LinuxKernel k;
        /** The process's leader (a thread that execs becomes it: de_thread). */
        Task owner;
        /** Per timer: the expiry (System.nanoTime scale for REAL, CPU-time ns for the others; 0 = disarmed) and the interval. */
        private final long[] expiry = new long[3], interval = new long[3];
        private final ScheduledFuture<?>[] task = new ScheduledFuture<?>[3];

        Timers(LinuxKernel k, Task owner) {
            this.k = k;
            this.owner = owner;
        }

        private long now(int which) {
            // ITIMER_VIRTUAL/PROF: the process's CPU time, every thread's (the leader may sleep while others run)
            return which == ITIMER_REAL ? System.nanoTime() : Math.max(0, owner != null ? k.processCpuNanos(owner) : k.cpuTimeNanos());
        }

        private Signals target() {
            return owner != null ? owner.signals : k.signals;
        }

        /** {value left, interval} of a timer; an armed timer that is due reads as 1 µs left. */
        synchronized long[] current(int which) {
            if (expiry[which] == 0) return new long[] {0, interval[which]};
            long left = expiry[which] - now(which);
            return new long[] {left <= 0 ? 1000 : left, interval[which]};
        }

        /** Arms ({@code value} > 0) or disarms a timer; returns its previous {value left, interval}. */
        synchronized long[] set(int which, long value, long ival) {
            long[] old = current(which);
            if (task[which] != null) task[which].cancel(false);
            task[which] = null;
            interval[which] = value == 0 ? 0 : ival;
            expiry[which] = value == 0 ? 0 : now(which) + value;
            if (value != 0) schedule(which);
            return old;
        }

        private void schedule(int which) {
            if (which == ITIMER_REAL) {
                task[which] = KernelTimers.EXECUTOR.schedule(() -> fire(which), Math.max(0, expiry[which] - System.nanoTime()), TimeUnit.NANOSECONDS);
            } else {
                task[which] = KernelTimers.EXECUTOR.scheduleAtFixedRate(() -> { if (now(which) - expiry[which] >= 0) fire(which); }, 1, 1, TimeUnit.MILLISECONDS);
            }
        }

        /**
         * An expiry: the signal is sent while the timer's lock is held, so that a setitimer/alarm
         * that disarms the timer either comes before it (nothing is sent) or after it (the signal is
         * already pending) — as Linux's sighand lock orders them; sent after the lock, a disarm and
         * a handler reset in between would let a late expiry kill the process.
         */
        private synchronized void fire(int which) {
            if (expiry[which] == 0) return;
            if (interval[which] != 0) {
                expiry[which] += interval[which];
                if (which == ITIMER_REAL) schedule(which);
            } else {
                expiry[which] = 0;
                if (task[which] != null) task[which].cancel(false);
                task[which] = null;
            }
            Signal s = which == ITIMER_REAL ? Signal.SIGALRM : which == ITIMER_VIRTUAL ? Signal.SIGVTALRM : Signal.SIGPROF;
            Signals.Info info = Signals.Info.of(s.number, Signals.SI_KERNEL, 0, 0, "(timer expired)");
            if (owner != null) {
                k.signalProcess(owner.leader, info, true);
            } else {
                Signals target = target();
                if (target != null) target.sendAsync(info);
            }
        }

        /**
         * Whether a timer is armed: a signal will come to end a wait. Read without the timer's
         * lock: the scheduler asks while holding its own lock, and {@link #fire} takes the
         * scheduler's lock (to wake the target) while holding the timer's — taking it here would
         * be a lock-order inversion (a host-level deadlock). A stale answer is harmless: an
         * expiry that clears it also wakes the sleeper.
         */
        boolean armed() {
            return expiry[0] != 0 || expiry[1] != 0 || expiry[2] != 0;
        }

        /** The process ended: no timer fires any more. */
        synchronized void cancel() {
            for (int i = 0; i < 3; i++) {
                if (task[i] != null) task[i].cancel(false);
                task[i] = null;
                expiry[i] = 0;
            }
            if (cpuCheck != null) cpuCheck.cancel(false);
            cpuCheck = null;
            cpuKilled = true;
        }

        // ---- RLIMIT_CPU (signal_struct's cputime_expires[CPUCLOCK_PROF] and check_process_timers)

        private ScheduledFuture<?> cpuCheck;
        /** SIGKILL was sent for the hard limit (or the process ended): no further action. */
        private boolean cpuKilled;

        /**
         * (Re-)arms the process's RLIMIT_CPU check after setrlimit/prlimit, at fork (the limit is
         * inherited, the CPU time starts again at 0) and for the first process at load: while the
         * soft limit is finite, a timer thread reads the process's CPU time (every thread's,
         * {@link LinuxKernel#processCpuNanos}) every {@value LinuxKernel#CPU_CHECK_MICROS} µs.
         * Nothing is added to the guest's hot path; the signal interrupts running guest code as
         * any signal from another host thread does.
         */
        synchronized void cpuLimitChanged() {
            if (cpuCheck != null) cpuCheck.cancel(false);
            cpuCheck = null;
            if (owner == null || owner.limits == null || cpuKilled) return;
            // as Linux, only a finite soft limit is checked (the hard one with it)
            if (owner.limits.soft(ResourceLimits.RLIMIT_CPU) == ResourceLimits.RLIM_INFINITY) return;
            cpuCheck = KernelTimers.EXECUTOR.scheduleAtFixedRate(this::checkCpuLimit, LinuxKernel.CPU_CHECK_MICROS,
                    LinuxKernel.CPU_CHECK_MICROS, TimeUnit.MICROSECONDS);
        }

        /**
         * check_process_timers' RLIMIT_CPU part (kernel/time/posix-cpu-timers.c, Linux 6.6): at the
         * hard limit SIGKILL, "no further action"; else at the soft limit SIGXCPU, and the soft
         * limit moves up a second (even past the hard one, as Linux) so that a process that
         * handles it gets one every second. The hard limit is checked first: with soft = hard (a shell's
         * {@code ulimit -t N}) the process gets SIGKILL, as a 6.x kernel does. Both are
         * process-directed signals; SIGXCPU's default action ends the process with a core dump
         * (status 128 + 24; no core file is written).
         */
        private synchronized void checkCpuLimit() {
            Task leader = owner;
            if (cpuKilled || leader == null || leader.processExit != null) return;
            ResourceLimits l = leader.limits;
            long soft = l.soft(ResourceLimits.RLIMIT_CPU), hard = l.hard(ResourceLimits.RLIMIT_CPU);
            if (soft == ResourceLimits.RLIM_INFINITY) return;
            long t = k.processCpuNanos(leader);
            String used = String.format("%.3f s of CPU time", t / 1e9);
            Signals.Info info;
            if (hard != ResourceLimits.RLIM_INFINITY && Long.compareUnsigned(t, seconds(hard)) >= 0) {
                cpuKilled = true;
                if (cpuCheck != null) cpuCheck.cancel(false);
                cpuCheck = null;
                info = Signals.Info.of(Signal.SIGKILL.number, Signals.SI_KERNEL, 0, 0, "(CPU time limit exceeded: " + used
                        + ", hard RLIMIT_CPU " + Long.toUnsignedString(hard) + " s)");
            } else if (Long.compareUnsigned(t, seconds(soft)) >= 0) {
                info = Signals.Info.of(Signal.SIGXCPU.number, Signals.SI_KERNEL, 0, 0, "(CPU time limit exceeded: " + used
                        + ", soft RLIMIT_CPU " + Long.toUnsignedString(soft) + " s)");
                l.raiseCpuSoft(soft + 1); // even past the hard limit, as Linux (the hard check comes first)
            } else {
                return;
            }
            k.signalProcess(leader, info, true);
        }

        private static long seconds(long s) {
            return Long.compareUnsigned(s, Long.MAX_VALUE / NS) > 0 ? -1L : s * NS;
        }
    }
}

package dev.lstar.kernel;

import static dev.lstar.kernel.Errno.*;
import static dev.lstar.kernel.vfs.OpenFile.*;

import dev.lstar.kernel.vfs.FdTable;
import dev.lstar.kernel.vfs.OpenFile;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * poll, ppoll, select and pselect6 (fs/select.c of Linux 6.6) over the process's descriptors.
 * Readiness is each file's {@link OpenFile#pollMask}: regular files, directories and devices
 * always ready, pipes by their buffer and the liveness of the other end, eventfds by their
 * counter, the host's stdin by what Java can see of it. In one thread nothing but a signal can
 * change a pipe's state while the caller sleeps, so a wait sleeps on {@link Signals#sleep} until
 * its timeout or a signal (a host stream is re-checked every {@value #STREAM_RECHECK_MS} ms); a
 * wait without a timeout that nothing could ever end ends the process as a deadlock, as a pipe
 * read does. Interrupted, poll restarts through restart_syscall with the time left, select
 * writes the time left back and returns -ERESTARTNOHAND, ppoll and pselect6 as well after
 * installing their signal mask the way rt_sigsuspend does.
 */
final class PollSyscalls {
    static final int POLLIN_SET = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR,
            POLLOUT_SET = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR, POLLEX_SET = POLLPRI;
    static final long NS = 1_000_000_000L;
    static final int STREAM_RECHECK_MS = 10;

    private final LinuxKernel k;

    PollSyscalls(LinuxKernel k) {
        this.k = k;
    }

    private AddressSpace mm() { return k.process.mm; }
    private FdTable fds() { return k.fds(); }

    void register(SyscallTable t) {
        t.x64(7, "poll", "pun", (a, b, c, d, e, f) -> poll(a, b & 0xFFFF_FFFFL, (int) c));
        t.x64(23, "select", "npppp", (a, b, c, d, e, f) -> select((int) a, b, c, d, e));
        t.x64(270, "pselect6", "nppppp", (a, b, c, d, e, f) -> pselect6((int) a, b, c, d, e, f));
        t.x64(271, "ppoll", "puppu", (a, b, c, d, e, f) -> ppoll(a, b & 0xFFFF_FFFFL, c, d, e));
    }

    // ------------------------------------------------------------------ time

    /**
     * poll_select_set_timeout: an absolute end on the System.nanoTime() scale; 0 stands for "a zero
     * timeout" (never sleep) and Long.MAX_VALUE for none. -1 if the timespec is invalid.
     */
    static long endTime(long sec, long nsec) {
        if (sec < 0 || nsec < 0 || nsec >= NS) return -1;
        if (sec == 0 && nsec == 0) return 0;
        long now = System.nanoTime();
        if (sec > (Long.MAX_VALUE / 4) / NS) return Long.MAX_VALUE - 1; // far enough to be "never" in practice, still finite
        long end = now + sec * NS + nsec;
        return end == 0 || end == Long.MAX_VALUE ? end - 1 : end;
    }

    /** The time left until {@code end} (never negative) in nanoseconds. */
    private static long left(long end) {
        return Math.max(0, end - System.nanoTime());
    }

    // ------------------------------------------------------------------ poll

    /** poll(ufds, nfds, timeout_msecs): a negative timeout waits forever. */
    long poll(long ufds, long nfds, int timeoutMs) {
        long end = timeoutMs < 0 ? Long.MAX_VALUE : endTime(timeoutMs / 1000, (long) (timeoutMs % 1000) * 1_000_000);
        return restartable(ufds, nfds, end);
    }

    /** do_sys_poll, and when interrupted the restart block (do_restart_poll) that resumes it with the same end time. */
    private long restartable(long ufds, long nfds, long end) {
        long r = doSysPoll(ufds, nfds, end);
        if (r != -ERESTARTNOHAND) return r;
        k.signals.restartBlock = () -> restartable(ufds, nfds, end);
        return -ERESTART_RESTARTBLOCK;
    }

    /**
     * The end of a struct timespec timeout at {@code tsp} (System.nanoTime scale; Long.MAX_VALUE
     * for NULL: no timeout), or -EFAULT, or -EINVAL for a negative or unnormalised one.
     */
    private long deadline(long tsp) {
        if (tsp == 0) return Long.MAX_VALUE;
        long[] ts = readPair(tsp);
        if (ts == null) return -EFAULT;
        long end = endTime(ts[0], ts[1]);
        return end == -1 ? -EINVAL : end;
    }

    /** ppoll(ufds, nfds, tsp, sigmask, sigsetsize): a timespec timeout, a temporary signal mask, the time left written back. */
    long ppoll(long ufds, long nfds, long tsp, long sigmask, long sigsetsize) {
        long end = deadline(tsp);
        if (end == -EFAULT || end == -EINVAL) return end;
        long r = setUserSigmask(sigmask, sigsetsize);
        if (r != 0) return r;
        r = doSysPoll(ufds, nfds, end);
        return finish(end, tsp, false, r);
    }

    /** do_sys_poll: nfds against RLIMIT_NOFILE, the pollfd array in, revents out for every entry. */
    private long doSysPoll(long ufds, long nfds, long end) {
        if (Long.compareUnsigned(nfds, k.limits.soft(ResourceLimits.RLIMIT_NOFILE)) > 0) return -EINVAL;
        int n = (int) nfds;
        byte[] raw = new byte[n * 8];
        if (n > 0 && !mm().copyFromUser(ufds, raw, 0, raw.length)) return -EFAULT;
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        long count;
        while (true) {
            count = 0;
            boolean hostStream = false;
            for (int i = 0; i < n; i++) {
                int fd = b.getInt(i * 8);
                int events = b.getShort(i * 8 + 4) & 0xFFFF;
                int revents = 0;
                if (fd >= 0) {
                    OpenFile f = file(fd);
                    if (f == null) revents = POLLNVAL;
                    else {
                        revents = f.pollMask() & (events | POLLERR | POLLHUP);
                        hostStream |= f.pollChangesByItself();
                    }
                }
                b.putShort(i * 8 + 6, (short) revents);
                if (revents != 0) count++;
            }
            if (count == 0 && k.signals.hasReady()) count = -ERESTARTNOHAND;
            if (count != 0 || end == 0 || k.exit != null) break;
            if (end != Long.MAX_VALUE && end - System.nanoTime() <= 0) break;
            if (!waitForChange(end, hostStream, "poll on " + n + " descriptor" + (n == 1 ? "" : "s"))) break;
        }
        if (n > 0 && !mm().copyToUser(ufds, raw, 0, raw.length)) return -EFAULT;
        return count;
    }

    /** The open file {@code fd} as fdget sees it (an O_PATH descriptor is none), or null. */
    private OpenFile file(int fd) {
        if (!fds().isOpen(fd)) return null;
        OpenFile f = fds().get(fd);
        return (f.flags & O_PATH) != 0 ? null : f;
    }

    /**
     * Sleeps until {@code end}, a signal, or (with a host stream among the files) the next
     * re-check; false if the process was ended as a deadlock instead.
     */
    private boolean waitForChange(long end, boolean hostStream, String what) {
        if (hostStream) {
            long slice = System.nanoTime() + STREAM_RECHECK_MS * 1_000_000L;
            k.signals.sleep(end == Long.MAX_VALUE || end - slice > 0 ? slice : end);
            return true;
        }
        if (k.liveTasks().size() > 1) {
            // another task may change a file: sleep until some descriptor operation, a signal or the timeout
            k.vdso.timeObserved();
            k.sched.sleep(k.current, Scheduler.FILES, end, what, null, true);
            return true;
        }
        if (end == Long.MAX_VALUE && !k.signalSyscalls.timerArmed()) {
            k.killProcess(ExitStatus.killed(Signal.SIGKILL, "deadlock: " + what + " without a timeout, none of which can become ready,"
                    + " would block forever (no other task could change them and no timer is armed); stopped with SIGKILL"));
            return false;
        }
        k.signals.sleep(end);
        return true;
    }

    // ------------------------------------------------------------------ select

    /** select(n, inp, outp, exp, tvp): a timeval timeout; the time left is written back to it. */
    long select(int n, long inp, long outp, long exp, long tvp) {
        long end = Long.MAX_VALUE;
        if (tvp != 0) {
            long[] tv = readPair(tvp);
            if (tv == null) return -EFAULT;
            long usec = tv[1];
            // tv_sec + tv_usec / USEC_PER_SEC, (tv_usec % USEC_PER_SEC) * NSEC_PER_USEC: a negative usec stays negative
            end = endTime(tv[0] + usec / 1_000_000, (usec % 1_000_000) * 1000);
            if (end == -1) return -EINVAL;
        }
        long r = coreSysSelect(n, inp, outp, exp, end);
        return finish(end, tvp, true, r);
    }

    /** pselect6(n, inp, outp, exp, tsp, sig): sig points to {const sigset_t *ss, size_t ss_len}. */
    long pselect6(int n, long inp, long outp, long exp, long tsp, long sig) {
        long mask = 0, size = 0;
        if (sig != 0) {
            long[] pack = readPair(sig);
            if (pack == null) return -EFAULT;
            mask = pack[0];
            size = pack[1];
        }
        long end = deadline(tsp);
        if (end == -EFAULT || end == -EINVAL) return end;
        long r = setUserSigmask(mask, size);
        if (r != 0) return r;
        r = coreSysSelect(n, inp, outp, exp, end);
        return finish(end, tsp, false, r);
    }

    /**
     * core_sys_select + do_select: n clipped to the descriptor table's size, the three sets in,
     * EBADF for a set bit without an open descriptor, the ready bits out (each counted once per
     * set); nothing ready and a signal pending: -ERESTARTNOHAND with the sets left as they were.
     */
    private long coreSysSelect(int n, long inp, long outp, long exp, long end) {
        if (n < 0) return -EINVAL;
        n = Math.min(n, fds().maxFds());
        int words = (n + 63) / 64, bytes = words * 8;
        long[] in = new long[words], out = new long[words], ex = new long[words];
        if (!getFdSet(inp, in, bytes) || !getFdSet(outp, out, bytes) || !getFdSet(exp, ex, bytes)) return -EFAULT;
        // max_select_fd: every descriptor named must be open
        for (int fd = 0; fd < n; fd++) {
            long bit = 1L << (fd & 63);
            if (((in[fd >> 6] | out[fd >> 6] | ex[fd >> 6]) & bit) != 0 && !fds().isOpen(fd)) return -EBADF;
        }
        long[] rin = new long[words], rout = new long[words], rex = new long[words];
        long count;
        while (true) {
            count = 0;
            boolean hostStream = false;
            java.util.Arrays.fill(rin, 0);
            java.util.Arrays.fill(rout, 0);
            java.util.Arrays.fill(rex, 0);
            for (int fd = 0; fd < n; fd++) {
                int w = fd >> 6;
                long bit = 1L << (fd & 63);
                if (((in[w] | out[w] | ex[w]) & bit) == 0) continue;
                OpenFile f = file(fd);
                int mask = f == null ? POLLNVAL : f.pollMask();
                if (f != null) hostStream |= f.pollChangesByItself();
                if ((mask & POLLIN_SET) != 0 && (in[w] & bit) != 0) { rin[w] |= bit; count++; }
                if ((mask & POLLOUT_SET) != 0 && (out[w] & bit) != 0) { rout[w] |= bit; count++; }
                if ((mask & POLLEX_SET) != 0 && (ex[w] & bit) != 0) { rex[w] |= bit; count++; }
            }
            if (count != 0 || end == 0 || k.signals.hasReady() || k.exit != null) break;
            if (end != Long.MAX_VALUE && end - System.nanoTime() <= 0) break;
            if (!waitForChange(end, hostStream, "select on " + n + " descriptor" + (n == 1 ? "" : "s"))) break;
        }
        if (count == 0 && k.signals.hasReady()) return -ERESTARTNOHAND;
        if (!setFdSet(inp, rin, bytes) || !setFdSet(outp, rout, bytes) || !setFdSet(exp, rex, bytes)) return -EFAULT;
        return count;
    }

    private boolean getFdSet(long ptr, long[] set, int bytes) {
        if (ptr == 0 || bytes == 0) return true;
        byte[] b = new byte[bytes];
        if (!mm().copyFromUser(ptr, b, 0, bytes)) return false;
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(set);
        return true;
    }

    private boolean setFdSet(long ptr, long[] set, int bytes) {
        if (ptr == 0 || bytes == 0) return true;
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(set);
        return mm().copyToUser(ptr, b.array(), 0, bytes);
    }

    // ------------------------------------------------------------------ shared

    /** set_user_sigmask: with a mask, sigsetsize must be 8; the old mask is saved and restored on the way out. */
    private long setUserSigmask(long umask, long sigsetsize) {
        if (umask == 0) return 0;
        if (sigsetsize != Signals.SIGSET_SIZE) return -EINVAL;
        long[] m = new long[1];
        byte[] b = new byte[8];
        if (!mm().copyFromUser(umask, b, 0, 8)) return -EFAULT;
        m[0] = Syscalls.le64(b, 0);
        Signals sig = k.signals;
        sig.savedMask = sig.blocked;
        sig.restoreSigmask = true;
        sig.setBlocked(m[0]);
        return 0;
    }

    /**
     * poll_select_finish: the saved mask is restored now unless the call was interrupted (then the
     * signal's frame carries it); the time left goes back to a non-zero timeout (a timeval for
     * select, a timespec for the others); if that store faults, an interrupted call becomes -EINTR.
     */
    private long finish(long end, long p, boolean timeval, long ret) {
        Signals sig = k.signals;
        if (ret != -ERESTARTNOHAND && sig.restoreSigmask) {
            sig.restoreSigmask = false;
            sig.setBlocked(sig.savedMask);
        }
        if (p == 0 || end == 0 || end == Long.MAX_VALUE) return ret;
        long rem = left(end);
        long sec = rem / NS, frac = timeval ? rem % NS / 1000 : rem % NS;
        byte[] b = new byte[16];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, sec).putLong(8, frac);
        if (mm().copyToUser(p, b, 0, 16)) return ret;
        return ret == -ERESTARTNOHAND ? -EINTR : ret;
    }

    private long[] readPair(long p) {
        byte[] b = new byte[16];
        if (!mm().copyFromUser(p, b, 0, 16)) return null;
        return new long[] {Syscalls.le64(b, 0), Syscalls.le64(b, 8)};
    }
}

package dev.lstar.kernel;

import static dev.lstar.kernel.Errno.*;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Futexes (kernel/futex of Linux 6.6): wait queues keyed by the futex word. A private futex
 * (FUTEX_PRIVATE_FLAG) is keyed by its address space and address; a shared one in a MAP_SHARED
 * mapping by the physical address of the word (so processes sharing the memory meet), else as a
 * private one. WAIT, WAIT_BITSET (absolute time, CLOCK_MONOTONIC or CLOCK_REALTIME), WAKE,
 * WAKE_BITSET, REQUEUE, CMP_REQUEUE and WAKE_OP are modelled; the priority-inheritance operations
 * (LOCK_PI, UNLOCK_PI, TRYLOCK_PI, WAIT_REQUEUE_PI, CMP_REQUEUE_PI, LOCK_PI2) answer -ENOSYS with
 * a warning, as a kernel without CONFIG_FUTEX_PI would. The word is read and compared while the
 * task holds the CPU, so the compare-and-sleep is atomic against every other task's WAKE.
 */
final class Futexes {
    static final int FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_FD = 2, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4,
            FUTEX_WAKE_OP = 5, FUTEX_LOCK_PI = 6, FUTEX_UNLOCK_PI = 7, FUTEX_TRYLOCK_PI = 8, FUTEX_WAIT_BITSET = 9,
            FUTEX_WAKE_BITSET = 10, FUTEX_WAIT_REQUEUE_PI = 11, FUTEX_CMP_REQUEUE_PI = 12, FUTEX_LOCK_PI2 = 13,
            FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256;
    static final int FUTEX_BITSET_MATCH_ANY = -1;
    static final int FUTEX_WAITERS = 0x8000_0000, FUTEX_OWNER_DIED = 0x4000_0000, FUTEX_TID_MASK = 0x3FFF_FFFF;

    /** One waiting task: the queue it is on (requeue moves it), its bitset, whether a wake took it. */
    static final class Waiter {
        final Task task;
        Object key;
        final int bitset;
        boolean woken;

        Waiter(Task task, Object key, int bitset) {
            this.task = task;
            this.key = key;
            this.bitset = bitset;
        }
    }

    private final LinuxKernel k;
    private final Map<Object, ArrayDeque<Waiter>> queues = new HashMap<>();
    private boolean warnedPi;

    Futexes(LinuxKernel k) {
        this.k = k;
    }

    private AddressSpace mm() {
        return k.process.mm;
    }

    /** get_futex_key: (address space, address), or the word's physical address for a shared futex in shared memory. */
    private Object key(long uaddr, boolean priv) {
        if (!priv) {
            Vma v = mm().find(uaddr);
            if (v != null && v.shared) {
                long pa = mm().userPhys(uaddr, false);
                if (pa >= 0) return pa;
            }
        }
        return new TaskSyscalls.FutexKey(mm(), uaddr);
    }

    private int readWord(long uaddr) {
        byte[] w = new byte[4];
        if (!mm().copyFromUser(uaddr, w, 0, 4)) throw new dev.lstar.kernel.vfs.SysError(EFAULT);
        return (w[0] & 0xFF) | (w[1] & 0xFF) << 8 | (w[2] & 0xFF) << 16 | (w[3] & 0xFF) << 24;
    }

    private void writeWord(long uaddr, int v) {
        if (!mm().copyToUser(uaddr, TaskSyscalls.le32(v), 0, 4)) throw new dev.lstar.kernel.vfs.SysError(EFAULT);
    }

    long futex(long uaddr, int op, int val, long timeout, long uaddr2, int val3) {
        try {
            return op(uaddr, op, val, timeout, uaddr2, val3);
        } catch (dev.lstar.kernel.vfs.SysError e) {
            return -e.errno;
        }
    }

    private long op(long uaddr, int op, int val, long timeout, long uaddr2, int val3) {
        int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
        boolean priv = (op & FUTEX_PRIVATE_FLAG) != 0;
        if ((op & FUTEX_CLOCK_REALTIME) != 0 && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT_REQUEUE_PI && cmd != FUTEX_LOCK_PI2) return -ENOSYS;
        int val2 = (int) timeout;
        switch (cmd) {
            case FUTEX_WAIT, FUTEX_WAIT_BITSET -> {
                int bitset = cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : val3;
                if (bitset == 0) return -EINVAL;
                long deadline = Long.MAX_VALUE;
                if (timeout != 0) {
                    byte[] ts = new byte[16];
                    if (!mm().copyFromUser(timeout, ts, 0, 16)) return -EFAULT;
                    long sec = Syscalls.le64(ts, 0), nsec = Syscalls.le64(ts, 8);
                    if (sec < 0 || nsec < 0 || nsec >= 1_000_000_000L) return -EINVAL;
                    long nanos = sec > Long.MAX_VALUE / 2_000_000_000L ? Long.MAX_VALUE / 2 : sec * 1_000_000_000L + nsec;
                    if (cmd == FUTEX_WAIT_BITSET) { // an absolute time on CLOCK_MONOTONIC or CLOCK_REALTIME
                        long now = (op & FUTEX_CLOCK_REALTIME) != 0 ? System.currentTimeMillis() * 1_000_000L : System.nanoTime();
                        nanos = Math.max(0, nanos - now);
                    }
                    deadline = System.nanoTime() + nanos;
                }
                if ((uaddr & 3) != 0) return -EINVAL;
                if (readWord(uaddr) != val) return -EAGAIN;
                return waitOn(key(uaddr, priv), bitset, deadline, uaddr, timeout != 0);
            }
            case FUTEX_WAKE, FUTEX_WAKE_BITSET -> {
                int bitset = cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : val3;
                if (bitset == 0) return -EINVAL;
                if ((uaddr & 3) != 0) return -EINVAL;
                return wake(key(uaddr, priv), val, bitset);
            }
            case FUTEX_REQUEUE, FUTEX_CMP_REQUEUE -> {
                if ((uaddr & 3) != 0 || (uaddr2 & 3) != 0) return -EINVAL;
                if (val < 0 || val2 < 0) return -EINVAL;
                if (cmd == FUTEX_CMP_REQUEUE && readWord(uaddr) != val3) return -EAGAIN;
                return requeue(key(uaddr, priv), key(uaddr2, priv), val, val2);
            }
            case FUTEX_WAKE_OP -> {
                if ((uaddr & 3) != 0 || (uaddr2 & 3) != 0) return -EINVAL;
                return wakeOp(uaddr, uaddr2, priv, val, val2, val3);
            }
            case FUTEX_LOCK_PI, FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI, FUTEX_WAIT_REQUEUE_PI, FUTEX_CMP_REQUEUE_PI, FUTEX_LOCK_PI2 -> {
                if (!warnedPi) k.config.log().println("lstar: warning: priority-inheritance futexes are not modelled: returning -ENOSYS");
                warnedPi = true;
                return -ENOSYS;
            }
            default -> { return -ENOSYS; }
        }
    }

    /**
     * futex_wait: queued on {@code key} until a WAKE takes it (0), the deadline (-ETIMEDOUT), or
     * a signal (-ERESTARTSYS without a timeout, else -EINTR, as Linux's restart block would end
     * up returning after the time has passed).
     */
    private long waitOn(Object key, int bitset, long deadline, long uaddr, boolean timed) {
        Task t = k.current;
        Waiter w = new Waiter(t, key, bitset);
        queues.computeIfAbsent(key, x -> new ArrayDeque<>()).add(w);
        while (!w.woken) {
            boolean woke = k.sched.sleep(t, w, deadline, "futex wait on 0x" + Long.toHexString(uaddr), () -> w.woken, true);
            if (w.woken) break;
            if (t.killed || t.exit != null) { remove(w); return -EINTR; }
            if (t.signals.hasReady()) { remove(w); return timed ? -EINTR : -ERESTARTSYS; }
            if (!woke && deadline != Long.MAX_VALUE && System.nanoTime() - deadline >= 0) { remove(w); return -ETIMEDOUT; }
        }
        return 0;
    }

    private void remove(Waiter w) {
        ArrayDeque<Waiter> q = queues.get(w.key);
        if (q == null) return;
        q.remove(w);
        if (q.isEmpty()) queues.remove(w.key);
    }

    /** Wakes up to {@code n} waiters on {@code key} whose bitset meets {@code bitset}; how many. */
    int wake(Object key, int n, int bitset) {
        ArrayDeque<Waiter> q = queues.get(key);
        if (q == null || n <= 0) return 0;
        int woken = 0;
        for (Iterator<Waiter> it = q.iterator(); it.hasNext() && woken < n; ) {
            Waiter w = it.next();
            if ((w.bitset & bitset) == 0) continue;
            it.remove();
            w.woken = true;
            k.sched.wake(w);
            woken++;
        }
        if (q.isEmpty()) queues.remove(key);
        return woken;
    }

    /** futex_requeue: wakes {@code nWake}, moves up to {@code nRequeue} more to {@code key2}; the total. */
    private int requeue(Object key1, Object key2, int nWake, int nRequeue) {
        int woken = wake(key1, nWake, FUTEX_BITSET_MATCH_ANY);
        ArrayDeque<Waiter> q = queues.get(key1);
        int moved = 0;
        if (q != null && !key1.equals(key2)) {
            ArrayDeque<Waiter> q2 = queues.computeIfAbsent(key2, x -> new ArrayDeque<>());
            while (!q.isEmpty() && moved < nRequeue) {
                Waiter w = q.poll();
                w.key = key2;
                q2.add(w);
                moved++;
            }
            if (q.isEmpty()) queues.remove(key1);
            if (q2.isEmpty()) queues.remove(key2);
        }
        return woken + moved;
    }

    /**
     * futex_wake_op: *uaddr2 = op(*uaddr2, oparg) — atomically, as futex_atomic_op_inuser's locked
     * instructions: a compare-and-set loop on the word, so that a guest LOCK XADD/CMPXCHG on another
     * CPU meanwhile is not lost —, wake {@code n} on uaddr, and {@code n2} on uaddr2 if the old value
     * passes the comparison.
     */
    private long wakeOp(long uaddr, long uaddr2, boolean priv, int n, int n2, int encoded) {
        int op = (encoded >>> 28) & 7, cmp = (encoded >>> 24) & 15;
        int oparg = (encoded << 8) >> 20, cmparg = (encoded << 20) >> 20;
        if ((encoded & (8 << 28)) != 0) { // FUTEX_OP_OPARG_SHIFT
            if (oparg < 0 || oparg > 31) oparg &= 31; // Linux warns and masks
            oparg = 1 << oparg;
        }
        if (op > 4) throw new dev.lstar.kernel.vfs.SysError(ENOSYS); // nothing changed
        int old;
        for (;;) {
            old = readWord(uaddr2);
            int nv = switch (op) {
                case 0 -> oparg;        // FUTEX_OP_SET
                case 1 -> old + oparg;  // ADD
                case 2 -> old | oparg;  // OR
                case 3 -> old & ~oparg; // ANDN
                default -> old ^ oparg; // XOR
            };
            long was = mm().cmpxchgUser32(uaddr2, old, nv);
            if (was < 0) throw new dev.lstar.kernel.vfs.SysError(EFAULT);
            if ((int) was == old) break; // else another CPU changed the word meanwhile: again
        }
        if (cmp > 5) throw new dev.lstar.kernel.vfs.SysError(ENOSYS); // as Linux: after the operation
        boolean pass = switch (cmp) {
            case 0 -> old == cmparg;
            case 1 -> old != cmparg;
            case 2 -> old < cmparg;
            case 3 -> old <= cmparg;
            case 4 -> old > cmparg;
            default -> old >= cmparg;
        };
        int woken = wake(key(uaddr, priv), n, FUTEX_BITSET_MATCH_ANY);
        if (pass) woken += wake(key(uaddr2, priv), n2, FUTEX_BITSET_MATCH_ANY);
        return woken;
    }

    /**
     * exit_robust_list: every futex on the ending thread's robust list (and its list_op_pending)
     * that it owns gets FUTEX_OWNER_DIED, and one waiter is woken if FUTEX_WAITERS is set. Bit 0
     * of an entry pointer marks a PI futex (no wake-up then: PI futexes are not modelled).
     */
    void exitRobustList(Task t) {
        long head = t.robustList;
        if (head == 0) return;
        try {
            byte[] h = new byte[24];
            if (!mm().copyFromUser(head, h, 0, 24)) return;
            long next = Syscalls.le64(h, 0), offset = Syscalls.le64(h, 8), pending = Syscalls.le64(h, 16);
            int limit = 2048; // ROBUST_LIST_LIMIT
            byte[] p = new byte[8];
            while (next != head && next != 0 && limit-- > 0) {
                long entry = next & ~1L;
                if (!mm().copyFromUser(entry, p, 0, 8)) return;
                long nextNext = Syscalls.le64(p, 0);
                if (entry != (pending & ~1L) && !handleDeath(entry + offset, t, (next & 1) != 0, false)) return;
                next = nextNext;
            }
            if (pending != 0) handleDeath((pending & ~1L) + offset, t, (pending & 1) != 0, true);
        } catch (dev.lstar.kernel.vfs.SysError e) {
            // a bad list ends the walk, as in Linux
        }
    }

    /**
     * handle_futex_death: if the word at {@code uaddr} names {@code t} as its owner, sets
     * FUTEX_OWNER_DIED keeping FUTEX_WAITERS — by compare-and-set, again if the word changed
     * meanwhile (a waiter on another CPU setting FUTEX_WAITERS with LOCK CMPXCHG must not be lost)
     * — and wakes one waiter if there are any; a pending operation on a free word (0) wakes one
     * too (the owner may have died between the unlock and the wake). False if the walk must end.
     */
    private boolean handleDeath(long uaddr, Task t, boolean pi, boolean pendingOp) {
        if ((uaddr & 3) != 0) return false;
        for (;;) {
            int w = readWord(uaddr);
            if (pendingOp && !pi && w == 0) {
                wakeDead(uaddr);
                return true;
            }
            if ((w & FUTEX_TID_MASK) != t.tid) return true;
            long was = mm().cmpxchgUser32(uaddr, w, (w & FUTEX_WAITERS) | FUTEX_OWNER_DIED);
            if (was < 0) return false;
            if ((int) was != w) continue;
            if (!pi && (w & FUTEX_WAITERS) != 0) wakeDead(uaddr);
            return true;
        }
    }

    private void wakeDead(long uaddr) {
        wake(key(uaddr, true), 1, FUTEX_BITSET_MATCH_ANY);
        wake(key(uaddr, false), 1, FUTEX_BITSET_MATCH_ANY);
    }

    /**
     * mm_release's clear of the CLONE_CHILD_CLEARTID word: a plain 4-byte store of 0 (put_user;
     * one store when aligned, see {@link AddressSpace#putUser32}), then one waiter woken (pthread_join).
     */
    void clearChildTid(AddressSpace mm, long uaddr) {
        mm.putUser32(uaddr, 0);
        wake(new TaskSyscalls.FutexKey(mm, uaddr), 1, FUTEX_BITSET_MATCH_ANY);
    }
}

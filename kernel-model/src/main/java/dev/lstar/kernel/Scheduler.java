package dev.lstar.kernel;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.mem.Mmu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one modelled CPU and the tasks that take turns on it (a uniprocessor kernel with
 * preemption from user mode only, like CONFIG_PREEMPT_NONE).
 *
 * <p>Every task runs on its own host thread; holding the CPU means being {@link #running}. A
 * task gives the CPU up only inside the kernel: when it sleeps ({@link #sleep}: a pipe, wait4,
 * nanosleep...), when it yields at the end of its time slice ({@link #yield}, reached through the
 * reschedule interrupt from user mode, as a timer tick would), or when it ends. The next runnable
 * task's thread then takes the CPU, and the context switch happens as Linux's switch_to does it:
 * the registers of the task that ran last are saved and the new task's restored
 * ({@link Cpu#copyStateFrom}; the retired-instruction count, i.e. the TSC, goes on), CR3 is loaded
 * with the new task's page tables and its PCID pair, and the per-CPU top_of_stack points at its
 * kernel stack. Each address space gets one of Linux's six dynamic ASIDs (PCIDs asid + 1 and
 * (asid + 1) | 0x800); a space that takes over an ASID flushes that PCID's translations, one that
 * keeps its ASID switches without a flush (CR3 bit 63), as switch_mm_irqs_off does.
 *
 * <p>All kernel state is touched only by the task holding the CPU, so the hand-off (a lock and a
 * condition) is the only synchronisation the kernel model needs, and it makes every write of one
 * task visible to the next. Other host threads (timers, the CLI's signal forwarding) only wake
 * tasks and request engine stops.
 */
final class Scheduler {
    /** Linux's TLB_NR_DYN_ASIDS. */
    static final int NR_ASIDS = 6;
    /** The time slice: a running task is preempted after this long when another is runnable (one tick at HZ=250). */
    static final long SLICE_MICROS = 4000;
    static final String PREEMPT_MESSAGE = "preempt";

    /** The wait key of every wait for a file's state (pipes, eventfds, flock, poll): any descriptor operation wakes them. */
    static final Object FILES = new Object() {
        @Override public String toString() { return "files"; }
    };

    private final LinuxKernel k;
    /** Tasks sleeping on {@link #FILES} (read without the lock: waking nobody costs nothing). */
    private volatile int fileSleepers;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private Task running;
    /** The task whose registers the CPU holds. */
    private Task lastRan;
    /** Context switches since boot (/proc/stat's ctxt). */
    volatile long contextSwitches;
    private final ArrayDeque<Task> runQueue = new ArrayDeque<>();
    private final List<Task> sleepers = new ArrayList<>();
    /** TIF_NEED_RESCHED for the running task: set by the tick when another task waits for the CPU. */
    volatile boolean needResched;
    private final Object[] asidOwner = new Object[NR_ASIDS];
    private int nextAsid;
    private java.util.concurrent.ScheduledFuture<?> tick;

    Scheduler(LinuxKernel k) {
        this.k = k;
    }

    /** Makes {@code t} the running task without a switch (the first task, made by exec). */
    void start(Task t) {
        lock.lock();
        try {
            running = t;
            lastRan = t;
        } finally {
            lock.unlock();
        }
        k.setCurrent(t);
    }

    /**
     * Makes {@code t} runnable and waits, on its own host thread, until it holds the CPU; then
     * switches to it. A task that already holds the CPU just continues.
     */
    void acquire(Task t) {
        lock.lock();
        try {
            if (running != t) {
                if (!runQueue.contains(t)) runQueue.add(t);
                if (running == null) handOff();
                while (running != t) changed.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
        switchIn(t);
    }

    /** The running task {@code t} gives the CPU up for good (it ended). */
    void release(Task t) {
        lock.lock();
        try {
            if (running == t) handOff();
            if (lastRan == t) lastRan = null; // nothing of it needs saving any more
            runQueue.remove(t);
            sleepers.remove(t);
            checkDeadlock();
        } finally {
            lock.unlock();
        }
    }

    /** The next runnable task gets the CPU (lock held). */
    private void handOff() {
        running = runQueue.poll();
        needResched = false;
        changed.signalAll();
    }

    /**
     * schedule() at the end of a time slice: the running task goes to the back of the run queue
     * and the next one runs; returns when {@code t} has the CPU again.
     */
    void yield(Task t) {
        lock.lock();
        try {
            needResched = false;
            if (runQueue.isEmpty() || running != t) return;
            runQueue.add(t);
            handOff();
            while (running != t) changed.awaitUninterruptibly();
        } finally {
            lock.unlock();
        }
        switchIn(t);
    }

    /**
     * Sleeps the running task {@code t} until it is woken ({@link #wake(Task)}, or
     * {@link #wake(Object)} with {@code key}), killed, or {@code deadline} passes
     * ({@link System#nanoTime} scale; Long.MAX_VALUE: none); the CPU runs other tasks meanwhile.
     * Returns holding the CPU again: true if woken or killed, false at the deadline. The caller
     * re-checks what it waits for (wake-ups may be spurious), as a Linux wait loop does.
     * {@code what} says in words what it waits for (deadlock reports). {@code ready} (may be
     * null) is checked once more after the task is marked asleep, for conditions that other host
     * threads make true (they then call {@link #wake(Task)}): no wake-up is lost between the
     * caller's check and the sleep.
     */
    boolean sleep(Task t, Object key, long deadline, String what, java.util.function.BooleanSupplier ready) {
        return sleep(t, key, deadline, what, ready, true);
    }

    /** {@link #sleep}; an {@code interruptible} sleep ends when a signal is pending, a killable one only when the task is killed. */
    boolean sleep(Task t, Object key, long deadline, String what, java.util.function.BooleanSupplier ready, boolean interruptible) {
        boolean woken;
        lock.lock();
        try {
            // an interruptible sleep: a signal pending now (or what the caller waits for) ends it at once
            t.woken = (interruptible && t.signals != null && t.signals.hasReady()) || (ready != null && ready.getAsBoolean());
            t.waitKey = key;
            t.sleepDeadline = deadline;
            t.waitingFor = what;
            t.state = Task.State.SLEEPING;
            sleepers.add(t);
            if (key == FILES) fileSleepers++;
            if (running == t) handOff();
            if (!t.woken) checkDeadlock();
            while (!t.woken && !t.killed) {
                long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
                if (left <= 0) break;
                try {
                    if (left == Long.MAX_VALUE) changed.await();
                    else changed.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            woken = t.woken || t.killed;
            sleepers.remove(t);
            if (key == FILES) fileSleepers--;
            t.state = Task.State.RUNNING;
            t.waitKey = null;
            t.waitingFor = null;
            t.sleepDeadline = Long.MAX_VALUE;
            if (running != t) {
                runQueue.add(t);
                if (running == null) handOff();
                while (running != t) changed.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
        switchIn(t);
        return woken;
    }

    /** Wakes {@code t} if it sleeps (a signal for it; thread-safe). */
    void wake(Task t) {
        lock.lock();
        try {
            if (t.state == Task.State.SLEEPING) {
                t.woken = true;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every task sleeping on {@code key} (a pipe, a parent waiting for children, a futex word). */
    void wake(Object key) {
        lock.lock();
        try {
            boolean any = false;
            for (Task t : sleepers) {
                if (t.waitKey != null && t.waitKey.equals(key)) {
                    t.woken = true;
                    any = true;
                }
            }
            if (any) changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A descriptor operation changed some file's state: tasks waiting on files re-check theirs. */
    void wakeFiles() {
        if (fileSleepers > 0) wake(FILES);
    }

    /** Wakes every sleeping task (the run is ending, or a task was killed). */
    void wakeAll() {
        lock.lock();
        try {
            for (Task t : sleepers) t.woken = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The CPU went idle and every live task sleeps with nothing that could ever wake it: no
     * deadline, no armed timer, not waiting for a signal (which could come from outside). Linux would hang; lstar ends the run with a report of what each
     * task waits for (lock held).
     */
    private void checkDeadlock() {
        if (running != null || !runQueue.isEmpty()) return;
        List<Task> live = k.liveTasks();
        if (live.isEmpty()) return;
        StringBuilder what = new StringBuilder();
        for (Task t : live) {
            if (t.state != Task.State.SLEEPING || t.woken || t.killed || t.sleepDeadline != Long.MAX_VALUE) return;
            if (t.waitKey == null) return; // waiting for a signal (pause, sigsuspend): one may come from outside
            if (t.timers != null && t.timers.armed()) return;
            if (t.signals != null && t.signals.hasReady()) return;
            if (what.length() > 0) what.append("; ");
            what.append("pid ").append(t.tid).append(" (").append(t.process == null ? "?" : t.process.comm).append(") ")
                    .append(t.waitingFor == null ? "sleeps" : t.waitingFor);
        }
        k.deadlock("deadlock: every guest task waits for something only another could do: " + what
                + "; stopped with SIGKILL");
    }

    /**
     * The context switch, on {@code t}'s own thread once it holds the CPU: the previous task's
     * registers are saved, {@code t}'s restored, its address space loaded, its kernel stack made
     * the per-CPU top_of_stack, and the kernel's current-task fields pointed at it.
     */
    private void switchIn(Task t) {
        Task prev = lastRan;
        if (prev != t) {
            Cpu cpu = k.cpu;
            long insns = cpu.instructions;
            if (prev != null) prev.saved.copyStateFrom(cpu);
            cpu.copyStateFrom(t.saved);
            cpu.instructions = insns;
            lastRan = t;
            contextSwitches++;
            loadMm(t.process.mm, (cpu.cr3 & 0x1000) != 0 && k.config.kpti());
            k.setTopOfStack(t.stackTop);
            if (k.engine != null) k.engine.contextSwitched();
        }
        k.setCurrent(t);
        if (t.killed) k.machine.requestStop("killed");
    }

    /**
     * switch_mm: CR3 = the space's PGD (the user half's with PTI when the task is in user mode)
     * with its ASID's PCID. A space that gets an ASID another space used has that PCID's
     * translations flushed; one that still owns its ASID keeps them (NOFLUSH).
     */
    void loadMm(AddressSpace mm, boolean user) {
        Mmu mmu = k.cpu.mmu;
        if (!k.config.pcid()) {
            mmu.writeCr3(user ? mm.userCr3(0) : mm.kernelCr3(0));
            return;
        }
        int asid = -1;
        for (int i = 0; i < NR_ASIDS; i++) if (asidOwner[i] == mm) asid = i;
        boolean fresh = asid < 0;
        if (fresh) {
            asid = nextAsid;
            nextAsid = (nextAsid + 1) % NR_ASIDS;
            asidOwner[asid] = mm;
        }
        int kpcid = asid + 1;
        if (fresh) {
            mmu.invpcid(1, kpcid, 0);
            mmu.invpcid(1, kpcid | 0x800, 0);
        }
        mmu.writeCr3((user ? mm.userCr3(kpcid) : mm.kernelCr3(kpcid)) | (1L << 63));
    }

    /** The space is going away: its ASID is free and its translations flushed. */
    void dropMm(AddressSpace mm) {
        for (int i = 0; i < NR_ASIDS; i++) {
            if (asidOwner[i] == mm) {
                asidOwner[i] = null;
                if (k.config.pcid()) {
                    k.cpu.mmu.invpcid(1, i + 1, 0);
                    k.cpu.mmu.invpcid(1, (i + 1) | 0x800, 0);
                }
            }
        }
        if (!k.config.pcid()) k.cpu.mmu.flushAll();
    }

    /** Starts the scheduler tick once there is more than one task. */
    synchronized void startTick() {
        if (tick != null) return;
        tick = KernelTimers.EXECUTOR.scheduleAtFixedRate(() -> {
            boolean waiting;
            lock.lock();
            try {
                waiting = !runQueue.isEmpty() && running != null;
            } finally {
                lock.unlock();
            }
            if (waiting && !needResched) {
                needResched = true;
                k.machine.requestStop(PREEMPT_MESSAGE);
            }
        }, SLICE_MICROS, SLICE_MICROS, TimeUnit.MICROSECONDS);
    }

    synchronized void stopTick() {
        if (tick != null) tick.cancel(false);
        tick = null;
    }
}

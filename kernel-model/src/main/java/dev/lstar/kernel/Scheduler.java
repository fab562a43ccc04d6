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
 * The modelled CPUs and the tasks that take turns on them (preemption from user mode only, like
 * CONFIG_PREEMPT_NONE).
 *
 * <p>Every task runs on its own host thread; holding a CPU means being its {@code running} task.
 * Each task is pinned to one CPU, its {@link Task#home} (the least loaded CPU when it was
 * created): its thread's engine call stack belongs to that CPU's engine, and a task that sleeps
 * inside a system call must come back to the same one. A task gives its CPU up only inside the
 * kernel: when it sleeps ({@link #sleep}: a pipe, wait4, nanosleep...), when it yields at the end
 * of its time slice ({@link #yield}, reached through the reschedule interrupt from user mode, as a
 * timer tick would), or when it ends. The next runnable task of that CPU then takes it, and the
 * context switch happens as Linux's switch_to does it: the registers of the task that ran there
 * last are saved and the new task's restored ({@link Cpu#copyStateFrom}; the CPU's retired-
 * instruction count, i.e. its TSC, goes on), CR3 is loaded with the new task's page tables and
 * its PCID pair, and the CPU's per-CPU top_of_stack points at its kernel stack. Each CPU gives
 * address spaces Linux's six dynamic ASIDs (PCIDs asid + 1 and (asid + 1) | 0x800); a space that
 * takes over an ASID flushes that PCID's translations, one that keeps its ASID switches without a
 * flush (CR3 bit 63) unless a TLB shootdown moved its generation on meanwhile, as
 * switch_mm_irqs_off does.
 *
 * <p>Load balancing: at each tick, a CPU whose run queue is not empty sends its running task to
 * a CPU of the task's affinity mask that has nothing to run (as Linux's idle balancing pulls a
 * task to a CPU going idle): the task moves at its next user-mode block boundary
 * ({@link #migrate}, the sched_setaffinity path), where no engine call stack holds it.
 *
 * <p>With one CPU all kernel state is touched only by the task holding it, so the hand-off (a lock
 * and a condition) is the only synchronisation the kernel model needs. With several, the kernel's
 * Java code also holds {@link LinuxKernel#bkl}; {@link #sleep} gives it up while the task waits.
 * Other host threads (timers, the CLI's signal forwarding) only wake tasks and request engine stops.
 */
final class Scheduler {
    /** Linux's TLB_NR_DYN_ASIDS. */
    static final int NR_ASIDS = 6;
    /** The time slice: a running task is preempted after this long when another is runnable (one tick at HZ=250). */
    static final long SLICE_MICROS = 4000;
    static final String PREEMPT_MESSAGE = "preempt";
    /** The stop message of a task that must move to another CPU (sched_setaffinity). */
    static final String MIGRATE_MESSAGE = "migrate";

    /** The wait key of every wait for a file's state (pipes, eventfds, flock, poll): any descriptor operation wakes them. */
    static final Object FILES = new Object() {
        @Override public String toString() { return "files"; }
    };

    private final LinuxKernel k;
    /** Tasks sleeping on {@link #FILES} (read without the lock: waking nobody costs nothing). */
    private volatile int fileSleepers;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Context switches since boot (/proc/stat's ctxt). */
    volatile long contextSwitches;
    /** The tasks waiting for each CPU, by CPU id. */
    private final ArrayDeque<Task>[] runQueues;
    private final List<Task> sleepers = new ArrayList<>();
    private java.util.concurrent.ScheduledFuture<?> tick;

    @SuppressWarnings("unchecked")
    Scheduler(LinuxKernel k, int cpus) {
        this.k = k;
        this.runQueues = new ArrayDeque[cpus];
        for (int i = 0; i < cpus; i++) runQueues[i] = new ArrayDeque<>();
    }

    /** TIF_NEED_RESCHED of the task running on the calling kernel code's CPU. */
    boolean needResched() {
        return k.cur.needResched;
    }

    /** Makes {@code t} the running task of CPU 0 without a switch (the first task, made by exec). */
    void start(Task t) {
        PerCpu pc = k.cpus[0];
        lock.lock();
        try {
            t.home = pc;
            t.onCpu = pc;
            pc.running = t;
            pc.lastRan = t;
        } finally {
            lock.unlock();
        }
        k.setCurrent(t);
    }

    /** Places a new task on the CPU of its affinity mask with the fewest live tasks (lowest id on a tie). */
    void place(Task t) {
        lock.lock();
        try {
            int[] load = new int[k.cpus.length];
            for (Task o : k.liveTasks()) if (o.home != null && o != t) load[o.home.id]++;
            int best = -1;
            for (int i = 0; i < load.length; i++) {
                if ((t.affinity & (1L << i)) != 0 && (best < 0 || load[i] < load[best])) best = i;
            }
            t.home = k.cpus[Math.max(best, 0)];
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes {@code t} runnable and waits, on its own host thread, until it holds its CPU; then
     * switches to it. A task that already holds its CPU just continues.
     */
    void acquire(Task t) {
        lock.lock();
        try {
            waitForCpu(t);
        } finally {
            lock.unlock();
        }
        switchIn(t);
    }

    /** Queues {@code t} for its CPU (unless it holds it) and waits until it does (lock held). */
    private void waitForCpu(Task t) {
        PerCpu pc = t.home;
        if (pc.running == t) return;
        ArrayDeque<Task> q = runQueues[pc.id];
        if (!q.contains(t)) q.add(t);
        if (pc.running == null) handOff(pc);
        while (pc.running != t) changed.awaitUninterruptibly();
    }

    /**
     * Moves the running task {@code t} to {@link Task#migrateTo}, between two engine runs in user
     * mode (no engine call stack holds it then): its registers are saved, its CPU goes to the next
     * task there, and it waits for the new one like any task and switches in there.
     */
    void migrate(Task t) {
        PerCpu from = t.home, to = t.migrateTo;
        t.migrateTo = null;
        if (to == null || to == from) return;
        lock.lock();
        try {
            t.saved.copyStateFrom(from.cpu);
            if (from.lastRan == t) from.lastRan = null; // its registers are in t.saved now
            if (from.running == t) handOff(from);
            t.home = to;
            waitForCpu(t);
        } finally {
            lock.unlock();
        }
        switchIn(t);
    }

    /** The running task {@code t} gives its CPU up for good (it ended). */
    void release(Task t) {
        lock.lock();
        try {
            PerCpu pc = t.home;
            if (pc != null) {
                if (pc.running == t) handOff(pc);
                if (pc.lastRan == t) pc.lastRan = null; // nothing of it needs saving any more
                runQueues[pc.id].remove(t);
            }
            sleepers.remove(t);
            checkDeadlock();
        } finally {
            lock.unlock();
        }
    }

    /** The next runnable task of CPU {@code pc} gets it (lock held). */
    private void handOff(PerCpu pc) {
        Task prev = pc.running;
        if (prev != null) {
            prev.onCpu = null;
            pc.loadedMm = null;
        }
        Task next = runQueues[pc.id].poll();
        pc.running = next;
        if (next != null) next.onCpu = pc;
        pc.needResched = false;
        changed.signalAll();
    }

    /**
     * schedule() at the end of a time slice: the running task goes to the back of its CPU's run
     * queue and the next one runs; returns when {@code t} has the CPU again.
     */
    void yield(Task t) {
        PerCpu pc = t.home;
        int holds;
        lock.lock();
        try {
            pc.needResched = false;
            if (runQueues[pc.id].isEmpty() || pc.running != t) return;
        } finally {
            lock.unlock();
        }
        holds = k.unlockKernel(pc);
        lock.lock();
        try {
            runQueues[pc.id].add(t);
            handOff(pc);
            while (pc.running != t) changed.awaitUninterruptibly();
        } finally {
            lock.unlock();
        }
        switchIn(t);
        k.relockKernel(pc, holds);
    }

    /**
     * Sleeps the running task {@code t} until it is woken ({@link #wake(Task)}, or
     * {@link #wake(Object)} with {@code key}), killed, or {@code deadline} passes
     * ({@link System#nanoTime} scale; Long.MAX_VALUE: none); its CPU runs other tasks meanwhile.
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
        PerCpu pc = t.home;
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
        } finally {
            lock.unlock();
        }
        // with several CPUs the kernel lock goes while the task sleeps (other CPUs' system calls go on)
        int holds = t.woken ? 0 : k.unlockKernel(pc);
        lock.lock();
        try {
            if (!t.woken) {
                if (pc.running == t) handOff(pc);
                checkDeadlock();
            }
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
            waitForCpu(t);
        } finally {
            lock.unlock();
        }
        switchIn(t);
        k.relockKernel(pc, holds);
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
        for (PerCpu pc : k.cpus) if (pc.running != null || !runQueues[pc.id].isEmpty()) return;
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
     * The context switch, on {@code t}'s own thread once it holds its CPU: the registers of the
     * task that ran there last are saved, {@code t}'s restored, its address space loaded, its
     * kernel stack made the CPU's top_of_stack, and (with one CPU) the kernel's current-task
     * fields pointed at it; with several, the kernel lock does that when the task enters the kernel.
     */
    private void switchIn(Task t) {
        PerCpu pc = t.home;
        Task prev = pc.lastRan;
        Cpu cpu = pc.cpu;
        if (prev != t) {
            long insns = cpu.instructions;
            if (prev != null) prev.saved.copyStateFrom(cpu);
            // what belongs to the CPU, not the task (a task's saved state may come from another CPU:
            // a new thread's registers are its parent's): GDT, TSS, IDT, the entry stack MSR, TSC_AUX
            long gdtrBase = cpu.gdtrBase, idtrBase = cpu.idtrBase, trBase = cpu.trBase, sysenterEsp = cpu.sysenterEsp, tscAux = cpu.tscAux;
            int gdtrLimit = cpu.gdtrLimit, idtrLimit = cpu.idtrLimit, trSel = cpu.trSel, trLimit = cpu.trLimit, trAttr = cpu.trAttr;
            cpu.copyStateFrom(t.saved);
            cpu.instructions = insns;
            cpu.gdtrBase = gdtrBase;
            cpu.gdtrLimit = gdtrLimit;
            cpu.idtrBase = idtrBase;
            cpu.idtrLimit = idtrLimit;
            cpu.trSel = trSel;
            cpu.trBase = trBase;
            cpu.trLimit = trLimit;
            cpu.trAttr = trAttr;
            cpu.sysenterEsp = sysenterEsp;
            cpu.tscAux = tscAux;
            // the per-CPU area pointer: the GS base in the kernel, KERNEL_GS_BASE in user mode (after SWAPGS)
            if (cpu.cpl == 3) cpu.kernelGsBase = pc.percpuLa;
            else cpu.segBase[Cpu.GS] = pc.percpuLa;
            pc.lastRan = t;
            contextSwitches++;
            loadMm(pc, t.process.mm, (cpu.cr3 & 0x1000) != 0 && k.config.kpti());
            k.setTopOfStack(pc, t.stackTop);
            if (pc.engine != null) pc.engine.contextSwitched();
        } else {
            pc.loadedMm = t.process.mm;
            // a shootdown while the task slept: the space's generation moved on
            if (k.smp()) loadMm(pc, t.process.mm, (cpu.cr3 & 0x1000) != 0 && k.config.kpti());
        }
        if (!k.smp()) k.setCurrent(t);
        if (t.killed) pc.machine.requestStop("killed");
    }

    /** switch_mm on the calling kernel code's CPU (exec's new space). */
    void loadMm(AddressSpace mm, boolean user) {
        loadMm(k.cur, mm, user);
    }

    /**
     * switch_mm: CR3 = the space's PGD (the user half's with PTI when the task is in user mode)
     * with its ASID's PCID. A space that gets an ASID another space used has that PCID's
     * translations flushed; one that still owns its ASID keeps them (NOFLUSH) unless a TLB
     * shootdown happened since this CPU last flushed them (the space's generation).
     */
    void loadMm(PerCpu pc, AddressSpace mm, boolean user) {
        pc.loadedMm = mm;
        long gen = mm.tlbGen; // after loadedMm: a shootdown either sees this CPU or has moved the generation on
        Mmu mmu = pc.cpu.mmu;
        if (!k.config.pcid()) {
            mmu.writeCr3(user ? mm.userCr3(0) : mm.kernelCr3(0));
            pc.flushDone = pc.flushRequested;
            return;
        }
        int asid = -1;
        synchronized (pc.asidOwner) {
            for (int i = 0; i < NR_ASIDS; i++) if (pc.asidOwner[i] == mm) asid = i;
            boolean fresh = asid < 0;
            if (fresh) {
                asid = pc.nextAsid;
                pc.nextAsid = (pc.nextAsid + 1) % NR_ASIDS;
                pc.asidOwner[asid] = mm;
            }
            int kpcid = asid + 1;
            if (fresh || pc.asidGen[asid] != gen) {
                mmu.invpcid(1, kpcid, 0);
                mmu.invpcid(1, kpcid | 0x800, 0);
                pc.asidGen[asid] = gen;
            }
            long cr3 = (user ? mm.userCr3(kpcid) : mm.kernelCr3(kpcid)) | (1L << 63);
            if (cr3 != pc.cpu.cr3) mmu.writeCr3(cr3);
        }
    }

    /** The space is going away: its ASID is free on every CPU, and its translations flushed on this one. */
    void dropMm(AddressSpace mm) {
        PerCpu me = k.cur;
        for (PerCpu pc : k.cpus) {
            synchronized (pc.asidOwner) {
                for (int i = 0; i < NR_ASIDS; i++) {
                    if (pc.asidOwner[i] == mm) {
                        pc.asidOwner[i] = null; // another space taking the ASID over flushes it first
                        if (pc == me && k.config.pcid()) {
                            pc.cpu.mmu.invpcid(1, i + 1, 0);
                            pc.cpu.mmu.invpcid(1, (i + 1) | 0x800, 0);
                        }
                    }
                }
            }
            if (pc.loadedMm == mm && pc == me) pc.loadedMm = null;
        }
        if (!k.config.pcid()) me.cpu.mmu.flushAll();
    }

    /** Tasks the tick moved to an idle CPU (load balancing). */
    long balanced;

    /**
     * A CPU of {@code mask} with nothing to run (no task holds it, none waits for it) and not
     * {@code taken} already in this tick; null if none (lock held).
     */
    private PerCpu idleCpu(long mask, boolean[] taken) {
        for (PerCpu pc : k.cpus) {
            if (pc.id < 64 && (mask & (1L << pc.id)) != 0 && pc.running == null && runQueues[pc.id].isEmpty()
                    && (taken == null || !taken[pc.id])) return pc;
        }
        return null;
    }

    /** Starts the scheduler tick once there is more than one task. */
    synchronized void startTick() {
        if (tick != null) return;
        tick = KernelTimers.EXECUTOR.scheduleAtFixedRate(() -> {
            lock.lock();
            try {
                boolean[] taken = null; // idle CPUs a task was sent to in this tick
                for (PerCpu pc : k.cpus) {
                    if (runQueues[pc.id].isEmpty() || pc.running == null) continue;
                    // load balancing: a CPU with tasks waiting pushes its running task to an idle CPU of its mask
                    Task r = pc.running;
                    PerCpu idle = k.cpus.length > 1 && r.migrateTo == null ? idleCpu(r.affinity, taken) : null;
                    if (idle != null) {
                        if (taken == null) taken = new boolean[k.cpus.length];
                        taken[idle.id] = true;
                        r.migrateTo = idle;
                        balanced++;
                        pc.machine.requestStop(MIGRATE_MESSAGE);
                    } else if (!pc.needResched) {
                        pc.needResched = true;
                        pc.machine.requestStop(PREEMPT_MESSAGE);
                    }
                }
            } finally {
                lock.unlock();
            }
        }, SLICE_MICROS, SLICE_MICROS, TimeUnit.MICROSECONDS);
    }

    synchronized void stopTick() {
        if (tick != null) tick.cancel(false);
        tick = null;
    }
}

package dev.lstar.runtime.mem;

import dev.lstar.runtime.Machine;

/**
 * Exclusive sections on memory shared by several CPUs: the bus lock of a split lock. An
 * instruction that no compare-and-set can make atomic (a locked operand crossing a 4/8-byte word
 * or a page, CMPXCHG16B, LOCK BTS/BTR/BTC: {@code ops.Atomics}) runs while every other thread that
 * may touch guest memory is quiescent — as QEMU's start_exclusive/end_exclusive around such an
 * instruction —, so that it is atomic against plain loads and stores of the other CPUs too.
 *
 * <p><b>Members.</b> Each host thread that runs guest code or kernel code on this memory joins
 * ({@link #join}) and is <i>active</i> while it may touch guest memory: inside an engine's run, or
 * inside the kernel's Java code holding the kernel lock. It is <i>inactive</i> while it waits —
 * for the kernel lock, asleep in a system call, for another CPU (a TLB shootdown), between engine
 * runs — and then touches no guest memory: becoming active again waits until no section is open
 * ({@link #resume}). An active thread in guest code reaches a block boundary soon: the requester
 * asks its CPU to park there ({@link Machine#requestPark}; the engines' stop checks, which the
 * translated code makes at every back-edge and block link) and {@link #park} waits there,
 * inactive, until the section ends.
 *
 * <p><b>A section</b> ({@link #begin}/{@link #end}): one at a time; a requester that finds another
 * section open waits inactive (two CPUs asking at once cannot wait for each other). The
 * requester marks the section open, then waits until every other member is inactive (a Dekker
 * pair on volatiles: a member becoming active reads the open flag after publishing its state,
 * the requester reads the states after publishing the flag), asking the active ones' CPUs to
 * park again every millisecond. No member that waits for something another CPU must do may stay
 * active while it waits (the kernel marks its waits), or the section could wait for ever.
 *
 * <p>With no member (one CPU, or CPUs driven without the kernel), {@link #engaged} is false and the
 * split locks only exclude each other ({@link PhysicalMemory#splitLock}).
 */
public final class Exclusive {
    /** One member thread's state. */
    private static final class Member {
        final Thread thread = Thread.currentThread();
        /** May touch guest memory now. */
        volatile boolean active;
        /** The CPU it last ran guest code on (where a park request goes). */
        volatile Machine machine;
    }

    private final Object lock = new Object();
    private final ThreadLocal<Member> current = new ThreadLocal<>();
    private volatile Member[] members = new Member[0];
    /** A section is open (or being opened): members must not become active. */
    private volatile boolean open;
    private Member owner;

    /** Sections run (statistics). */
    public volatile long sections;

    /** Whether any thread joined: split locks then run in exclusive sections. */
    public boolean engaged() {
        return members.length > 0;
    }

    /** The calling thread becomes a member, inactive (a task's host thread, before it runs). */
    public void join() {
        if (current.get() != null) return;
        Member m = new Member();
        current.set(m);
        synchronized (lock) {
            Member[] a = java.util.Arrays.copyOf(members, members.length + 1);
            a[members.length] = m;
            members = a;
        }
    }

    /** The calling thread leaves for good (its task ended); it must touch no guest memory after. */
    public void retire() {
        Member m = current.get();
        if (m == null) return;
        current.remove();
        synchronized (lock) {
            m.active = false;
            Member[] ms = members;
            int k = 0;
            Member[] a = new Member[ms.length - 1];
            for (Member x : ms) if (x != m) a[k++] = x;
            members = a;
            lock.notifyAll();
        }
    }

    /** The calling member is about to run guest code on {@code machine}: active (after any open section). */
    public void enter(Machine machine) {
        Member m = current.get();
        if (m == null) return;
        m.machine = machine;
        activate(m);
    }

    /**
     * The calling member stops touching guest memory (it is about to wait, or left the engine);
     * returns whether it was active, for {@link #resume}. False for a thread that is no member.
     */
    public boolean suspend() {
        Member m = current.get();
        if (m == null || !m.active) return false;
        m.active = false;
        if (open) {
            synchronized (lock) {
                lock.notifyAll();
            }
        }
        return true;
    }

    /** Back to {@code active} (a {@link #suspend} result, or true after taking the kernel lock); waits while a section is open. */
    public void resume(boolean active) {
        Member m = current.get();
        if (m == null) return;
        if (active) activate(m); else suspend();
    }

    private void activate(Member m) {
        if (m.active) return;
        m.active = true;
        if (!open) return; // the requester sees this member active and waits for it (volatiles are ordered)
        synchronized (lock) {
            while (open && owner != m) {
                m.active = false;
                lock.notifyAll();
                waitOn();
            }
            m.active = true;
        }
        reinterrupt();
    }

    /** At a block boundary, asked to park ({@link Machine#takePark}): waits inactive until the open section ends. */
    public void park() {
        Member m = current.get();
        if (m == null || !open) return;
        synchronized (lock) {
            if (!open || owner == m) return;
            boolean was = m.active;
            m.active = false;
            lock.notifyAll();
            while (open) waitOn();
            m.active = was;
        }
        reinterrupt();
    }

    /**
     * Opens a section for the calling thread: returns once every other member is inactive. Pair
     * with {@link #end} in a finally block.
     */
    public void begin() {
        Member me = current.get();
        synchronized (lock) {
            boolean was = me != null && me.active;
            if (me != null) me.active = false; // another section may be waiting for this thread
            lock.notifyAll();
            while (open) waitOn();
            open = true;
            owner = me;
            while (true) {
                boolean waiting = false;
                for (Member o : members) {
                    if (o == me || !o.active) continue;
                    waiting = true;
                    Machine mc = o.machine;
                    if (mc != null) mc.requestPark();
                }
                if (!waiting) break;
                try {
                    lock.wait(1);
                } catch (InterruptedException e) {
                    interrupted.set(Boolean.TRUE);
                }
            }
            if (me != null) me.active = was;
            sections++;
        }
        reinterrupt();
    }

    /** Ends the calling thread's section: the parked members go on. */
    public void end() {
        synchronized (lock) {
            open = false;
            owner = null;
            lock.notifyAll();
        }
    }

    /** Waits on the lock (held); an interrupt is kept for after the wait loop, not lost and not spun on. */
    private void waitOn() {
        try {
            lock.wait();
        } catch (InterruptedException e) {
            interrupted.set(Boolean.TRUE);
        }
    }

    private final ThreadLocal<Boolean> interrupted = new ThreadLocal<>();

    private void reinterrupt() {
        if (interrupted.get() != null) {
            interrupted.remove();
            Thread.currentThread().interrupt();
        }
    }
}

package dev.lstar.kernel;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.engine.Engine;

/**
 * One modelled CPU of the kernel (Linux's per-CPU state that the C side keeps): its
 * {@link Machine} (registers, MMU/TLB, stop requests; the physical memory is shared), the engine
 * that runs guest code on it, where its per-CPU area and entry stack are, which task it runs and
 * whose registers it holds, its ASID table (cpu_tlbstate.ctxs), and the state the TLB shootdown
 * reads from other CPUs. Fields marked "sched" change only under the scheduler's lock.
 */
final class PerCpu {
    final int id;
    final Machine machine;
    final Cpu cpu;
    /** The engine running guest code on this CPU (each CPU has its own; null before {@link LinuxKernel#run}). */
    Engine engine;
    /** Linear and physical address of this CPU's per-CPU area (GS base in the kernel). */
    final long percpuLa, percpuPa;
    /** TSS.sp0: the top of this CPU's entry (trampoline) stack. */
    final long entryStackTop;

    /** sched: the task holding this CPU, or null when it is idle. */
    Task running;
    /** sched: the task whose registers {@link #cpu} holds (also saved in the task: skipping the restore is only a shortcut). */
    Task lastRan;

    /** cpu_tlbstate.ctxs: which address space owns each dynamic ASID here, and the space's TLB generation it was flushed to. */
    final Object[] asidOwner = new Object[Scheduler.NR_ASIDS];
    final long[] asidGen = new long[Scheduler.NR_ASIDS];
    int nextAsid;

    /**
     * The address space whose user mappings this CPU may be using now (its task's), or null when
     * idle: the TLB shootdown asks exactly these CPUs to flush.
     */
    volatile AddressSpace loadedMm;
    /** Inside the kernel's Java code (holding or waiting for the kernel lock): such a CPU flushes before it runs guest code again. */
    volatile boolean inKernel;
    /** The newest shootdown generation asked of this CPU, and the newest it has done. */
    volatile long flushRequested, flushDone;
    /** TIF_NEED_RESCHED of the running task (set by the tick when tasks wait for a CPU). */
    volatile boolean needResched;

    PerCpu(int id, Machine machine, long percpuLa, long percpuPa, long entryStackTop) {
        this.id = id;
        this.machine = machine;
        this.cpu = machine.cpu;
        this.percpuLa = percpuLa;
        this.percpuPa = percpuPa;
        this.entryStackTop = entryStackTop;
    }

    /** Does a requested TLB shootdown (on this CPU's own thread, outside guest code). */
    void flushIfRequested() {
        long want = flushRequested;
        if (want != flushDone) {
            cpu.mmu.flushAll();
            flushDone = want;
        }
    }

    @Override
    public String toString() {
        return "cpu" + id;
    }
}

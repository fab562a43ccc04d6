package dev.lstar.bench;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.FlatImage;
import dev.lstar.runtime.setup.PageTables;


/**
 * The guest loops the benchmarks run (runtime/src/test/asm, flat images built by
 * tools/asm-flat.sh): a register-only xorshift loop (12 instructions per iteration) and a memory
 * loop (5 instructions per iteration: load, add, store, dec, jnz); and the SSE loops of
 * {@link SseLoopsBench} (fpdot: scalar double, sseloops: glibc-style SSE2 string loops).
 */
public final class GuestLoops {
    public static final long BASE = 0x400000, DATA = 0x10_000_000L, STACK_TOP = 0x7ff000;
    public static final int XORSHIFT_INSNS_PER_ITER = 12, MEMSUM_INSNS_PER_ITER = 5;

    public final BareMachine bm;
    public final long done;
    /** The loaded image (its symbols are the entry points of the multi-entry images). */
    public final FlatImage image;

    private GuestLoops(BareMachine bm, long done, FlatImage image) {
        this.bm = bm;
        this.done = done;
        this.image = image;
    }

    /** A ring-3 machine with the named image loaded, {@code dataBytes} of data at DATA and a stack. */
    public static GuestLoops load(String name, long dataBytes) {
        BareMachine bm = BareMachine.create(Vendor.INTEL, 256L << 20, false, 3);
        FlatImage img = FlatImage.load("/guest/", name);
        img.install(bm);
        if (dataBytes > 0) bm.map(DATA, dataBytes, PageTables.RW | PageTables.US | PageTables.NX);
        bm.map(STACK_TOP - 0x4000, 0x4000, PageTables.RW | PageTables.US | PageTables.NX);
        long done = img.sym("done");
        return new GuestLoops(bm, done, img);
    }

    /** Resets registers for a xorshift run of {@code iterations}. */
    public void resetXorshift(long iterations) {
        Cpu c = bm.machine.cpu;
        c.rip = BASE;
        c.r[Cpu.RAX] = 0x9E3779B97F4A7C15L;
        c.r[Cpu.RBX] = 0;
        c.r[Cpu.RCX] = iterations;
        c.r[Cpu.RSP] = STACK_TOP;
    }

    /** Resets registers for a memsum run over {@code count} qwords at DATA into DATA + count*8. */
    public void resetMemsum(long count) {
        Cpu c = bm.machine.cpu;
        c.rip = BASE;
        c.r[Cpu.RSI] = DATA;
        c.r[Cpu.RDI] = DATA + count * 8;
        c.r[Cpu.RCX] = count;
        c.r[Cpu.RSP] = STACK_TOP;
    }


    /** Runs the xorshift guest for {@code iterations} on {@code e} to its end; the instructions it ran. */
    public long runXorshift(Engine e, long iterations) {
        resetXorshift(iterations);
        return finished(e.run(bm.machine, Long.MAX_VALUE, done));
    }

    /** Runs the memsum guest over {@code count} elements on {@code e} to its end; the instructions it ran. */
    public long runMemsum(Engine e, long count) {
        resetMemsum(count);
        return finished(e.run(bm.machine, Long.MAX_VALUE, done));
    }

    /** Runs from symbol {@code entry} of the loaded image to "done" on {@code e}; the instructions it ran. */
    public long runFrom(Engine e, long entry) {
        Cpu c = bm.machine.cpu;
        c.rip = entry;
        c.r[Cpu.RSP] = STACK_TOP;
        return finished(e.run(bm.machine, Long.MAX_VALUE, done));
    }

    private static long finished(RunResult r) {
        if (r.reason() != StopReason.UNTIL_REACHED) throw new IllegalStateException("guest loop did not finish: " + r);
        return r.instructions();
    }
}

package dev.lstar.runtime.interp;

import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.sys.Interrupts;
import dev.lstar.runtime.sys.TripleFault;

/**
 * The reference engine: executes pre-decoded blocks from the {@link BlockCache} one instruction at
 * a time through {@link Exec}. Faults are precise: the registers, flags and RIP the exception
 * handler sees are those before the faulting instruction.
 */
public final class Interpreter implements Engine {
    private final Machine machine;
    private final Cpu cpu;
    private final BlockCache cache;

    public long blocksExecuted, nativeCalls, exceptionsDelivered;

    public Interpreter(Machine machine) {
        this.machine = machine;
        this.cpu = machine.cpu;
        this.cache = new BlockCache(machine);
    }

    public BlockCache cache() {
        return cache;
    }

    @Override
    public String name() {
        return "interp";
    }

    @Override
    public RunResult run(Machine m, long budget, long until) {
        if (m != machine) throw new IllegalArgumentException("this interpreter belongs to another machine");
        Cpu c = cpu;
        long start = c.instructions;
        long limit = budget >= Long.MAX_VALUE - start ? Long.MAX_VALUE : start + budget;
        while (true) {
            if (m.stopRequested()) {
                String msg = m.takeStop();
                return new RunResult(StopReason.REQUESTED, c.instructions - start, null, 0, msg);
            }
            if (c.instructions >= limit) return RunResult.of(StopReason.BUDGET, c.instructions - start);
            if (c.rip == until) return RunResult.of(StopReason.UNTIL_REACHED, c.instructions - start);
            if (c.halted) return new RunResult(StopReason.HALTED, c.instructions - start, null, c.rip, "hlt");
            long rip = c.rip;
            pendingNext = rip;
            try {
                Block b = cache.lookup(rip);
                blocksExecuted++;
                b.execCount++;
                if (b.nativeFn != null) {
                    runNative(b);
                } else if (m.tracer != null) {
                    traceBlock(b);
                } else {
                    int n = b.insns.length;
                    if (until != -1 && until - b.la > 0 && until - b.la < b.byteLen && b.indexOf(until) > 0) {
                        n = b.indexOf(until); // stop exactly at `until` inside this block
                    }
                    if (limit - c.instructions < n) n = (int) (limit - c.instructions); // exact budget
                    // RF (set by IRETQ from a fault frame) is cleared once an instruction completes (SDM Vol. 3A §18.3.1.1)
                    boolean rf = (c.rflags & Flags.RF) != 0;
                    if (rf) n = 1;
                    if (b.hooked) runHooked(b, n);
                    else runBlock(b, n);
                    if (rf) c.rflags &= ~(long) Flags.RF;
                }
            } catch (CpuException e) {
                RunResult r = deliver(e, c.rip, start);
                if (r != null) return r;
            } catch (TripleFault t) {
                return new RunResult(StopReason.TRIPLE_FAULT, c.instructions - start, null, c.rip, t.getMessage());
            }
        }
    }

    /**
     * Executes {@code b}. On a fault, restores the precise state (RIP of the faulting instruction,
     * lazy flags of before it) and rethrows for delivery.
     */
    private void runBlock(Block b, int n) {
        Cpu c = cpu;
        Instruction[] insns = b.insns;
        int k = 0;
        int savedOp = 0, savedSize = 0;
        long savedRes = 0, savedA = 0, savedB = 0, savedAux = 0, savedFlags = 0;
        try {
            for (; k < n; k++) {
                Instruction i = insns[k];
                boolean snapshot = i.kind[0] == Instruction.OP_MEM && i.flagsWritten != 0;
                if (snapshot) {
                    savedOp = c.lzOp; savedSize = c.lzSize; savedRes = c.lzRes; savedA = c.lzA; savedB = c.lzB;
                    savedAux = c.lzAux; savedFlags = c.rflags;
                }
                long next;
                try {
                    next = Exec.execute(c, i);
                } catch (CpuException e) {
                    if (snapshot) {
                        c.lzOp = savedOp; c.lzSize = savedSize; c.lzRes = savedRes; c.lzA = savedA; c.lzB = savedB;
                        c.lzAux = savedAux; c.rflags = savedFlags;
                    }
                    throw e;
                }
                if (next != Exec.FALLTHROUGH) {
                    c.rip = next;
                    c.instructions += k + 1;
                    return;
                }
                if (b.writesMemory && !b.valid && k + 1 < n) {
                    // the block rewrote its own code: continue from freshly decoded bytes
                    c.rip = i.next();
                    c.instructions += k + 1;
                    return;
                }
            }
            c.rip = insns[n - 1].next();
            c.instructions += n;
        } catch (CpuException e) {
            c.rip = insns[k].address;
            c.instructions += k;
            pendingNext = insns[k].next();
            throw e;
        }
    }

    private long pendingNext;

    // ------------------------------------------------------------------ embedder hooks (Machine.Hooks)

    /**
     * {@link #runBlock} for a block that embedder hooks cover: the same precise-fault handling, with
     * the {@link Machine.Hooks} calls of the engine contract around each instruction.
     */
    private void runHooked(Block b, int n) {
        Cpu c = cpu;
        Machine.Hooks h = machine.hooks;
        if (h == null) { runBlock(b, n); return; }
        if (h.enterBlock(machine, b.la, b.byteLen) != Machine.Hooks.EXECUTE) return;
        Instruction[] insns = b.insns;
        for (int k = 0; k < n; k++) {
            Instruction i = insns[k];
            if (!b.valid || machine.stopRequested()) return; // rewritten by a hook, or stop(): fresh look-up
            c.rip = i.address;
            pendingNext = i.next();
            int act = h.beforeInstruction(machine, i);
            if (act == Machine.Hooks.LEAVE) return;
            if (act == Machine.Hooks.SKIP) {
                c.instructions++;
                if (c.rip != i.next()) return;
                continue;
            }
            int savedOp = c.lzOp, savedSize = c.lzSize;
            long savedRes = c.lzRes, savedA = c.lzA, savedB = c.lzB, savedAux = c.lzAux, savedFlags = c.rflags;
            long next;
            try {
                next = Exec.execute(c, i);
            } catch (CpuException e) {
                c.lzOp = savedOp; c.lzSize = savedSize; c.lzRes = savedRes; c.lzA = savedA; c.lzB = savedB;
                c.lzAux = savedAux; c.rflags = savedFlags;
                c.rip = i.address;
                pendingNext = i.next();
                throw e;
            }
            c.instructions++;
            c.rip = next != Exec.FALLTHROUGH ? next : i.next();
            h.afterInstruction(machine, i);
            if (next != Exec.FALLTHROUGH) return;
        }
    }

    private void traceBlock(Block b) {
        Cpu c = cpu;
        for (Instruction i : b.insns) {
            machine.tracer.trace(c, i);
            c.rip = i.address;
            long next;
            try {
                next = Exec.execute(c, i);
            } catch (CpuException e) {
                pendingNext = i.next();
                throw e;
            }
            c.instructions++;
            if (next != Exec.FALLTHROUGH) {
                c.rip = next;
                return;
            }
            c.rip = i.next();
            if (!b.valid) return;
        }
    }

    private void runNative(Block b) {
        Cpu c = cpu;
        nativeCalls++;
        pendingNext = c.rip;
        b.nativeFn.invoke(machine);
        // return as `ret` would
        long ret = Operands.peek(c, 8);
        if (!c.canonical(ret)) throw CpuException.gp0("native function returned to non-canonical 0x" + Long.toHexString(ret));
        c.r[Cpu.RSP] += 8;
        c.rip = ret;
        c.instructions++;
    }

    /** Delivers {@code e} raised at {@code faultRip}; returns a stop result if it cannot be delivered. */
    private RunResult deliver(CpuException e, long faultRip, long start) {
        Cpu c = cpu;
        Machine.Hooks h = machine.hooks;
        if (h != null) {
            int act = h.onException(machine, e, faultRip, pendingNext);
            if (act == Machine.Hooks.RETRY || act == Machine.Hooks.CONTINUE) return null;
        }
        if (c.idtrLimit == 0) {
            return new RunResult(StopReason.UNHANDLED_FAULT, c.instructions - start, e, faultRip, e.describe() + ": " + e.getMessage());
        }
        exceptionsDelivered++;
        c.halted = false;
        try {
            Interrupts.deliver(c, e, faultRip, pendingNext);
        } catch (TripleFault t) {
            // delivery itself shut the machine down (fault while delivering #DF)
            return new RunResult(StopReason.TRIPLE_FAULT, c.instructions - start, null, c.rip, t.getMessage());
        }
        return null;
    }

    @Override
    public String stats() {
        return "blocks executed: " + blocksExecuted + "\nblocks decoded: " + cache.size() + " live, "
                + cache.misses + " misses, " + cache.invalidations + " invalidated\ninstructions decoded: "
                + cache.decoded + "\nnative calls: " + nativeCalls + "\nexceptions delivered: " + exceptionsDelivered;
    }

    @Override
    public void flush() {
        cache.flush();
    }
}

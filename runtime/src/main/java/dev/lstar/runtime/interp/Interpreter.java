package dev.lstar.runtime.interp;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.engine.UnsupportedFeatureException;
import dev.lstar.runtime.mem.MachineCheckException;
import dev.lstar.runtime.sys.TripleFault;

/**
 * The reference engine: executes pre-decoded blocks from the {@link BlockCache} one instruction at
 * a time through {@link Exec} (via {@link BlockRunner}). Faults are precise: the registers, flags
 * and RIP the exception handler sees are those before the faulting instruction. The budget and
 * {@code until} are exact.
 */
public final class Interpreter implements Engine {
    private final Machine machine;
    private final Cpu cpu;
    private final BlockCache cache;
    private final BlockRunner runner;

    public long blocksExecuted;

    public Interpreter(Machine machine) {
        this.machine = machine;
        this.cpu = machine.cpu;
        this.cache = new BlockCache(machine);
        this.runner = new BlockRunner(machine);
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
            RunResult stop = runner.checkStop(start, limit, until);
            if (stop != null) return stop;
            RunResult r = step(until, limit, start);
            if (r != null) return r;
        }
    }

    /**
     * Executes the block at RIP (up to {@code until} or the instruction count {@code limit}) and
     * delivers the exception it raises, if any: one turn of the run loop, without its stop checks
     * (the lockstep engine replays the JIT's steps with it). Returns a stop result only for an
     * undeliverable fault, a triple fault or an unsupported mode; {@code start} is the count the
     * run began with (for the result's instruction count).
     */
    public RunResult step(long until, long limit, long start) {
        Cpu c = cpu;
        try {
            Block b = cache.lookup(c.rip);
            blocksExecuted++;
            runner.interpret(b, until, limit);
        } catch (CpuException e) {
            return runner.deliver(e, c.rip, start);
        } catch (MachineCheckException mc) {
            return runner.machineCheck(mc, start);
        } catch (TripleFault t) {
            return new RunResult(StopReason.TRIPLE_FAULT, c.instructions - start, null, c.rip, t.getMessage());
        } catch (UnsupportedFeatureException u) {
            return new RunResult(StopReason.UNSUPPORTED, c.instructions - start, null, c.rip, u.getMessage());
        }
        return null;
    }

    @Override
    public String stats() {
        return "blocks executed: " + blocksExecuted + "\nblocks decoded: " + cache.size() + " live, "
                + cache.misses + " misses, " + cache.invalidations + " invalidated\ninstructions decoded: "
                + cache.decoded + "\nnative calls: " + runner.nativeCalls + "\nexceptions delivered: "
                + runner.exceptionsDelivered + "\nsingle-step traps: " + runner.singleSteps;
    }

    @Override
    public void flush() {
        cache.flush();
    }
}

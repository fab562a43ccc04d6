package dev.lstar.bench;

import dev.lstar.runtime.interp.Interpreter;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * Interpreter throughput in guest instructions per second (one JMH "operation" = one guest
 * instruction) on a register-only loop and on a memory loop.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xss16m"})
@State(Scope.Thread)
public class InterpreterLoopsBench {
    static final int XS_ITERS = 1_000_000;
    static final int MEM_COUNT = 200_000;

    GuestLoops xorshift, memsum;
    Interpreter xsInterp, memInterp;

    @Setup
    public void setup() {
        xorshift = GuestLoops.load("xorshift", 0);
        xsInterp = new Interpreter(xorshift.bm.machine);
        memsum = GuestLoops.load("memsum", MEM_COUNT * 16L);
        memInterp = new Interpreter(memsum.bm.machine);
    }

    @Benchmark
    @OperationsPerInvocation(XS_ITERS * GuestLoops.XORSHIFT_INSNS_PER_ITER)
    public long registerLoop() {
        return xorshift.runXorshift(xsInterp, XS_ITERS);
    }

    @Benchmark
    @OperationsPerInvocation(MEM_COUNT * GuestLoops.MEMSUM_INSNS_PER_ITER)
    public long memoryLoop() {
        return memsum.runMemsum(memInterp, MEM_COUNT);
    }

}

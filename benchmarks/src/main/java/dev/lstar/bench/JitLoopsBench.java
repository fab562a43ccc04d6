package dev.lstar.bench;

import dev.lstar.translator.JitEngine;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * JIT throughput in guest instructions per second (one JMH "operation" = one guest instruction)
 * on the same loops as {@link InterpreterLoopsBench}: the register-only xorshift loop and the
 * memory loop. {@code regions=true} lets a hot self-loop block run as a JVM loop (the default
 * engine configuration); {@code false} measures block-at-a-time dispatch with linking.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xss16m"})
@State(Scope.Thread)
public class JitLoopsBench {
    static final int XS_ITERS = 1_000_000;
    static final int MEM_COUNT = 200_000;

    @Param({"true", "false"})
    public boolean regions;

    GuestLoops xorshift, memsum;
    JitEngine xsJit, memJit;

    @Setup
    public void setup() {
        JitEngine.Options o = JitEngine.Options.defaults().withHotThreshold(regions ? 64 : 0);
        xorshift = GuestLoops.load("xorshift", 0);
        xsJit = new JitEngine(xorshift.bm.machine, o);
        memsum = GuestLoops.load("memsum", MEM_COUNT * 16L);
        memJit = new JitEngine(memsum.bm.machine, o);
    }

    @Benchmark
    @OperationsPerInvocation(XS_ITERS * GuestLoops.XORSHIFT_INSNS_PER_ITER)
    public long registerLoop() {
        return xorshift.runXorshift(xsJit, XS_ITERS);
    }

    @Benchmark
    @OperationsPerInvocation(MEM_COUNT * GuestLoops.MEMSUM_INSNS_PER_ITER)
    public long memoryLoop() {
        return memsum.runMemsum(memJit, MEM_COUNT);
    }

}

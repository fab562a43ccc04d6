package dev.lstar.bench;

import dev.lstar.kernel.LinuxKernel;
import dev.lstar.runtime.interp.Block;
import dev.lstar.translator.JitEngine;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * Translation cost per block over a realistic mix: every block the demo guest's system-call
 * loop runs (its user code and the kernel's entry_SYSCALL_64 path with KPTI: about 40 blocks
 * of 1 to 30 instructions, system instructions included). Setup runs the loop under the JIT
 * until the translations are made; then the blocks are translated again, round robin (generate
 * the bytecode, define the hidden class, instantiate it): {@link #alone} one class per block,
 * {@link #batched} eight blocks per class, as the engine translates blocks that reach its
 * compile threshold. Scores are per block. Decoding is not included (the decoded blocks are
 * reused), nor is the first execution of the new code.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xss16m"})
@State(Scope.Thread)
public class KernelTranslateBench {
    JitEngine jit;
    Block[] blocks;
    int next;

    @Setup
    public void setup() throws IOException {
        LinuxKernel kernel = SyscallBench.demoKernel(true);
        jit = new JitEngine(kernel.machine, JitEngine.Options.defaults().withHotThreshold(0));
        SyscallBench.check(jit.run(kernel.machine, 200_000));
        List<Block> l = jit.translatedBlocks();
        if (l.size() < 20) throw new IllegalStateException("only " + l.size() + " translations");
        blocks = l.toArray(new Block[0]);
    }

    static final int BATCH = 8;

    @Benchmark
    public int alone() {
        Block b = blocks[next];
        next = next + 1 == blocks.length ? 0 : next + 1;
        return jit.translateAgain(b);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int batched() {
        List<Block> l = new java.util.ArrayList<>(BATCH);
        for (int k = 0; k < BATCH; k++) {
            l.add(blocks[next]);
            next = next + 1 == blocks.length ? 0 : next + 1;
        }
        return jit.translateAgain(l);
    }
}

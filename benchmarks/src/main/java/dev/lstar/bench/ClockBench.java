package dev.lstar.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * clock_gettime(CLOCK_MONOTONIC) in a guest loop, through the vDSO (glibc's static clock_gettime
 * finds __vdso_clock_gettime through AT_SYSINFO_EHDR: a few guest instructions reading the vvar
 * page) and through the system call ({@code syscall(SYS_clock_gettime, ...)}: SYSCALL, the entry
 * code, do_syscall_64 in Java, SYSRET). The guest is {@code clock_loop.c}, compiled at setup with
 * {@code gcc -O2 -static} ({@link MarkedProgram}): blocks of 1000 calls, each followed by one
 * getppid() that marks the block; an invocation runs exactly 20 blocks, marker to marker, so one
 * operation is exactly one call (plus 1/1000 of the marker). The same program times itself
 * natively ({@code clock_loop vdso|syscall N}, run by {@link NativeBaseline}): the host baseline.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xss16m"})
@State(Scope.Thread)
public class ClockBench {
    static final int BLOCK = 1000, BLOCKS = 20;

    @Param({"vdso", "syscall"})
    public String via;

    @Param({"jit", "interp"})
    public String engine;

    MarkedProgram program;

    @Setup
    public void setup() throws Exception {
        // past start-up, into the loop (3 blocks), then the instructions of 20 blocks
        program = new MarkedProgram(MarkedProgram.compile("clock_loop"), List.of("clock_loop", via), engine, 3, 20);
        System.out.printf("# %s: %.1f guest instructions per clock_gettime (the marker included)%n", via, program.instructionsPerBlock / BLOCK);
    }

    @Benchmark
    @OperationsPerInvocation(BLOCK * BLOCKS)
    public long clockGettime() {
        return program.runBlocks(BLOCKS);
    }
}

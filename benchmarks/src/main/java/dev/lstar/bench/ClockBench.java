package dev.lstar.bench;

import dev.lstar.kernel.KernelConfig;
import dev.lstar.kernel.LinuxKernel;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.translator.JitEngine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * clock_gettime(CLOCK_MONOTONIC) in a guest loop, through the vDSO (glibc's static clock_gettime
 * finds __vdso_clock_gettime through AT_SYSINFO_EHDR: a few guest instructions reading the vvar
 * page) and through the system call ({@code syscall(SYS_clock_gettime, ...)}: SYSCALL, the entry
 * code, do_syscall_64 in Java, SYSRET). The guest is {@code clock_loop.c}, compiled at setup with
 * {@code gcc -O2 -static} (the benchmark fails if gcc or a static glibc is missing): blocks of
 * 1000 calls, each followed by one getppid() that marks the block; the instructions per block are
 * measured at setup, so one operation is exactly one call (plus 1/1000 of the marker). The same
 * program times itself natively ({@code clock_loop vdso|syscall N}): the host baseline.
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

    LinuxKernel kernel;
    Engine eng;
    long instructionsPerBlock;

    /** clock_loop.c built static with gcc into a temporary directory. */
    static byte[] program() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("lstar-clockbench");
        Path src = dir.resolve("clock_loop.c"), exe = dir.resolve("clock_loop");
        try (InputStream in = ClockBench.class.getResourceAsStream("/dev/lstar/bench/clock_loop.c")) {
            Files.write(src, in.readAllBytes());
        }
        Process p = new ProcessBuilder("gcc", "-O2", "-static", "-o", exe.toString(), src.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException("gcc -static clock_loop.c failed:\n" + log);
        byte[] elf = Files.readAllBytes(exe);
        Files.delete(exe);
        Files.delete(src);
        Files.delete(dir);
        return elf;
    }

    @Setup
    public void setup() throws Exception {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream());
        kernel = LinuxKernel.boot(KernelConfig.defaults().withIo(InputStream.nullInputStream(), sink, sink).withLog(sink));
        kernel.exec(program(), "/bench/clock_loop", List.of("clock_loop", via), List.of());
        eng = engine.equals("jit") ? new JitEngine(kernel.machine) : new Interpreter(kernel.machine);
        // past start-up, into the loop: run until a few markers have been seen
        long base = kernel.syscallCount();
        long markers = via.equals("vdso") ? 3 : 3 * (BLOCK + 1);
        while (kernel.syscallCount() - base < markers) SyscallBench.check(eng.run(kernel.machine, 100_000));
        // instructions per block (1000 calls + the marker): exact, from the marker count
        long budget = 20_000_000, s0 = kernel.syscallCount();
        SyscallBench.check(eng.run(kernel.machine, budget));
        double perSyscall = budget / (double) (kernel.syscallCount() - s0);
        long per = Math.round(via.equals("vdso") ? perSyscall : perSyscall * (BLOCK + 1));
        instructionsPerBlock = per;
        System.out.printf("# %s: %.1f guest instructions per clock_gettime (the marker included)%n", via, per / (double) BLOCK);
    }

    @Benchmark
    @OperationsPerInvocation(BLOCK * BLOCKS)
    public long clockGettime() {
        return SyscallBench.check(eng.run(kernel.machine, instructionsPerBlock * BLOCKS));
    }
}

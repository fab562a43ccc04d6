package dev.lstar.bench;

import dev.lstar.kernel.KernelConfig;
import dev.lstar.kernel.LinuxKernel;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.translator.JitEngine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * The system-call round trip through the full modelled path: the demo guest's getpid loop
 * (cli/src/main/asm/demo.S) — SYSCALL, entry_SYSCALL_64 as guest code (swapgs, CR3 switch with
 * KPTI, pt_regs), do_syscall_64 in Java, the six SYSRET checks, SYSRETQ — on the interpreter and
 * the JIT, with page-table isolation on and off. One operation = one round trip (the loop's
 * instruction count per syscall is measured at setup and is exact).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xss16m"})
@State(Scope.Thread)
public class SyscallBench {
    static final int SYSCALLS = 20_000;

    @Param({"interp", "jit"})
    public String engine;

    @Param({"true", "false"})
    public boolean kpti;

    LinuxKernel kernel;
    Engine eng;
    long instructionsPerSyscall;

    /** The kernel booted with the demo guest (an endless getpid loop) loaded, output discarded. */
    static LinuxKernel demoKernel(boolean kpti) throws IOException {
        byte[] elf;
        try (InputStream in = SyscallBench.class.getResourceAsStream("/dev/lstar/cli/demo.elf")) {
            elf = in.readAllBytes();
        }
        PrintStream sink = new PrintStream(new ByteArrayOutputStream());
        LinuxKernel k = LinuxKernel.boot(KernelConfig.defaults().withKpti(kpti).withIo(InputStream.nullInputStream(), sink, sink).withLog(sink));
        k.exec(elf, "demo", List.of("demo", "999999999999"), List.of());
        return k;
    }

    @Setup
    public void setup() throws IOException {
        kernel = demoKernel(kpti);
        eng = engine.equals("jit") ? new JitEngine(kernel.machine) : new Interpreter(kernel.machine);
        check(eng.run(kernel.machine, 100_000)); // past the banner, into the loop
        long s0 = kernel.syscallCount(), budget = 1_000_000;
        check(eng.run(kernel.machine, budget));
        long per = Math.round(budget / (double) (kernel.syscallCount() - s0));
        // exact: a whole number of loop iterations per syscall
        long s1 = kernel.syscallCount();
        check(eng.run(kernel.machine, per * 1000));
        if (kernel.syscallCount() - s1 != 1000) throw new IllegalStateException("the loop is not " + per + " instructions per syscall");
        instructionsPerSyscall = per;
    }

    @Benchmark
    @OperationsPerInvocation(SYSCALLS)
    public long roundTrip() {
        return check(eng.run(kernel.machine, instructionsPerSyscall * SYSCALLS));
    }

    static long check(RunResult r) {
        if (r.reason() != StopReason.BUDGET) throw new IllegalStateException("the guest stopped: " + r);
        return r.instructions();
    }
}

package dev.lstar.bench;

import dev.lstar.api.Emulator;
import dev.lstar.api.HookHandle;
import dev.lstar.api.Insn;
import dev.lstar.api.Perm;
import dev.lstar.api.Reg;
import dev.lstar.api.Snapshot;
import dev.lstar.api.StopInfo;

import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * Cost of the embedding API's hooks and snapshots, on the interpreter ({@code engine=interp}) and
 * on the JIT ({@code engine=jit}, where hooked blocks are translations with the hook calls
 * compiled in):
 * <ul>
 *   <li>{@code xorshiftNoHook} / {@code xorshiftCodeHook}: ns per guest instruction of the
 *       xorshift loop without hooks, and with a no-op code hook covering it (one operation = one
 *       guest instruction);</li>
 *   <li>{@code syscallInsnHook}: ns per SYSCALL intercepted by an instruction hook that emulates
 *       it (one operation = one loop iteration: mov, syscall, dec, jnz);</li>
 *   <li>{@code snapshotRestore}: one fuzz-loop step: restore a snapshot (32 mapped pages), write
 *       an 8-byte input, run a short guest function that reads it and writes two pages.</li>
 * </ul>
 * The cost of one code-hook callback is {@code xorshiftCodeHook - xorshiftNoHook} (one callback
 * per guest instruction); {@link #main} prints it per engine.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xss16m"})
@State(Scope.Thread)
public class HookBench {
    static final long CODE = 0x400000, DATA = 0x600000, STACK_TOP = 0x7ff000;
    static final int XS_ITERS = 100_000, SYSCALLS = 100_000;

    /** The xorshift loop of {@link GuestLoops} (12 instructions per iteration), then nop at 0x400026. */
    static final byte[] XORSHIFT = HexFormat.of().parseHex("4889c248c1e20d4831d04889c248c1ea074831d04889c248c1e2114831d04801c348ffc975da90");
    /** loop: mov $39,%eax; syscall; dec %rcx; jnz loop; nop (0x40000c). */
    static final byte[] SYSLOOP = HexFormat.of().parseHex("b8270000000f0548ffc975f490");
    /** mov (%rsi),%rax; add $1,%rax; mov %rax,8(%rsi); push %rax; pop %rbx; nop (0x40000d). */
    static final byte[] MEM = HexFormat.of().parseHex("488b064883c00148894608505b90");

    @Param({"interp", "jit"})
    public String engine;

    Emulator plain, hooked, sys, fuzz;
    Snapshot snap;
    long[] hookCalls = new long[1];
    final byte[] input = new byte[8];
    long step;

    static Emulator user(byte[] code, String engine) {
        Emulator emu = Emulator.builder().flatUserMode().engine(engine).build();
        emu.map(CODE, 0x1000, Perm.READ | Perm.EXEC);
        emu.write(CODE, code);
        emu.map(STACK_TOP - 0x4000, 0x4000, Perm.READ | Perm.WRITE);
        emu.regWrite(Reg.RSP, STACK_TOP);
        return emu;
    }

    @Setup
    public void setup() {
        plain = user(XORSHIFT, engine);
        hooked = user(XORSHIFT, engine);
        HookHandle h = hooked.hookCode(CODE, CODE + XORSHIFT.length - 1, (e, a, n) -> hookCalls[0]++);
        if (!h.active()) throw new IllegalStateException();
        sys = user(SYSLOOP, engine);
        sys.hookInsn(Insn.SYSCALL, (e, insn, rip) -> { e.regWrite(Reg.RAX, 4242); return true; });
        fuzz = user(MEM, engine);
        fuzz.map(DATA, 32 * 4096, Perm.READ | Perm.WRITE);
        fuzz.regWrite(Reg.RSI, DATA);
        snap = fuzz.snapshot();
    }

    private static long run(Emulator emu, long rax, long rcx, long until) {
        emu.regWrite(Reg.RAX, rax);
        emu.regWrite(Reg.RBX, 0);
        emu.regWrite(Reg.RCX, rcx);
        StopInfo s = emu.start(CODE, until);
        if (s.reason() != StopInfo.Reason.UNTIL_REACHED) throw new IllegalStateException(s.toString());
        return emu.regRead(Reg.RBX);
    }

    @Benchmark
    @OperationsPerInvocation(XS_ITERS * 12)
    public long xorshiftNoHook() {
        return run(plain, 0x9E3779B97F4A7C15L, XS_ITERS, 0x400026);
    }

    @Benchmark
    @OperationsPerInvocation(XS_ITERS * 12)
    public long xorshiftCodeHook() {
        return run(hooked, 0x9E3779B97F4A7C15L, XS_ITERS, 0x400026);
    }

    @Benchmark
    @OperationsPerInvocation(SYSCALLS)
    public long syscallInsnHook() {
        run(sys, 0, SYSCALLS, 0x40000c);
        return sys.regRead(Reg.RAX);
    }

    @Benchmark
    public long snapshotRestore() {
        fuzz.restore(snap);
        long v = ++step;
        for (int k = 0; k < 8; k++) input[k] = (byte) (v >>> (8 * k));
        fuzz.write(DATA, input);
        StopInfo s = fuzz.start(CODE, 0x40000d);
        if (s.reason() != StopInfo.Reason.UNTIL_REACHED) throw new IllegalStateException(s.toString());
        return fuzz.regRead(Reg.RBX);
    }

    /**
     * Runs the benchmark and prints ns per code-hook callback and per hooked SYSCALL for each
     * engine. Arguments are passed to JMH (e.g. {@code -f 1 -wi 3 -i 5}).
     */
    public static void main(String[] args) throws Exception {
        var opts = new org.openjdk.jmh.runner.options.CommandLineOptions(
                java.util.stream.Stream.concat(java.util.stream.Stream.of(args), java.util.stream.Stream.of(HookBench.class.getSimpleName()))
                        .toArray(String[]::new));
        var results = new org.openjdk.jmh.runner.Runner(opts).run();
        java.util.Map<String, java.util.Map<String, Double>> by = new java.util.TreeMap<>();
        for (var r : results) {
            String bench = r.getParams().getBenchmark();
            by.computeIfAbsent(r.getParams().getParam("engine"), k -> new java.util.HashMap<>())
                    .put(bench.substring(bench.lastIndexOf('.') + 1), r.getPrimaryResult().getScore());
        }
        for (var e : by.entrySet()) {
            var m = e.getValue();
            System.out.printf("%-6s  no hook %6.2f ns/insn   code hook %6.2f ns/insn   => %6.2f ns per callback   "
                            + "syscall hook %6.1f ns/iteration   snapshot step %7.1f ns%n", e.getKey(),
                    m.getOrDefault("xorshiftNoHook", Double.NaN), m.getOrDefault("xorshiftCodeHook", Double.NaN),
                    m.getOrDefault("xorshiftCodeHook", Double.NaN) - m.getOrDefault("xorshiftNoHook", Double.NaN),
                    m.getOrDefault("syscallInsnHook", Double.NaN), m.getOrDefault("snapshotRestore", Double.NaN));
        }
    }
}

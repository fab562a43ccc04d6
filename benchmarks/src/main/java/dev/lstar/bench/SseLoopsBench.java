package dev.lstar.bench;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.translator.JitEngine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * SSE code on both engines, in guest instructions per second (one JMH "operation" = one guest
 * instruction of the loop; the few instructions around it are not counted): the scalar-double
 * loops of {@code fpdot.S} (a dot product with movsd/mulsd/addsd over two 64 KiB arrays, and a
 * polynomial with cvtsi2sd/movapd/mulsd/addsd in registers) and the glibc-style SSE2 string loops
 * of {@code sseloops.S} over 64 KiB (strlen: movdqa/pcmpeqb/pmovmskb; memcpy: movdqu load and
 * store; memchr: movdqu/pcmpeqb/pmovmskb with a byte that is not there). The same loops run
 * natively in {@code tools/native-sse-loops.c} (the baseline).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xss16m"})
@State(Scope.Thread)
public class SseLoopsBench {
    /** Doubles per array of the dot product; iterations of the polynomial. */
    static final int N = 8192, POLY = 8192;
    /** Bytes scanned or copied by the string loops. */
    static final int BYTES = 65536;
    static final int DOT_INSNS = N * 5, POLY_INSNS = POLY * 8;
    static final int STRLEN_INSNS = BYTES / 16 * 6, MEMCPY_INSNS = BYTES / 16 * 5, MEMCHR_INSNS = BYTES / 16 * 8;

    @Param({"interp", "jit"})
    public String engine;

    GuestLoops fp, str;
    Engine fpEngine, strEngine;
    long dotEntry, polyEntry, strlenEntry, copyEntry, chrEntry;
    static final long A = GuestLoops.DATA, B = GuestLoops.DATA + 8L * N;
    static final long SRC = GuestLoops.DATA, DST = GuestLoops.DATA + 2L * BYTES;

    Engine engine(GuestLoops g) {
        return engine.equals("jit") ? new JitEngine(g.bm.machine, JitEngine.Options.defaults()) : new Interpreter(g.bm.machine);
    }

    @Setup
    public void setup() {
        fp = GuestLoops.load("fpdot", 16L * N);
        ByteBuffer bb = ByteBuffer.allocate(16 * N).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < 2 * N; k++) bb.putDouble(1.0 + k * 0x1p-7);
        fp.bm.poke(A, bb.array());
        fpEngine = engine(fp);
        dotEntry = fp.image.sym("start");
        polyEntry = fp.image.sym("poly");
        str = GuestLoops.load("sseloops", 4L * BYTES);
        byte[] s = new byte[BYTES + 16];
        for (int k = 0; k < BYTES; k++) s[k] = (byte) ('a' + k % 26);
        str.bm.poke(SRC, s); // NUL after BYTES bytes
        strEngine = engine(str);
        strlenEntry = str.image.sym("start");
        copyEntry = str.image.sym("copy");
        chrEntry = str.image.sym("chr");
        // check that the loops compute what they should (and that the counts above are right)
        check(dot(), DOT_INSNS + 3, "dot");
        check(poly(), POLY_INSNS + 2, "poly");
        check(strlen(), STRLEN_INSNS + 12, "strlen");
        if (str.bm.machine.cpu.r[Cpu.RAX] != BYTES) throw new IllegalStateException("strlen " + str.bm.machine.cpu.r[Cpu.RAX]);
        check(memcpy(), MEMCPY_INSNS + 2, "memcpy");
        check(memchr(), MEMCHR_INSNS + 8, "memchr");
        if (str.bm.machine.cpu.r[Cpu.RAX] != 0) throw new IllegalStateException("memchr found a byte that is not there");
    }

    private static void check(long ran, long expected, String what) {
        if (ran != expected) throw new IllegalStateException(what + ": " + ran + " instructions, expected " + expected);
    }

    @Benchmark
    @OperationsPerInvocation(DOT_INSNS)
    public long dot() {
        Cpu c = fp.bm.machine.cpu;
        c.r[Cpu.RSI] = A;
        c.r[Cpu.RDI] = B;
        c.r[Cpu.RCX] = N;
        return fp.runFrom(fpEngine, dotEntry);
    }

    @Benchmark
    @OperationsPerInvocation(POLY_INSNS)
    public long poly() {
        Cpu c = fp.bm.machine.cpu;
        c.r[Cpu.RCX] = POLY;
        c.xmm[6] = Double.doubleToRawLongBits(0.75);
        c.xmm[8] = Double.doubleToRawLongBits(-3.5);
        return fp.runFrom(fpEngine, polyEntry);
    }

    @Benchmark
    @OperationsPerInvocation(STRLEN_INSNS)
    public long strlen() {
        str.bm.machine.cpu.r[Cpu.RDI] = SRC;
        return str.runFrom(strEngine, strlenEntry);
    }

    @Benchmark
    @OperationsPerInvocation(MEMCPY_INSNS)
    public long memcpy() {
        Cpu c = str.bm.machine.cpu;
        c.r[Cpu.RSI] = SRC;
        c.r[Cpu.RDI] = DST;
        c.r[Cpu.RCX] = BYTES;
        return str.runFrom(strEngine, copyEntry);
    }

    @Benchmark
    @OperationsPerInvocation(MEMCHR_INSNS)
    public long memchr() {
        Cpu c = str.bm.machine.cpu;
        c.r[Cpu.RDI] = SRC;
        c.r[Cpu.RCX] = BYTES;
        c.r[Cpu.RDX] = '!';
        return str.runFrom(strEngine, chrEntry);
    }
}

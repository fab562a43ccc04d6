package dev.lstar.bench;

import dev.lstar.runtime.engine.RunResult;
import dev.lstar.translator.JitEngine;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * Translation cost in the engine's own run loop: microseconds per translated block (decode
 * excluded: the decoded blocks stay in the engine's block cache). Each operation flushes the
 * translation cache and runs the memsum (3 iterations) and xorshift (2) guests:
 * every block runs once interpreted and is then translated (memsum's two blocks in one batch
 * class, xorshift's loop alone), so one operation is exactly three translations (checked).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xss16m"})
@State(Scope.Thread)
public class JitTranslateBench {
    GuestLoops memsum, xorshift;
    JitEngine memJit, xsJit;

    @Setup
    public void setup() {
        // translated at the second execution (the default threshold, 8, would leave these short runs interpreted)
        JitEngine.Options o = JitEngine.Options.defaults().withHotThreshold(0).withCompileThreshold(2);
        memsum = GuestLoops.load("memsum", 4096);
        memJit = new JitEngine(memsum.bm.machine, o);
        xorshift = GuestLoops.load("xorshift", 0);
        xsJit = new JitEngine(xorshift.bm.machine, o);
    }

    /** One operation = translating the 3 blocks the two guests run (memsum: start, loop; xorshift: loop). */
    @Benchmark
    @OperationsPerInvocation(3)
    public long translateBlock() {
        long before = memJit.translations + xsJit.translations;
        memJit.flushTranslations();
        xsJit.flushTranslations();
        memsum.resetMemsum(3); // start (one iteration), then the loop block twice
        RunResult a = memJit.run(memsum.bm.machine, 1_000, memsum.done);
        xorshift.resetXorshift(2);
        RunResult b = xsJit.run(xorshift.bm.machine, 1_000, xorshift.done);
        long made = memJit.translations + xsJit.translations - before;
        if (made != 3) throw new IllegalStateException(made + " translations in one operation, not 3");
        return a.instructions() + b.instructions();
    }
}

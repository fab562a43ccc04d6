package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.FlatImage;
import dev.lstar.runtime.setup.PageTables;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lazy flags of a region (a hot self-loop compiled as a JVM loop): flagloop.S reads them in
 * every way there is — a helper (ADC, INC), a condition the compare operands cannot answer (SETO
 * after ADD), PUSHFQ, fused conditions, a fault right after a TEST or an INC, the loop's exits.
 * Every variant must end in the interpreter's state, RFLAGS included, to the end, at budgets
 * inside the loop, at a stop address and at a fault. (Written for an attempt to keep a region's
 * lazy record in locals, which was not kept: README, session 10; each of that attempt's flush
 * points removed made these tests fail.)
 */
class RegionFlagsTest {
    static final long DATA = 0x600000;
    static final FlatImage IMG = FlatImage.load("flagloop");

    static BareMachine machine(long iterations, long faultAt) {
        return machine(iterations, faultAt, 0);
    }

    static BareMachine machine(long iterations, long faultAt, long faultAfterInc) {
        // random data: large operands, carries, overflows, both signs; the stack is PUSHFQ's
        BareMachine bm = Variants.flat(IMG, 0, DATA, 5, DATA + 0x11000);
        Cpu c = bm.machine.cpu;
        c.r[Cpu.RCX] = iterations;
        c.r[Cpu.R15] = faultAt;
        c.r[Cpu.RDI] = faultAfterInc;
        return bm;
    }

    static Guests.State state(BareMachine bm) {
        Cpu c = bm.machine.cpu;
        return new Guests.State(c.r.clone(), c.rip, c.getRflags(), c.instructions, bm.peek(DATA, 0x1000), bm.peek(DATA + 0x10000, 0x1000));
    }

    static JitEngine compare(String v, long iterations, long faultAt, long budget, long until) {
        return compare(v, iterations, faultAt, 0, budget, until);
    }

    static JitEngine compare(String v, long iterations, long faultAt, long faultAfterInc, long budget, long until) {
        return Variants.compare(v, () -> machine(iterations, faultAt, faultAfterInc), RegionFlagsTest::state, budget, until);
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "hot1", "lockstep"})
    void toTheEnd(String v) {
        JitEngine jit = compare(v, 3000, 0, 1L << 40, IMG.sym("done"));
        assertTrue(jit.regions > 0, jit.stats());
    }

    @ParameterizedTest
    @CsvSource({"default, 9999", "default, 30011", "hot1, 7", "hot1, 23", "hot1, 24", "hot1, 40001"})
    void budgetEndsInsideTheLoop(String v, long budget) {
        compare(v, 3000, 0, budget, -1);
    }

    @ParameterizedTest
    @CsvSource({"default, 1000", "default, 2", "hot1, 2999", "hot1, 1500", "lockstep, 1200"})
    void aLoadFaultsRightAfterATest(String v, long faultAt) {
        BareMachine probe = machine(3000, faultAt);
        assertEquals(StopReason.UNHANDLED_FAULT, new Interpreter(probe.machine).run(probe.machine, 1L << 40, IMG.sym("done")).reason());
        compare(v, 3000, faultAt, 1L << 40, IMG.sym("done"));
    }

    @ParameterizedTest
    @CsvSource({"default, 1000", "default, 3", "hot1, 2999", "lockstep, 800"})
    void aLoadFaultsRightAfterAnInc(String v, long faultAt) {
        compare(v, 3000, 0, faultAt, 1L << 40, IMG.sym("done"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "hot1"})
    void stopAtTheLoopHead(String v) {
        Variants.stopAgainAndAgain(v, () -> machine(3000, 0), RegionFlagsTest::state, k -> IMG.sym("loop"), 200, IMG.sym("done"));
    }
}

package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.FlatImage;
import dev.lstar.runtime.setup.PageTables;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A self-loop block compiled as a region with its body twice ({@code JitEngine.unrolled}):
 * selfloop.S. The budget, the stop request and the code's validity are checked only at the
 * second copy's back-edge, so the engine enters the method only where a whole pass fits the budget
 * and no stop address lies in the block (else the block's own code runs). Every JIT variant must
 * end in the interpreter's state — the registers, XMM halves and MXCSR, the count, the data page
 * and the code — with the loop leaving from either copy (an odd or an even count), the budget
 * ending anywhere, a stop address inside, a load faulting in either copy, the body patching its
 * own code, and every instruction through the interpreter fallback. The loop's doubles live in
 * double locals ({@code OperandEmitter.doubleXmm}): a signalling NaN's payload must come out as
 * it went in.
 */
class UnrolledLoopTest {
    static final long DATA = 0x600000, STACK_TOP = 0x612000;
    static final FlatImage IMG = FlatImage.load("selfloop");
    /** A signalling NaN with a payload (quiet bit clear). */
    static final long SNAN = 0x7FF0_0000_0BAD_F00DL;

    static BareMachine machine(long iterations, long faultAt, long patchAt) {
        BareMachine bm = Variants.flat(IMG, PageTables.RW, DATA, 5, STACK_TOP); // writable code: the body patches itself
        SplittableRandom r = new SplittableRandom(iterations);
        ByteBuffer page = ByteBuffer.wrap(bm.peek(DATA, 0x1000)).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < 128; k++) page.putDouble(8 * k, Math.scalb(1.0 + r.nextDouble(), r.nextInt(-30, 30)) * (r.nextBoolean() ? 1 : -1));
        page.putLong(0x800, SNAN);
        bm.poke(DATA, page.array());
        return Variants.loopRegisters(bm, iterations, faultAt, patchAt);
    }

    static LaneRangesTest.SseState state(BareMachine bm) {
        return LaneRangesTest.sseState(bm, IMG, DATA, STACK_TOP);
    }

    static JitEngine compare(String v, long iterations, long faultAt, long patchAt, long budget, long until) {
        return Variants.compare(v, () -> machine(iterations, faultAt, patchAt), UnrolledLoopTest::state, budget, until);
    }

    @ParameterizedTest
    @CsvSource({"default, 3000", "default, 3001", "hot1, 2000", "hot1, 2001", "nosuper, 1001", "nolink, 1500",
            "lockstep, 800", "lockstep, 801", "hot1-nonest, 999"})
    void loopToTheEnd(String v, long iterations) {
        JitEngine jit = compare(v, iterations, 0, 0, 1L << 40, IMG.sym("done"));
        assertTrue(jit.unrolledRegions > 0, jit.stats()); // (also without superblocks: a self-loop's region)
    }

    @Test
    void theSignallingNanKeepsItsPayloadAndTheLoopItsSum() {
        BareMachine bm = machine(2001, 0, 0);
        RunResult r = new JitEngine(bm.machine, JitEngine.Options.defaults().withHotThreshold(1)).run(bm.machine, 1L << 40, IMG.sym("done"));
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
        Cpu c = bm.machine.cpu;
        assertEquals(SNAN, c.xmm[10], "xmm5's low half");
        assertEquals(2001, c.r[Cpu.RBX], "UCOMISD of a NaN: PF every iteration");
        assertEquals(1, c.mxcsr & 1, "IE from the signalling NaN");
        BareMachine ref = machine(2001, 0, 0);
        new Interpreter(ref.machine).run(ref.machine, 1L << 40, IMG.sym("done"));
        assertEquals(ref.machine.cpu.xmm[2], c.xmm[2], "the accumulator");
    }

    @ParameterizedTest
    @CsvSource({"default, 9999", "default, 20002", "default, 20003", "hot1, 5001", "hot1, 5002", "hot1, 12345",
            "hot1, 40003", "nolink, 777", "hot1, 45"})
    void budgetEndsInsideTheLoop(String v, long budget) {
        compare(v, 3000, 0, 0, budget, -1);
    }

    @ParameterizedTest
    @CsvSource({"default, 100", "default, 101", "hot1, 2", "hot1, 3", "hot1, 1500", "hot1, 1501", "lockstep, 700", "nosuper, 1500"})
    void aLoadFaultsInEitherCopy(String v, long faultAt) {
        BareMachine probe = machine(3000, faultAt, 0);
        RunResult r = new Interpreter(probe.machine).run(probe.machine, 1L << 40, IMG.sym("done"));
        assertEquals(StopReason.UNHANDLED_FAULT, r.reason(), "the guest's load faults (no IDT): " + r);
        compare(v, 3000, faultAt, 0, 1L << 40, IMG.sym("done"));
    }

    @ParameterizedTest
    @CsvSource({"default, 100", "default, 101", "hot1, 2999", "hot1, 1000", "hot1, 1001", "lockstep, 1234", "nolink, 2000"})
    void theBodyPatchesItsOwnCode(String v, long patchAt) {
        // rcx counts down: `add $1, %r8` runs for rcx = 3000 .. patchAt + 1, `add $3` from the patch on
        Variants.compare(v, () -> machine(3000, 0, patchAt), UnrolledLoopTest::state, 1L << 40, IMG.sym("done"),
                bm -> assertEquals((3000 - patchAt) + 3 * patchAt, bm.machine.cpu.r[Cpu.R8]));
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "hot1", "nolink"}) // (the lockstep engine runs whole blocks, not budgets of 1)
    void stopAddressInsideTheLoop(String v) {
        String[] at = {"loop", "mid", "patch"};
        Variants.stopAgainAndAgain(v, () -> machine(3000, 0, 0), UnrolledLoopTest::state, k -> IMG.sym(at[k % 3]), 300, IMG.sym("done"));
    }

    @ParameterizedTest
    @CsvSource({"3000, 0", "3001, 0", "3000, 1001", "3000, 1000"})
    void everythingThroughTheFallback(long iterations, long faultAt) {
        BlockCompiler.forceFallbackForTest = true;
        try {
            JitEngine jit = compare("hot1", iterations, faultAt, 0, 1L << 40, IMG.sym("done"));
            assertTrue(jit.unrolledRegions > 0, jit.stats());
        } finally {
            BlockCompiler.forceFallbackForTest = false;
        }
    }
}

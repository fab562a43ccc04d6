package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.FlatImage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A double divided by an integer's double in a loop (intdivisor.S): the translator checks such a
 * divisor only for zero ({@link LaneRanges.Test#NONZERO}, {@code SseFloat.nonZero}). Every JIT
 * variant ends with the interpreter's XMM registers and MXCSR, with and without a zero divisor
 * late in the loop (when the loop runs translated): the first one must raise ZE, as on the CPU —
 * a check that let zero through would give the infinity without the flag.
 */
class IntegerDivisorTest {
    static final long DATA = 0x600000, STACK_TOP = 0x612000;
    static final FlatImage IMG = FlatImage.load("intdivisor");

    /** Doubles in [1, 2) and non-zero integers of either sign, a zero at {@code zeroAt} (-1: none). */
    static BareMachine machine(int seed, int zeroAt, int iterations) {
        return LaneRangesTest.seededMachine(IMG, DATA, STACK_TOP, seed, iterations, (page, r) -> {
            for (int k = 0; k < 256; k++) page.putDouble(8 * k, 1.0 + r.nextDouble());
            for (int k = 0; k < 256; k++) {
                int n = r.nextBoolean() ? r.nextInt(1, 1000) : -r.nextInt(1, Integer.MAX_VALUE);
                page.putInt(0x800 + 4 * k, k == zeroAt ? 0 : n);
            }
        });
    }

    static LaneRangesTest.SseState state(BareMachine bm) {
        return LaneRangesTest.sseState(bm, IMG, DATA, STACK_TOP);
    }

    @ParameterizedTest
    @CsvSource({"default, 200, 1", "default, -1, 2", "hot1, 200, 3", "hot1, 7, 4", "nosuper, 200, 5", "lockstep, 200, 6",
            "hot1-nonest, 200, 7", "default, 255, 8"})
    void quotientsEndAsInTheInterpreter(String v, int zeroAt, int seed) {
        // (the interpreter's state, which the JIT's equals: ZE exactly when a divisor was zero)
        LaneRangesTest.endsAsInTheInterpreter(v, IMG, DATA, STACK_TOP, () -> machine(seed, zeroAt, 3000),
                bm -> assertEquals(zeroAt >= 0, (bm.machine.cpu.mxcsr & 4) != 0, "ZE"));
    }

    @ParameterizedTest
    @CsvSource({"default, 200, 11", "hot1, 150, 12", "lockstep, 200, 13"})
    void theStateAgreesAfterEveryIteration(String v, int zeroAt, int seed) {
        Variants.stopAgainAndAgain(v, () -> machine(seed, zeroAt, 1000), IntegerDivisorTest::state, k -> IMG.sym("after"), 400,
                IMG.sym("done"));
    }
}

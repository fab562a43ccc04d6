package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.FlatImage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A loop-carried ADDSD accumulator after a MULSD of two loads (accumulate.S), whose range check
 * the lane ranges must make on every pass (the loop head forgets it): every JIT variant ends with
 * the interpreter's XMM registers, MXCSR and stored sums, with accumulators that start a round
 * as a denormal (DE) or a signalling NaN (IE) only after the loop runs translated. (Session 22
 * tried checking the accumulator ahead, OR-ed into the MULSD's check; narrowing it there without
 * the check failed 10 of these 11 cases. Not kept: Mandelbrot slower.)
 */
class AccumulatorCheckTest {
    static final long DATA = 0x600000, STACK_TOP = 0x612000;
    static final FlatImage IMG = FlatImage.load("accumulate");

    /** The rounds' starts: normal values, and from round {@code firstSpecial} on, one special in four. */
    static BareMachine machine(int seed, int firstSpecial, int rounds) {
        return LaneRangesTest.seededMachine(IMG, DATA, STACK_TOP, seed, rounds, (page, r) -> {
            for (int k = 0; k < 0x100; k++) page.putDouble(8 * k, 1.0 + r.nextDouble());
            long[] special = {0x0000_0000_0000_0001L, 0x000F_FFFF_FFFF_FFFFL, 0x8008_0000_0000_0000L, // denormals
                    0x7FF0_0000_0000_0001L, 0xFFF4_0000_0000_0000L, // signalling NaNs with payloads
                    0x7FF8_0000_0000_0042L, 0x7FF0_0000_0000_0000L, 0xFFF0_0000_0000_0000L, 0L, 0x8000_0000_0000_0000L,
                    Double.doubleToRawLongBits(0x1p700), Double.doubleToRawLongBits(-0x1p-1000), Double.doubleToRawLongBits(Double.MAX_VALUE)};
            for (int k = 0; k < 64; k++) {
                long v = k >= firstSpecial && k % 4 == 1 ? special[r.nextInt(special.length)]
                        : Double.doubleToRawLongBits((r.nextDouble() - 0.5) * 100);
                page.putLong(0x800 + 8 * k, v);
            }
        });
    }

    static LaneRangesTest.SseState state(BareMachine bm) {
        return LaneRangesTest.sseState(bm, IMG, DATA, STACK_TOP);
    }

    @ParameterizedTest
    @CsvSource({"default, 9, 1", "default, 9, 2", "hot1, 1, 3", "hot1, 5, 4", "nosuper, 9, 5", "lockstep, 9, 6",
            "hot1-nonest, 5, 7", "default, 64, 8"})
    void sumsEndAsInTheInterpreter(String v, int firstSpecial, int seed) {
        // (the interpreter's state, which the JIT's equals: the specials raised their flags)
        LaneRangesTest.endsAsInTheInterpreter(v, IMG, DATA, STACK_TOP, () -> machine(seed, firstSpecial, 200),
                bm -> { if (firstSpecial < 64) assertNotEquals(0, bm.machine.cpu.mxcsr & 0x3, "IE or DE"); });
    }

    @ParameterizedTest
    @CsvSource({"default, 9, 11", "hot1, 5, 12", "lockstep, 9, 13"})
    void theStateAgreesAfterEveryIteration(String v, int firstSpecial, int seed) {
        Variants.stopAgainAndAgain(v, () -> machine(seed, firstSpecial, 100), AccumulatorCheckTest::state,
                k -> IMG.sym("after"), 500, IMG.sym("done"));
    }
}

package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.FlatImage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The scalar conversions the translator runs inline (CVTSI2SD/SS, CVT(T)SD2SI, CVT(T)SS2SI,
 * CVTSS2SD, CVTSD2SS, (U)COMISS, CBW...CQO) in chains, where CVTSI2SD's result range feeds the
 * lane ranges of the arithmetic after it (conversions.S): every JIT variant ends with the
 * interpreter's registers, XMM, MXCSR and memory, in all four rounding modes, for integers of
 * every magnitude and doubles of every class, to the end and stopped after every iteration.
 */
class ConversionChainsTest {
    static final long DATA = 0x600000, STACK_TOP = 0x612000;
    static final FlatImage IMG = FlatImage.load("conversions");

    /**
     * The data page, read both as integers and as doubles: integers of every magnitude (the
     * 2^24, 2^31, 2^53 and 2^63 edges among them) and doubles from tiny to huge with zeros,
     * denormals, infinities and NaNs ("mixed"), or random bytes ("bits").
     */
    static BareMachine machine(String data, int seed, int rounds) {
        return LaneRangesTest.seededMachine(IMG, DATA, STACK_TOP, seed, rounds, data.equals("bits") ? null : (page, r) -> {
            long[] edges = {0, 1, -1, 1L << 24, (1L << 24) + 1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1L << 53, (1L << 53) + 1,
                    Long.MAX_VALUE, Long.MIN_VALUE, 0xFFFF_FFFFL};
            double[] special = {0.0, -0.0, Double.MIN_VALUE, 0x1p-1030, Double.POSITIVE_INFINITY, Double.NaN, 0x1p200, 3e38,
                    1e-40, 0.5, 2.5, -0x1p31, 0x1p63};
            for (int k = 0; k < 0x200; k++) {
                long v = switch (r.nextInt(4)) {
                    case 0 -> edges[r.nextInt(edges.length)] + r.nextInt(-1, 2);
                    case 1 -> r.nextLong() >> r.nextInt(64);
                    case 2 -> Double.doubleToRawLongBits(special[r.nextInt(special.length)]);
                    default -> Double.doubleToRawLongBits(Math.scalb(1.0 + r.nextDouble(), r.nextInt(-30, 40)) * (r.nextBoolean() ? 1 : -1));
                };
                page.putLong(v);
            }
        });
    }

    static LaneRangesTest.SseState state(BareMachine bm) {
        return LaneRangesTest.sseState(bm, IMG, DATA, STACK_TOP);
    }

    @ParameterizedTest
    @CsvSource({"default, mixed, 1", "default, bits, 2", "hot1, mixed, 3", "hot1, bits, 4", "nosuper, mixed, 5",
            "nolink, mixed, 6", "lockstep, mixed, 7", "lockstep, bits, 8", "hot1-nonest, mixed, 9", "default, mixed, 10"})
    void chainsEndAsInTheInterpreter(String v, String data, int seed) {
        Variants.compare(v, () -> machine(data, seed, 200), ConversionChainsTest::state, 1L << 40, IMG.sym("done"),
                bm -> assertEquals(IMG.sym("done"), bm.machine.cpu.rip, "ran to the end"));
    }

    @ParameterizedTest
    @CsvSource({"default, mixed, 21", "hot1, mixed, 22", "lockstep, mixed, 23", "default, bits, 24"})
    void theStateAgreesAfterEveryIteration(String v, String data, int seed) {
        Variants.stopAgainAndAgain(v, () -> machine(data, seed, 400), ConversionChainsTest::state, k -> IMG.sym("after"), 600,
                IMG.sym("done"));
    }
}

package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.FlatImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Translated code asks for the MXCSR mode once ({@code SseFloat.slowMode}, kept in a local) and
 * again only where MXCSR may have been loaded (LDMXCSR, a fallback such as FXRSTOR) and at a
 * loop head while the mode is not the fast one. mxcsrmode.S loads one of eight modes (the fast
 * one, the three directed roundings, PE clear, FTZ, DAZ) inside its loops — before the
 * arithmetic, after it, and through FXRSTOR — on inexact products, quotients and sums: every JIT
 * variant must end with the interpreter's XMM registers, MXCSR and results (a ranged operation
 * that kept a stale mode rounds to nearest where the mode says otherwise).
 */
class MxcsrModeTest {
    static final long DATA = 0x600000, STACK_TOP = 0x612000;
    static final FlatImage IMG = FlatImage.load("mxcsrmode");
    static final int[] MODES = {0x1FA0, 0x3FA0, 0x5FA0, 0x7FA0, 0x1F80, 0x9FA0, 0x1FE0, 0x1FA0};

    static BareMachine machine(int seed, int iterations, int firstMode) {
        BareMachine bm = Variants.flat(IMG, 0, DATA, seed, STACK_TOP);
        SplittableRandom r = new SplittableRandom(seed);
        ByteBuffer page = ByteBuffer.wrap(bm.peek(DATA, 0x1000)).order(ByteOrder.LITTLE_ENDIAN);
        page.putDouble(0, 1.0 / 3 * (1 + r.nextDouble() / 8));
        for (int k = 0; k < 64; k++) page.putDouble(8 + 8 * k, Math.scalb(1.0 + r.nextDouble(), r.nextInt(-20, 20)) * (r.nextBoolean() ? 1 : -1));
        for (int k = 0; k < 8; k++) page.putInt(0x800 + 4 * k, MODES[(k + firstMode) % 8]);
        bm.poke(DATA, page.array());
        bm.machine.cpu.r[Cpu.RCX] = iterations;
        bm.machine.cpu.mxcsr = MODES[firstMode % 8];
        return bm;
    }

    static LaneRangesTest.SseState state(BareMachine bm) {
        return LaneRangesTest.sseState(bm, IMG, DATA, STACK_TOP);
    }

    @ParameterizedTest
    @CsvSource({"default, 1, 0", "default, 2, 4", "hot1, 3, 0", "hot1, 4, 1", "hot1, 5, 4", "nosuper, 6, 2", "nolink, 7, 0",
            "lockstep, 8, 3", "hot1-nonest, 9, 0", "hot1-nonest, 10, 4"})
    void aModeLoadedInALoopReachesTheNextOperation(String v, int seed, int firstMode) {
        Variants.compare(v, () -> machine(seed, 60, firstMode), MxcsrModeTest::state, 1L << 40, IMG.sym("done"),
                bm -> assertEquals(IMG.sym("done"), bm.machine.cpu.rip, "ran to the end"));
    }
}

package dev.lstar.conformance.fuzz;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --duration}: a time-boxed run stops near its box and every configuration gets turns. */
class FuzzDurationTest {
    @Test
    void timeBoxStopsTheRunAndReachesEveryConfiguration() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        FuzzMain.Options o = new FuzzMain.Options(List.of("interp"), List.of(false, true), List.of(false, true), Integer.MAX_VALUE, 5,
                false, null, true, 500_000, 1000, false, new PrintStream(log, true), f -> null, 2);
        long t0 = System.nanoTime();
        FuzzMain.Result r = FuzzMain.run(o);
        double secs = (System.nanoTime() - t0) / 1e9;
        assertTrue(secs >= 2 && secs < 30, "took " + secs + " s for a 2 s box");
        assertEquals(4, r.rates().size());
        for (FuzzMain.Rate rate : r.rates()) {
            assertTrue(rate.streams() > 0 && rate.streams() < Integer.MAX_VALUE, rate + "\n" + log);
        }
    }

    @Test
    void withoutDurationTheStreamCountIsExact() {
        FuzzMain.Options o = new FuzzMain.Options(List.of("interp"), List.of(true), List.of(false), 1500, 5,
                false, null, true, 500_000, 1000, false, new PrintStream(new ByteArrayOutputStream(), true), f -> null, 0);
        FuzzMain.Result r = FuzzMain.run(o);
        assertEquals(1500, r.rates().get(0).streams()); // two turns: a chunk of 1000, then 500
    }

    /**
     * {@code --threads}: the threads share each configuration's streams (thread t runs indices t,
     * t + 3, ...), so every configuration runs exactly its count, and the JIT and the interpreter
     * still agree when several emulators run at once.
     */
    @Test
    void threadsShareTheStreams() {
        for (int threads : new int[] {1, 3}) {
            FuzzMain.Options o = new FuzzMain.Options(List.of("interp", "jit"), List.of(false, true), List.of(false), 301, 9,
                    false, null, true, 500_000, 1000, false, new PrintStream(new ByteArrayOutputStream(), true), f -> null, 0);
            FuzzMain.Result r = FuzzMain.run(o, threads);
            for (FuzzMain.Rate rate : r.rates()) assertEquals(301, rate.streams(), threads + " threads: " + rate);
            assertTrue(r.classes().isEmpty(), threads + " threads: " + r.counts());
        }
    }
}

package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.FlatImage;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What another thread asks of a running region must arrive: spin.S is an endless {@code inc %rax;
 * jmp} loop, run as a region; another thread stops it, or rewrites its INC to {@code inc %rcx},
 * which the loop must pick up. The back-edge looks at the stop request and its code's validity
 * every {@link MethodEmitter#CHECK_INTERVAL} guest instructions (README, session 23; tried in
 * sessions 20 and 21 without a measured gain), the budget on every pass: a run given a budget
 * ends exactly there, wherever the budget falls against the check points.
 */
class PolledBackEdgeTest {
    static final FlatImage IMG = FlatImage.load("spin");
    static final long DATA = 0x600000;

    static BareMachine machine() {
        return Variants.flat(IMG, 0, DATA, 1, DATA + 0x11000);
    }

    /** Runs {@code jit} on another thread with a budget no test reaches; returns its result. */
    static CompletableFuture<RunResult> start(JitEngine jit, BareMachine bm) {
        return CompletableFuture.supplyAsync(() -> jit.run(bm.machine, Long.MAX_VALUE / 4, -1));
    }

    static void awaitRegion(JitEngine jit) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (jit.regions == 0 && System.nanoTime() < end) Thread.sleep(5);
        Thread.sleep(50); // (well inside the region's method by now)
    }

    /** spin.S running on another thread, its loop a region by now. */
    record Running(BareMachine bm, JitEngine jit, CompletableFuture<RunResult> run) {
        static Running start() throws InterruptedException {
            BareMachine bm = machine();
            JitEngine jit = new JitEngine(bm.machine, JitEngine.Options.defaults().withHotThreshold(1));
            Running r = new Running(bm, jit, PolledBackEdgeTest.start(jit, bm));
            awaitRegion(jit);
            return r;
        }

        /** Requests a stop; the run must end with it. */
        void stop() throws Exception {
            bm.machine.requestStop("test");
            RunResult r = run.get(20, TimeUnit.SECONDS);
            assertEquals(StopReason.REQUESTED, r.reason(), r.toString());
        }
    }

    @Test
    void aStopFromAnotherThreadEndsTheLoopWithItsStateExact() throws Exception {
        Running running = Running.start();
        running.stop();
        BareMachine bm = running.bm();
        JitEngine jit = running.jit();
        Cpu c = bm.machine.cpu;
        assertTrue(c.r[Cpu.RAX] > 10_000, "ran: " + c.r[Cpu.RAX]);
        // two instructions an iteration, two before the loop: the count and RAX agree exactly
        assertEquals(2 + 2 * c.r[Cpu.RAX], c.instructions);
        assertEquals(IMG.sym("spin"), c.rip);
        assertTrue(jit.regions >= 1, jit::stats);
    }

    @Test
    void aBudgetEndsTheRegionExactlyBetweenCheckPoints() {
        int interval = MethodEmitter.CHECK_INTERVAL;
        for (long budget : new long[] {interval - 1, interval + 1, 3L * interval + 5, 250_001}) {
            BareMachine bm = machine();
            JitEngine jit = new JitEngine(bm.machine, JitEngine.Options.defaults().withHotThreshold(1));
            RunResult r = jit.run(bm.machine, budget, -1);
            Cpu c = bm.machine.cpu;
            assertEquals(StopReason.BUDGET, r.reason(), r.toString());
            assertEquals(budget, c.instructions, "budget " + budget);
            // two before the loop, then INC and JMP: RAX counts the INCs retired
            assertEquals((budget - 2 + 1) / 2, c.r[Cpu.RAX], "budget " + budget);
            if (budget > 100_000) assertTrue(jit.regions >= 1, jit::stats);
        }
    }

    @Test
    void codeRewrittenByAnotherThreadIsPickedUp() throws Exception {
        Running running = Running.start();
        BareMachine bm = running.bm();
        JitEngine jit = running.jit();
        bm.poke(IMG.sym("spin"), new byte[] {0x48, (byte) 0xff, (byte) 0xc1}); // inc %rcx
        // the loop leaves at a polled back-edge, the new code is decoded and translated
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20), before = jit.translations;
        while (jit.translations == before && System.nanoTime() < end) Thread.sleep(5);
        Thread.sleep(50);
        running.stop();
        Cpu c = bm.machine.cpu;
        assertTrue(c.r[Cpu.RCX] > 0, "the rewritten loop ran");
        assertEquals(2 + 2 * (c.r[Cpu.RAX] + c.r[Cpu.RCX]), c.instructions);
        assertTrue(jit.invalidations + jit.translations >= 2, jit::stats);
    }
}

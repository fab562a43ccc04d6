package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.FlatImage;

import org.junit.jupiter.api.Test;

/**
 * Tiered translation: a block is interpreted at its first execution and translated when it runs
 * again, together with the other blocks that ran once since, into one batch class.
 */
class BatchTest {
    /** The "calls" guest: recursive Fibonacci, several blocks, each run many times. */
    static void setup(BareMachine bm) {
        bm.machine.cpu.r[Cpu.RDI] = 12;
        bm.machine.cpu.r[Cpu.RBX] = 0xABCDEF;
    }

    @Test
    void blocksThatRanOnceAreTranslatedTogetherWhenOneRunsAgain() {
        JitEngine[] jit = new JitEngine[1];
        Guests.compare("calls", BatchTest::setup, bm -> jit[0] = new JitEngine(bm.machine,
                JitEngine.Options.defaults().withHotThreshold(0)));
        JitEngine j = jit[0];
        assertTrue(j.batches >= 1, j.stats());
        assertTrue(j.batchedBlocks >= 2 * j.batches, "a batch holds several blocks:\n" + j.stats());
        assertTrue(j.firstRuns >= j.translations, "each translated block ran once interpreted first:\n" + j.stats());
    }

    @Test
    void hotBatchMembersGetAClassOfTheirOwn() {
        JitEngine[] jit = new JitEngine[1];
        Guests.compare("calls", BatchTest::setup, bm -> jit[0] = new JitEngine(bm.machine,
                JitEngine.Options.defaults().withHotThreshold(16)));
        JitEngine j = jit[0];
        assertTrue(j.batches >= 1, j.stats());
        int hot = 0;
        for (Translation t : j.translationsForTest()) {
            if (t.code == null || t.execCount < 16) continue;
            hot++;
            assertFalse(t.code.inBatch, "hot block at 0x" + Long.toHexString(t.la) + " still dispatched through its batch");
        }
        assertTrue(hot >= 2, j.stats());
    }

    @Test
    void batchSizeOneTranslatesEachBlockAlone() {
        JitEngine[] jit = new JitEngine[1];
        Guests.compare("calls", BatchTest::setup, bm -> jit[0] = new JitEngine(bm.machine,
                JitEngine.Options.defaults().withHotThreshold(0).withBatchSize(1)));
        assertEquals(0, jit[0].batches, jit[0].stats());
        assertTrue(jit[0].translations >= 2, jit[0].stats());
    }

    @Test
    void compileThresholdOneTranslatesAtTheFirstExecution() {
        JitEngine[] jit = new JitEngine[1];
        Guests.compare("calls", BatchTest::setup, bm -> jit[0] = new JitEngine(bm.machine,
                JitEngine.Options.defaults().withCompileThreshold(1)));
        assertEquals(0, jit[0].firstRuns, jit[0].stats());
        assertEquals(0, jit[0].batches, jit[0].stats());
    }

    @Test
    void pendingBlockOverwrittenBeforeItsBatchIsNotTranslatedStale() {
        // the smc guest patches a block that already ran once (pending) and then runs it again
        BareMachine bm = SelfModifyingCodeTest.machine();
        JitEngine jit = new JitEngine(bm.machine);
        RunResult r = jit.run(bm.machine, 1_000, FlatImage.load("smc").sym("done"));
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
        assertEquals(42, bm.machine.cpu.r[Cpu.R8]);
        assertEquals(5, bm.machine.cpu.r[Cpu.R9]);
        assertEquals(7, bm.machine.cpu.r[Cpu.R10], "the second call ran the patched code:\n" + jit.stats());
        BareMachine ref = SelfModifyingCodeTest.machine();
        new Interpreter(ref.machine).run(ref.machine, 1_000, FlatImage.load("smc").sym("done"));
        assertArrayEquals(ref.machine.cpu.r, bm.machine.cpu.r);
        assertEquals(ref.machine.cpu.instructions, bm.machine.cpu.instructions);
    }

    @Test
    void flushDropsPendingBlocks() {
        BareMachine bm = Guests.machine("calls", 3);
        setup(bm);
        JitEngine jit = new JitEngine(bm.machine, JitEngine.Options.defaults().withHotThreshold(0));
        jit.run(bm.machine, 5, -1); // a few blocks run once: pending
        jit.flushTranslations();
        RunResult r = jit.run(bm.machine, 1L << 40, FlatImage.load("calls").sym("done"));
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
        BareMachine ref = Guests.machine("calls", 3);
        setup(ref);
        new Interpreter(ref.machine).run(ref.machine, 1L << 40, FlatImage.load("calls").sym("done"));
        assertEquals(Guests.state(ref), Guests.state(bm));
    }
}

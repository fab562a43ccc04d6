package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.runtime.mem.Mmu;
import dev.lstar.runtime.setup.BareMachine;
import org.junit.jupiter.api.Test;

/**
 * The JIT's chain loop (blocks run from links without the general per-block path) keeps the
 * run-loop contract: a budget that ends anywhere stops at exactly that count, with the same state
 * as the interpreter's; and the MMU generation it relies on changes with every TLB flush.
 */
class ChainLoopTest {
    @Test
    void budgetSlicesStopExactlyAndAgreeWithTheInterpreter() {
        BareMachine ref = Guests.machine("calls", 3), bm = Guests.machine("calls", 3);
        ref.machine.cpu.r[Cpu.RDI] = 20;
        bm.machine.cpu.r[Cpu.RDI] = 20;
        Interpreter interp = new Interpreter(ref.machine);
        JitEngine jit = new JitEngine(bm.machine);
        for (int slice = 0; slice < 120; slice++) {
            long budget = 997 + slice % 13; // ends inside blocks and at their edges
            RunResult a = interp.run(ref.machine, budget, -1), b = jit.run(bm.machine, budget, -1);
            assertEquals(StopReason.BUDGET, a.reason(), a.toString());
            assertEquals(StopReason.BUDGET, b.reason(), b.toString());
            assertEquals(budget, b.instructions());
            assertEquals(Guests.state(ref), Guests.state(bm), "after slice " + slice);
        }
        assertTrue(jit.chainedBlocks > jit.blocksExecuted / 2, "most blocks ran in the chain loop:\n" + jit.stats());
    }

    @Test
    void aStopRequestedBeforeTheRunStopsIt() {
        BareMachine bm = Guests.machine("calls", 3);
        bm.machine.cpu.r[Cpu.RDI] = 20;
        JitEngine jit = new JitEngine(bm.machine);
        jit.run(bm.machine, 50_000, -1); // warm: links and chainable translations
        bm.machine.requestStop("test");
        RunResult r = jit.run(bm.machine, 50_000, -1);
        assertEquals(StopReason.REQUESTED, r.reason());
        assertEquals(0, r.instructions());
    }

    @Test
    void theGenerationChangesWithEveryFlush() {
        BareMachine bm = Guests.machine("calls", 3);
        Mmu mmu = bm.machine.mmu;
        long g = mmu.generation();
        mmu.fetchPhys(bm.machine.cpu.rip);
        assertEquals(g, mmu.generation(), "a fetch (and its walk) changes nothing");
        mmu.invlpg(0x1000);
        assertNotEquals(g, g = mmu.generation(), "INVLPG");
        mmu.writeCr3(bm.machine.cpu.cr3);
        assertNotEquals(g, g = mmu.generation(), "CR3 write");
        mmu.flushAll();
        assertNotEquals(g, g = mmu.generation(), "full flush");
        mmu.accessControlChanged();
        assertNotEquals(g, g = mmu.generation(), "access-control change");
        mmu.invpcid(3, 0, 0);
        assertNotEquals(g, mmu.generation(), "INVPCID");
    }

    @Test
    void aNoFlushSwitchBetweenPcidsComesBackToTheSameGeneration() {
        // KPTI's two address spaces: a translation checked under one PCID's TLB set still stands
        // when that set is current again, unless something flushed it meanwhile
        BareMachine bm = Guests.machine("calls", 3);
        Cpu c = bm.machine.cpu;
        Mmu mmu = bm.machine.mmu;
        c.cr4 |= Cpu.CR4_PCIDE;
        mmu.flushAll();
        long root = c.cr3 & ~0xFFFL, noFlush = 1L << 63;
        long user = mmu.generation();
        mmu.writeCr3(root | 1 | noFlush);
        long kernel = mmu.generation();
        assertNotEquals(user, kernel, "another PCID, another set");
        mmu.writeCr3(root | noFlush);
        assertEquals(user, mmu.generation(), "back to PCID 0, nothing flushed");
        mmu.writeCr3(root | 1 | noFlush);
        assertEquals(kernel, mmu.generation());
        mmu.writeCr3(root); // PCID 0 with a flush
        assertNotEquals(user, mmu.generation());
        user = mmu.generation();
        mmu.invlpg(0x1000); // every set
        assertNotEquals(user, mmu.generation());
        mmu.writeCr3(root | 1 | noFlush);
        assertNotEquals(kernel, mmu.generation(), "INVLPG reached the other set too");
    }
}

package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.FlatImage;
import dev.lstar.runtime.setup.PageTables;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A superblock that goes on through a direct CALL into a callee in its page (callpath.S): the
 * push is done, the callee's blocks follow, its RET ends the path. Every JIT variant must end in
 * the interpreter's state (stack included): to the end, with budgets and stop addresses inside the
 * callee, when a load in the callee faults, and when the loop patches the callee's code.
 */
class SuperblockCallTest {
    static final long DATA = 0x600000, STACK = 0x700000;
    static final FlatImage IMG = FlatImage.load("callpath");
    static final int ITERATIONS = 3000;

    static BareMachine machine(long faultAt, long patchAt) {
        BareMachine bm = Variants.flat(IMG, PageTables.RW, DATA, 3, STACK + 0x1000); // writable code: the loop patches the callee
        Cpu c = bm.machine.cpu;
        c.r[Cpu.RCX] = ITERATIONS;
        c.r[Cpu.R15] = faultAt;
        c.r[Cpu.R14] = patchAt;
        return bm;
    }

    /** Registers, RIP, RFLAGS, the count, the data page and (second slot) the stack page followed by the code. */
    static Guests.State state(BareMachine bm) {
        return Variants.stackAndCode(bm, IMG, DATA, STACK + 0x1000);
    }

    static JitEngine compare(String v, long faultAt, long patchAt, long budget, long until) {
        return Variants.compare(v, () -> machine(faultAt, patchAt), SuperblockCallTest::state, budget, until);
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "hot1", "nosuper", "lockstep"})
    void toTheEnd(String v) {
        compare(v, 0, 0, 1L << 40, IMG.sym("done"));
    }

    @Test
    void theLoopRunsThroughTheCallInOneDispatch() {
        // one path from the return block round the loop head, through the call, into the callee up
        // to its RET: one dispatch per iteration (about 3,200 blocks for 3,000; ending each path at
        // the call, the callee would be a dispatch of its own: about 6,100)
        JitEngine jit = compare("default", 0, 0, 1L << 40, IMG.sym("done"));
        assertTrue(jit.superblocks > 0, jit.stats());
        assertTrue(jit.blocksExecuted < 3L * ITERATIONS / 2, jit.blocksExecuted + " blocks for " + ITERATIONS + " iterations:\n" + jit.stats());
    }

    @ParameterizedTest
    @CsvSource({"default, 9999", "default, 20003", "hot1, 101", "hot1, 7777", "lockstep, 5000"})
    void budgetEndsAnywhere(String v, long budget) {
        compare(v, 0, 0, budget, -1);
    }

    @ParameterizedTest
    @CsvSource({"default, 100", "default, 2900", "hot1, 1500", "lockstep, 700"})
    void aLoadInTheCalleeFaults(String v, long faultAt) {
        BareMachine probe = machine(faultAt, 0);
        assertEquals(StopReason.UNHANDLED_FAULT, new Interpreter(probe.machine).run(probe.machine, 1L << 40, IMG.sym("done")).reason());
        compare(v, faultAt, 0, 1L << 40, IMG.sym("done"));
    }

    @ParameterizedTest
    @CsvSource({"default, 100", "default, 2000", "hot1, 2999", "lockstep, 1200"})
    void theLoopPatchesTheCallee(String v, long patchAt) {
        compare(v, 0, patchAt, 1L << 40, IMG.sym("done"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "hot1"})
    void stopAddressesInTheCallee(String v) {
        Variants.stopAgainAndAgain(v, () -> machine(0, 0), SuperblockCallTest::state, k -> IMG.sym(k % 2 == 0 ? "work" : "patch"), 300,
                IMG.sym("done"));
    }
}

package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.engine.RunResult;
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
 * A loop whose body is a chain of blocks (superloop.S) compiled as a region: the superblock's
 * path comes back to its start, so the back-edge stays inside the method. Every JIT variant must
 * end in exactly the interpreter's state — to the end, with the budget ending anywhere in the
 * loop, at a stop address inside it, when a load in the body faults, and when the body patches
 * its own code.
 */
class SuperblockLoopTest {
    static final long DATA = 0x600000;
    static final FlatImage IMG = FlatImage.load("superloop");
    static final int ITERATIONS = 4000;

    static BareMachine machine(long faultAt, long patchAt) {
        // writable code: the body patches itself
        return Variants.loopRegisters(Variants.flat(IMG, PageTables.RW, DATA, 11, DATA + 0x11000), ITERATIONS, faultAt, patchAt);
    }

    /** Registers, RIP, RFLAGS, the count, the data page and (in the second memory slot) the code, which the body patches. */
    static Guests.State state(BareMachine bm) {
        Cpu c = bm.machine.cpu;
        return new Guests.State(c.r.clone(), c.rip, c.getRflags(), c.instructions, bm.peek(DATA, 0x1000),
                bm.peek(FlatImage.BASE, IMG.code().length));
    }

    static JitEngine compare(String v, long faultAt, long patchAt, long budget, long until) {
        return Variants.compare(v, () -> machine(faultAt, patchAt), SuperblockLoopTest::state, budget, until);
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "hot1", "nosuper", "nolink", "lockstep"})
    void loopToTheEnd(String v) {
        JitEngine jit = compare(v, 0, 0, 1L << 40, IMG.sym("done"));
        if (v.equals("default") || v.equals("hot1") || v.equals("lockstep")) {
            // the program has no self-loop block: any region is a superblock loop
            assertTrue(jit.regions > 0, jit.stats());
        } else if (v.equals("nosuper")) {
            assertEquals(0, jit.regions, jit.stats());
        }
    }

    @Test
    void theLoopFollowsTheBranchProfileAndStaysInItsMethod() {
        // the path goes through `jnz usual` taken (7 in 8). Then a quarter of the iterations leave
        // the region at a side exit (`je rare` taken, `jnz usual` not), each back after two
        // blocks: about ITERATIONS / 2 blocks. A path through the fall-through would leave it on
        // seven iterations in eight: about 2 * 7 / 8 * ITERATIONS.
        JitEngine jit = compare("default", 0, 0, 1L << 40, IMG.sym("done"));
        assertTrue(jit.blocksExecuted < ITERATIONS, "blocks executed for " + ITERATIONS + " iterations:\n" + jit.stats());
    }

    @ParameterizedTest
    @CsvSource({"default, 9999", "default, 20001", "hot1, 5001", "hot1, 12345", "hot1, 40003", "nolink, 777"})
    void budgetEndsInsideTheLoop(String v, long budget) {
        compare(v, 0, 0, budget, -1);
    }

    @ParameterizedTest
    @CsvSource({"default, 100", "default, 3000", "hot1, 2", "hot1, 1500", "lockstep, 700", "nosuper, 1500"})
    void aLoadFaultsInTheBody(String v, long faultAt) {
        BareMachine probe = machine(faultAt, 0);
        RunResult r = new Interpreter(probe.machine).run(probe.machine, 1L << 40, IMG.sym("done"));
        assertEquals(StopReason.UNHANDLED_FAULT, r.reason(), "the guest's load faults (no IDT): " + r);
        compare(v, faultAt, 0, 1L << 40, IMG.sym("done"));
    }

    @ParameterizedTest
    @CsvSource({"default, 100", "default, 2500", "hot1, 3999", "hot1, 1000", "lockstep, 1234", "nolink, 2000"})
    void theBodyPatchesItsOwnCode(String v, long patchAt) {
        // rcx counts down: `add $1, %r8` runs for rcx = ITERATIONS .. patchAt + 1, `add $3` from the patch on
        Variants.compare(v, () -> machine(0, patchAt), SuperblockLoopTest::state, 1L << 40, IMG.sym("done"),
                bm -> assertEquals((ITERATIONS - patchAt) + 3 * patchAt, bm.machine.cpu.r[Cpu.R8]));
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "hot1", "nolink"}) // (the lockstep engine runs whole blocks, not budgets of 1)
    void stopAddressInsideTheLoop(String v) {
        // (`rare` is a side exit's target: the state there carries the flags of `cmp $5, %rdx`)
        String[] at = {"usual", "nopatch", "rare"};
        Variants.stopAgainAndAgain(v, () -> machine(0, 0), SuperblockLoopTest::state, k -> IMG.sym(at[k % 3]), 300, IMG.sym("done"));
    }
}

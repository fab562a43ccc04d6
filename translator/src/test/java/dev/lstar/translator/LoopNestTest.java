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
 * A loop nest (nestloop.S: an outer loop holding two self-loops, an if/else whose arms both run,
 * a run of pushes and pops at a join, a faulting load and a store into its own code) compiled as
 * one region whose method keeps the inner loops and both arms inside
 * ({@code JitEngine.loopNest}, {@code MethodEmitter.jumpToSegment}). Every JIT variant must end in
 * exactly the interpreter's state — to the end, with the budget ending anywhere in the nest, at
 * stop addresses inside it, when the load faults, and when the nest patches its own code.
 */
class LoopNestTest {
    static final long DATA = 0x600000, STACK_TOP = 0x612000;
    static final FlatImage IMG = FlatImage.load("nestloop");
    static final int ITERATIONS = 3000;

    static BareMachine machine(long faultAt, long patchAt) {
        // writable code: the nest patches itself
        return Variants.loopRegisters(Variants.flat(IMG, PageTables.RW, DATA, 17, STACK_TOP), ITERATIONS, faultAt, patchAt);
    }

    static Guests.State state(BareMachine bm) {
        return Variants.stackAndCode(bm, IMG, DATA, STACK_TOP);
    }

    static JitEngine compare(String v, long faultAt, long patchAt, long budget, long until) {
        return Variants.compare(v, () -> machine(faultAt, patchAt), LoopNestTest::state, budget, until);
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "hot1", "nosuper", "nolink", "lockstep"})
    void nestToTheEnd(String v) {
        JitEngine jit = compare(v, 0, 0, 1L << 40, IMG.sym("done"));
        if (v.equals("default") || v.equals("hot1") || v.equals("lockstep")) {
            assertTrue(jit.nestedRegions > 0, jit.stats());
        } else if (v.equals("nosuper")) {
            assertEquals(0, jit.nestedRegions, jit.stats());
        }
    }

    @Test
    void theOuterLoopStaysInOneMethod() {
        // about 12 blocks an iteration when every block is a translation of its own; once the nest
        // is compiled, its method runs the remaining iterations without leaving (hot at 64 runs)
        JitEngine jit = compare("default", 0, 0, 1L << 40, IMG.sym("done"));
        assertTrue(jit.blocksExecuted < ITERATIONS, "blocks executed for " + ITERATIONS + " iterations:\n" + jit.stats());
    }

    @ParameterizedTest
    @CsvSource({"default, 9999", "default, 30001", "hot1, 5001", "hot1, 12345", "hot1, 40003", "nolink, 777", "hot1, 61"})
    void budgetEndsInsideTheNest(String v, long budget) {
        compare(v, 0, 0, budget, -1);
    }

    @ParameterizedTest
    @CsvSource({"default, 100", "default, 2000", "hot1, 2", "hot1, 1500", "lockstep, 700", "nosuper, 1500"})
    void aLoadFaultsInTheNest(String v, long faultAt) {
        BareMachine probe = machine(faultAt, 0);
        RunResult r = new Interpreter(probe.machine).run(probe.machine, 1L << 40, IMG.sym("done"));
        assertEquals(StopReason.UNHANDLED_FAULT, r.reason(), "the guest's load faults (no IDT): " + r);
        compare(v, faultAt, 0, 1L << 40, IMG.sym("done"));
    }

    @ParameterizedTest
    @CsvSource({"default, 100", "default, 2500", "hot1, 2999", "hot1, 1000", "lockstep, 1234", "nolink, 2000"})
    void theNestPatchesItsOwnCode(String v, long patchAt) {
        // rcx counts down: `add $1, %r8` runs for rcx = ITERATIONS .. patchAt + 1, `add $3` from the patch on
        Variants.compare(v, () -> machine(0, patchAt), LoopNestTest::state, 1L << 40, IMG.sym("done"),
                bm -> assertEquals((ITERATIONS - patchAt) + 3 * patchAt, bm.machine.cpu.r[Cpu.R8]));
    }

    static final FlatImage CUT = FlatImage.load("nestcut");

    static BareMachine cutMachine(long patchAt) {
        BareMachine bm = Variants.flat(CUT, PageTables.RW, DATA, 5, STACK_TOP);
        bm.machine.cpu.r[Cpu.RCX] = ITERATIONS;
        bm.machine.cpu.r[Cpu.R14] = patchAt;
        return bm;
    }

    /**
     * nestcut.S: a block cut at 64 instructions whose last one, a store, patches the nest's code;
     * in the nest's method another segment follows it, so the store's code check must leave at
     * the store's own next instruction (`dpath`), not at the next segment's start.
     */
    @ParameterizedTest
    @CsvSource({"default, 2049", "hot1, 2049", "hot1, 97", "lockstep, 1025", "default, 0"})
    void aStoreAtTheEndOfACutBlockPatchesTheNest(String v, long patchAt) {
        JitEngine jit = Variants.compare(v, () -> cutMachine(patchAt), bm -> Variants.stackAndCode(bm, CUT, DATA, STACK_TOP),
                1L << 40, CUT.sym("done"),
                bm -> assertEquals((ITERATIONS - patchAt) + 3 * patchAt, bm.machine.cpu.r[Cpu.R8]));
        assertTrue(jit.nestedRegions > 0, jit.stats());
    }

    /**
     * nestcall.S: the hot ways of a loop lead through a call; its RET would return outside a nest's
     * method every time round, so there is no nest (the plain path follows the call instead).
     */
    @ParameterizedTest
    @ValueSource(strings = {"default", "hot1", "lockstep"})
    void aCallInTheLoopMakesNoNest(String v) {
        runsWithoutANest(v, "nestcall", 9);
    }

    /** Flat image {@code name} (rcx = iterations) agrees with the interpreter on variant {@code v}, as superblocks and no nest. */
    static void runsWithoutANest(String v, String name, int seed) {
        FlatImage img = FlatImage.load(name);
        JitEngine jit = Variants.compare(v, () -> {
            BareMachine bm = Variants.flat(img, 0, DATA, seed, STACK_TOP);
            bm.machine.cpu.r[Cpu.RCX] = ITERATIONS;
            return bm;
        }, bm -> Variants.stackAndCode(bm, img, DATA, STACK_TOP), 1L << 40, img.sym("done"));
        assertEquals(0, jit.nestedRegions, jit.stats());
        assertTrue(jit.superblocks > 0, jit.stats());
    }

    /**
     * nestdiamond.S: a function whose if/else arms join before its RET has ways between its blocks
     * but no loop: no nest (which would stop the calling loop's superblock at the function).
     */
    @ParameterizedTest
    @ValueSource(strings = {"default", "hot1", "lockstep"})
    void anIfElseWithoutALoopIsNoNest(String v) {
        runsWithoutANest(v, "nestdiamond", 3);
    }

    @Test
    void aJoinIsNoLoopAndABackEdgeIs() {
        FlatImage img = FlatImage.load("nestdiamond");
        BareMachine bm = Variants.flat(img, 0, DATA, 3, STACK_TOP);
        dev.lstar.runtime.interp.BlockCache bc = new dev.lstar.runtime.interp.BlockCache(bm.machine);
        // the function's blocks in a depth-first order: ways to one another's starts (odd -> join,
        // even -> join), no cycle
        dev.lstar.runtime.interp.Block[] func = {bc.lookup(img.sym("func")), bc.lookup(img.sym("odd")),
            bc.lookup(img.sym("join")), bc.lookup(img.sym("even"))};
        assertFalse(BlockCompiler.loops(func));
        assertFalse(BlockCompiler.loopNest(func));
        // inner1's two blocks (a jump into the second, its jnz back): a cycle
        assertTrue(BlockCompiler.loops(nestBlocks()));
    }

    /** nestloop.S's loop `inner1`: its two blocks. */
    static dev.lstar.runtime.interp.Block[] nestBlocks() {
        BareMachine bm = machine(0, 0);
        dev.lstar.runtime.interp.BlockCache bc = new dev.lstar.runtime.interp.BlockCache(bm.machine);
        long inner1 = IMG.sym("inner1");
        dev.lstar.runtime.interp.Block first = bc.lookup(inner1);
        dev.lstar.runtime.interp.Block second = bc.lookup(first.insns[first.insns.length - 1].target);
        return new dev.lstar.runtime.interp.Block[] {first, second};
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "hot1", "nolink"}) // (the lockstep engine runs whole blocks, not budgets of 1)
    void stopAddressesInsideTheNest(String v) {
        String[] at = {"inner1", "even", "joined", "inner2", "odd", "nopatch"};
        Variants.stopAgainAndAgain(v, () -> machine(0, 0), LoopNestTest::state, k -> IMG.sym(at[k % at.length]), 300, IMG.sym("done"));
    }
}

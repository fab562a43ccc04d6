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
 * Superblocks whose path goes on into other pages (crosspage.S: the loop head in page 0 calls
 * through a register, and through a stub's indirect jump, into a callee in page 3, its tail ends
 * page 0 with an instruction over the page end and comes back from page 1): the guarded indirect
 * call and jump, the pages checked when the
 * translation is entered, code writes to another page of the path, and the callee's page mapped
 * to another frame. Every JIT variant must end in the interpreter's state.
 */
class CrossPageSuperblockTest {
    static final long DATA = 0x600000, STACK = 0x700000;
    static final FlatImage IMG = FlatImage.load("crosspage");
    static final int ITERATIONS = 3000;
    /** r12 for "always work": (rcx & r12) is never 0 for rcx in 1..ITERATIONS. */
    static final long NEVER_OTHER = -1;

    static BareMachine machine(long faultAt, long patchAt, long otherMask) {
        BareMachine bm = Variants.flat(IMG, PageTables.RW, DATA, 5, STACK + 0x1000); // writable code: the loop patches the callee
        Cpu c = bm.machine.cpu;
        c.r[Cpu.RCX] = ITERATIONS;
        c.r[Cpu.R15] = faultAt;
        c.r[Cpu.R14] = patchAt;
        c.r[Cpu.R12] = otherMask;
        return bm;
    }

    /** Registers, RIP, RFLAGS, the count, the data page and (second slot) the stack page followed by the code. */
    static Guests.State state(BareMachine bm) {
        return Variants.stackAndCode(bm, IMG, DATA, STACK + 0x1000);
    }

    static JitEngine compare(String v, long faultAt, long patchAt, long otherMask, long budget, long until) {
        return Variants.compare(v, () -> machine(faultAt, patchAt, otherMask), CrossPageSuperblockTest::state, budget, until);
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "hot1", "nosuper", "nolink", "lockstep"})
    void toTheEnd(String v) {
        compare(v, 0, 0, NEVER_OTHER, 1L << 40, IMG.sym("done"));
    }

    @Test
    void theLoopRunsThroughThePagesAndTheIndirectBranchesInTwoDispatches() {
        // two paths per iteration, each up to a RET of the callee: from the second call's return
        // round the loop through the tail's two pages and the indirect call into the callee; from
        // the first call's return through the stub's indirect jump into the callee. Ending at
        // every page end, at the indirect call and at the indirect jump: seven
        JitEngine jit = compare("default", 0, 0, NEVER_OTHER, 1L << 40, IMG.sym("done"));
        assertTrue(jit.crossPageSuperblocks > 0, jit.stats());
        assertTrue(jit.blocksExecuted < 5L * ITERATIONS / 2, jit.blocksExecuted + " blocks for " + ITERATIONS + " iterations:\n" + jit.stats());
    }

    @ParameterizedTest
    @CsvSource({"default, 63", "default, 0", "hot1, 255", "hot1, 1", "lockstep, 127"})
    void anotherCalleeLeavesThroughTheGuard(String v, long otherMask) {
        // mask 63: one call in 64 goes to `other` (the guard's side exit); 0: all of them (no guard
        // for `work`); 1: every other one (no callee dominates: the path ends at the call)
        compare(v, 0, 0, otherMask, 1L << 40, IMG.sym("done"));
    }

    @ParameterizedTest
    @CsvSource({"default, 9999", "default, 20003", "hot1, 101", "hot1, 7777", "lockstep, 5000"})
    void budgetEndsAnywhere(String v, long budget) {
        compare(v, 0, 0, 63, budget, -1);
    }

    @ParameterizedTest
    @CsvSource({"default, 100", "default, 2900", "hot1, 1500", "lockstep, 700"})
    void aLoadInTheCalleeFaults(String v, long faultAt) {
        BareMachine probe = machine(faultAt, 0, NEVER_OTHER);
        assertEquals(StopReason.UNHANDLED_FAULT, new Interpreter(probe.machine).run(probe.machine, 1L << 40, IMG.sym("done")).reason());
        compare(v, faultAt, 0, NEVER_OTHER, 1L << 40, IMG.sym("done"));
    }

    @ParameterizedTest
    @CsvSource({"default, 100", "default, 2000", "hot1, 2999", "lockstep, 1200"})
    void theLoopPatchesTheCalleeInAnotherPage(String v, long patchAt) {
        JitEngine jit = compare(v, 0, patchAt, NEVER_OTHER, 1L << 40, IMG.sym("done"));
        assertTrue(jit.invalidations > 0, jit.stats());
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "hot1"})
    void stopAddressesInTheOtherPages(String v) {
        Variants.stopAgainAndAgain(v, () -> machine(0, 0, 63), CrossPageSuperblockTest::state,
                k -> IMG.sym(switch (k % 3) { case 0 -> "work"; case 1 -> "patch"; default -> "tail"; }) , 300, IMG.sym("done"));
    }

    @Test
    void theCalleesPageMapsAnotherFrame() {
        // run hot, then map the callee's page to a copy whose `add $1, %r8` adds 9 (INVLPG'd):
        // the superblock that goes into it must not run the old frame's code
        BareMachine ref = machine(0, 0, NEVER_OTHER), bm = machine(0, 0, NEVER_OTHER);
        Interpreter in = new Interpreter(ref.machine);
        JitEngine jit = new JitEngine(bm.machine);
        long done = IMG.sym("done");
        assertEquals(StopReason.UNTIL_REACHED, in.run(ref.machine, 1L << 40, done).reason());
        assertEquals(StopReason.UNTIL_REACHED, jit.run(bm.machine, 1L << 40, done).reason());
        assertTrue(jit.crossPageSuperblocks > 0, jit.stats());
        long r8 = bm.machine.cpu.r[Cpu.R8];
        for (BareMachine m : new BareMachine[] {ref, bm}) {
            long page = IMG.sym("work") & ~0xFFFL;
            long frame = m.frames.allocate();
            byte[] copy = m.peek(page, 0x1000);
            copy[(int) (IMG.sym("patch") - page) + 3] = 9;
            m.machine.phys.write(frame, copy, 0, copy.length);
            m.pageTables.setPte(page, frame | PageTables.P | PageTables.RW);
            m.machine.mmu.invlpg(page);
            Cpu c = m.machine.cpu;
            c.rip = IMG.sym("start");
            c.r[Cpu.RCX] = ITERATIONS;
            c.r[Cpu.RSP] = STACK + 0x1000;
        }
        RunResult a = in.run(ref.machine, 1L << 40, done), b = jit.run(bm.machine, 1L << 40, done);
        assertEquals(a.reason(), b.reason());
        assertEquals(state(ref), state(bm));
        assertEquals(2 * 9L * ITERATIONS, bm.machine.cpu.r[Cpu.R8], "the new frame's code ran, twice per iteration (first run: " + r8 + ")");
    }
}

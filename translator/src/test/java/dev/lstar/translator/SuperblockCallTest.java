package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.FlatImage;
import dev.lstar.runtime.setup.PageTables;

import java.util.Random;
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
        BareMachine bm = BareMachine.create(Vendor.INTEL, 64 << 20, false, 0);
        bm.map(FlatImage.BASE, IMG.code().length, PageTables.RW); // writable: the loop patches the callee
        bm.poke(FlatImage.BASE, IMG.code());
        bm.map(DATA, 0x1000, PageTables.RW | PageTables.NX);
        byte[] d = new byte[0x1000];
        new Random(3).nextBytes(d);
        bm.poke(DATA, d);
        bm.map(STACK, 0x1000, PageTables.RW | PageTables.NX);
        Cpu c = bm.machine.cpu;
        c.rip = FlatImage.BASE;
        c.r[Cpu.RSP] = STACK + 0x1000;
        c.r[Cpu.RCX] = ITERATIONS;
        c.r[Cpu.RSI] = DATA;
        c.r[Cpu.R15] = faultAt;
        c.r[Cpu.R14] = patchAt;
        return bm;
    }

    static Engine engine(String v, BareMachine bm, JitEngine[] out) {
        return switch (v) {
            case "hot1" -> out[0] = new JitEngine(bm.machine, JitEngine.Options.defaults().withHotThreshold(1));
            case "nosuper" -> out[0] = new JitEngine(bm.machine, JitEngine.Options.defaults().withSuperblocks(0));
            case "lockstep" -> {
                out[0] = new JitEngine(bm.machine, JitEngine.Options.defaults().withHotThreshold(1));
                yield new LockstepEngine(bm.machine, out[0]);
            }
            default -> out[0] = new JitEngine(bm.machine);
        };
    }

    /** Registers, RIP, RFLAGS, the count, the data page and (second slot) the stack page. */
    static Guests.State state(BareMachine bm) {
        Cpu c = bm.machine.cpu;
        return new Guests.State(c.r.clone(), c.rip, c.getRflags(), c.instructions, bm.peek(DATA, 0x1000), bm.peek(STACK, 0x1000));
    }

    static JitEngine compare(String v, long faultAt, long patchAt, long budget, long until) {
        BareMachine ref = machine(faultAt, patchAt);
        RunResult rr = new Interpreter(ref.machine).run(ref.machine, budget, until);
        BareMachine bm = machine(faultAt, patchAt);
        JitEngine[] jit = new JitEngine[1];
        Engine e = engine(v, bm, jit);
        RunResult jr = e.run(bm.machine, budget, until);
        if (e instanceof LockstepEngine l) assertNull(l.divergence(), l.divergence());
        assertEquals(rr.reason(), jr.reason(), "stop reason: " + jr);
        assertEquals(rr.instructions(), jr.instructions(), "instructions");
        assertEquals(state(ref), state(bm));
        assertArrayEquals(ref.peek(FlatImage.BASE, IMG.code().length), bm.peek(FlatImage.BASE, IMG.code().length));
        return jit[0];
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
        BareMachine ref = machine(0, 0), bm = machine(0, 0);
        Interpreter in = new Interpreter(ref.machine);
        JitEngine[] jit = new JitEngine[1];
        Engine e = engine(v, bm, jit);
        for (int k = 0; k < 300; k++) {
            long until = IMG.sym(k % 2 == 0 ? "work" : "patch");
            RunResult a = in.run(ref.machine, 1L << 40, until);
            RunResult b = e.run(bm.machine, 1L << 40, until);
            assertEquals(a.reason(), b.reason());
            assertEquals(StopReason.UNTIL_REACHED, b.reason());
            assertEquals(state(ref), state(bm), "stop " + k);
            in.run(ref.machine, 1, -1);
            e.run(bm.machine, 1, -1);
        }
        RunResult a = in.run(ref.machine, 1L << 40, IMG.sym("done")), b = e.run(bm.machine, 1L << 40, IMG.sym("done"));
        assertEquals(a.reason(), b.reason());
        assertEquals(state(ref), state(bm));
    }
}

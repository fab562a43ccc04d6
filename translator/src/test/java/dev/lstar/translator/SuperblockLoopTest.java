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
        BareMachine bm = BareMachine.create(Vendor.INTEL, 64 << 20, false, 0);
        bm.map(FlatImage.BASE, IMG.code().length, PageTables.RW); // writable: the body patches itself
        bm.poke(FlatImage.BASE, IMG.code());
        bm.map(DATA, 0x1000, PageTables.RW | PageTables.NX);
        byte[] d = new byte[0x1000];
        new Random(11).nextBytes(d);
        bm.poke(DATA, d);
        Cpu c = bm.machine.cpu;
        c.rip = FlatImage.BASE;
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
            case "nolink" -> out[0] = new JitEngine(bm.machine, JitEngine.Options.defaults().withLinking(false).withHotThreshold(2));
            case "lockstep" -> {
                out[0] = new JitEngine(bm.machine, JitEngine.Options.defaults().withHotThreshold(1));
                yield new LockstepEngine(bm.machine, out[0]);
            }
            default -> out[0] = new JitEngine(bm.machine);
        };
    }

    /** Registers, RIP, RFLAGS, the count, the data page and (in the second memory slot) the code, which the body patches. */
    static Guests.State state(BareMachine bm) {
        Cpu c = bm.machine.cpu;
        return new Guests.State(c.r.clone(), c.rip, c.getRflags(), c.instructions, bm.peek(DATA, 0x1000),
                bm.peek(FlatImage.BASE, IMG.code().length));
    }

    /** Runs the interpreter and variant {@code v} from the same start; asserts equal outcomes. */
    static JitEngine compare(String v, long faultAt, long patchAt, long budget, long until) {
        return compare(v, faultAt, patchAt, budget, until, null);
    }

    static JitEngine compare(String v, long faultAt, long patchAt, long budget, long until, long[] regsOut) {
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
        if (regsOut != null) System.arraycopy(bm.machine.cpu.r, 0, regsOut, 0, 16);
        return jit[0];
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
        long[] r = new long[16];
        compare(v, 0, patchAt, 1L << 40, IMG.sym("done"), r);
        // rcx counts down: `add $1, %r8` runs for rcx = ITERATIONS .. patchAt + 1, `add $3` from the patch on
        assertEquals((ITERATIONS - patchAt) + 3 * patchAt, r[Cpu.R8]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "hot1", "nolink"}) // (the lockstep engine runs whole blocks, not budgets of 1)
    void stopAddressInsideTheLoop(String v) {
        BareMachine ref = machine(0, 0), bm = machine(0, 0);
        Interpreter in = new Interpreter(ref.machine);
        JitEngine[] jit = new JitEngine[1];
        Engine e = engine(v, bm, jit);
        for (int k = 0; k < 300; k++) {
            // (`rare` is a side exit's target: the state there carries the flags of `cmp $5, %rdx`)
            long until = IMG.sym(k % 3 == 0 ? "usual" : k % 3 == 1 ? "nopatch" : "rare");
            RunResult a = in.run(ref.machine, 1L << 40, until);
            RunResult b = e.run(bm.machine, 1L << 40, until);
            assertEquals(a.reason(), b.reason());
            assertEquals(StopReason.UNTIL_REACHED, b.reason());
            assertEquals(state(ref), state(bm), "stop " + k);
            in.run(ref.machine, 1, -1);
            e.run(bm.machine, 1, -1);
        }
        // and then free running: the loop's region takes over
        RunResult a = in.run(ref.machine, 1L << 40, IMG.sym("done"));
        RunResult b = e.run(bm.machine, 1L << 40, IMG.sym("done"));
        assertEquals(a.reason(), b.reason());
        assertEquals(state(ref), state(bm));
    }
}

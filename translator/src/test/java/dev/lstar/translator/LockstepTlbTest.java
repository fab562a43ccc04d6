package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.FlatImage;
import dev.lstar.runtime.setup.PageTables;

import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Lockstep runs each block twice from the same TLB (saved and restored, not flushed), so a guest
 * that reads through a stale translation gets the same result as under a single engine.
 */
class LockstepTlbTest {
    static final FlatImage IMG = FlatImage.load("stale");

    /** Runs to `second`, remaps the data page behind the TLB's back, runs to the end; returns rbx. */
    static long run(Function<BareMachine, Engine> make) {
        BareMachine bm = Guests.machine("stale", 3);
        bm.poke(Guests.DATA, new byte[] {0x11, 0x11});
        bm.machine.cpu.r[Cpu.RSI] = Guests.DATA;
        Engine e = make.apply(bm);
        RunResult r = e.run(bm.machine, 100, IMG.sym("second"));
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
        bm.map(Guests.DATA, 0x1000, PageTables.RW | PageTables.US | PageTables.NX); // a new frame, no INVLPG
        bm.poke(Guests.DATA, new byte[] {0x22, 0x22});
        r = e.run(bm.machine, 100, IMG.sym("done"));
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
        assertEquals(0x1111, bm.machine.cpu.r[Cpu.RAX]);
        return bm.machine.cpu.r[Cpu.RBX];
    }

    @Test
    void staleTranslationIsUsedByEveryEngine() {
        assertEquals(0x1111, run(bm -> new Interpreter(bm.machine)), "interpreter: the cached translation");
        assertEquals(0x1111, run(bm -> new JitEngine(bm.machine, JitEngine.Options.defaults().withCompileThreshold(1))), "jit");
        LockstepEngine[] ls = new LockstepEngine[1];
        assertEquals(0x1111, run(bm -> ls[0] = new LockstepEngine(bm.machine)), "lockstep: both runs from the same TLB");
        assertNull(ls[0].divergence());
    }
}

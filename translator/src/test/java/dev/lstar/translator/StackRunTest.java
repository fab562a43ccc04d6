package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.FlatImage;
import dev.lstar.runtime.setup.PageTables;

import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Runs of pushes and pops (StackRunEmitter.emitStackRun): the one-look-up fast path and the
 * one-by-one slow path (a run across pages, a fault inside a run, a run that overwrites the code
 * it is part of) must leave exactly the interpreter's state.
 */
class StackRunTest {
    static final FlatImage IMG = FlatImage.load("stackrun");
    static final long STACK_BOTTOM = Guests.STACK_TOP - 0x10000;

    static void regs(BareMachine bm) {
        long[] r = bm.machine.cpu.r;
        for (int i = 0; i < 16; i++) if (i != Cpu.RSP) r[i] = 0x1111_0000_0000_0000L * (i + 1) + i;
    }

    /** Runs the case under the interpreter and the JIT (and lockstep) and compares everything. */
    static RunResult same(Consumer<BareMachine> setup) {
        Consumer<BareMachine> s = bm -> {
            regs(bm);
            setup.accept(bm);
        };
        Guests.compare("stackrun", s, bm -> new LockstepEngine(bm.machine));
        BareMachine ref = Guests.machine("stackrun", 3);
        s.accept(ref);
        RunResult rr = new Interpreter(ref.machine).run(ref.machine, 1_000, IMG.sym("done"));
        BareMachine bm = Guests.machine("stackrun", 3);
        s.accept(bm);
        JitEngine jit = new JitEngine(bm.machine, JitEngine.Options.defaults().withHotThreshold(0));
        RunResult jr = jit.run(bm.machine, 1_000, IMG.sym("done"));
        assertEquals(rr.reason(), jr.reason(), jr.toString());
        assertEquals(rr.instructions(), jr.instructions());
        assertEquals(Guests.state(ref), Guests.state(bm));
        assertEquals(ref.machine.cpu.cr2, bm.machine.cpu.cr2, "CR2");
        return jr;
    }

    @Test
    void runInOnePage() {
        RunResult r = same(bm -> bm.machine.cpu.r[Cpu.RSP] = Guests.STACK_TOP - 0x800);
        assertEquals(StopReason.UNTIL_REACHED, r.reason());
    }

    @Test
    void runAcrossAPageBoundary() {
        RunResult r = same(bm -> bm.machine.cpu.r[Cpu.RSP] = Guests.STACK_TOP - 0x1000 + 24);
        assertEquals(StopReason.UNTIL_REACHED, r.reason());
    }

    @Test
    void pushFaultsInsideTheRun() {
        // the third push crosses into the unmapped page below the stack: #PF there, two pushes done
        RunResult r = same(bm -> bm.machine.cpu.r[Cpu.RSP] = STACK_BOTTOM + 16);
        assertNotEquals(StopReason.UNTIL_REACHED, r.reason());
    }

    @Test
    void popFaultsInsideTheRun() {
        RunResult r = same(bm -> {
            bm.machine.cpu.rip = IMG.sym("pops");
            bm.machine.cpu.r[Cpu.RSP] = Guests.STACK_TOP - 16; // the third pop reads the unmapped page above
        });
        assertNotEquals(StopReason.UNTIL_REACHED, r.reason());
    }

    @Test
    void runOverwritingItsOwnBlock() {
        // a stack on the (writable) code page: the first push replaces `mov $1, %r12d` by `mov $7, %r12d`
        RunResult r = same(bm -> {
            bm.map(FlatImage.BASE, 0x1000, PageTables.RW | PageTables.US); // a fresh, writable frame
            bm.poke(FlatImage.BASE, IMG.code());
            bm.machine.cpu.rip = IMG.sym("smc");
            bm.machine.cpu.r[Cpu.RSP] = IMG.sym("patchend");
            bm.machine.cpu.r[Cpu.RBX] = 0x9090_0000_0007_bc41L;
        });
        assertEquals(StopReason.UNTIL_REACHED, r.reason());
    }

    @Test
    void overwrittenCodeRunsTheNewInstruction() {
        BareMachine bm = Guests.machine("stackrun", 3);
        bm.map(FlatImage.BASE, 0x1000, PageTables.RW | PageTables.US); // a fresh, writable frame
            bm.poke(FlatImage.BASE, IMG.code());
        bm.machine.cpu.rip = IMG.sym("smc");
        bm.machine.cpu.r[Cpu.RSP] = IMG.sym("patchend");
        bm.machine.cpu.r[Cpu.RBX] = 0x9090_0000_0007_bc41L;
        RunResult r = new JitEngine(bm.machine).run(bm.machine, 1_000, IMG.sym("done"));
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
        assertEquals(7, bm.machine.cpu.r[Cpu.R13]);
    }
}

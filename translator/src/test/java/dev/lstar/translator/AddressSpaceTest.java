package dev.lstar.translator;

import dev.lstar.runtime.setup.FlatImage;
import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.PageTables;

import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two address spaces map the same linear page to different code, and the guest switches CR3
 * between calls into it: the translation (and a block link) of one space must never run in the
 * other. With PCID the TLB keeps both spaces' translations (CR3 bit 63 set: no flush).
 */
class AddressSpaceTest {
    static final long STACK_TOP = 0x7ff000;

    static BareMachine machine(boolean pcid) {
        BareMachine bm = BareMachine.create(Vendor.INTEL, 64 << 20, false, 0);
        FlatImage img = FlatImage.load("cr3");
        bm.map(FlatImage.BASE, img.code().length, 0);
        bm.poke(FlatImage.BASE, img.code());
        bm.map(STACK_TOP - 0x4000, 0x4000, PageTables.RW | PageTables.NX);
        PageTables as1 = bm.pageTables;
        PageTables as2 = new PageTables(bm.machine.phys, bm.frames, false);
        long x = img.sym("x"), x2 = img.sym("x2");
        for (long la : new long[] {BareMachine.GDT_LA, FlatImage.BASE, STACK_TOP - 0x4000, STACK_TOP - 0x3000,
                STACK_TOP - 0x2000, STACK_TOP - 0x1000}) {
            as2.setPte(la, as1.pte(la));
        }
        as2.setPte(x, as1.pte(x2)); // space 2: the page of x holds x2's code
        Guests.startInTwoSpaces(bm, as2, pcid, STACK_TOP);
        return bm;
    }

    static void check(boolean pcid, Function<BareMachine, Engine> engine) {
        BareMachine bm = machine(pcid);
        RunResult r = engine.apply(bm).run(bm.machine, 10_000, FlatImage.load("cr3").sym("done"));
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
        assertEquals(0x1212, bm.machine.cpu.r[Cpu.R8], "each call ran the code of the current space");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void interpreter(boolean pcid) {
        check(pcid, bm -> new Interpreter(bm.machine));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void jit(boolean pcid) {
        JitEngine[] j = new JitEngine[1];
        check(pcid, bm -> {
            j[0] = new JitEngine(bm.machine);
            j[0].setCompileThreshold(2); // translated at the second run: the counts below assume it
            return j[0];
        });
        assertEquals(0, j[0].interpretedBlocks);
        assertTrue(j[0].translations >= 5, "x translated once per space:\n" + j[0].stats());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void jitWithoutLinking(boolean pcid) {
        check(pcid, bm -> new JitEngine(bm.machine, JitEngine.Options.defaults().withLinking(false)));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void lockstep(boolean pcid) {
        LockstepEngine[] l = new LockstepEngine[1];
        check(pcid, bm -> l[0] = new LockstepEngine(bm.machine));
        assertNull(l[0].divergence());
    }
}

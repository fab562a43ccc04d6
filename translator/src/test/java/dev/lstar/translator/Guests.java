package dev.lstar.translator;

import dev.lstar.runtime.setup.FlatImage;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.PageTables;

import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/** Test machines: a guest image at 0x400000, data at DATA, a stack below STACK_TOP. */
final class Guests {
    static final long DATA = 0x600000, STACK_TOP = 0x7ff000;

    private Guests() {}

    static BareMachine machine(String image, int cpl) {
        BareMachine bm = BareMachine.create(Vendor.INTEL, 64 << 20, false, cpl);
        FlatImage.load(image).install(bm);
        bm.map(DATA, 0x10000, PageTables.RW | PageTables.US | PageTables.NX);
        bm.map(STACK_TOP - 0x10000, 0x10000, PageTables.RW | PageTables.US | PageTables.NX);
        bm.machine.cpu.r[Cpu.RSP] = STACK_TOP;
        return bm;
    }

    /**
     * Starts a ring-0 {@code bm} at {@link FlatImage#BASE} with two address spaces, its own page
     * tables and {@code as2}: CR3 = space 1, RDI and RSI = the CR3 values that switch to space 1
     * and 2 (with {@code pcid}: PCIDs 1 and 2, the no-flush bit set, so the TLB keeps both), RSP
     * = {@code stackTop}.
     */
    static void startInTwoSpaces(BareMachine bm, PageTables as2, boolean pcid, long stackTop) {
        Cpu c = bm.machine.cpu;
        long cr3a = bm.pageTables.root, cr3b = as2.root;
        if (pcid) {
            c.cr4 |= Cpu.CR4_PCIDE;
            cr3a |= 1 | (1L << 63);
            cr3b |= 2 | (1L << 63);
            c.cr3 = cr3a & ~(1L << 63);
        } else {
            c.cr3 = cr3a;
        }
        bm.machine.mmu.flushAll();
        c.r[Cpu.RDI] = cr3a;
        c.r[Cpu.RSI] = cr3b;
        c.r[Cpu.RSP] = stackTop;
        c.rip = FlatImage.BASE;
    }

    /** The architectural state compared between engines. */
    record State(long[] r, long rip, long rflags, long instructions, byte[] data, byte[] stack) {
        @Override
        public boolean equals(Object o) {
            return o instanceof State s && Arrays.equals(r, s.r) && rip == s.rip && rflags == s.rflags
                    && instructions == s.instructions && Arrays.equals(data, s.data) && Arrays.equals(stack, s.stack);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(rip);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 16; i++) sb.append("r").append(i).append("=").append(Long.toHexString(r[i])).append(' ');
            return sb + "rip=" + Long.toHexString(rip) + " rflags=" + Long.toHexString(rflags) + " n=" + instructions;
        }
    }

    static State state(BareMachine bm) {
        Cpu c = bm.machine.cpu;
        return new State(c.r.clone(), c.rip, c.getRflags(), c.instructions, bm.peek(DATA, 0x10000),
                bm.peek(STACK_TOP - 0x10000, 0x10000));
    }

    /**
     * Runs {@code image} set up by {@code setup} to its "done" symbol under the interpreter and under
     * {@code engine}, asserts the final states are identical, and returns the engine's machine.
     */
    static BareMachine compare(String image, Consumer<BareMachine> setup, Function<BareMachine, Engine> engine) {
        BareMachine ref = machine(image, 3);
        setup.accept(ref);
        var rr = new Interpreter(ref.machine).run(ref.machine, 1L << 40, FlatImage.load(image).sym("done"));
        BareMachine bm = machine(image, 3);
        setup.accept(bm);
        var jr = engine.apply(bm).run(bm.machine, 1L << 40, FlatImage.load(image).sym("done"));
        assertEquals(rr.reason(), jr.reason(), "stop reason: " + jr);
        assertEquals(rr.instructions(), jr.instructions(), "instructions");
        assertEquals(state(ref), state(bm));
        return bm;
    }
}

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

import java.util.Arrays;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Superblocks and the inline system instructions (superblock.S): a hot loop whose body is a chain
 * of blocks with side exits taken on different iterations, the BT family on registers and bit
 * strings, XCHG, SWAPGS and MOV CR3 in the middle. Every JIT variant must end in exactly the
 * interpreter's state (registers, RIP, RFLAGS, instruction count, GS bases, CR3, data page), also
 * when a load in the middle of the chain faults, when the budget ends inside the loop and when
 * the stop address lies inside a superblock.
 */
class SuperblockTest {
    static final long DATA = 0x600000;
    static final FlatImage IMG = FlatImage.load("superblock");

    static BareMachine machine(int iterations, long faultAt, boolean pcid) {
        BareMachine bm = BareMachine.create(Vendor.INTEL, 64 << 20, false, 0);
        bm.map(FlatImage.BASE, IMG.code().length, 0);
        bm.poke(FlatImage.BASE, IMG.code());
        bm.map(DATA, 0x1000, PageTables.RW | PageTables.NX);
        byte[] d = new byte[0x1000];
        new Random(7).nextBytes(d);
        Arrays.fill(d, 256, 264, (byte) 0);
        if (pcid) d[263] = (byte) 0x80; // CR3 bit 63: keep the PCID's translations
        bm.poke(DATA, d);
        Cpu c = bm.machine.cpu;
        c.rip = FlatImage.BASE;
        c.r[Cpu.RCX] = iterations;
        c.r[Cpu.RSI] = DATA;
        c.r[Cpu.R15] = faultAt;
        c.kernelGsBase = DATA + 512;
        if (pcid) {
            c.cr4 |= Cpu.CR4_PCIDE;
            c.cr3 |= 5;
            bm.machine.mmu.flushAll();
        }
        return bm;
    }

    record State(long[] r, long rip, long rflags, long instructions, long gs, long kgs, long cr3, byte[] data) {
        @Override
        public boolean equals(Object o) {
            return o instanceof State s && Arrays.equals(r, s.r) && rip == s.rip && rflags == s.rflags && instructions == s.instructions
                    && gs == s.gs && kgs == s.kgs && cr3 == s.cr3 && Arrays.equals(data, s.data);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(rip);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 16; i++) sb.append("r").append(i).append('=').append(Long.toHexString(r[i])).append(' ');
            return sb + String.format("rip=%x rflags=%x n=%d gs=%x kgs=%x cr3=%x", rip, rflags, instructions, gs, kgs, cr3);
        }
    }

    static State state(BareMachine bm) {
        Cpu c = bm.machine.cpu;
        return new State(c.r.clone(), c.rip, c.getRflags(), c.instructions, c.segBase[Cpu.GS], c.kernelGsBase, c.cr3, bm.peek(DATA, 0x1000));
    }

    static Function<BareMachine, Engine> variant(String v, JitEngine[] out) {
        return bm -> Variants.engine(v, bm, out);
    }

    /** Runs the interpreter and {@code engine} from the same start; asserts equal outcomes. */
    static JitEngine compare(String v, int iterations, long faultAt, boolean pcid, long budget, long until) {
        return Variants.compare(v, () -> machine(iterations, faultAt, pcid), SuperblockTest::state, budget, until);
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "hot1", "nosuper", "nolink", "lockstep"})
    void loopToTheEnd(String v) {
        for (boolean pcid : new boolean[] {false, true}) {
            JitEngine jit = compare(v, 300, 0, pcid, 1L << 40, IMG.sym("done"));
            if (!v.equals("nosuper")) assertTrue(jit.superblocks > 0, jit.stats());
            else assertEquals(0, jit.superblocks);
            assertTrue(jit.inlinedInsns > 40, jit.stats());
        }
    }

    @ParameterizedTest
    @CsvSource({"default, 150", "hot1, 150", "hot1, 2", "lockstep, 70", "nosuper, 150"})
    void faultInTheMiddleOfTheChain(String v, long faultAt) {
        BareMachine probe = machine(300, faultAt, true);
        RunResult r = new Interpreter(probe.machine).run(probe.machine, 1L << 40, IMG.sym("done"));
        assertEquals(StopReason.UNHANDLED_FAULT, r.reason(), "the guest's load faults (no IDT): " + r);
        compare(v, 300, faultAt, true, 1L << 40, IMG.sym("done"));
    }

    @ParameterizedTest
    @CsvSource({"default, 9999", "hot1, 5001", "hot1, 12345", "nolink, 777"})
    void budgetEndsInsideASuperblock(String v, long budget) {
        compare(v, 300, 0, false, budget, -1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "hot1", "nolink"}) // (the lockstep engine runs whole blocks, not budgets of 1)
    void stopAddressInsideASuperblock(String v) {
        // `tail` lies inside the loop's superblock: run to it again and again, as a debugger would
        JitEngine jit = Variants.stopAgainAndAgain(v, () -> machine(300, 0, false), SuperblockTest::state, k -> IMG.sym("tail"), 200,
                IMG.sym("done"));
        if (!v.equals("nolink")) assertTrue(jit.superblocks > 0, jit.stats());
    }
}

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Guest code that patches itself: in the running block, and in a block translated earlier. */
class SelfModifyingCodeTest {
    static BareMachine machine() {
        BareMachine bm = BareMachine.create(Vendor.INTEL, 64 << 20, false, 3);
        FlatImage img = FlatImage.load("smc");
        bm.map(FlatImage.BASE, img.code().length, PageTables.RW | PageTables.US); // writable code
        bm.poke(FlatImage.BASE, img.code());
        bm.machine.cpu.rip = FlatImage.BASE;
        bm.map(Guests.STACK_TOP - 0x10000, 0x10000, PageTables.RW | PageTables.US | PageTables.NX);
        bm.machine.cpu.r[Cpu.RSP] = Guests.STACK_TOP;
        return bm;
    }

    static BareMachine run(Function<BareMachine, Engine> engine) {
        BareMachine bm = machine();
        RunResult r = engine.apply(bm).run(bm.machine, 1_000, FlatImage.load("smc").sym("done"));
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
        Cpu c = bm.machine.cpu;
        assertEquals(42, c.r[Cpu.R8], "patched immediate in the same block");
        assertEquals(5, c.r[Cpu.R9], "other block before the patch");
        assertEquals(7, c.r[Cpu.R10], "other block after the patch");
        return bm;
    }

    @Test
    void interpreterReference() {
        run(bm -> new Interpreter(bm.machine));
    }

    @Test
    void jitSeesBothPatches() {
        JitEngine[] jit = new JitEngine[1];
        BareMachine bm = run(m -> jit[0] = new JitEngine(m.machine, JitEngine.Options.defaults().withCompileThreshold(1)));
        assertTrue(jit[0].invalidations >= 2, "both code pages' translations were dropped:\n" + jit[0].stats());
        assertTrue(jit[0].translations >= 4, jit[0].stats());
        assertEquals(1, jit[0].interpretedBlocks, "only the last block, which contains `until`, was interpreted");
        BareMachine ref = machine();
        new Interpreter(ref.machine).run(ref.machine, 1_000, FlatImage.load("smc").sym("done"));
        assertEquals(ref.machine.cpu.instructions, bm.machine.cpu.instructions);
        assertEquals(ref.machine.cpu.getRflags(), bm.machine.cpu.getRflags());
        assertArrayEquals(ref.machine.cpu.r, bm.machine.cpu.r);
    }

    @Test
    void lockstepAgrees() {
        LockstepEngine[] ls = new LockstepEngine[1];
        run(m -> ls[0] = new LockstepEngine(m.machine));
        assertNull(ls[0].divergence());
    }

    @Test
    void hostWriteToCodeInvalidatesTranslations() {
        BareMachine bm = machine();
        JitEngine jit = new JitEngine(bm.machine);
        long done = FlatImage.load("smc").sym("done");
        jit.run(bm.machine, 1_000, done);
        assertEquals(7, bm.machine.cpu.r[Cpu.R10]);
        // the embedder rewrites `other` to return 9 (through physical memory) and reruns it
        long other = FlatImage.load("smc").sym("other");
        bm.poke(other + 1, new byte[] {9, 0, 0, 0});
        bm.machine.cpu.rip = other;
        bm.machine.cpu.r[Cpu.RSP] -= 8;
        bm.poke(bm.machine.cpu.r[Cpu.RSP], new byte[] {(byte) 0x2c, 0, 0x40, 0, 0, 0, 0, 0}); // return to done
        jit.run(bm.machine, 1_000, done);
        assertEquals(9, bm.machine.cpu.r[Cpu.RAX]);
    }

    /**
     * smcregion.S: a region's store through a base register whose page cache entry holds the data
     * page patches the loop's own ADD in iteration {@code at}; the loop must leave after that store
     * (the cache never holds a code frame, so the write went to the Mmu, which the exit test follows)
     * and add 7 from then on, as the interpreter does.
     */
    @ParameterizedTest
    @CsvSource({"hot1, 60", "hot1, 20", "hot1, 2", "lockstep, 20"})
    void aRegionPatchesItselfThroughACachedBase(String v, int at) {
        FlatImage img = FlatImage.load("smcregion");
        long data = 0x600000;
        java.util.function.Supplier<BareMachine> machine = () -> {
            BareMachine bm = Variants.flat(img, PageTables.RW, data, 3, data + 0x11000);
            java.nio.ByteBuffer table = java.nio.ByteBuffer.allocate(0x1000).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 0x100; i++) table.putLong(i * 8, data + 0x800 + i);
            table.putLong(at * 8, img.sym("patch") + 3);
            bm.poke(data, table.array());
            return bm;
        };
        JitEngine jit = Variants.compare(v, machine, bm -> bm.machine.cpu.r[Cpu.R8], 1L << 40, img.sym("done"));
        assertTrue(jit.regions > 0, jit::stats);
        BareMachine ref = machine.get();
        new Interpreter(ref.machine).run(ref.machine, 1L << 40, img.sym("done"));
        assertEquals(64 - at + 7L * at, ref.machine.cpu.r[Cpu.R8], "the interpreter: 1 before the patch, 7 from its iteration on");
    }
}

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

import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The page cache in a translated method's locals ({@link PageCache}) stands for TLB entries, so
 * it must not survive a change of translation inside the method: pagecache.S reads and adds to
 * one page through the same pointer before and after a MOV to CR3 that maps another frame there
 * (in the middle of a block, as KPTI's entry code does). Also that the cache is there at all,
 * and absent where it must be (several CPUs, hooks).
 */
class PageCacheTest {
    static final long STACK_TOP = 0x7ff000, DATA = 0x600000;
    static final FlatImage IMG = FlatImage.load("pagecache");

    /** Frames of the data page in space 1 and space 2 (set by {@link #machine}). */
    static long frame1, frame2;

    static BareMachine machine(boolean pcid) {
        BareMachine bm = BareMachine.create(Vendor.INTEL, 64 << 20, false, 0);
        bm.map(FlatImage.BASE, IMG.code().length, 0);
        bm.poke(FlatImage.BASE, IMG.code());
        bm.map(STACK_TOP - 0x1000, 0x1000, PageTables.RW | PageTables.NX);
        bm.map(DATA, 0x1000, PageTables.RW | PageTables.NX);
        bm.poke(DATA, new byte[] {1});
        PageTables as1 = bm.pageTables;
        PageTables as2 = new PageTables(bm.machine.phys, bm.frames, false);
        for (long la : new long[] {BareMachine.GDT_LA, FlatImage.BASE, STACK_TOP - 0x1000}) as2.setPte(la, as1.pte(la));
        as2.allocateAndMap(DATA, 0x1000, PageTables.RW | PageTables.NX);
        frame1 = as1.pte(DATA) & PageTables.ADDR_MASK;
        frame2 = as2.pte(DATA) & PageTables.ADDR_MASK;
        assertNotEquals(frame1, frame2);
        bm.machine.phys.write8(frame2, 2);
        Cpu c = bm.machine.cpu;
        long cr3a = as1.root, cr3b = as2.root;
        if (pcid) { // the TLB keeps both spaces: only the generation changes
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
        c.r[Cpu.RDX] = DATA;
        c.r[Cpu.RSP] = STACK_TOP;
        c.rip = FlatImage.BASE;
        return bm;
    }

    static void check(boolean pcid, Function<BareMachine, Engine> engine) {
        BareMachine bm = machine(pcid);
        RunResult r = engine.apply(bm).run(bm.machine, 10_000, IMG.sym("done"));
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
        assertEquals(79300, bm.machine.cpu.r[Cpu.R8], "space 1's reads saw space 1's frame");
        assertEquals(79400, bm.machine.cpu.r[Cpu.R9], "space 2's reads saw space 2's frame");
        assertEquals(1601, bm.machine.phys.read64(frame1), "space 1's frame");
        assertEquals(1602, bm.machine.phys.read64(frame2), "space 2's frame");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void interpreter(boolean pcid) {
        check(pcid, bm -> new Interpreter(bm.machine));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void jitAcrossACr3WriteInTheMiddleOfTheMethod(boolean pcid) {
        JitEngine[] j = new JitEngine[1];
        check(pcid, bm -> j[0] = new JitEngine(bm.machine, JitEngine.Options.defaults().withCompileThreshold(1).withHotThreshold(4)));
        assertTrue(j[0].superblocks >= 1, "the loop is one superblock across the CR3 writes:\n" + j[0].stats());
        assertTrue(j[0].pageCacheEntries >= 1, "the loop's pointer has an entry:\n" + j[0].stats());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void lockstep(boolean pcid) {
        LockstepEngine[] l = new LockstepEngine[1];
        check(pcid, bm -> l[0] = new LockstepEngine(bm.machine));
        assertNull(l[0].divergence());
    }

    @Test
    void noEntriesWithSeveralCpus() {
        BareMachine bm = machine(false);
        bm.machine.phys.smp = true;
        JitEngine j = new JitEngine(bm.machine, JitEngine.Options.defaults().withCompileThreshold(1).withHotThreshold(4));
        RunResult r = j.run(bm.machine, 10_000, IMG.sym("done"));
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
        assertEquals(79300, bm.machine.cpu.r[Cpu.R8]);
        assertTrue(j.translations > 0, j.stats());
        assertEquals(0, j.pageCacheEntries, "another CPU may mark a frame as code while the method runs");
    }
}

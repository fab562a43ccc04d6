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
    static final FlatImage IMG = FlatImage.load("pagecache"), IMG128 = FlatImage.load("pagecache128");

    /** Frames of the data page in space 1 and space 2 (set by {@link #machine}). */
    static long frame1, frame2;

    static BareMachine machine(boolean pcid) {
        return machine(IMG, pcid);
    }

    static BareMachine machine(FlatImage img, boolean pcid) {
        BareMachine bm = BareMachine.create(Vendor.INTEL, 64 << 20, false, 0);
        bm.map(FlatImage.BASE, img.code().length, 0);
        bm.poke(FlatImage.BASE, img.code());
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
        Guests.startInTwoSpaces(bm, as2, pcid, STACK_TOP);
        bm.machine.cpu.r[Cpu.RDX] = DATA;
        return bm;
    }

    static void check(boolean pcid, Function<BareMachine, Engine> engine) {
        check(IMG, pcid, engine);
    }

    static void check(FlatImage img, boolean pcid, Function<BareMachine, Engine> engine) {
        BareMachine bm = machine(img, pcid);
        RunResult r = engine.apply(bm).run(bm.machine, 10_000, img.sym("done"));
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
        assertEquals(79300, bm.machine.cpu.r[Cpu.R8], "space 1's reads saw space 1's frame");
        assertEquals(79400, bm.machine.cpu.r[Cpu.R9], "space 2's reads saw space 2's frame");
        assertEquals(1601, bm.machine.phys.read64(frame1), "space 1's frame");
        assertEquals(1602, bm.machine.phys.read64(frame2), "space 2's frame");
        if (img == IMG128) {
            assertEquals(3200, bm.machine.phys.read64(frame1 + 8), "space 1's frame, bytes 8-15");
            assertEquals(3200, bm.machine.phys.read64(frame2 + 8), "space 2's frame, bytes 8-15");
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void interpreterAndLockstep(boolean pcid) {
        check(pcid, bm -> new Interpreter(bm.machine));
        LockstepEngine[] l = new LockstepEngine[1];
        check(pcid, bm -> l[0] = new LockstepEngine(bm.machine));
        assertNull(l[0].divergence(), "the JIT's run of each block agrees with the interpreter's");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void jitAcrossACr3WriteInTheMiddleOfTheMethod(boolean pcid) {
        JitEngine[] j = new JitEngine[1];
        check(pcid, bm -> j[0] = new JitEngine(bm.machine, JitEngine.Options.defaults().withCompileThreshold(1).withHotThreshold(4)));
        assertTrue(j[0].superblocks >= 1, "the loop is one superblock across the CR3 writes:\n" + j[0].stats());
        assertTrue(j[0].pageCacheEntries >= 1, "the loop's pointer has an entry:\n" + j[0].stats());
    }

    /**
     * The 16-byte SSE loads and stores (the inline MOVDQU) use the same entries, so the same
     * rule: an entry refilled by one of them must not survive the MOV to CR3 in the middle of
     * the method (pagecache128.S); the interpreter and lockstep agree with it.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void sixteenByteAccessesAcrossACr3Write(boolean pcid) {
        check(IMG128, pcid, bm -> new Interpreter(bm.machine));
        LockstepEngine[] l = new LockstepEngine[1];
        check(IMG128, pcid, bm -> l[0] = new LockstepEngine(bm.machine));
        assertNull(l[0].divergence(), "the JIT's run of each block agrees with the interpreter's");
        JitEngine[] j = new JitEngine[1];
        check(IMG128, pcid, bm -> j[0] = new JitEngine(bm.machine, JitEngine.Options.defaults().withCompileThreshold(1).withHotThreshold(4)));
        assertTrue(j[0].superblocks >= 1, "the loop is one superblock across the CR3 writes:\n" + j[0].stats());
        assertTrue(j[0].pageCacheEntries >= 1, "the loop's pointer has an entry:\n" + j[0].stats());
        assertEquals(0, j[0].fallbackInsns, "every instruction inline:\n" + j[0].stats());
    }

    /**
     * The same straight-line code (three accesses through one pointer) gets an entry for the
     * pointer in the lower half and none in the kernel half, where the entry path's methods run
     * once per system call and KPTI's CR3 writes empty the entries (see MethodEmitter.allocatePageCache).
     */
    @Test
    void noEntriesInTheKernelHalfsStraightLineCode() {
        FlatImage img = FlatImage.load("kernelhalf");
        for (long base : new long[] {FlatImage.BASE, 0xffffffff80400000L}) {
            BareMachine bm = Guests.machine("kernelhalf", 0);
            if (base != FlatImage.BASE) {
                bm.map(base, 0x1000, 0);
                bm.poke(base, img.code());
            }
            bm.poke(Guests.DATA, new byte[] {5, 0, 0, 0, 0, 0, 0, 0, 7});
            bm.machine.cpu.rip = base;
            bm.machine.cpu.r[Cpu.RDX] = Guests.DATA;
            JitEngine j = new JitEngine(bm.machine, JitEngine.Options.defaults().withCompileThreshold(1));
            RunResult r = j.run(bm.machine, 1_000, base + (img.sym("done") - FlatImage.BASE));
            String why = Long.toHexString(base) + ":\n" + j.stats();
            assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
            assertEquals(12, bm.machine.cpu.r[Cpu.RAX], why);
            assertEquals(12, bm.machine.phys.read64(bm.pageTables.pte(Guests.DATA) & PageTables.ADDR_MASK | 16), why);
            assertEquals(1, j.translations, why);
            if (base == FlatImage.BASE) assertEquals(1, j.pageCacheEntries, why);
            else assertEquals(0, j.pageCacheEntries, why);
        }
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

    // ---------------------------------------------------------------- offsets at the page's edges

    static final FlatImage EDGE = FlatImage.load("pageedge");
    static final long EDGE_DATA = 0x600000, EDGE_STACK = 0x612000;

    static BareMachine edgeMachine(long nullAt) {
        BareMachine bm = Variants.flat(EDGE, 0, EDGE_DATA, 29, EDGE_STACK);
        bm.map(EDGE_DATA + 0x1000, 0x1000, PageTables.RW | PageTables.NX);
        byte[] more = new byte[0x1000];
        new java.util.Random(31).nextBytes(more);
        bm.poke(EDGE_DATA + 0x1000, more);
        bm.machine.cpu.r[Cpu.RCX] = 3000;
        bm.machine.cpu.r[Cpu.R15] = nullAt;
        return bm;
    }

    /** The compared state: the flat-image state, the second page and XMM1. */
    static String edgeState(BareMachine bm) {
        return Variants.stackAndCode(bm, EDGE, EDGE_DATA, EDGE_STACK) + " " + java.util.Arrays.hashCode(bm.peek(EDGE_DATA, 0x2000))
                + " " + bm.machine.cpu.r[Cpu.R8] + " " + Long.toHexString(bm.machine.cpu.xmm[2]) + " " + Long.toHexString(bm.machine.cpu.xmm[3]);
    }

    /**
     * Every offset of a page and every way across its end (8, 2 and 16 bytes, a read-modify-write,
     * a write), on every variant: the JIT ends in the interpreter's state; and a null pointer's
     * access faults as in the interpreter, in a region and in methods that start with empty entries.
     */
    @ParameterizedTest
    @ValueSource(strings = {"default", "hot1", "nosuper", "nolink", "lockstep", "hot1-nonest"})
    void offsetsAcrossThePageEndAndANullPointer(String v) {
        Variants.compare(v, () -> edgeMachine(0), PageCacheTest::edgeState, 1L << 40, EDGE.sym("done"),
                bm -> assertEquals(EDGE.sym("done"), bm.machine.cpu.rip, "ran to the end"));
        for (long at : new long[] {2900, 1234, 17}) {
            BareMachine probe = edgeMachine(at);
            RunResult r = new Interpreter(probe.machine).run(probe.machine, 1L << 40, EDGE.sym("done"));
            assertEquals(StopReason.UNHANDLED_FAULT, r.reason(), "the null pointer's access faults (no IDT): " + r);
            Variants.compare(v, () -> edgeMachine(at), PageCacheTest::edgeState, 1L << 40, EDGE.sym("done"));
        }
    }
}

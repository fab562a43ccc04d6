package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.api.Emulator;
import dev.lstar.api.Perm;
import dev.lstar.api.Reg;
import dev.lstar.api.SharedCode;
import dev.lstar.api.StopInfo;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.FlatImage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * One code cache for several engines ({@link SharedCode}, {@link SharedTranslations}): a block is
 * translated once; the other engines run instances of its class with their own blocks, get the
 * interpreter's results, and never run code that is not theirs.
 */
class SharedCodeTest {
    /** xorshift rounds (a hot loop: batch classes, then a region) and the recursive calls (superblocks). */
    private static BareMachine run(String image, JitEngine jit, BareMachine bm) {
        RunResult r = jit.run(bm.machine, 1L << 40, FlatImage.load(image).sym("done"));
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
        return bm;
    }

    private static BareMachine calls(int n) {
        BareMachine bm = Guests.machine("calls", 3);
        bm.machine.cpu.r[Cpu.RDI] = n;
        return bm;
    }

    @Test
    void theSecondEngineTranslatesNothing() {
        SharedCode code = SharedCode.create();
        BareMachine a = calls(18), b = calls(18);
        JitEngine ja = new JitEngine(a.machine, code), jb = new JitEngine(b.machine, code);
        run("calls", ja, a);
        run("calls", jb, b);
        assertEquals(2584, a.machine.cpu.r[Cpu.RAX]);
        assertEquals(Guests.state(a), Guests.state(b));
        assertTrue(ja.translations > 5 && ja.bytesGenerated > 0 && ja.sharedReuses == 0, ja.stats());
        assertTrue(ja.superblocks > 0, "hot blocks became superblocks:\n" + ja.stats());
        assertEquals(0, jb.bytesGenerated, "the second engine generated no code:\n" + jb.stats());
        assertEquals(0, jb.classBytesGenerated, jb.stats());
        assertEquals(ja.translations, jb.translations, jb.stats());
        assertEquals(jb.installs, jb.sharedReuses, "every translation and recompilation reused:\n" + jb.stats());
        assertTrue(jb.installs >= jb.translations + jb.superblocks, jb.stats());
        assertTrue(jb.stats().contains("instances of classes from the shared code cache"), jb.stats());
    }

    @Test
    void aHotLoopsRegionIsShared() {
        SharedCode code = SharedCode.create();
        long[] regions = new long[2];
        long[] generated = new long[2];
        BareMachine[] ms = new BareMachine[2];
        for (int k = 0; k < 2; k++) {
            BareMachine bm = Guests.machine("xorshift", 3);
            bm.machine.cpu.r[Cpu.RAX] = 3;
            bm.machine.cpu.r[Cpu.RCX] = 100_000;
            JitEngine j = new JitEngine(bm.machine, code);
            run("xorshift", j, bm);
            regions[k] = j.regions;
            generated[k] = j.bytesGenerated;
            ms[k] = bm;
        }
        assertEquals(Guests.state(ms[0]), Guests.state(ms[1]));
        assertEquals(1, regions[0]);
        assertEquals(1, regions[1], "the second engine made the loop a region too, from the shared class");
        assertEquals(0, generated[1]);
        // and the interpreter agrees with the sharing engine
        Guests.compare("xorshift", m -> {
            m.machine.cpu.r[Cpu.RAX] = 3;
            m.machine.cpu.r[Cpu.RCX] = 100_000;
        }, m -> new JitEngine(m.machine, code));
    }

    @Test
    void sharingEnginesAgreeWithTheInterpreter() {
        SharedCode code = SharedCode.create();
        for (int n : new int[] {5, 12, 18, 12}) {
            Guests.compare("calls", m -> m.machine.cpu.r[Cpu.RDI] = n, m -> new JitEngine(m.machine, code));
        }
    }

    @Test
    void otherBytesAtTheSameAddressAreOtherCode() {
        SharedCode code = SharedCode.create();
        // machine a: `other` returns 5 (as built); machine b: the embedder patched it to return 9 first
        BareMachine a = SelfModifyingCodeTest.machine(), b = SelfModifyingCodeTest.machine();
        FlatImage img = FlatImage.load("smc");
        long other = img.sym("other");
        JitEngine ja = new JitEngine(a.machine, JitEngine.Options.defaults().withCompileThreshold(1), code);
        assertEquals(StopReason.UNTIL_REACHED, ja.run(a.machine, 1_000, img.sym("done")).reason());
        assertEquals(7, a.machine.cpu.r[Cpu.R10]);
        JitEngine jb = new JitEngine(b.machine, JitEngine.Options.defaults().withCompileThreshold(1), code);
        assertEquals(StopReason.UNTIL_REACHED, jb.run(b.machine, 1_000, img.sym("done")).reason());
        assertEquals(a.machine.cpu.r[Cpu.R8], b.machine.cpu.r[Cpu.R8]);
        assertTrue(jb.sharedReuses > 0, jb.stats());
        // now b's `other` returns 9: its own next run must see that, a's must still see 7 (a's own SMC aside)
        b.poke(other + 1, new byte[] {9, 0, 0, 0});
        for (BareMachine m : new BareMachine[] {a, b}) {
            Cpu c = m.machine.cpu;
            c.rip = other;
            c.r[Cpu.RSP] -= 8;
            m.poke(c.r[Cpu.RSP], new byte[] {(byte) (img.sym("done") & 0xff), (byte) (img.sym("done") >>> 8 & 0xff),
                (byte) (img.sym("done") >>> 16 & 0xff), 0, 0, 0, 0, 0});
        }
        assertEquals(StopReason.UNTIL_REACHED, jb.run(b.machine, 1_000, img.sym("done")).reason());
        assertEquals(StopReason.UNTIL_REACHED, ja.run(a.machine, 1_000, img.sym("done")).reason());
        assertEquals(9, b.machine.cpu.r[Cpu.RAX] & 0xff, "b runs its patched code");
        assertEquals(7, a.machine.cpu.r[Cpu.RAX] & 0xff, "a still runs its own (self-patched) code");
    }

    @Test
    void selfModifyingCodeWithSharing() {
        SharedCode code = SharedCode.create();
        for (int k = 0; k < 3; k++) {
            JitEngine[] jit = new JitEngine[1];
            SelfModifyingCodeTest.run(m -> jit[0] = new JitEngine(m.machine, JitEngine.Options.defaults().withCompileThreshold(1), code));
            if (k > 0) assertTrue(jit[0].sharedReuses > 0, jit[0].stats());
        }
    }

    // ------------------------------------------------------------------ the embedding API

    /** A self-loop of rdi rounds: rax = rol(rax * C + D, 13), rdx ^= rax; then hlt (the run stops at it). */
    private static final byte[] LCG = {
        0x48, (byte) 0xb9, 0x2d, 0x7f, (byte) 0x95, 0x4c, 0x2d, (byte) 0xf4, 0x51, 0x58, // movabs $0x5851f42d4c957f2d,%rcx
        0x48, 0x0f, (byte) 0xaf, (byte) 0xc1, // imul %rcx,%rax
        0x48, 0x05, 0x4f, 0x5c, 0x3f, 0x28, // add $0x283f5c4f,%rax
        0x48, (byte) 0xc1, (byte) 0xc0, 0x0d, // rol $13,%rax
        0x48, 0x31, (byte) 0xc2, // xor %rax,%rdx
        0x48, (byte) 0xff, (byte) 0xcf, // dec %rdi
        0x75, (byte) 0xe0, // jne (back to the movabs)
        (byte) 0xf4, // hlt
    };

    private static Emulator emulator(SharedCode code, long n) {
        Emulator e = Emulator.builder().engine("jit").flatUserMode().sharedCode(code).build();
        e.map(0x400000, 0x1000, Perm.READ | Perm.EXEC);
        e.write(0x400000, LCG);
        e.regWrite(Reg.RDI, n);
        e.regWrite(Reg.RAX, 1);
        return e;
    }

    private static long[] runLcg(Emulator e) {
        StopInfo s = e.start(0x400000, 0x400000 + LCG.length - 1);
        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason(), s.toString());
        return new long[] {e.regRead(Reg.RAX), e.regRead(Reg.RDX)};
    }

    @Test
    void emulatorsShareOneTranslation() {
        SharedCode code = SharedCode.create();
        Emulator plain = Emulator.builder().engine("jit").flatUserMode().build();
        plain.map(0x400000, 0x1000, Perm.READ | Perm.EXEC);
        plain.write(0x400000, LCG);
        plain.regWrite(Reg.RDI, 50_000);
        plain.regWrite(Reg.RAX, 1);
        long[] expected = runLcg(plain);
        Emulator interp = Emulator.builder().flatUserMode().sharedCode(code).build(); // the interpreter ignores it
        interp.map(0x400000, 0x1000, Perm.READ | Perm.EXEC);
        interp.write(0x400000, LCG);
        interp.regWrite(Reg.RDI, 50_000);
        interp.regWrite(Reg.RAX, 1);
        assertArrayEquals(expected, runLcg(interp));
        long generated = 0;
        for (int k = 0; k < 4; k++) {
            try (Emulator e = emulator(code, 50_000)) {
                assertArrayEquals(expected, runLcg(e));
                JitEngine j = (JitEngine) e.engine();
                if (k == 0) generated = j.bytesGenerated;
                else assertEquals(0, j.bytesGenerated, "emulator " + k + " translated again:\n" + j.stats());
            }
        }
        assertTrue(generated > 0);
    }

    @Test
    void hooksStayWithTheirEmulator() {
        SharedCode code = SharedCode.create();
        long[] expected;
        try (Emulator plain = emulator(code, 3_000)) {
            expected = runLcg(plain); // publishes the loop's translations
        }
        long[] hooked = new long[1];
        try (Emulator e = emulator(code, 3_000)) {
            e.hookCode((emu, address, size) -> hooked[0]++);
            assertArrayEquals(expected, runLcg(e));
            assertEquals(3_000 * 7, hooked[0], "the hook saw every instruction: the shared unhooked code was not used");
        }
        try (Emulator after = emulator(code, 3_000)) { // and a hook elsewhere never reached the shared classes
            assertArrayEquals(expected, runLcg(after));
            assertEquals(0, ((JitEngine) after.engine()).bytesGenerated);
        }
    }

    @Test
    void emulatorsOnSeveralThreads() throws Exception {
        SharedCode code = SharedCode.create();
        long[] expected;
        long alone;
        try (Emulator e = emulator(null, 20_000)) {
            expected = runLcg(e);
            alone = ((JitEngine) e.engine()).bytesGenerated;
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        try {
            List<Future<long[]>> fs = new ArrayList<>();
            for (int k = 0; k < 16; k++) {
                fs.add(pool.submit(() -> {
                    try (Emulator e = emulator(code, 20_000)) {
                        go.await(); // the first four start together: they race for the same blocks
                        long[] r = runLcg(e);
                        return new long[] {r[0], r[1], ((JitEngine) e.engine()).bytesGenerated};
                    }
                }));
            }
            go.countDown();
            long generated = 0;
            for (Future<long[]> f : fs) {
                long[] r = f.get();
                assertArrayEquals(expected, new long[] {r[0], r[1]});
                generated += r[2];
            }
            // a block missed by several engines at once is translated by one (the others wait or defer)
            assertTrue(generated <= alone, "16 emulators generated " + generated + " bytes, one alone " + alone);
        } finally {
            pool.shutdownNow();
        }
    }
}

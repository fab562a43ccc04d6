package dev.lstar.translator;

import dev.lstar.runtime.setup.FlatImage;
import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.setup.BareMachine;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The lockstep engine: silent on the guest programs, loud on a deliberately broken translation. */
class LockstepTest {
    static LockstepEngine lockstep(BareMachine bm) {
        return new LockstepEngine(bm.machine, new JitEngine(bm.machine, JitEngine.Options.defaults().withHotThreshold(2).withCompileThreshold(1)));
    }

    @Test
    void programsRunWithoutDivergence() {
        Guests.compare("xorshift", m -> { m.machine.cpu.r[Cpu.RAX] = 5; m.machine.cpu.r[Cpu.RCX] = 300; }, LockstepTest::lockstep);
        Guests.compare("memsum", m -> {
            m.poke(Guests.DATA, "0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".getBytes(StandardCharsets.US_ASCII));
            m.machine.cpu.r[Cpu.RSI] = Guests.DATA;
            m.machine.cpu.r[Cpu.RDI] = Guests.DATA + 0x800;
            m.machine.cpu.r[Cpu.RCX] = 9;
        }, LockstepTest::lockstep);
        Guests.compare("calls", m -> m.machine.cpu.r[Cpu.RDI] = 12, LockstepTest::lockstep);
        Guests.compare("strings", m -> {
            m.poke(Guests.DATA, "lockstep\0".getBytes(StandardCharsets.US_ASCII));
            m.machine.cpu.r[Cpu.RSI] = Guests.DATA;
            m.machine.cpu.r[Cpu.RDI] = Guests.DATA + 0x1000;
            m.machine.cpu.r[Cpu.RDX] = Guests.DATA + 0x2000;
        }, LockstepTest::lockstep);
    }

    @Test
    void compareCoversEveryBlock() {
        BareMachine bm = Guests.machine("calls", 3);
        bm.machine.cpu.r[Cpu.RDI] = 10;
        LockstepEngine ls = lockstep(bm);
        RunResult r = ls.run(bm.machine, 1L << 30, FlatImage.load("calls").sym("done"));
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), String.valueOf(ls.divergence()));
        assertNull(ls.divergence());
        assertEquals(ls.jit().blocksExecuted, ls.steps, "one JIT block per compared step");
        assertTrue(ls.comparedFrames > 0, "stack writes were compared");
    }

    @Test
    void findsAnInjectedBug() {
        BlockCompiler.injectAddBugForTest = true;
        try {
            BareMachine bm = Guests.machine("calls", 3);
            bm.machine.cpu.r[Cpu.RDI] = 10;
            LockstepEngine ls = lockstep(bm);
            RunResult r = ls.run(bm.machine, 1L << 30, FlatImage.load("calls").sym("done"));
            assertEquals(StopReason.REQUESTED, r.reason());
            String rep = ls.divergence();
            assertNotNull(rep);
            assertTrue(rep.contains("rax: "), rep);
            assertTrue(rep.contains("add"), "the block's disassembly is in the report:\n" + rep);
        } finally {
            BlockCompiler.injectAddBugForTest = false;
        }
    }

    @Test
    void findsAMemoryDifference() {
        BlockCompiler.injectAddBugForTest = true;
        try {
            // memsum: the add's result goes to memory (and rax); the first differing step shows both
            BareMachine bm = Guests.machine("memsum", 3);
            bm.poke(Guests.DATA, new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 2});
            bm.machine.cpu.r[Cpu.RSI] = Guests.DATA;
            bm.machine.cpu.r[Cpu.RDI] = Guests.DATA + 0x800;
            bm.machine.cpu.r[Cpu.RCX] = 2;
            LockstepEngine ls = lockstep(bm);
            RunResult r = ls.run(bm.machine, 1L << 30, FlatImage.load("memsum").sym("done"));
            assertEquals(StopReason.REQUESTED, r.reason());
            assertTrue(ls.divergence().contains("memory:"), ls.divergence());
        } finally {
            BlockCompiler.injectAddBugForTest = false;
        }
    }
}

package dev.lstar.api;

import static dev.lstar.api.Guest.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Machine;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.interp.BlockCache;
import dev.lstar.runtime.interp.Interpreter;

import org.junit.jupiter.api.Test;

/** flushCode, precompile, and engine selection through {@link EngineProvider}. */
class CacheControlTest {
    private static Emulator threePages() {
        Emulator emu = Emulator.builder().flatUserMode().build();
        emu.map(CODE, 0x3000, Perm.READ | Perm.EXEC);
        emu.write(CODE, TWO_A);
        emu.write(CODE + 0x1000, TWO_B);
        emu.write(CODE + 0x2000, TWO_C);
        return emu;
    }

    @Test
    void precompileDecodesAheadOfTime() {
        Emulator emu = threePages();
        BlockCache c = ((Interpreter) emu.engine()).cache();
        assertEquals(1, emu.precompile(CODE, TWO_A.length));
        assertEquals(1, emu.precompile(CODE + 0x1000, TWO_B.length));
        assertEquals(2, c.misses);
        emu.start(CODE, TWO_DONE);
        assertEquals(3, c.misses, "only the third block was decoded by the run");
        assertEquals(0, emu.precompile(0x5000_0000L, 0x1000), "nothing mapped there");
    }

    @Test
    void flushCodeRangeDropsOnlyThatRange() {
        Emulator emu = threePages();
        BlockCache c = ((Interpreter) emu.engine()).cache();
        emu.start(CODE, TWO_DONE);
        assertEquals(3, c.misses);
        assertEquals(1, emu.flushCode(CODE + 0x1004, 1));
        emu.start(CODE, TWO_DONE);
        assertEquals(4, c.misses);
        emu.flushCode();
        emu.start(CODE, TWO_DONE);
        assertEquals(7, c.misses);
    }

    @Test
    void enginesByName() {
        assertEquals("interp", Emulator.builder().build().engineName());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Emulator.builder().engine("nope").build());
        assertTrue(e.getMessage().contains("counting"), e.getMessage());
        Emulator emu = Emulator.builder().flatUserMode().engine("counting").build();
        emu.map(CODE, 0x1000, Perm.READ | Perm.EXEC);
        emu.write(CODE, LOOP);
        emu.regWrite(Reg.RCX, 10);
        assertEquals(StopInfo.Reason.UNTIL_REACHED, emu.start(CODE, LOOP_DONE).reason());
        assertEquals(1, ((Counting) emu.engine()).runs);
        assertEquals(xorshift(0, 10)[1], emu.regRead(Reg.RBX));
    }

    /** A provider registered in META-INF/services of the test class path: the interpreter, counting runs. */
    public static final class CountingProvider implements EngineProvider {
        @Override public String name() { return "counting"; }
        @Override public Engine create(Machine machine) { return new Counting(machine); }
    }

    static final class Counting implements Engine {
        final Interpreter in;
        int runs;
        Counting(Machine m) { in = new Interpreter(m); }
        @Override public String name() { return "counting"; }
        @Override public dev.lstar.runtime.engine.RunResult run(Machine m, long budget, long until) { runs++; return in.run(m, budget, until); }
    }
}

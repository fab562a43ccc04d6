package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.interp.Block;
import dev.lstar.runtime.interp.BlockCache;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.PageTables;
import org.junit.jupiter.api.Test;

/**
 * The method cut ({@link BlockCompiler#methodCut}): a block with more inline memory accesses than
 * the budget ends its method after the last access that fits (the rest is the next translation);
 * the budget comes from {@code lstar.jit.memOpsPerMethod}, with a clear error for a bad value.
 */
class MethodCutTest {
    static final long CODE = 0x400000;

    /** 40 × mov (%rsi),%rax then 8 × add %rbx,%rcx, and ret: one block of 49 instructions. */
    static Block block() {
        BareMachine bm = BareMachine.create(Vendor.INTEL, 16 << 20, false, 3);
        bm.map(CODE, 4096, PageTables.US);
        byte[] code = new byte[40 * 3 + 8 * 3 + 1];
        for (int k = 0; k < 40; k++) System.arraycopy(new byte[] {0x48, (byte) 0x8b, 0x06}, 0, code, 3 * k, 3);
        for (int k = 0; k < 8; k++) System.arraycopy(new byte[] {0x48, 0x01, (byte) 0xd9}, 0, code, 120 + 3 * k, 3);
        code[code.length - 1] = (byte) 0xc3;
        bm.poke(CODE, code);
        return new BlockCache(bm.machine).lookup(CODE);
    }

    @Test
    void theBudgetCutsAfterItsLastAccess() {
        Block b = block();
        assertEquals(49, b.insns.length);
        assertEquals(16, BlockCompiler.methodCut(b.insns, 16), "16 loads fit, the 17th starts the next translation");
        assertEquals(32, BlockCompiler.methodCut(b.insns, 32));
        assertEquals(49, BlockCompiler.methodCut(b.insns, 48), "40 loads fit: the whole block");
    }

    @Test
    void statsSayTheBudgetAndTheFrameAccess() {
        BareMachine bm = BareMachine.create(Vendor.INTEL, 16 << 20, false, 3);
        String stats = new JitEngine(bm.machine, JitEngine.Options.defaults()).stats();
        assertTrue(stats.contains("\nmethod budget: " + BlockCompiler.MEM_OPS_PER_METHOD + " memory accesses"), stats);
        assertTrue(stats.contains("frame access: Unsafe"), "the tests' JVM allows Unsafe (surefire's argLine):\n" + stats);
    }

    @Test
    void theBudgetsProperty() {
        assertEquals(16, BlockCompiler.memOpsPerMethod(null));
        assertEquals(48, BlockCompiler.memOpsPerMethod("48"));
        assertEquals(4, BlockCompiler.memOpsPerMethod(" 4 "));
        for (String bad : new String[] {"3", "257", "lots", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlockCompiler.memOpsPerMethod(bad));
            assertTrue(e.getMessage().contains("lstar.jit.memOpsPerMethod"), e.getMessage());
        }
    }
}

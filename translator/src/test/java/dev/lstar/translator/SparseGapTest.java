package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.PageTables;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * {@code Options.withSparseGap}: a block whose runs come far apart (the outer loop's, ~154 guest
 * instructions per run) is not translated at the compile threshold but after
 * {@code SPARSE_RUNS} thresholds; a dense one (the inner loop's, 3 instructions per run) is.
 */
class SparseGapTest {
    static final long CODE = 0x400000, OUTER = 0x400005, INNER = 0x40000a, TAIL = 0x400012;
    static final int THRESHOLD = 8;

    /**
     * <pre>
     * 400000: mov $200,%ecx
     * 400005: mov $50,%edx            (outer)
     * 40000a: add $1,%rax; dec %edx; jnz 40000a   (inner)
     * 400012: add $1,%rbx; dec %ecx; jnz 400005
     * 40001a: hlt
     * </pre>
     */
    static final byte[] LOOPS = {
        (byte) 0xb9, (byte) 0xc8, 0x00, 0x00, 0x00, (byte) 0xba, 0x32, 0x00, 0x00, 0x00, 0x48, (byte) 0x83,
        (byte) 0xc0, 0x01, (byte) 0xff, (byte) 0xca, 0x75, (byte) 0xf8, 0x48, (byte) 0x83, (byte) 0xc3, 0x01, (byte) 0xff, (byte) 0xc9,
        0x75, (byte) 0xeb, (byte) 0xf4
    };

    /** Runs the loops with {@code options}; returns each translated block's execution count when it was translated. */
    static Map<Long, Long> translatedAt(JitEngine.Options options) {
        BareMachine bm = BareMachine.create(Vendor.INTEL, 16 << 20, false, 0);
        bm.map(CODE, 0x1000, PageTables.RW);
        bm.poke(CODE, LOOPS);
        Cpu c = bm.machine.cpu;
        c.rip = CODE;
        JitEngine jit = new JitEngine(bm.machine, options);
        Map<Long, Long> at = new HashMap<>();
        jit.onTranslate = t -> at.put(t.la, t.execCount);
        assertEquals(StopReason.HALTED, jit.run(bm.machine, 1L << 40, -1).reason());
        assertEquals(200L * 50, c.r[Cpu.RAX]);
        assertEquals(200L, c.r[Cpu.RBX]);
        return at;
    }

    @Test
    void sparseBlocksWaitDenseOnesDoNot() {
        Map<Long, Long> at = translatedAt(JitEngine.Options.defaults().withCompileThreshold(THRESHOLD).withSparseGap(100));
        assertEquals(THRESHOLD, at.get(INNER), at.toString());
        // the outer loop's blocks: after 16 thresholds (or halfway there, along with one that is)
        assertTrue(at.get(OUTER) >= JitEngine.Options.SPARSE_RUNS * THRESHOLD / 2, at.toString());
        assertTrue(at.get(TAIL) >= JitEngine.Options.SPARSE_RUNS * THRESHOLD / 2, at.toString());
    }

    @Test
    void withoutAGapEveryBlockIsTranslatedAtTheThreshold() {
        Map<Long, Long> at = translatedAt(JitEngine.Options.defaults().withCompileThreshold(THRESHOLD));
        assertTrue(at.get(OUTER) <= THRESHOLD, at.toString());
        assertTrue(at.get(TAIL) <= THRESHOLD, at.toString());
        assertTrue(at.get(INNER) <= THRESHOLD, at.toString());
    }

    @Test
    void aWideGapCountsTheOuterLoopAsDense() {
        Map<Long, Long> at = translatedAt(JitEngine.Options.defaults().withCompileThreshold(THRESHOLD).withSparseGap(1000));
        assertTrue(at.get(OUTER) <= THRESHOLD, at.toString());
        assertTrue(at.get(TAIL) <= THRESHOLD, at.toString());
    }

    @Test
    void theProgramOptionsUseAGap() {
        JitEngine.Options p = JitEngine.Options.forPrograms();
        assertEquals(JitEngine.Options.PROGRAM_SPARSE_GAP, p.sparseGap());
        assertEquals(JitEngine.Options.PROGRAM_COMPILE_THRESHOLD, p.compileThreshold());
        assertEquals(0, JitEngine.Options.defaults().sparseGap());
    }
}

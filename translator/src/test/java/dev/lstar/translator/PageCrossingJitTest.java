package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.PageTables;
import org.junit.jupiter.api.Test;

/**
 * A hot loop whose first instruction crosses a page end: the JIT translates and links that block
 * (it used to interpret it at every execution), and still sees a new mapping of the second page
 * (after INVLPG) or a write to the second frame.
 */
class PageCrossingJitTest {
    static final long CODE = 0x400000;
    /** loop: add $imm32, %eax (5 bytes, 3 before the page end); dec %ecx; jnz loop; hlt. */
    static final long INSN = CODE + 4096 - 3;
    static final int N = 10_000;

    final BareMachine bm = BareMachine.create(Vendor.INTEL, 16 << 20, false, 0);
    final Cpu c = bm.machine.cpu;
    final JitEngine jit = new JitEngine(bm.machine);

    PageCrossingJitTest() {
        bm.map(CODE, 2 * 4096, PageTables.US);
        bm.poke(INSN, new byte[] {0x05, 0x01, 0x00, 0x00, 0x00});
        bm.poke(CODE + 4096 + 2, secondPageTail());
    }

    /** The bytes after the add's first three: its immediate's top two, then dec, jnz, hlt. */
    static byte[] secondPageTail() {
        return new byte[] {(byte) 0xff, (byte) 0xc9, 0x75, (byte) 0xf7, (byte) 0xf4};
    }

    long loop() {
        c.rip = INSN;
        c.halted = false;
        c.r[Cpu.RAX] = 0;
        c.r[Cpu.RCX] = N;
        RunResult r = jit.run(bm.machine, 1L << 40, -1);
        java.io.StringWriter sw = new java.io.StringWriter();
        if (r.fault() != null) r.fault().printStackTrace(new java.io.PrintWriter(sw));
        assertEquals(StopReason.HALTED, r.reason(), r + "\n" + sw);
        return c.r[Cpu.RAX];
    }

    @Test
    void translatedLinkedAndRemapped() {
        assertEquals(N, loop());
        // the loop's three blocks are interpreted only until the compile threshold, then translated
        assertTrue(jit.interpretedBlocks + jit.firstRuns < 3 * jit.options().compileThreshold(),
                "the page-crossing block runs translated:\n" + jit.stats());
        assertTrue(jit.linksFollowed > N, jit.stats());

        // the second page now maps another frame whose first bytes make the immediate 0x00020001
        long other = bm.frames.allocate();
        bm.machine.phys.fill(other, 0, 4096);
        byte[] tail = secondPageTail();
        byte[] bytes = new byte[2 + tail.length];
        bytes[0] = 0x02;
        System.arraycopy(tail, 0, bytes, 2, tail.length);
        bm.machine.phys.write(other, bytes, 0, bytes.length);
        bm.pageTables.setPte(CODE + 4096, other | PageTables.P | PageTables.US);
        bm.machine.mmu.invlpg(CODE + 4096);
        assertEquals((long) N * 0x20001 & 0xFFFF_FFFFL, loop());

        // a write to the second frame: immediate 0x00030001
        bm.machine.phys.write8(other, 0x03);
        assertEquals((long) N * 0x30001 & 0xFFFF_FFFFL, loop());
    }
}

package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.runtime.mem.Exclusive;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.Gdt;
import dev.lstar.runtime.setup.LongMode;
import dev.lstar.runtime.setup.PageTables;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A split lock is atomic against plain stores of another CPU ({@link Exclusive}, the bus lock):
 * CPU 0 runs LOCK INCL on a word that crosses a page boundary (its low three bytes in one page,
 * the high byte in the next) while CPU 1 keeps storing a counter to the high byte with plain byte
 * stores, checking before each store that the byte still holds its previous one. On x86 the
 * locked read-modify-write never writes back a stale high byte, so no store of CPU 1 is ever
 * undone and every increment lands in the low bytes; both engines, each CPU on its own thread,
 * the threads members of the memory's exclusive sections as the kernel's tasks are. (Under a lock
 * that only excludes other locked instructions, CPU 1's stores are undone.)
 */
class SplitLockExclusiveTest {
    static final long CODE0 = 0x400000, CODE1 = 0x401000, DATA = 0x600000, WORD = DATA + 0xFFD;
    static final int INCREMENTS = 3000;
    /** mov $3000,%ecx; 1: lock incl (%rdi); dec %ecx; jnz 1b; movb $1,0x13(%rdi); ud2 */
    static final String CPU0 = "b9b80b0000f0ff07ffc975f9c64713010f0b";
    /**
     * xor %edx,%edx; xor %esi,%esi; xor %ecx,%ecx; 1: movzbl 3(%rdi),%eax; cmp %dl,%al; je 2f;
     * inc %esi (a store undone); mov %al,%dl; 2: inc %edx; mov %dl,3(%rdi); inc %ecx;
     * cmpb $0,0x13(%rdi); je 1b; ud2
     */
    static final String CPU1 = "31d231f631c90fb6470338d07404ffc688c2ffc2885703ffc1807f130074e70f0b";

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void plainStoresOfAnotherCpuAreNeverUndoneByASplitLock(String engine) throws Exception {
        BareMachine bm = BareMachine.create(Vendor.INTEL, 16 << 20, false, 3);
        bm.map(CODE0, 8192, PageTables.US);
        bm.map(DATA, 8192, PageTables.US | PageTables.RW | PageTables.NX);
        bm.poke(CODE0, HexFormat.of().parseHex(CPU0));
        bm.poke(CODE1, HexFormat.of().parseHex(CPU1));
        Machine m0 = bm.machine, m1 = new Machine(m0);
        Gdt.install(m1.cpu, m1.phys, bm.pageTables.pte(BareMachine.GDT_LA) & PageTables.ADDR_MASK, BareMachine.GDT_LA, 0, 0);
        LongMode.enable(m1.cpu, bm.pageTables.root, false, false);
        Gdt.enterRing(m1.cpu, 3);
        m0.phys.shareBetweenCpus();
        Machine[] ms = {m0, m1};
        for (Machine m : ms) {
            m.cpu.smp = true;
            m.cpu.r[Cpu.RDI] = WORD;
        }
        m0.cpu.rip = CODE0;
        m1.cpu.rip = CODE1;
        Exclusive ex = m0.phys.exclusive;
        long sectionsBefore = ex.sections;
        RunResult[] results = new RunResult[2];
        Throwable[] errors = new Throwable[2];
        CountDownLatch joined = new CountDownLatch(2), go = new CountDownLatch(1);
        Thread[] threads = new Thread[2];
        for (int i = 0; i < 2; i++) {
            int k = i;
            threads[i] = new Thread(() -> {
                ex.join();
                joined.countDown();
                try {
                    go.await();
                    Engine e;
                    if (engine.equals("jit")) {
                        JitEngine j = new JitEngine(ms[k]);
                        j.setCompileThreshold(1);
                        e = j;
                    } else {
                        e = new Interpreter(ms[k]);
                    }
                    ex.enter(ms[k]);
                    try {
                        results[k] = e.run(ms[k], Long.MAX_VALUE);
                    } finally {
                        ex.suspend();
                    }
                } catch (Throwable t) {
                    errors[k] = t;
                } finally {
                    ex.retire();
                }
            }, "cpu" + i);
            threads[i].start();
        }
        joined.await();
        go.countDown();
        for (Thread t : threads) t.join(120_000);
        for (int i = 0; i < 2; i++) {
            assertEquals(null, errors[i], "cpu " + i);
            assertEquals(StopReason.UNHANDLED_FAULT, results[i].reason(), "cpu " + i + " ends at its UD2: " + results[i]);
        }
        int w = ByteBuffer.wrap(bm.peek(WORD, 4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
        assertEquals(INCREMENTS, w & 0xFF_FFFF, "every locked increment landed in the low three bytes");
        assertEquals(0, m1.cpu.r[Cpu.RSI], "CPU 1's byte stores undone by the split lock (of " + m1.cpu.r[Cpu.RCX] + ")");
        assertEquals(m1.cpu.r[Cpu.RDX] & 0xFF, w >>> 24, "the high byte holds CPU 1's last store");
        assertTrue(m1.cpu.r[Cpu.RCX] > 0, "CPU 1 stored");
        assertTrue(ex.sections - sectionsBefore >= INCREMENTS, "each split lock ran in an exclusive section");
    }
}

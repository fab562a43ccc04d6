package dev.lstar.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.runtime.mem.PhysicalMemory;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.Gdt;
import dev.lstar.runtime.setup.LongMode;
import dev.lstar.runtime.setup.PageTables;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * Locked instructions on two CPUs that share memory and run at the same time
 * ({@link PhysicalMemory#smp}): every update of every thread lands, whatever the operand's size
 * and alignment (a compare-and-set on an aligned long, a 16-bit operand inside an aligned 4-byte
 * word, a split operand across two words under the split lock), for LOCK INC/ADD, LOCK XADD and
 * the implicitly locked XCHG with memory.
 */
class AtomicsTest {
    static final long CODE = 0x400000, DATA = 0x600000;
    static final int ITERATIONS = 20000;
    /**
     * mov $20000,%ecx; 1: lock incq (%rdi); lock addw $1,9(%rdi); lock incl 14(%rdi); mov $1,%eax;
     * lock xaddl %eax,32(%rdi); xchg %rax,40(%rdi); dec %ecx; jnz 1b; ud2
     */
    static final byte[] LOOP = HexFormat.of().parseHex("b9204e0000f048ff0766f083470901f0ff470eb801000000f00fc1472048874728ffc975e00f0b");

    @Test
    void lockedUpdatesFromTwoCpusAtOnceAllLand() throws Exception {
        BareMachine bm = BareMachine.create(Vendor.INTEL, 16 << 20, false, 3);
        bm.map(CODE, 4096, PageTables.US);
        bm.map(DATA, 4096, PageTables.US | PageTables.RW | PageTables.NX);
        bm.poke(CODE, LOOP);
        bm.poke(DATA + 40, new byte[] {-1, -1, -1, -1, -1, -1, -1, -1}); // not a value XADD returns
        Machine m0 = bm.machine, m1 = new Machine(m0);
        Gdt.install(m1.cpu, m1.phys, bm.pageTables.pte(BareMachine.GDT_LA) & PageTables.ADDR_MASK, BareMachine.GDT_LA, 0, 0);
        LongMode.enable(m1.cpu, bm.pageTables.root, false, false);
        Gdt.enterRing(m1.cpu, 3);
        m0.phys.shareBetweenCpus();
        for (Machine m : new Machine[] {m0, m1}) {
            m.cpu.smp = true;
            m.cpu.rip = CODE;
            m.cpu.r[Cpu.RDI] = DATA;
        }
        RunResult[] results = new RunResult[2];
        CountDownLatch go = new CountDownLatch(1);
        Thread[] threads = new Thread[2];
        Machine[] ms = {m0, m1};
        for (int i = 0; i < 2; i++) {
            int k = i;
            threads[i] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                results[k] = new Interpreter(ms[k]).run(ms[k], Long.MAX_VALUE);
            });
            threads[i].start();
        }
        go.countDown();
        for (Thread t : threads) t.join(120_000);
        for (int i = 0; i < 2; i++) {
            assertEquals(StopReason.UNHANDLED_FAULT, results[i].reason(), "cpu " + i + " ends at its UD2: " + results[i]);
        }
        ByteBuffer d = ByteBuffer.wrap(bm.peek(DATA, 64)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(2L * ITERATIONS, d.getLong(0), "lock incq, aligned");
        assertEquals((short) (2 * ITERATIONS), d.getShort(9), "lock addw inside one aligned word");
        assertEquals(2 * ITERATIONS, d.getInt(14), "lock incl across two words (the split lock)");
        assertEquals(2 * ITERATIONS, d.getInt(32), "lock xadd");
        assertEquals(0, d.get(8) | d.get(11) | d.get(12) | d.get(13), "the bytes around the 16-bit operand are untouched");
        // XCHG conserves values: each CPU swapped in its distinct XADD results, so the word and the two
        // registers hold three different values (a torn exchange would duplicate one and lose another)
        long w = d.getLong(40), a = m0.cpu.r[Cpu.RAX], b = m1.cpu.r[Cpu.RAX];
        assertTrue(w != a && w != b && a != b, "xchg conserved its values: memory " + w + ", rax " + a + " and " + b);
    }

    @Test
    void compareAndSetOfSmallOperandsLeavesTheNeighboursAlone() {
        PhysicalMemory p = new PhysicalMemory(1 << 20);
        p.shareBetweenCpus();
        p.write32(0x1000, 0xAABBCCDD);
        assertTrue(p.compareAndSet(0x1001, 2, 0xBBCC, 0x1234));
        assertEquals(0xAA1234DD, p.read32(0x1000));
        assertFalse(p.compareAndSet(0x1001, 2, 0xBBCC, 0x5555), "the bytes changed");
        assertEquals(0x1234, p.readVolatile(0x1001, 2));
        assertTrue(p.compareAndSet(0x1003, 1, 0xAA, 0x01));
        assertEquals(0x011234DD, p.read32(0x1000));
        assertTrue(PhysicalMemory.casable(0x1001, 2));
        assertFalse(PhysicalMemory.casable(0x1003, 2), "crosses a 4-byte word");
        assertFalse(PhysicalMemory.casable(0x1004, 8), "a long must be 8-aligned");
    }
}

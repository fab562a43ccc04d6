package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.runtime.ops.Shifts;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.FlatImage;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Shifts by constants keep their flag record in locals (ConditionEmitter's SHL_AC, SHR_AC and
 * SAR_AC forms) until someone may look at it: shiftflags.S puts loads that may fault after them,
 * an INC that keeps their CF, conditions right after them, a count that masks to 0 (which must
 * not be deferred: the flags before stay), counts beyond an 8-bit operand's width, a memory
 * destination, and a SHR record carried over a region's back-edge into the loop head's faulting
 * load. Every variant must end in the interpreter's state, RFLAGS included.
 */
class ShiftFlagsTest {
    static final long DATA = CarriedFlagsTest.DATA;
    static final FlatImage IMG = FlatImage.load("shiftflags");
    static final long UNMAPPED = 0x4000_0000L;

    /** {@code faultA}/{@code faultA2}/{@code faultB}: round * 1000 + the iteration (A: 1..49, B: 30..1) whose load faults; 0: none. */
    static BareMachine machine(long rdx, int faultA, int faultA2, int faultB) {
        BareMachine bm = Variants.flat(IMG, 0, DATA, 13, DATA + 0x11000);
        ByteBuffer page = ByteBuffer.wrap(bm.peek(DATA, 0x1000)).order(ByteOrder.LITTLE_ENDIAN);
        Random rnd = new Random(23);
        for (int t : new int[] {0, 0x200, 0x400, 0x600}) {
            for (int i = 0; i < 50; i++) page.putLong(t + i * 8, rnd.nextInt(0x200) * 8L); // offsets in the page
        }
        for (int t : new int[] {0x800, 0xc00}) {
            for (int i = 0; i <= 30; i++) page.putLong(t + i * 8, rnd.nextInt(0x200) * 8L);
        }
        for (int t : new int[] {0x900, 0xd00}) for (int i = 0; i < 0x208; i++) page.put(t + i, (byte) 0x55); // the flag columns
        if (faultA > 0) page.putLong((faultA / 1000 - 1) * 0x400 + faultA % 1000 * 8, UNMAPPED);
        if (faultA2 > 0) page.putLong(0x200 + (faultA2 / 1000 - 1) * 0x400 + faultA2 % 1000 * 8, UNMAPPED);
        if (faultB > 0) page.putLong(0x800 + (faultB / 1000 - 1) * 0x400 + faultB % 1000 * 8, UNMAPPED);
        bm.poke(DATA, page.array());
        Cpu c = bm.machine.cpu;
        c.r[Cpu.RDX] = rdx;
        c.r[Cpu.RDI] = 50;
        return bm;
    }

    static JitEngine compare(String v, long rdx, int faultA, int faultA2, int faultB) {
        BareMachine probe = machine(rdx, faultA, faultA2, faultB);
        StopReason expected = faultA + faultA2 + faultB > 0 ? StopReason.UNHANDLED_FAULT : StopReason.UNTIL_REACHED;
        assertEquals(expected, new Interpreter(probe.machine).run(probe.machine, 1L << 40, IMG.sym("done")).reason());
        return Variants.compare(v, () -> machine(rdx, faultA, faultA2, faultB), CarriedFlagsTest::state, 1L << 40, IMG.sym("done")); // (the same data page)
    }

    @ParameterizedTest
    @CsvSource({"default, 1", "default, -7", "hot1, 1", "hot1, 0x7ffffffffffffff3", "hot1, -7", "lockstep, 1", "nolink, 5",
        "hot1-nonest, 1", "hot1-nonest, -7"})
    void toTheEnd(String v, String rdx) {
        JitEngine jit = compare(v, Long.decode(rdx), 0, 0, 0);
        if (v.startsWith("hot1")) assertTrue(jit.regions >= 2, jit::stats);
    }

    /** A load after a deferred shift faults: the fault's RFLAGS are the shift's (or, in loop B's first iteration, the CMP's before it). */
    @ParameterizedTest
    @CsvSource({
        "hot1, 1, 2001, 0, 0", "hot1, -7, 2030, 0, 0", "hot1, 1, 1040, 0, 0", "hot1, 1, 0, 2001, 0", "hot1, -7, 0, 2049, 0",
        "hot1, 1, 0, 1020, 0", "hot1, 1, 0, 0, 2030", "hot1, 1, 0, 0, 2029", "hot1, -7, 0, 0, 2010", "hot1, 1, 0, 0, 1015",
        "hot1-nonest, 1, 0, 0, 2010", "default, 1, 2030, 0, 0", "default, -7, 0, 0, 2029", "lockstep, 1, 0, 2030, 0",
        "lockstep, -7, 0, 0, 2020"})
    void aLoadAfterAShiftFaults(String v, long rdx, int faultA, int faultA2, int faultB) {
        compare(v, rdx, faultA, faultA2, faultB);
    }

    /** The CF the slots give a kept carry is the one the shift's own helper records, for every size and count. */
    @Test
    void slotCarriesAreTheHelpersCarries() {
        Random r = new Random(5);
        Cpu cpu = new Cpu(dev.lstar.runtime.Vendor.INTEL);
        for (int n = 0; n < 20_000; n++) {
            long a = r.nextLong();
            int size = 1 << r.nextInt(4);
            long count = r.nextInt(256);
            if (Shifts.maskCount(count, size) == 0) continue;
            Shifts.shl(cpu, a, count, size);
            assertEquals(cpu.getRflags() & 1, Shifts.shlCarry(a, count, size), () -> "shl " + Long.toHexString(a) + " " + count + " " + size);
            Shifts.shr(cpu, a, count, size);
            assertEquals(cpu.getRflags() & 1, Shifts.shrCarry(a, count, size), () -> "shr " + Long.toHexString(a) + " " + count + " " + size);
            Shifts.sar(cpu, a, count, size);
            assertEquals(cpu.getRflags() & 1, Shifts.sarCarry(a, count, size), () -> "sar " + Long.toHexString(a) + " " + count + " " + size);
        }
    }
}

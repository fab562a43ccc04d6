package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.FlatImage;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The flag record a region's back-edge carries (ConditionEmitter's deferred records):
 * carriedflags.S reads it at the loop head before any flag writer — SETB/CMOVA after a CMP of two
 * registers, SETP/CMOVS after a NEG — and faults there in a chosen iteration; its two loops run
 * twice, so the second round enters regions already made, from outside, with other flags. The
 * first iteration of a region must see the flags from before it (nothing deferred yet: the
 * stores test the loop count), later ones the previous iteration's. Each variant must end in the
 * interpreter's state, RFLAGS included.
 */
class CarriedFlagsTest {
    static final long DATA = 0x600000;
    static final FlatImage IMG = FlatImage.load("carriedflags");
    static final long UNMAPPED = 0x4000_0000L;

    /** {@code faultA}..{@code faultD}: round * 1000 + the iteration (A: 1..89, B: 100..1, C: 30..1, D: 20..1) whose load faults; 0: none. */
    static BareMachine machine(long rdx, long rbx, int faultA, int faultB, int faultC, int faultD) {
        BareMachine bm = Variants.flat(IMG, 0, DATA, 11, DATA + 0x11000);
        ByteBuffer table = ByteBuffer.allocate(0x1000).order(ByteOrder.LITTLE_ENDIAN);
        Random rnd = new Random(17);
        for (int i = 0; i < 0x200; i++) table.putLong(i * 8, rnd.nextInt(0x200) * 8L); // offsets in the page
        if (faultA > 0) table.putLong((faultA / 1000 - 1) * 0x400 + faultA % 1000 * 8, UNMAPPED);
        if (faultB > 0) table.putLong(0x800 + (faultB / 1000 - 1) * 0x400 + faultB % 1000 * 8, UNMAPPED);
        if (faultC > 0) table.putLong(0x2e0 + (faultC / 1000 - 1) * 0x400 + faultC % 1000 * 8, UNMAPPED);
        if (faultD > 0) table.putLong(0xb20 + (faultD / 1000 - 1) * 0x400 + faultD % 1000 * 8, UNMAPPED);
        bm.poke(DATA, table.array());
        Cpu c = bm.machine.cpu;
        c.r[Cpu.RDX] = rdx;
        c.r[Cpu.RBX] = rbx;
        c.r[Cpu.RDI] = 90;
        return bm;
    }

    static Guests.State state(BareMachine bm) {
        Cpu c = bm.machine.cpu;
        return new Guests.State(c.r.clone(), c.rip, c.getRflags(), c.instructions, bm.peek(DATA, 0x1000), new byte[0]);
    }

    static JitEngine compare(String v, long rdx, long rbx, int faultA, int faultB) {
        return compare(v, rdx, rbx, faultA, faultB, 0);
    }

    static JitEngine compare(String v, long rdx, long rbx, int faultA, int faultB, int faultC) {
        return compare(v, rdx, rbx, faultA, faultB, faultC, 0);
    }

    static JitEngine compare(String v, long rdx, long rbx, int faultA, int faultB, int faultC, int faultD) {
        BareMachine probe = machine(rdx, rbx, faultA, faultB, faultC, faultD);
        StopReason expected = faultA + faultB + faultC + faultD > 0 ? StopReason.UNHANDLED_FAULT : StopReason.UNTIL_REACHED;
        assertEquals(expected, new Interpreter(probe.machine).run(probe.machine, 1L << 40, IMG.sym("done")).reason());
        // (without loop nests: loops C and D, whose exits are hot, would go into the nest of the
        // rounds, whose methods carry no record; withLoopNests runs them that way)
        return Variants.compare(v.contains("-") ? v : v + "-nonest", () -> machine(rdx, rbx, faultA, faultB, faultC, faultD),
                CarriedFlagsTest::state, 1L << 40, IMG.sym("done"));
    }

    /**
     * The same program with loop nests on (the default; its loops are self-loop blocks, which
     * stay regions of their own, so the rounds make none).
     */
    @ParameterizedTest
    @CsvSource({"default, 1, 2, 0, 0", "hot1, 1, 2, 0, 0", "hot1, -1, 3, 2030, 0", "hot1, 1, 2, 0, 2020", "hot1, 1, 2, 0, 1015",
        "lockstep, -1, 3, 0, 2020", "nolink, 5, 5, 2010, 0"})
    void withLoopNests(String v, long rdx, long rbx, int faultC, int faultD) {
        JitEngine jit = compare(v + "-nest", rdx, rbx, 0, 0, faultC, faultD);
        if (v.equals("hot1") && faultC + faultD == 0) assertEquals(4, jit.regions, jit::stats);
    }

    @ParameterizedTest
    @CsvSource({
        // entry CMP: CF=1 (rdx < rbx) / ZF=1 / neither; the ADD before loop B: PF and SF both ways
        "default, 1, 2", "default, 5, 5", "default, -1, 3",
        "hot1, 1, 2", "hot1, 5, 5", "hot1, -9223372036854775805, 3", "lockstep, 1, 2"})
    void toTheEnd(String v, long rdx, long rbx) {
        JitEngine jit = compare(v, rdx, rbx, 0, 0);
        assertEquals(v.equals("default") ? 2 : 4, jit.regions, jit::stats); // (loop C's 30 and D's 20 iterations stay below the default's threshold)
    }

    @ParameterizedTest
    @CsvSource({
        // round 2: the first iteration (entered from outside), the second (the first carried record), a later one
        "hot1, 1, 2, 2001, 0", "hot1, 5, 5, 2001, 0", "hot1, 1, 2, 2002, 0", "hot1, 1, 2, 2050, 0",
        "hot1, 1, 2, 0, 2100", "hot1, -9223372036854775805, 3, 0, 2100", "hot1, 1, 2, 0, 2099", "hot1, 1, 2, 0, 2040",
        "default, 1, 2, 2001, 0", "default, 5, 5, 0, 2100", "lockstep, 1, 2, 2001, 0", "lockstep, 1, 2, 0, 2100",
        // round 1: the regions are made along the way
        "hot1, 1, 2, 1001, 0", "hot1, 1, 2, 1060, 0", "hot1, 1, 2, 0, 1030", "default, 1, 2, 1080, 0"})
    void aLoadAtTheLoopHeadFaults(String v, long rdx, long rbx, int faultA, int faultB) {
        JitEngine jit = compare(v, rdx, rbx, faultA, faultB);
        if (faultA / 1000 == 2 || faultB / 1000 == 2) assertTrue(jit.regions >= 2, jit::stats);
    }

    /**
     * Loop C, closed by a DEC that keeps the CF an INC kept from a CMP (the slots' CF, read after
     * the loop), an INC after a TEST whose SETC/SETL go through the Cpu, and a fault at the loop
     * head with the DEC's record carried.
     */
    @ParameterizedTest
    @CsvSource({
        "hot1, 1, 2, 2030", "hot1, 5, 5, 2030", "hot1, 1, 2, 2029", "hot1, 1, 2, 2010", "hot1, 2, 1, 2001",
        "default, 1, 2, 2030", "lockstep, 1, 2, 2030", "lockstep, 1, 2, 2015", "hot1, 1, 2, 1025"})
    void aDecClosesTheLoop(String v, long rdx, long rbx, int faultC) {
        compare(v, rdx, rbx, 0, 0, faultC);
    }

    /**
     * Loop D, closed by an ADD (its CF, which the slots cannot answer, read at the loop head and
     * after the loop; its ZF from the slots), with INCs keeping the CF of an ADD to a 16-bit
     * register and of an ADD to memory, and a fault at the loop head with the ADD's record carried.
     * rdx + rbx before the loop: a carry or not.
     */
    @ParameterizedTest
    @CsvSource({
        "hot1, 1, 2, 0", "hot1, -1, 3, 0", "hot1, 1, 2, 2020", "hot1, -1, 3, 2020", "hot1, 1, 2, 2019", "hot1, -1, 3, 2007",
        "default, 1, 2, 2020", "lockstep, -1, 3, 2020", "lockstep, 1, 2, 2003", "hot1, 1, 2, 1015"})
    void anAddClosesTheLoop(String v, long rdx, long rbx, int faultD) {
        JitEngine jit = compare(v, rdx, rbx, 0, 0, 0, faultD);
        if (v.equals("hot1") && (faultD == 0 || faultD / 1000 == 2)) assertEquals(4, jit.regions, jit::stats);
    }
}

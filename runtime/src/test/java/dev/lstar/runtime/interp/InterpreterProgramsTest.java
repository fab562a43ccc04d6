package dev.lstar.runtime.interp;

import dev.lstar.runtime.setup.FlatImage;
import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.PageTables;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Whole guest programs on the interpreter, checked against the same computation in Java. */
class InterpreterProgramsTest {
    static final long DATA = 0x600000, STACK_TOP = 0x7ff000;

    static BareMachine machine(String image, int cpl) {
        BareMachine bm = BareMachine.create(Vendor.INTEL, 64 << 20, false, cpl);
        FlatImage.load(image).install(bm);
        bm.map(DATA, 0x10000, PageTables.RW | PageTables.US | PageTables.NX);
        bm.map(STACK_TOP - 0x10000, 0x10000, PageTables.RW | PageTables.US | PageTables.NX);
        bm.machine.cpu.r[Cpu.RSP] = STACK_TOP;
        return bm;
    }

    static RunResult runToDone(BareMachine bm, String image) {
        Interpreter in = new Interpreter(bm.machine);
        return in.run(bm.machine, 1L << 40, FlatImage.load(image).sym("done"));
    }

    @Test
    void xorshiftLoopMatchesJava() {
        BareMachine bm = machine("xorshift", 3);
        Cpu c = bm.machine.cpu;
        long seed = 0x9E3779B97F4A7C15L;
        c.r[Cpu.RAX] = seed;
        c.r[Cpu.RCX] = 10_000;
        RunResult r = runToDone(bm, "xorshift");
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
        long x = seed, sum = 0;
        for (int i = 0; i < 10_000; i++) {
            x ^= x << 13; x ^= x >>> 7; x ^= x << 17; sum += x;
        }
        assertEquals(x, c.r[Cpu.RAX]);
        assertEquals(sum, c.r[Cpu.RBX]);
        assertEquals(0, c.r[Cpu.RCX]);
        assertEquals(12 * 10_000, r.instructions(), "12 instructions per iteration");
    }

    @Test
    void memoryLoopMatchesJava() {
        BareMachine bm = machine("memsum", 3);
        Cpu c = bm.machine.cpu;
        int n = 1000;
        ByteBuffer in = ByteBuffer.allocate(n * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) in.putLong(i * 8, i * 0x1234567L - 77);
        bm.poke(DATA, in.array());
        c.r[Cpu.RSI] = DATA;
        c.r[Cpu.RDI] = DATA + 0x8000;
        c.r[Cpu.RCX] = n;
        RunResult r = runToDone(bm, "memsum");
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
        ByteBuffer out = ByteBuffer.wrap(bm.peek(DATA + 0x8000, n * 8)).order(ByteOrder.LITTLE_ENDIAN);
        long sum = 0;
        for (int i = n - 1; i >= 0; i--) {
            sum += in.getLong(i * 8);
            assertEquals(sum, out.getLong(i * 8), "out[" + i + "]");
        }
        assertEquals(sum, c.r[Cpu.RAX]);
    }

    @Test
    void recursiveCallsAndStack() {
        BareMachine bm = machine("calls", 3);
        Cpu c = bm.machine.cpu;
        c.r[Cpu.RDI] = 20;
        c.r[Cpu.RBX] = 0xABCDEF;
        RunResult r = runToDone(bm, "calls");
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
        assertEquals(6765, c.r[Cpu.RAX]);
        assertEquals(0xABCDEF, c.r[Cpu.RBX], "callee-saved rbx restored");
        assertEquals(STACK_TOP, c.r[Cpu.RSP], "stack balanced");
    }

    @Test
    void stringInstructions() {
        BareMachine bm = machine("strings", 3);
        Cpu c = bm.machine.cpu;
        byte[] s = "hello, emulated world\0".getBytes(StandardCharsets.US_ASCII);
        bm.poke(DATA, s);
        c.r[Cpu.RSI] = DATA;
        c.r[Cpu.RDI] = DATA + 0x1000;
        c.r[Cpu.RDX] = DATA + 0x2000;
        RunResult r = runToDone(bm, "strings");
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
        assertEquals(s.length - 1, c.r[Cpu.R8], "strlen");
        assertEquals(0, c.r[Cpu.R9], "copy compares equal");
        assertArrayEquals(s, bm.peek(DATA + 0x1000, s.length));
        assertEquals(DATA + 0x2000 + 64, c.r[Cpu.R10]);
        assertEquals(0x1122334455667788L, c.r[Cpu.R11]);
    }

    @Test
    void faultIsPreciseAndStopsWithoutIdt() {
        BareMachine bm = machine("memsum", 3);
        Cpu c = bm.machine.cpu;
        c.r[Cpu.RSI] = DATA;
        c.r[Cpu.RDI] = 0x900000; // unmapped: the store faults on the first iteration
        c.r[Cpu.RCX] = 3;
        RunResult r = runToDone(bm, "memsum");
        assertEquals(StopReason.UNHANDLED_FAULT, r.reason());
        assertEquals(CpuException.PF, r.fault().vector);
        assertEquals(0x6, r.fault().errorCode, "write, user, not present");
        assertEquals(0x900000 + 16, r.fault().address);
        long store = FlatImage.load("memsum").sym("loop") + 5 + 3; // after the load (5 bytes) and the add (3 bytes)
        assertEquals(store, r.faultRip(), "fault reported at the store");
        assertEquals(store, c.rip, "RIP left at the faulting store");
        assertEquals(3, c.r[Cpu.RCX], "rcx not yet decremented");
        assertEquals(3, r.instructions(), "xor, load and add retired; the store did not");
    }
}

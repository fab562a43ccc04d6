package dev.lstar.translator;

import dev.lstar.runtime.setup.FlatImage;
import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.setup.BareMachine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The runtime's guest programs under the JIT: same final state as the interpreter, and as Java. */
class JitProgramsTest {
    static Function<BareMachine, dev.lstar.runtime.engine.Engine> jit(String variant) {
        return bm -> switch (variant) {
            case "nolink" -> new JitEngine(bm.machine, JitEngine.Options.defaults().withLinking(false).withHotThreshold(0));
            case "noregion" -> new JitEngine(bm.machine, JitEngine.Options.defaults().withHotThreshold(0));
            case "hot1" -> new JitEngine(bm.machine, JitEngine.Options.defaults().withHotThreshold(1).withCompileThreshold(1));
            case "tiny" -> new JitEngine(bm.machine, JitEngine.Options.defaults().withMaxCacheBytes(4096));
            case "eager" -> new JitEngine(bm.machine, JitEngine.Options.defaults().withCompileThreshold(1));
            case "nobatch" -> new JitEngine(bm.machine, JitEngine.Options.defaults().withBatchSize(1));
            default -> new JitEngine(bm.machine);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "eager", "nobatch", "nolink", "noregion", "hot1", "tiny"})
    void xorshift(String variant) {
        long seed = 0x9E3779B97F4A7C15L;
        BareMachine bm = Guests.compare("xorshift", m -> {
            m.machine.cpu.r[Cpu.RAX] = seed;
            m.machine.cpu.r[Cpu.RCX] = 10_000;
        }, jit(variant));
        long x = seed, sum = 0;
        for (int i = 0; i < 10_000; i++) {
            x ^= x << 13; x ^= x >>> 7; x ^= x << 17; sum += x;
        }
        assertEquals(x, bm.machine.cpu.r[Cpu.RAX]);
        assertEquals(sum, bm.machine.cpu.r[Cpu.RBX]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "nolink", "hot1", "tiny"})
    void memsum(String variant) {
        int n = 1000;
        ByteBuffer in = ByteBuffer.allocate(n * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) in.putLong(i * 8, i * 0x1234567L - 77);
        BareMachine bm = Guests.compare("memsum", m -> {
            m.poke(Guests.DATA, in.array());
            m.machine.cpu.r[Cpu.RSI] = Guests.DATA;
            m.machine.cpu.r[Cpu.RDI] = Guests.DATA + 0x8000;
            m.machine.cpu.r[Cpu.RCX] = n;
        }, jit(variant));
        long sum = 0;
        for (int i = 0; i < n; i++) sum += in.getLong(i * 8);
        assertEquals(sum, bm.machine.cpu.r[Cpu.RAX]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "nolink", "tiny"})
    void calls(String variant) {
        BareMachine bm = Guests.compare("calls", m -> {
            m.machine.cpu.r[Cpu.RDI] = 20;
            m.machine.cpu.r[Cpu.RBX] = 0xABCDEF;
        }, jit(variant));
        assertEquals(6765, bm.machine.cpu.r[Cpu.RAX]);
        assertEquals(0xABCDEF, bm.machine.cpu.r[Cpu.RBX]);
        assertEquals(Guests.STACK_TOP, bm.machine.cpu.r[Cpu.RSP]);
    }

    @Test
    void strings() {
        byte[] s = "hello, emulated world\0".getBytes(StandardCharsets.US_ASCII);
        BareMachine bm = Guests.compare("strings", m -> {
            m.poke(Guests.DATA, s);
            m.machine.cpu.r[Cpu.RSI] = Guests.DATA;
            m.machine.cpu.r[Cpu.RDI] = Guests.DATA + 0x1000;
            m.machine.cpu.r[Cpu.RDX] = Guests.DATA + 0x2000;
        }, jit("default"));
        assertEquals(s.length - 1, bm.machine.cpu.r[Cpu.R8]);
        assertEquals(0, bm.machine.cpu.r[Cpu.R9]);
        assertArrayEquals(s, bm.peek(Guests.DATA + 0x1000, s.length));
    }

    @Test
    void everythingThroughTheFallbackAgrees() {
        BlockCompiler.forceFallbackForTest = true;
        try {
            Guests.compare("calls", m -> m.machine.cpu.r[Cpu.RDI] = 15, jit("default"));
            Guests.compare("xorshift", m -> { m.machine.cpu.r[Cpu.RAX] = 12345; m.machine.cpu.r[Cpu.RCX] = 500; }, jit("default"));
        } finally {
            BlockCompiler.forceFallbackForTest = false;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"eager", "hot1"})
    void faultInTheMiddleOfABlockIsPrecise(String variant) {
        BareMachine bm = Guests.machine("memsum", 3);
        Cpu c = bm.machine.cpu;
        c.r[Cpu.RSI] = Guests.DATA;
        c.r[Cpu.RDI] = 0x900000; // unmapped: the store faults on the first iteration
        c.r[Cpu.RCX] = 3;
        JitEngine jit = (JitEngine) jit(variant).apply(bm);
        RunResult r = jit.run(bm.machine, 1L << 40, FlatImage.load("memsum").sym("done"));
        assertEquals(StopReason.UNHANDLED_FAULT, r.reason());
        assertEquals(CpuException.PF, r.fault().vector);
        assertEquals(0x6, r.fault().errorCode, "write, user, not present");
        assertEquals(0x900000 + 16, r.fault().address);
        long store = FlatImage.load("memsum").sym("loop") + 5 + 3;
        assertEquals(store, r.faultRip());
        assertEquals(store, c.rip, "RIP left at the faulting store");
        assertEquals(3, c.r[Cpu.RCX], "rcx not yet decremented");
        assertEquals(3, r.instructions(), "xor, load and add retired; the store did not");
        assertEquals(c.r[Cpu.RDX], c.r[Cpu.RAX], "the add's result was spilled");
        assertTrue(jit.translations > 0, "the block was translated, not interpreted");
    }

    @Test
    void untilInsideABlockStopsExactly() {
        BareMachine ref = Guests.machine("xorshift", 3), bm = Guests.machine("xorshift", 3);
        for (BareMachine m : new BareMachine[] {ref, bm}) {
            m.machine.cpu.r[Cpu.RAX] = 99;
            m.machine.cpu.r[Cpu.RCX] = 50;
        }
        long mid = FlatImage.load("xorshift").sym("loop") + 3 + 4; // after mov and shl
        JitEngine jit = new JitEngine(bm.machine, JitEngine.Options.defaults().withHotThreshold(1));
        jit.run(bm.machine, 12 * 10, -1); // warm up: translated and a region
        new dev.lstar.runtime.interp.Interpreter(ref.machine).run(ref.machine, 12 * 10, -1);
        RunResult a = jit.run(bm.machine, 1L << 40, mid);
        RunResult b = new dev.lstar.runtime.interp.Interpreter(ref.machine).run(ref.machine, 1L << 40, mid);
        assertEquals(StopReason.UNTIL_REACHED, a.reason());
        assertEquals(b.instructions(), a.instructions());
        assertEquals(Guests.state(ref), Guests.state(bm));
        assertEquals(mid, bm.machine.cpu.rip);
    }

    @Test
    void budgetStopsAtTheSameBlockBoundaryAsTheInterpreter() {
        for (long budget : new long[] {1, 12, 13, 500, 1001}) {
            BareMachine ref = Guests.machine("xorshift", 3), bm = Guests.machine("xorshift", 3);
            for (BareMachine m : new BareMachine[] {ref, bm}) {
                m.machine.cpu.r[Cpu.RAX] = 7;
                m.machine.cpu.r[Cpu.RCX] = 1000;
            }
            RunResult a = new JitEngine(bm.machine, JitEngine.Options.defaults().withHotThreshold(2)).run(bm.machine, budget, -1);
            RunResult b = new dev.lstar.runtime.interp.Interpreter(ref.machine).run(ref.machine, budget, -1);
            assertEquals(b, a);
            assertEquals(Guests.state(ref), Guests.state(bm), "budget " + budget);
        }
    }
}

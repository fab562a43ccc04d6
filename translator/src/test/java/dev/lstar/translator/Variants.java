package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.FlatImage;
import dev.lstar.runtime.setup.PageTables;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntToLongFunction;
import java.util.function.Supplier;

/**
 * The JIT variants the superblock and region tests run against the interpreter, and the
 * comparisons they make: "default" (the engine's options), "hot1" (superblocks and regions at the
 * first translated run), "nosuper" (none), "nolink" (no block links, hot at 2), "lockstep" (hot1
 * under the lockstep engine, which must find no divergence); each also without loop nests
 * ("hot1-nonest"...; "-nest" says the default, with them).
 */
final class Variants {
    private Variants() {}

    /**
     * A ring-0 machine running flat image {@code img} (mapped with {@code codeFlags}) from its
     * start, with a page of bytes from {@code Random(seed)} at {@code data} (RSI points there) and
     * a writable stack page below {@code stackTop} (RSP), each not executable.
     */
    static BareMachine flat(FlatImage img, long codeFlags, long data, int seed, long stackTop) {
        BareMachine bm = BareMachine.create(Vendor.INTEL, 64 << 20, false, 0);
        bm.map(FlatImage.BASE, img.code().length, codeFlags);
        bm.poke(FlatImage.BASE, img.code());
        bm.map(data, 0x1000, PageTables.RW | PageTables.NX);
        byte[] d = new byte[0x1000];
        new Random(seed).nextBytes(d);
        bm.poke(data, d);
        bm.map(stackTop - 0x1000, 0x1000, PageTables.RW | PageTables.NX);
        Cpu c = bm.machine.cpu;
        c.rip = FlatImage.BASE;
        c.r[Cpu.RSI] = data;
        c.r[Cpu.RSP] = stackTop;
        return bm;
    }

    /**
     * The registers of the loop tests' images (superloop.S, nestloop.S, selfloop.S): RCX the
     * iterations, R15 the iteration whose load faults and R14 the one whose store patches the
     * loop's code (0: never). Returns {@code bm}.
     */
    static BareMachine loopRegisters(BareMachine bm, long iterations, long faultAt, long patchAt) {
        Cpu c = bm.machine.cpu;
        c.r[Cpu.RCX] = iterations;
        c.r[Cpu.R15] = faultAt;
        c.r[Cpu.R14] = patchAt;
        return bm;
    }

    /**
     * The state flat-image tests compare: registers, RIP, RFLAGS, the count, the data page, and
     * (second slot) the stack page below {@code stackTop} followed by the image's code.
     */
    static Guests.State stackAndCode(BareMachine bm, FlatImage img, long data, long stackTop) {
        Cpu c = bm.machine.cpu;
        byte[] stack = bm.peek(stackTop - 0x1000, 0x1000), code = bm.peek(FlatImage.BASE, img.code().length);
        byte[] both = java.util.Arrays.copyOf(stack, stack.length + code.length);
        System.arraycopy(code, 0, both, stack.length, code.length);
        return new Guests.State(c.r.clone(), c.rip, c.getRflags(), c.instructions, bm.peek(data, 0x1000), both);
    }

    /**
     * A new engine of variant {@code v} for {@code bm}; its JIT goes to {@code out[0]}. A variant
     * ending in "-nonest" makes no loop nests ({@code Options.withLoopNests(false)}).
     */
    static Engine engine(String v, BareMachine bm, JitEngine[] out) {
        boolean nonest = v.endsWith("-nonest");
        JitEngine.Options o = JitEngine.Options.defaults().withLoopNests(!nonest);
        return switch (v.replace("-nonest", "").replace("-nest", "")) {
            case "hot1" -> out[0] = new JitEngine(bm.machine, o.withHotThreshold(1));
            case "nosuper" -> out[0] = new JitEngine(bm.machine, o.withSuperblocks(0));
            case "nolink" -> out[0] = new JitEngine(bm.machine, o.withLinking(false).withHotThreshold(2));
            case "lockstep" -> {
                out[0] = new JitEngine(bm.machine, o.withHotThreshold(1));
                yield new LockstepEngine(bm.machine, out[0]);
            }
            default -> out[0] = new JitEngine(bm.machine, o);
        };
    }

    /**
     * Runs the interpreter and variant {@code v} on two machines from {@code machine}, with the
     * same budget and stop address; asserts the same stop, count and {@code state}. Returns the JIT.
     */
    static <S> JitEngine compare(String v, Supplier<BareMachine> machine, Function<BareMachine, S> state, long budget, long until) {
        return compare(v, machine, state, budget, until, bm -> { });
    }

    /** As {@link #compare(String, Supplier, Function, long, long)}, then {@code after} on the JIT's machine. */
    static <S> JitEngine compare(String v, Supplier<BareMachine> machine, Function<BareMachine, S> state, long budget, long until,
                                 Consumer<BareMachine> after) {
        BareMachine ref = machine.get();
        RunResult rr = new Interpreter(ref.machine).run(ref.machine, budget, until);
        BareMachine bm = machine.get();
        JitEngine[] jit = new JitEngine[1];
        Engine e = engine(v, bm, jit);
        RunResult jr = e.run(bm.machine, budget, until);
        if (e instanceof LockstepEngine l) assertNull(l.divergence(), l.divergence());
        assertEquals(rr.reason(), jr.reason(), "stop reason: " + jr);
        assertEquals(rr.instructions(), jr.instructions(), "instructions");
        assertEquals(state.apply(ref), state.apply(bm));
        after.accept(bm);
        return jit[0];
    }

    /**
     * As a debugger would: runs both engines to stop address {@code until.applyAsLong(k)}, compares,
     * steps one instruction over it, {@code times} times; then both run to {@code end}.
     */
    static <S> JitEngine stopAgainAndAgain(String v, Supplier<BareMachine> machine, Function<BareMachine, S> state,
                                           IntToLongFunction until, int times, long end) {
        BareMachine ref = machine.get(), bm = machine.get();
        Interpreter in = new Interpreter(ref.machine);
        JitEngine[] jit = new JitEngine[1];
        Engine e = engine(v, bm, jit);
        for (int k = 0; k < times; k++) {
            long at = until.applyAsLong(k);
            RunResult a = in.run(ref.machine, 1L << 40, at);
            RunResult b = e.run(bm.machine, 1L << 40, at);
            assertEquals(a.reason(), b.reason());
            assertEquals(StopReason.UNTIL_REACHED, b.reason());
            assertEquals(state.apply(ref), state.apply(bm), "stop " + k);
            in.run(ref.machine, 1, -1);
            e.run(bm.machine, 1, -1);
        }
        RunResult a = in.run(ref.machine, 1L << 40, end), b = e.run(bm.machine, 1L << 40, end);
        assertEquals(a.reason(), b.reason());
        assertEquals(state.apply(ref), state.apply(bm));
        return jit[0];
    }
}

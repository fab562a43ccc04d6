package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.decoder.Mnemonic;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.FlatImage;
import dev.lstar.runtime.setup.PageTables;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JIT's SSE translations ({@link SseEmitter}) against the interpreter: the binding is the
 * one {@code Exec} uses, mixed SSE code gives the same state on every engine (random data, several
 * MXCSR settings, lockstep too), and faults inside translated SSE instructions — a misaligned
 * MOVAPS, #XM with an unmasked exception, a #PF on a MOVDQU load or store crossing into an
 * unmapped page, #NM with CR0.TS — are precise and identical to the interpreter's.
 */
class SseJitTest {
    static final long CODE = 0x400000, DATA = 0x600000, STACK_TOP = 0x7ff000;

    /** Every SSE instruction form lstar's mixed C code uses, inline and direct-call forms (assembled by GNU as). */
    static final byte[] MIX = HexFormat.of().parseHex(
            "f30f6f06660f6f4e100f28d0660fefd1660fdb5620660febd8660fdfd90f57e4660f74e0660fd7c4660fdac1660ffe46"
            + "30660ffbc166440f76f366440fdef266440ffcf8f30f7f47030f115740660f299f80000000f20f106e40f30f107648f2"
            + "0f10fdf30f10fef20f58fdf20f597e50f20f5efdf3440f5ccef30f587648f3410f59f1f3440f5e4e4cf2440f51c7f344"
            + "0f515658f2440f5dc5f2440f5f4660f3440f5dcef3440f5fcef20f5c6e68f24c0f2ad3f2480f2ccff3440f2adb660f2e"
            + "fd0f97c2660f2fef410f92c366490f7ef866410f7ef1664d0f6ed866450f6ee1f3440f7e6e70660f6e667866440fd69fa0"
            + "00000066440f7ea7a8000000f20f11bfac000000f30f11b7b400000066440f70e81b66440f60e966440f50d70fae9fb8"
            + "00000001c2" + "eb00f4"); // ... add %eax,%edx; jmp 1f; 1: hlt (the run stops at the hlt, a block of its own)

    /**
     * The fault programs, each ending "jmp 1f; 1: hlt" (the run stops at the hlt, which starts a
     * block of its own, so the block before it is translated rather than run by the interpreter
     * as a block containing the stop address is). gp: movdqu (%rsi),%xmm1; inc %rax; movaps
     * 1(%rsi),%xmm0. xm: movsd (%rsi),%xmm0; inc %rax; divsd %xmm1,%xmm0. pfload: pxor
     * %xmm0,%xmm0; inc %rax; movdqu (%rsi),%xmm0. pfstore: pcmpeqb %xmm0,%xmm0; inc %rax; movdqu
     * %xmm0,(%rsi). nm: inc %rax; pxor %xmm0,%xmm0.
     */
    static final String GP = "f30f6f0e48ffc00f284601", XM = "f20f100648ffc0f20f5ec1", PF_LOAD = "660fefc048ffc0f30f6f06",
            PF_STORE = "660f74c048ffc0f30f7f06", NM = "48ffc0660fefc0";

    record Outcome(StopReason reason, long instructions, int vector, int errorCode, long faultAddress, long faultRip,
                   long[] r, long rip, long rflags, long[] xmm, int mxcsr, byte[] data) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Outcome x && reason == x.reason && instructions == x.instructions && vector == x.vector
                    && errorCode == x.errorCode && faultAddress == x.faultAddress && faultRip == x.faultRip
                    && Arrays.equals(r, x.r) && rip == x.rip && rflags == x.rflags && Arrays.equals(xmm, x.xmm)
                    && mxcsr == x.mxcsr && Arrays.equals(data, x.data);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(rip);
        }

        @Override
        public String toString() {
            return reason + " n=" + instructions + " vector=" + vector + " err=" + errorCode + " addr=" + Long.toHexString(faultAddress)
                    + " faultRip=" + Long.toHexString(faultRip) + " rip=" + Long.toHexString(rip) + " rflags=" + Long.toHexString(rflags)
                    + " mxcsr=" + Integer.toHexString(mxcsr) + "\nr=" + Arrays.toString(r) + "\nxmm=" + Arrays.toString(xmm);
        }
    }

    static BareMachine machine(byte[] code) {
        BareMachine bm = BareMachine.create(Vendor.INTEL, 64 << 20, false, 3);
        bm.map(CODE, 0x1000, PageTables.US);
        bm.poke(CODE, code);
        bm.map(DATA, 0x2000, PageTables.RW | PageTables.US | PageTables.NX); // DATA + 0x2000 is not mapped
        bm.map(STACK_TOP - 0x1000, 0x1000, PageTables.RW | PageTables.US | PageTables.NX);
        bm.machine.cpu.r[Cpu.RSP] = STACK_TOP;
        return bm;
    }

    static JitEngine jit(BareMachine bm) {
        return new JitEngine(bm.machine, JitEngine.Options.defaults().withHotThreshold(2).withCompileThreshold(1));
    }

    static Engine engine(String name, BareMachine bm) {
        return switch (name) {
            case "interp" -> new Interpreter(bm.machine);
            case "jit" -> jit(bm);
            case "lockstep" -> new LockstepEngine(bm.machine, jit(bm));
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** Runs {@code code} from {@code entry} to {@code until} on {@code engineName} after {@code setup}. */
    static Outcome run(String engineName, byte[] code, long entry, long until, Consumer<BareMachine> setup) {
        BareMachine bm = machine(code);
        setup.accept(bm);
        Cpu c = bm.machine.cpu;
        c.rip = entry;
        Engine e = engine(engineName, bm);
        RunResult r = e.run(bm.machine, 1L << 30, until);
        if (e instanceof LockstepEngine ls) assertNull(ls.divergence(), ls.divergence());
        if (e instanceof JitEngine j) {
            assertTrue(j.translations > 0, "translated");
            assertEquals(0, j.fallbackInsns, "no instruction went through the interpreter fallback");
            assertTrue(j.inlinedInsns >= 3, "translated: " + j.inlinedInsns);
        }
        CpuException f = r.fault();
        return new Outcome(r.reason(), r.instructions(), f == null ? -1 : f.vector, f == null ? -1 : f.errorCode,
                f == null ? -1 : f.address, r.faultRip(), c.r.clone(), c.rip, c.getRflags(), c.xmm.clone(), c.mxcsr,
                bm.peek(DATA, 0x2000));
    }

    static Outcome mix(String engine, long seed, int mxcsr) {
        return run(engine, MIX, CODE, CODE + MIX.length - 1, bm -> {
            Random rnd = new Random(seed);
            byte[] d = new byte[0x1000];
            rnd.nextBytes(d);
            if (seed % 2 == 0) { // ordinary doubles and singles for the scalar operands (the fast paths)
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(d).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (int off : new int[] {64, 80, 96, 104, 112}) b.putDouble(off, rnd.nextGaussian() * 100);
                for (int off : new int[] {72, 76, 88, 120}) b.putFloat(off, (float) (rnd.nextGaussian() * 10));
            }
            bm.poke(DATA, d);
            Cpu c = bm.machine.cpu;
            c.r[Cpu.RSI] = DATA;
            c.r[Cpu.RDI] = DATA + 0x800;
            c.r[Cpu.RBX] = rnd.nextLong();
            for (int k = 0; k < 32; k++) c.xmm[k] = rnd.nextLong();
            c.mxcsr = mxcsr;
        });
    }

    @ParameterizedTest
    @ValueSource(ints = {0x1F80, 0x1F80 | 0x4000 | 0x8000 | 0x40, 0x1F80 | 0x2000, 0x1F80 & ~0x1000, 0x1F80 & ~0x0200 & ~0x0080})
    void mixedSseCodeIsTheSameOnEveryEngine(int mxcsr) {
        for (long seed = 1; seed <= 6; seed++) {
            Outcome ref = mix("interp", seed, mxcsr);
            assertEquals(ref, mix("jit", seed, mxcsr), "seed " + seed);
            assertEquals(ref, mix("lockstep", seed, mxcsr), "seed " + seed);
        }
    }

    @Test
    void theDefaultMxcsrRunsTheWholeBlockWithoutFaults() {
        Outcome o = mix("jit", 2, 0x1F80);
        assertEquals(StopReason.UNTIL_REACHED, o.reason(), o.toString());
        assertEquals(60, o.instructions());
    }

    static Outcome fault(String engine, String program, Consumer<BareMachine> setup) {
        byte[] code = HexFormat.of().parseHex(program + "eb00f4");
        return run(engine, code, CODE, CODE + code.length - 1, bm -> {
            byte[] d = new byte[0x2000];
            new Random(program.hashCode()).nextBytes(d);
            bm.poke(DATA, d);
            Cpu c = bm.machine.cpu;
            for (int k = 0; k < 32; k++) c.xmm[k] = 0x1111_1111_1111_1111L * (k + 1);
            c.r[Cpu.RSI] = DATA;
            setup.accept(bm);
        });
    }

    /** The fault outcome on the interpreter, checked against the JIT and lockstep; returned for the specific asserts. */
    static Outcome sameFault(String entry, Consumer<BareMachine> setup) {
        Outcome ref = fault("interp", entry, setup);
        assertEquals(StopReason.UNHANDLED_FAULT, ref.reason(), ref.toString());
        assertEquals(ref, fault("jit", entry, setup));
        assertEquals(ref, fault("lockstep", entry, setup));
        assertEquals(ref.faultRip(), ref.rip(), "RIP left at the faulting instruction");
        assertEquals(1, ref.r()[Cpu.RAX], "the inc before it retired");
        return ref;
    }

    @Test
    void misalignedMovapsIsGpAtTheInstruction() {
        Outcome o = sameFault(GP, bm -> { });
        assertEquals(CpuException.GP, o.vector());
        assertEquals(CODE + 7, o.faultRip());
        assertEquals(2, o.instructions(), "movdqu and inc retired");
        assertEquals(0x1111_1111_1111_1111L, o.xmm()[0], "xmm0 unchanged");
    }

    @Test
    void unmaskedZeroDivideIsXmWithTheDestinationUnwritten() {
        Outcome o = sameFault(XM, bm -> {
            bm.machine.cpu.mxcsr = 0x1F80 & ~0x0200; // ZM clear
            bm.machine.cpu.xmm[2] = 0; // xmm1 = +0.0
            bm.poke(DATA, HexFormat.of().parseHex("000000000000f03f")); // 1.0
        });
        assertEquals(CpuException.XM, o.vector());
        assertEquals(CODE + 7, o.faultRip());
        assertEquals(0x1F80 & ~0x0200 | 0x4, o.mxcsr(), "ZE set");
        assertEquals(0x3FF0_0000_0000_0000L, o.xmm()[0], "xmm0 keeps the loaded 1.0");
    }

    @Test
    void movdquLoadAcrossIntoAnUnmappedPageIsPf() {
        Outcome o = sameFault(PF_LOAD, bm -> bm.machine.cpu.r[Cpu.RSI] = DATA + 0x2000 - 8);
        assertEquals(CpuException.PF, o.vector());
        assertEquals(DATA + 0x2000, o.faultAddress());
        assertEquals(4, o.errorCode(), "read, user, not present");
        assertEquals(0, o.xmm()[0], "xmm0 as the pxor left it");
        assertEquals(0, o.xmm()[1]);
    }

    @Test
    void movdquStoreAcrossIntoAnUnmappedPageIsPfBeforeAnyByte() {
        byte[] before = new byte[8];
        Outcome o = sameFault(PF_STORE, bm -> {
            bm.machine.cpu.r[Cpu.RSI] = DATA + 0x2000 - 8;
            System.arraycopy(bm.peek(DATA + 0x2000 - 8, 8), 0, before, 0, 8);
        });
        assertEquals(CpuException.PF, o.vector());
        assertEquals(DATA + 0x2000, o.faultAddress());
        assertEquals(6, o.errorCode(), "write, user, not present");
        assertArrayEquals(before, Arrays.copyOfRange(o.data(), 0x2000 - 8, 0x2000), "nothing stored in the first page");
    }

    /**
     * 16-byte loads and stores at the offsets around a page's end (SseEmitter.frameInPage: one
     * look-up when the 16 bytes end in the page, the two-access path when they cross into the
     * next, mapped page): the same bytes and registers as the interpreter. movdqu (%rsi),%xmm0;
     * movdqu %xmm0,(%rdi); inc %rax; movupd 0x7f0(%rdi),%xmm2; movups %xmm1,(%rsi).
     */
    @ParameterizedTest
    @ValueSource(ints = {0xFE0, 0xFEF, 0xFF0, 0xFF1, 0xFF7, 0xFF8, 0xFFF})
    void sixteenByteAccessesAtThePageEndAgree(int offset) {
        byte[] code = HexFormat.of().parseHex("f30f6f06f30f7f0748ffc0660f1097f00700000f110e" + "eb00f4");
        Consumer<BareMachine> setup = bm -> {
            byte[] d = new byte[0x2000];
            new Random(offset).nextBytes(d);
            bm.poke(DATA, d);
            Cpu c = bm.machine.cpu;
            c.r[Cpu.RSI] = DATA + offset;
            c.r[Cpu.RDI] = DATA + offset - 0x7f0; // the store mid-page, the movupd at the page end again
            for (int k = 0; k < 32; k++) c.xmm[k] = 0x0123_4567_89ab_cdefL * (k + 3);
        };
        Outcome ref = run("interp", code, CODE, CODE + code.length - 1, setup);
        assertEquals(StopReason.UNTIL_REACHED, ref.reason(), ref.toString());
        assertEquals(ref, run("jit", code, CODE, CODE + code.length - 1, setup));
        assertEquals(ref, run("lockstep", code, CODE, CODE + code.length - 1, setup));
    }

    /**
     * PALIGNR's inline form (its two result halves from {@code Ssse3.palignrQuad}, the method the
     * interpreter's PALIGNR uses) for shifts inside each half, across halves, past the
     * concatenation's end (zero) and 32 and up: register and aligned memory sources, the same
     * registers and memory on every engine. palignr $imm,%xmm1,%xmm0; palignr $imm,(%rsi),%xmm2;
     * inc %rax.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 200, 255})
    void palignrAgrees(int imm) {
        assertTrue(SseEmitter.inlineForm(Mnemonic.PALIGNR));
        String b = String.format("%02x", imm);
        byte[] code = HexFormat.of().parseHex("660f3a0fc1" + b + "660f3a0f16" + b + "48ffc0" + "eb00f4");
        Consumer<BareMachine> setup = bm -> {
            byte[] d = new byte[0x2000];
            new Random(imm).nextBytes(d);
            bm.poke(DATA, d);
            Cpu c = bm.machine.cpu;
            c.r[Cpu.RSI] = DATA + 0x7f0;
            Random r = new Random(imm + 1000);
            for (int k = 0; k < 32; k++) c.xmm[k] = r.nextLong();
        };
        Outcome ref = run("interp", code, CODE, CODE + code.length - 1, setup);
        assertEquals(StopReason.UNTIL_REACHED, ref.reason(), ref.toString());
        assertEquals(ref, run("jit", code, CODE, CODE + code.length - 1, setup));
        assertEquals(ref, run("lockstep", code, CODE, CODE + code.length - 1, setup));
    }

    /**
     * A loop of 16-byte loads and stores through one pointer into two pages (the method's page
     * cache entry of RSI then refills when the page changes, for the loads and the stores): 50
     * rounds of movdqu (%rsi),%xmm0; movdqu 0x1000(%rsi),%xmm1; paddq %xmm1,%xmm0; movdqu
     * %xmm0,0x10(%rsi); movdqu %xmm1,0x1010(%rsi); movdqu (%rsi),%xmm2; paddq %xmm2,%xmm1; movdqu
     * %xmm1,0x1000(%rsi); movdqu %xmm0,(%rsi); movdqu 0x1008(%rsi),%xmm3; paddq %xmm3,%xmm0 — a
     * region on the JIT — at a page start, mid-page unaligned, and at the last offset that keeps
     * every access inside the two pages (crossings at the page end: the test above).
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 0x7F8, 0xFE0})
    void sixteenByteAccessesThroughOnePointerIntoTwoPagesAgree(int offset) {
        byte[] code = HexFormat.of().parseHex("b932000000f30f6f06f30f6f8e00100000660fd4c1f30f7f4610f30f7f8e10100000f30f6f16"
                + "660fd4caf30f7f8e00100000f30f7f06f30f6f9e08100000660fd4c3ffc975bf" + "eb00f4");
        Consumer<BareMachine> setup = bm -> {
            byte[] d = new byte[0x2000];
            new Random(offset + 1).nextBytes(d);
            bm.poke(DATA, d);
            bm.machine.cpu.r[Cpu.RSI] = DATA + offset;
        };
        Outcome ref = run("interp", code, CODE, CODE + code.length - 1, setup);
        assertEquals(StopReason.UNTIL_REACHED, ref.reason(), ref.toString());
        assertEquals(ref, run("jit", code, CODE, CODE + code.length - 1, setup));
        assertEquals(ref, run("lockstep", code, CODE, CODE + code.length - 1, setup));
    }

    /**
     * The eight PSLL/PSRL/PSRA forms by an immediate (the logical ones compiled as a shift and a
     * mask, SseEmitter.logicalShiftByImmediate) on xmm0-xmm7 holding random lanes, for counts
     * around every lane width: the JIT's registers equal the interpreter's.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255})
    void laneShiftsByAnImmediateAgree(int count) {
        int[][] forms = {{0x71, 6}, {0x71, 2}, {0x71, 4}, {0x72, 6}, {0x72, 2}, {0x72, 4}, {0x73, 6}, {0x73, 2}};
        StringBuilder hex = new StringBuilder();
        for (int r = 0; r < forms.length; r++) {
            hex.append(String.format("660f%02x%02x%02x", forms[r][0], 0xC0 | forms[r][1] << 3 | r, count));
        }
        byte[] code = HexFormat.of().parseHex(hex + "eb00f4");
        Consumer<BareMachine> setup = bm -> {
            Random rnd = new Random(count);
            for (int k = 0; k < 32; k++) bm.machine.cpu.xmm[k] = rnd.nextLong();
        };
        Outcome ref = run("interp", code, CODE, CODE + code.length - 1, setup);
        assertEquals(StopReason.UNTIL_REACHED, ref.reason(), ref.toString());
        assertEquals(ref, run("jit", code, CODE, CODE + code.length - 1, setup));
    }

    /**
     * The eight PUNPCK forms (SseInt.zip8/16/32 on the halves) and the three PACKs, register to
     * register and from memory, on random registers (and lanes at the saturation edges): the
     * JIT's registers equal the interpreter's.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void unpacksAndPacksAgree(long seed) {
        int[] ops = {0x60, 0x61, 0x62, 0x6c, 0x68, 0x69, 0x6a, 0x6d, 0x63, 0x67, 0x6b};
        StringBuilder hex = new StringBuilder();
        for (int k = 0; k < ops.length; k++) {
            int dst = k % 8, src = (k + 3) % 8;
            hex.append(String.format("660f%02x%02x", ops[k], 0xC0 | dst << 3 | src));
            hex.append(String.format("660f%02x%02x", ops[k], 0x46 | dst << 3)).append(String.format("%02x", 16 * (k % 4))); // op 16*(k%4)(%rsi),%xmm<dst>
        }
        byte[] code = HexFormat.of().parseHex(hex + "eb00f4");
        Consumer<BareMachine> setup = bm -> {
            Random rnd = new Random(seed);
            long[] edges = {0x7FFF_8000_0080_FF7FL, 0x8000_0000_7FFF_FFFFL, 0x0000_FFFF_0100_00FFL};
            for (int k = 0; k < 32; k++) bm.machine.cpu.xmm[k] = k % 5 == 0 ? edges[k % 3] : rnd.nextLong();
            byte[] d = new byte[0x100];
            rnd.nextBytes(d);
            bm.poke(DATA, d);
            bm.machine.cpu.r[Cpu.RSI] = DATA;
        };
        Outcome ref = run("interp", code, CODE, CODE + code.length - 1, setup);
        assertEquals(StopReason.UNTIL_REACHED, ref.reason(), ref.toString());
        assertEquals(ref, run("jit", code, CODE, CODE + code.length - 1, setup));
    }

    @Test
    void sseWithCr0TsIsNm() {
        Outcome o = sameFault(NM, bm -> bm.machine.cpu.cr0 |= Cpu.CR0_TS);
        assertEquals(CpuException.NM, o.vector());
        assertEquals(CODE + 3, o.faultRip());
    }

    /**
     * cr0write.S: a loop that writes CR0 between two SSE instructions, TS set by the write of
     * iteration {@code ts}: the SSE instruction after that write raises #NM on every engine. (A
     * CR0 write ends a translation — superblocks and regions go on only past CR3 writes — so the
     * method after it reads the new CR0 in its prologue; were it kept inside a method, the rules
     * check after it would call {@code Sse.available} itself: MethodEmitter.rulesStable.)
     */
    @ParameterizedTest
    @CsvSource({"hot1, 1", "hot1, 7", "hot1, 30", "default, 30", "lockstep, 20", "hot1-nonest, 25"})
    void aCr0WriteInsideTheMethodReachesTheNextSseInstruction(String v, int ts) {
        FlatImage img = FlatImage.load("cr0write");
        java.util.function.Supplier<BareMachine> machine = () -> {
            BareMachine bm = Variants.flat(img, 0, DATA, 3, STACK_TOP);
            Cpu c = bm.machine.cpu;
            ByteBuffer t = ByteBuffer.allocate(0x1000).order(ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k < 40; k++) t.putLong(k >= ts ? c.cr0 | Cpu.CR0_TS : c.cr0 & ~Cpu.CR0_TS);
            bm.poke(DATA, t.array());
            return bm;
        };
        BareMachine probe = machine.get();
        RunResult r = new Interpreter(probe.machine).run(probe.machine, 1L << 30, img.sym("done"));
        assertEquals(CpuException.NM, r.fault().vector, r.toString());
        assertEquals(ts + 1, probe.machine.cpu.r[Cpu.RAX]);
        Variants.compare(v, machine, bm -> Variants.stackAndCode(bm, img, DATA, STACK_TOP), 1L << 30, img.sym("done"));
    }

    @Test
    void theGuestLoopsAgreeWithTheInterpreter() {
        byte[] s = "an SSE2 strlen runs sixteen bytes at a time, this string is longer than that\0".getBytes(StandardCharsets.US_ASCII);
        Guests.compare("sseloops", m -> {
            m.poke(Guests.DATA, s);
            m.machine.cpu.r[Cpu.RDI] = Guests.DATA;
        }, LockstepTest::lockstep);
        BareMachine bm = Guests.compare("sseloops", m -> {
            m.poke(Guests.DATA, s);
            m.machine.cpu.r[Cpu.RDI] = Guests.DATA;
        }, SseJitTest::eager);
        assertEquals(s.length - 1, bm.machine.cpu.r[Cpu.RAX]);
        long chr = FlatImage.load("sseloops").sym("chr");
        bm = Guests.compare("sseloops", m -> {
            m.poke(Guests.DATA, s);
            m.machine.cpu.rip = chr;
            m.machine.cpu.r[Cpu.RDI] = Guests.DATA;
            m.machine.cpu.r[Cpu.RCX] = 64;
            m.machine.cpu.r[Cpu.RDX] = 'x';
        }, SseJitTest::eager);
        assertEquals(Guests.DATA + new String(s, StandardCharsets.US_ASCII).indexOf('x'), bm.machine.cpu.r[Cpu.RAX]);
        long poly = FlatImage.load("fpdot").sym("poly");
        bm = Guests.compare("fpdot", m -> {
            m.machine.cpu.rip = poly;
            m.machine.cpu.r[Cpu.RCX] = 1000;
            m.machine.cpu.xmm[6] = Double.doubleToRawLongBits(0.75);
            m.machine.cpu.xmm[8] = Double.doubleToRawLongBits(-3.5);
        }, SseJitTest::eager);
        double sum = 0;
        for (long i = 1000; i > 0; i--) sum += (i * 0.75 + -3.5) * i;
        assertEquals(Double.doubleToRawLongBits(sum), bm.machine.cpu.r[Cpu.RAX]);
    }

    /**
     * XMM halves held in locals across an interpreter fallback and into the exception handler:
     * movsd (%rsi),%xmm0; addsd %xmm0,%xmm0; movdq2q %xmm0,%mm0 (fallback: reads xmm0);
     * movq2dq %mm0,%xmm1 (fallback: writes xmm1); addsd %xmm1,%xmm0; paddq %xmm0,%xmm2;
     * movq %xmm0,%rax; emms; movhps %xmm2,8(%rsi); divsd %xmm3,%xmm2 — #XM on the last one when
     * xmm3 is zero and ZM clear, so the handler must store the locals written after the fallback.
     */
    static final String LOCALS = "f20f1006f20f58c0f20fd6c0f30fd6c8f20f58c1660fd4d066480f7ec00f770f175608f20f5ed3";

    static Outcome locals(String engineName, boolean fault) {
        byte[] code = HexFormat.of().parseHex(LOCALS + "eb00f4");
        BareMachine bm = machine(code);
        bm.poke(DATA, HexFormat.of().parseHex("0000000000000840")); // 3.0
        Cpu c = bm.machine.cpu;
        for (int k = 0; k < 32; k++) c.xmm[k] = 0x0101_0101_0101_0101L * (k + 3);
        c.xmm[6] = fault ? 0 : Double.doubleToRawLongBits(2.0);
        c.xmm[7] = 0;
        c.mxcsr = 0x1F80 & ~0x0200; // ZM clear
        c.r[Cpu.RSI] = DATA;
        c.rip = CODE;
        Engine e = engine(engineName, bm);
        RunResult r = e.run(bm.machine, 1L << 30, CODE + code.length - 1);
        if (e instanceof LockstepEngine ls) assertNull(ls.divergence(), ls.divergence());
        if (e instanceof JitEngine j) {
            assertTrue(j.translations > 0, "translated");
            assertEquals(3, j.fallbackInsns, "the two MMX moves and EMMS went through the fallback");
        }
        CpuException f = r.fault();
        return new Outcome(r.reason(), r.instructions(), f == null ? -1 : f.vector, f == null ? -1 : f.errorCode,
                f == null ? -1 : f.address, r.faultRip(), c.r.clone(), c.rip, c.getRflags(), c.xmm.clone(), c.mxcsr,
                bm.peek(DATA, 0x2000));
    }

    @Test
    void xmmLocalsMeetTheFallbackAndTheExceptionHandler() {
        for (boolean fault : new boolean[] {false, true}) {
            Outcome ref = locals("interp", fault);
            assertEquals(fault ? StopReason.UNHANDLED_FAULT : StopReason.UNTIL_REACHED, ref.reason(), ref.toString());
            assertEquals(Double.doubleToRawLongBits(12.0), ref.xmm()[0], "3 + 3 + 6");
            assertEquals(ref, locals("jit", fault), "fault " + fault);
            assertEquals(ref, locals("lockstep", fault), "fault " + fault);
        }
    }

    static Engine eager(BareMachine bm) {
        return jit(bm);
    }

    @Test
    void theDirectCallsAreTheMethodsExecCalls() throws Exception {
        // every SSE case of Exec's switch, "case A, B -> Family.method(c, i);", is bound to that method
        // (those of rows with the SSE checks; MOVNTI, a GPR store, has none and stays with the fallback)
        java.util.Set<Mnemonic> sse = java.util.EnumSet.noneOf(Mnemonic.class);
        for (var r : dev.lstar.decoder.OpcodeTable.rows()) if ((r.attributes & dev.lstar.decoder.OpcodeTable.A_SSE) != 0) sse.add(r.mnemonic);
        String exec = Files.readString(Path.of("../runtime/src/main/java/dev/lstar/runtime/interp/Exec.java"));
        Matcher m = Pattern.compile("case ([A-Z0-9_, ]+) -> (Sse|SseInt|SseFloat|SseExt|Ssse3|Sse42)\\.(\\w+)\\(c, i\\);").matcher(exec);
        int n = 0;
        while (m.find()) {
            for (String name : m.group(1).split(",")) {
                Mnemonic mn = Mnemonic.valueOf(name.trim());
                if (!sse.contains(mn)) {
                    assertNull(SseEmitter.directMethod(mn), mn + " has no SSE row");
                    continue;
                }
                Method h = SseEmitter.directMethod(mn);
                assertNotNull(h, mn + " is bound");
                assertEquals(m.group(2), h.getDeclaringClass().getSimpleName(), mn.toString());
                assertEquals(m.group(3), h.getName(), mn.toString());
                n++;
            }
        }
        assertTrue(n > 200, "found Exec's SSE cases: " + n);
        assertEquals(n, SseEmitter.mnemonics().size(), "and nothing else is bound");
    }
}

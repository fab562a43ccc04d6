package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.decoder.Mnemonic;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.setup.BareMachine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JIT's x87 direct calls ({@link X87Emitter}) against the interpreter: the binding is the
 * call {@code Exec} makes, a block mixing x87 instructions with integer code that keeps registers
 * in locals (dirty address registers, FNSTSW AX, SETcc and FCMOVcc after FCOMI/FUCOMIP) leaves the
 * same state on every engine, and faults inside translated x87 instructions — a #PF on a load, a
 * 10-byte store across into an unmapped page, #NM with CR0.TS, #MF at the waiting instruction after
 * an unmasked exception — are precise and identical to the interpreter's.
 */
class X87JitTest {
    static final long CODE = SseJitTest.CODE, DATA = SseJitTest.DATA;

    /**
     * mov eax,3; add rbx,rax; fld/fmul/fadd m64; fild m32; fcomi; setb cl; fcmovb; fxch; fdivrp;
     * fsqrt; fld st0; frndint; fsubp; fld st0; fstp m80; fld m80; fistp m32; fnstsw ax; add rdx,1;
     * fldpi; fucomip; setp dl; fst m32; fisttp m64; fld1; fchs; fabs; fiadd m16; fidivr m32;
     * fcom m64; fnstsw ax; fstp m64; add eax,edx; jmp 1f; 1: hlt (GNU as).
     */
    static final byte[] MIX = HexFormat.of().parseHex(
            "b8030000004801c3dd06dc4e08dc4610db4618dbf10f92c1dac1d9c9def1d9fad9c0d9fcdee9d9c0db7e20db6e20db5e30dfe0"
            + "4883c201d9ebdfe90f9ac2d95634dd4e38d9e8d9e0d9e1de4618da7e18dc5608dfe0dd5e4001d0eb00f4");

    record Outcome(StopReason reason, long instructions, int vector, int errorCode, long faultAddress, long faultRip,
                   long[] r, long rip, long rflags, long[] fpm, int[] fpe, int fcw, int fsw, int ftw, int fop, long fip,
                   long fdp, byte[] data) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Outcome x && reason == x.reason && instructions == x.instructions && vector == x.vector
                    && errorCode == x.errorCode && faultAddress == x.faultAddress && faultRip == x.faultRip
                    && Arrays.equals(r, x.r) && rip == x.rip && rflags == x.rflags && Arrays.equals(fpm, x.fpm)
                    && Arrays.equals(fpe, x.fpe) && fcw == x.fcw && fsw == x.fsw && ftw == x.ftw && fop == x.fop
                    && fip == x.fip && fdp == x.fdp && Arrays.equals(data, x.data);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(rip);
        }

        @Override
        public String toString() {
            return reason + " n=" + instructions + " vector=" + vector + " err=" + errorCode + " addr=" + Long.toHexString(faultAddress)
                    + " faultRip=" + Long.toHexString(faultRip) + " rip=" + Long.toHexString(rip) + " rflags=" + Long.toHexString(rflags)
                    + " fcw=" + Integer.toHexString(fcw) + " fsw=" + Integer.toHexString(fsw) + " ftw=" + Integer.toHexString(ftw)
                    + " fop=" + Integer.toHexString(fop) + " fip=" + Long.toHexString(fip) + " fdp=" + Long.toHexString(fdp)
                    + "\nr=" + Arrays.toString(r) + "\nfpm=" + Arrays.toString(fpm) + "\nfpe=" + Arrays.toString(fpe);
        }
    }

    static Outcome run(String engineName, byte[] code, Consumer<BareMachine> setup, boolean expectTranslated) {
        BareMachine bm = SseJitTest.machine(code);
        setup.accept(bm);
        Cpu c = bm.machine.cpu;
        c.rip = CODE;
        Engine e = SseJitTest.engine(engineName, bm);
        RunResult r = e.run(bm.machine, 1L << 30, CODE + code.length - 1);
        if (e instanceof LockstepEngine ls) assertNull(ls.divergence(), ls.divergence());
        if (e instanceof JitEngine j && expectTranslated) {
            assertTrue(j.translations > 0, "translated");
            assertEquals(0, j.fallbackInsns, "no instruction went through the interpreter fallback");
        }
        CpuException f = r.fault();
        return new Outcome(r.reason(), r.instructions(), f == null ? -1 : f.vector, f == null ? -1 : f.errorCode,
                f == null ? -1 : f.address, r.faultRip(), c.r.clone(), c.rip, c.getRflags(), c.fpm.clone(), c.fpe.clone(),
                c.fcw, c.fsw, c.ftw, c.fop, c.fip, c.fdp, bm.peek(DATA, 0x2000));
    }

    static Outcome mix(String engine, long seed, int fcw) {
        return run(engine, MIX, bm -> {
            Random rnd = new Random(seed);
            byte[] d = new byte[0x2000];
            rnd.nextBytes(d);
            ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
            if (seed % 3 != 0) { // ordinary values (random bytes give NaNs, denormals, huge exponents)
                for (int off : new int[] {0, 8, 16}) b.putDouble(off, rnd.nextGaussian() * 100);
                b.putInt(24, rnd.nextInt(2000) - 1000);
            }
            bm.poke(DATA, d);
            Cpu c = bm.machine.cpu;
            c.r[Cpu.RSI] = DATA;
            c.r[Cpu.RBX] = rnd.nextLong();
            c.r[Cpu.RDX] = rnd.nextLong();
            c.fcw = fcw;
        }, true);
    }

    @ParameterizedTest
    @ValueSource(ints = {0x037F, 0x027F, 0x007F, 0x077F, 0x0B7F, 0x0F7F})
    void mixedX87CodeIsTheSameOnEveryEngine(int fcw) {
        for (long seed = 1; seed <= 9; seed++) {
            Outcome ref = mix("interp", seed, fcw);
            assertEquals(StopReason.UNTIL_REACHED, ref.reason(), ref.toString());
            assertEquals(ref, mix("jit", seed, fcw), "seed " + seed);
            assertEquals(ref, mix("lockstep", seed, fcw), "seed " + seed);
        }
    }

    static Outcome sameFault(String program, Consumer<BareMachine> setup) {
        byte[] code = HexFormat.of().parseHex(program + "eb00f4");
        Consumer<BareMachine> all = bm -> {
            bm.poke(DATA, new byte[0x2000]);
            bm.machine.cpu.r[Cpu.RSI] = DATA;
            setup.accept(bm);
        };
        Outcome ref = run("interp", code, all, false);
        assertEquals(StopReason.UNHANDLED_FAULT, ref.reason(), ref.toString());
        assertEquals(ref, run("jit", code, all, true));
        assertEquals(ref, run("lockstep", code, all, false));
        assertEquals(ref.faultRip(), ref.rip(), "RIP left at the faulting instruction");
        assertEquals(1, ref.r()[Cpu.RAX], "the inc before it retired");
        return ref;
    }

    @Test
    void fldFromAnUnmappedPageIsPfWithNothingPushed() {
        Outcome o = sameFault("48ffc0dd06", bm -> bm.machine.cpu.r[Cpu.RSI] = DATA + 0x2000); // inc rax; fld qword [rsi]
        assertEquals(CpuException.PF, o.vector());
        assertEquals(DATA + 0x2000, o.faultAddress());
        assertEquals(0, o.ftw(), "nothing pushed");
        assertEquals(CODE + 3, o.faultRip());
    }

    @Test
    void tenByteStoreAcrossIntoAnUnmappedPageIsPfBeforeAnyByte() {
        Outcome o = sameFault("d9e848ffc0db3e", bm -> bm.machine.cpu.r[Cpu.RSI] = DATA + 0x2000 - 4); // fld1; inc rax; fstp tbyte [rsi]
        assertEquals(CpuException.PF, o.vector());
        assertEquals(6, o.errorCode(), "write, user, not present");
        assertArrayEquals(new byte[4], Arrays.copyOfRange(o.data(), 0x2000 - 4, 0x2000), "nothing stored in the first page");
        assertEquals(0x80, o.ftw() & 0xFF, "still pushed (R7)");
    }

    @Test
    void x87WithCr0TsIsNm() {
        Outcome o = sameFault("48ffc0d9e8", bm -> bm.machine.cpu.cr0 |= Cpu.CR0_TS); // inc rax; fld1
        assertEquals(CpuException.NM, o.vector());
        assertEquals(CODE + 3, o.faultRip());
    }

    @Test
    void anUnmaskedZeroDivideIsMfAtTheNextWaitingInstruction() {
        // fld1; fldz; fdivp st(1), st (1/0, ZE unmasked); inc rax; fld1
        Outcome o = sameFault("d9e8d9eedef948ffc0d9e8", bm -> bm.machine.cpu.fcw = 0x037F & ~0x4);
        assertEquals(CpuException.MF, o.vector());
        assertEquals(CODE + 9, o.faultRip());
        assertEquals(0x84, o.fsw() & 0xFF, "ZE and ES");
    }

    @Test
    void theDirectCallsAreTheCallsExecMakes() throws Exception {
        // every x87 case of Exec's switch, "case A, B -> X87.method(c, i, ...);", is bound to the same call
        String exec = Files.readString(Path.of("../runtime/src/main/java/dev/lstar/runtime/interp/Exec.java"));
        Matcher m = Pattern.compile("case ([A-Z0-9_, ]+) -> (X87\\.\\w+\\([^;]*\\));").matcher(exec);
        int n = 0;
        while (m.find()) {
            for (String name : m.group(1).split(",")) {
                Mnemonic mn = Mnemonic.valueOf(name.trim());
                String call = X87Emitter.describe(mn);
                if (call == null) {
                    assertTrue(Arrays.asList("FNSTENV", "FLDENV", "FNSAVE", "FRSTOR", "FXSAVE", "FXRSTOR").contains(mn.name()),
                            mn + " is not bound");
                    continue;
                }
                assertEquals(m.group(2), call, mn.toString());
                n++;
            }
        }
        assertEquals(n, X87Emitter.mnemonics().size(), "every bound mnemonic is one of Exec's x87 cases");
    }
}

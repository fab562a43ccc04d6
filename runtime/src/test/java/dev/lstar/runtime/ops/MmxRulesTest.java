package dev.lstar.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lstar.api.Reg;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * The MMX state rules (SDM Vol. 1 §9.5-9.6, Vol. 3A §12): MMn is the significand of physical
 * x87 register Rn, a write sets its sign/exponent to all ones, an MMX instruction sets TOP = 0
 * and every tag valid, EMMS empties the tags, and the exceptions an MMX instruction checks first
 * (#UD with CR0.EM, #NM with CR0.TS, #MF with a pending x87 exception). The lane semantics are
 * compared with the host CPU by the conformance "mmx" family.
 */
class MmxRulesTest extends RingThreeMachine {
    private static final String MOVQ_LOAD_MM3 = "0f 6f 1f"; // movq (%rdi),%mm3
    private static final String FXSAVE_RSI = "0f ae 06"; // fxsave (%rsi)
    private static final String EMMS = "0f 77";
    private static final String FLD1 = "d9 e8";

    private void x87State(int top, int ftw) {
        c.fcw = Cpu.FCW_INIT;
        c.fsw = top << 11;
        c.ftw = ftw;
    }

    private ByteBuffer fxsaveImage() {
        byte[] img = bm.peek(DATA + 0x200, 512);
        return ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void anMmxWriteAliasesTheX87RegisterAndTheFxsaveImageShowsTheTransition() {
        x87State(5, 0x03); // TOP = 5, R0 and R1 valid
        c.fpe[3] = 0x3FFF;
        bm.poke(DATA, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0x1122_3344_5566_7788L).array());
        c.r[Cpu.RDI] = DATA;
        c.r[Cpu.RSI] = DATA + 0x200;
        assertEquals(StopReason.UNTIL_REACHED, run(MOVQ_LOAD_MM3 + FXSAVE_RSI).reason());
        assertEquals(0x1122_3344_5566_7788L, c.fpm[3]);
        assertEquals(0xFFFF, c.fpe[3]); // sign and exponent all ones
        assertEquals(0, (c.fsw >>> 11) & 7); // TOP = 0
        assertEquals(0xFF, c.ftw); // every tag valid
        ByteBuffer img = fxsaveImage();
        assertEquals(0, (img.getShort(2) >>> 11) & 7, "FSW.TOP in the image");
        assertEquals(0xFF, img.get(4) & 0xFF, "abridged tag word");
        // with TOP = 0, ST(3) is R3: the image's register slot 3 holds MM3 and the all-ones exponent
        assertEquals(0x1122_3344_5566_7788L, img.getLong(32 + 16 * 3));
        assertEquals(0xFFFF, img.getShort(40 + 16 * 3) & 0xFFFF);
    }

    @Test
    void emmsEmptiesEveryTagAndClearsTop() {
        x87State(0, 0);
        c.r[Cpu.RDI] = DATA;
        c.r[Cpu.RSI] = DATA + 0x200;
        assertEquals(StopReason.UNTIL_REACHED, run(MOVQ_LOAD_MM3 + EMMS + FXSAVE_RSI).reason());
        assertEquals(0, c.ftw);
        assertEquals(0, fxsaveImage().get(4) & 0xFF);
        assertEquals(0xFFFF, c.fpe[3]); // EMMS leaves the registers as they are
        x87State(5, 0x21);
        run(EMMS);
        assertEquals(0, c.fsw, "TOP = 0 (SDM Vol. 1 Table 9-2; the host agrees)");
        assertEquals(0, c.ftw);
    }

    @Test
    void anX87LoadAfterMmxWithoutEmmsOverflowsTheStack() {
        x87State(0, 0);
        c.r[Cpu.RDI] = DATA;
        assertEquals(StopReason.UNTIL_REACHED, run(MOVQ_LOAD_MM3 + FLD1).reason());
        // all eight registers are valid after the MMX instruction: the push finds R7 full
        assertEquals(X87.FSW_C1 | 0x41, c.fsw & (X87.FSW_C1 | 0x41), "IE, SF and C1 (overflow)");
        assertEquals(Float80.IND_M, c.fpm[7]);
    }

    @Test
    void anX87LoadAfterEmmsWorks() {
        x87State(0, 0);
        c.r[Cpu.RDI] = DATA;
        assertEquals(StopReason.UNTIL_REACHED, run(MOVQ_LOAD_MM3 + EMMS + FLD1).reason());
        assertEquals(0, c.fsw & 0x7F);
        assertEquals(7, (c.fsw >>> 11) & 7);
        assertEquals(0x8000_0000_0000_0000L, c.fpm[7]);
        assertEquals(0x3FFF, c.fpe[7]);
        assertEquals(0x80, c.ftw);
    }

    @Test
    void movdZeroExtendsAndMovdFromMmTakesTheLowDoubleword() {
        x87State(0, 0);
        c.fpm[0] = -1;
        c.r[Cpu.RAX] = 0xAAAA_BBBB_1234_5678L;
        run("0f 6e c0"); // movd %eax,%mm0
        assertEquals(0x1234_5678L, c.fpm[0]);
        c.fpm[1] = 0x8765_4321_0FED_CBA9L;
        c.r[Cpu.RDX] = -1;
        run("0f 7e ca"); // movd %mm1,%edx
        assertEquals(0x0FED_CBA9L, c.r[Cpu.RDX]);
        run("48 0f 7e ca"); // movq %mm1,%rdx
        assertEquals(0x8765_4321_0FED_CBA9L, c.r[Cpu.RDX]);
    }

    @Test
    void lowUnpacksReadOnlyFourBytesOfMemory() {
        // the last four bytes of the readable pages: an 8-byte read would run into the unmapped page
        x87State(0, 0);
        long end = DATA + 8192 - 4;
        c.r[Cpu.RDI] = end;
        c.fpm[2] = 0x0000_0000_4433_2211L;
        assertEquals(StopReason.UNTIL_REACHED, run("0f 60 17").reason()); // punpcklbw (%rdi),%mm2
        assertEquals(0x0044_0033_0022_0011L, c.fpm[2]); // memory is zero there: the source bytes are 0
    }

    @Test
    void maskmovqStoresTheSelectedBytesAtRdi() {
        x87State(0, 0);
        bm.poke(DATA, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        c.r[Cpu.RDI] = DATA;
        c.fpm[0] = 0x8877_6655_4433_2211L;
        c.fpm[1] = 0x8000_0000_FF00_0080L; // bytes 0, 3 and 7 selected
        run("0f f7 c1"); // maskmovq %mm1,%mm0
        assertArrayEquals(new byte[] {0x11, 2, 3, 0x44, 5, 6, 7, (byte) 0x88}, bm.peek(DATA, 8));
        assertEquals(0xFF, c.ftw);
        // a store into the read-only page faults before any byte changes
        c.r[Cpu.RDI] = DATA + 4096 - 4;
        bm.poke(DATA + 4092, new byte[] {9, 9, 9, 9});
        x87State(3, 0);
        assertFault(CpuException.PF, run("0f f7 c1"));
        assertArrayEquals(new byte[] {9, 9, 9, 9}, bm.peek(DATA + 4092, 4));
        assertEquals(3, (c.fsw >>> 11) & 7, "a fault leaves the x87 state as it was");
        assertEquals(0, c.ftw);
    }

    @Test
    void exceptionsComeBeforeAnything() {
        x87State(2, 0);
        c.cr0 |= Cpu.CR0_EM;
        assertFault(CpuException.UD, run("0f fc c1")); // paddb %mm1,%mm0
        c.cr0 &= ~Cpu.CR0_EM;
        c.cr0 |= Cpu.CR0_TS;
        assertFault(CpuException.NM, run(EMMS));
        c.cr0 &= ~Cpu.CR0_TS;
        c.fcw = 0x037E; // IE unmasked
        c.fsw = 2 << 11 | 0x01 | X87.FSW_ES | X87.FSW_B; // and pending
        assertFault(CpuException.MF, run("0f fc c1"));
        assertFault(CpuException.MF, run(EMMS));
        assertEquals(2, (c.fsw >>> 11) & 7);
        assertEquals(0, c.ftw);
    }

    @Test
    void theApiReadsAndWritesMmRegistersAsThePhysicalX87Registers() {
        dev.lstar.api.Emulator e = dev.lstar.api.Emulator.builder().build();
        e.regWrite(Reg.FSW, 6 << 11); // TOP = 6: MM5 is R5 = ST(7), whatever TOP is
        e.regWrite(Reg.MM5, 0x0123_4567_89AB_CDEFL);
        assertEquals(0x0123_4567_89AB_CDEFL, e.regRead(Reg.MM5));
        assertArrayEquals(new long[] {0x0123_4567_89AB_CDEFL, 0xFFFF}, e.regRead128(Reg.ST7));
        var ctx = e.contextSave();
        e.regWrite(Reg.MM5, 42);
        assertEquals(42, e.regRead(Reg.MM5));
        e.contextRestore(ctx);
        assertEquals(0x0123_4567_89AB_CDEFL, e.regRead(Reg.MM5));
        assertEquals(0x0123_4567_89AB_CDEFL, ctx.get(Reg.MM5));
    }
}

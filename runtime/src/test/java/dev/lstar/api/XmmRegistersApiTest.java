package dev.lstar.api;

import static dev.lstar.api.Guest.*;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** XMM0-15 (128-bit, as two quadwords) and MXCSR through the embedding API and contexts. */
class XmmRegistersApiTest {
    /** paddq %xmm1,%xmm0; movq %xmm0,%rax; nop. */
    static final byte[] PADDQ = hex("660fd4c16648" + "0f7ec090");
    static final long PADDQ_DONE = CODE + 9;

    @Test
    void readWriteAndRunOnEveryInstructionPath() {
        Emulator emu = user(PADDQ);
        assertEquals(0x1F80, emu.regRead(Reg.MXCSR), "reset value");
        emu.regWrite128(Reg.XMM0, 5, -1);
        emu.regWrite128(Reg.XMM1, 7, 2);
        emu.regWrite128(Reg.XMM15, 0x1111, 0x2222);
        assertEquals(StopInfo.Reason.UNTIL_REACHED, emu.start(CODE, PADDQ_DONE).reason());
        assertArrayEquals(new long[] {12, 1}, emu.regRead128(Reg.XMM0));
        assertEquals(12, emu.regRead(Reg.RAX));
        assertArrayEquals(new long[] {0x1111, 0x2222}, emu.regRead128(Reg.XMM15));
        assertThrows(IllegalArgumentException.class, () -> emu.regRead(Reg.XMM0), "128-bit: regRead128");
        assertThrows(IllegalArgumentException.class, () -> emu.regWrite(Reg.XMM3, 1));
        assertThrows(IllegalArgumentException.class, () -> emu.regRead128(Reg.RAX));
    }

    @Test
    void mxcsrRefusesReservedBitsAndContextsCarryTheSseState() {
        Emulator emu = user(PADDQ);
        emu.regWrite(Reg.MXCSR, 0x7fc0);
        assertEquals(0x7fc0, emu.regRead(Reg.MXCSR));
        assertThrows(EmulatorException.class, () -> emu.regWrite(Reg.MXCSR, 0x10000));
        assertEquals(0x7fc0, emu.regRead(Reg.MXCSR));
        emu.regWrite128(Reg.XMM7, 0xabc, 0xdef);
        Context saved = emu.contextSave();
        emu.regWrite128(Reg.XMM7, 0, 0);
        emu.regWrite(Reg.MXCSR, 0x1F80);
        assertNotEquals(saved, emu.contextSave(), "contexts compare the XMM registers and MXCSR");
        emu.contextRestore(saved);
        assertArrayEquals(new long[] {0xabc, 0xdef}, emu.regRead128(Reg.XMM7));
        assertArrayEquals(new long[] {0xabc, 0xdef}, saved.get128(Reg.XMM7));
        assertEquals(0x7fc0, saved.get(Reg.MXCSR));
        assertEquals(0x7fc0, emu.regRead(Reg.MXCSR));
    }
}

package dev.lstar.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import org.junit.jupiter.api.Test;

/**
 * The SSE rules that the host-CPU differential cannot reach (it runs at CPL 3 with the host's
 * control registers): CR0.EM/TS and CR4.OSFXSR, and "faults change nothing" for a 16-byte store
 * that spans two pages; plus alignment, LDMXCSR's reserved bits and the reset state.
 */
class SseRulesTest extends RingThreeMachine {
    @Test
    void resetStateAndControlRegisters() {
        assertEquals(0x1F80, new Cpu(Vendor.INTEL).mxcsr);
        assertEquals(Cpu.CR4_OSFXSR | Cpu.CR4_OSXMMEXCPT, c.cr4 & (Cpu.CR4_OSFXSR | Cpu.CR4_OSXMMEXCPT), "set as Linux does");
    }

    @Test
    void controlRegisterChecksComeFirst() {
        c.xmm[0] = 0x1234;
        c.cr0 |= Cpu.CR0_TS;
        assertFault(7, run("66 0f ef c0")); // pxor %xmm0,%xmm0: #NM
        c.cr0 |= Cpu.CR0_EM;
        assertFault(6, run("66 0f ef c0")); // EM wins: #UD
        c.cr0 &= ~(Cpu.CR0_EM | Cpu.CR0_TS);
        c.cr4 &= ~Cpu.CR4_OSFXSR;
        assertFault(6, run("66 0f ef c0"));
        assertEquals(0x1234, c.xmm[0], "nothing changed");
        assertFault(6, run("0f ae 17")); // ldmxcsr (%rdi) too
        c.cr4 |= Cpu.CR4_OSFXSR;
        assertEquals(StopReason.UNTIL_REACHED, run("66 0f ef c0").reason());
        assertEquals(0, c.xmm[0]);
        c.cr0 |= Cpu.CR0_TS;
        c.r[Cpu.RDI] = DATA;
        c.r[Cpu.RAX] = 0x55;
        assertEquals(StopReason.UNTIL_REACHED, run("0f c3 07").reason(), "movnti is a GPR store: no SSE checks");
        assertEquals(0x55, bm.peek(DATA, 1)[0]);
    }

    @Test
    void alignmentOfLegacySseMemoryOperands() {
        c.r[Cpu.RDI] = DATA + 8;
        c.xmm[2] = 7;
        assertFault(13, run("66 0f 6f 0f")); // movdqa (%rdi),%xmm1
        assertFault(13, run("66 0f fc 0f")); // paddb (%rdi),%xmm1
        assertEquals(StopReason.UNTIL_REACHED, run("f3 0f 6f 0f").reason()); // movdqu: no rule
        assertEquals(StopReason.UNTIL_REACHED, run("66 0f 12 0f").reason()); // movlpd m64: no rule
    }

    @Test
    void aStoreAcrossPagesFaultsBeforeWritingAnything() {
        c.r[Cpu.RDI] = DATA + 4096 - 8; // 8 bytes in the writable page, 8 in the read-only one
        c.xmm[0] = -1;
        c.xmm[1] = -1;
        byte[] before = bm.peek(DATA + 4096 - 8, 8);
        assertFault(14, run("f3 0f 7f 07")); // movdqu %xmm0,(%rdi)
        assertArrayEquals(before, bm.peek(DATA + 4096 - 8, 8));
    }

    @Test
    void ldmxcsrRefusesReservedBits() {
        c.r[Cpu.RDI] = DATA;
        bm.poke(DATA, new byte[] {(byte) 0xc0, 0x7f, 1, 0}); // 0x17fc0: bit 16 reserved
        assertFault(13, run("0f ae 17"));
        assertEquals(0x1F80, c.mxcsr);
        bm.poke(DATA, new byte[] {(byte) 0xc0, 0x7f, 0, 0});
        assertEquals(StopReason.UNTIL_REACHED, run("0f ae 17").reason());
        assertEquals(0x7fc0, c.mxcsr);
        assertEquals(StopReason.UNTIL_REACHED, run("0f ae 5f 08").reason()); // stmxcsr 8(%rdi)
        assertArrayEquals(new byte[] {(byte) 0xc0, 0x7f, 0, 0}, bm.peek(DATA + 8, 4));
    }
}

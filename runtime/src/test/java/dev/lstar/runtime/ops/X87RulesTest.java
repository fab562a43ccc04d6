package dev.lstar.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.lstar.api.Emulator;
import dev.lstar.api.Reg;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import org.junit.jupiter.api.Test;

/**
 * The x87 rules the host-CPU differential cannot reach (it runs with every exception masked, at
 * CPL 3 with the host's CR0): CR0.EM/TS (#NM), unmasked exceptions (no result, ES/B, #MF at the
 * next waiting instruction, not at FNSTSW/FNCLEX), faults that change nothing (a 10-byte store
 * across into a read-only page), FXSAVE alignment, FNINIT's state, and the embedding API's view
 * of the stack registers.
 */
class X87RulesTest extends RingThreeMachine {
    static void assertDone(RunResult r) {
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
    }

    int top() {
        return (c.fsw >>> 11) & 7;
    }

    @Test
    void initialStateIsFninitsAndFninitResets() {
        assertEquals(0x037F, new Cpu(Vendor.INTEL).fcw);
        c.fsw = 0x3A7F;
        c.ftw = 0xFF;
        c.fcw = 0x0C00;
        assertDone(run("db e3")); // fninit
        assertEquals(0x037F, c.fcw);
        assertEquals(0, c.fsw);
        assertEquals(0, c.ftw);
    }

    @Test
    void emAndTsRaiseNm() {
        c.cr0 |= Cpu.CR0_TS;
        assertFault(7, run("d9 e8")); // fld1
        assertEquals(0, c.ftw, "nothing pushed");
        c.cr0 &= ~Cpu.CR0_TS;
        c.cr0 |= Cpu.CR0_EM;
        assertFault(7, run("d9 e8"));
        c.cr0 &= ~Cpu.CR0_EM;
        assertDone(run("d9 e8"));
        assertEquals(7, top());
        c.cr0 |= Cpu.CR0_TS | Cpu.CR0_MP;
        assertFault(7, run("9b")); // fwait: #NM with MP and TS
        c.cr0 &= ~Cpu.CR0_MP;
        assertDone(run("9b"));
    }

    @Test
    void unmaskedInvalidLeavesTheStackAndRaisesMfAtTheNextWaitingInstruction() {
        c.fcw = 0x037E; // IM clear
        assertDone(run("d9 ee d9 ee d9 ee")); // fldz x3
        assertDone(run("de f9")); // fdivrp: 0/0 invalid
        assertEquals(0x1, c.fsw & 0x3F, "IE");
        assertEquals(0x8080, c.fsw & 0x8080, "ES and B");
        assertEquals(5, top(), "no pop: the stack is unchanged");
        assertDone(run("df e0")); // fnstsw %ax: no-wait
        assertEquals(c.fsw & 0xFFFF, c.r[Cpu.RAX] & 0xFFFF);
        assertFault(16, run("d9 e8")); // fld1: #MF before anything
        assertEquals(5, top());
        assertFault(16, run("9b")); // fwait too
        assertDone(run("db e2")); // fnclex
        assertEquals(0, c.fsw & 0x80FF);
        assertDone(run("d9 e8"));
        assertEquals(4, top());
    }

    @Test
    void maskedStackFaults() {
        assertDone(run("d9 c1")); // fld %st(1) from an empty register: underflow, the indefinite is pushed
        assertEquals(0x41, c.fsw & 0x7F, "IE SF");
        assertEquals(0, c.fsw & 0x200, "C1 = 0 for underflow");
        assertArrayEquals(new long[] {0xC000_0000_0000_0000L, 0xFFFF}, X87.stRead(c, 0));
        c.fsw = 0;
        c.ftw = 0xFF;
        assertDone(run("d9 e8")); // push onto a full stack: overflow
        assertEquals(0x241, c.fsw & 0x27F, "IE SF C1");
        assertArrayEquals(new long[] {0xC000_0000_0000_0000L, 0xFFFF}, X87.stRead(c, 0));
    }

    @Test
    void a10ByteStoreThatFaultsOnItsSecondPageChangesNothing() {
        assertDone(run("d9 e8")); // fld1
        c.r[Cpu.RDI] = DATA + 4096 - 4; // bytes 4..9 land on the read-only page
        int fsw = c.fsw;
        assertFault(14, run("db 3f")); // fstpt (%rdi)
        assertEquals(fsw, c.fsw);
        assertEquals(0x80, c.ftw, "not popped");
        assertArrayEquals(new byte[4], bm.peek(DATA + 4096 - 4, 4), "no partial store");
    }

    @Test
    void fxsaveNeedsSixteenByteAlignmentAndRoundTrips() {
        assertDone(run("d9 eb d9 e8")); // fldpi, fld1
        c.r[Cpu.RDI] = DATA + 8;
        assertFault(13, run("0f ae 07"));
        c.r[Cpu.RDI] = DATA + 0x200;
        assertDone(run("48 0f ae 07")); // fxsave64
        long[] pi = X87.stRead(c, 1);
        assertEquals(0xC90F_DAA2_2168_C235L, pi[0], "fldpi rounds to nearest");
        assertDone(run("db e3")); // fninit
        assertDone(run("48 0f ae 0f")); // fxrstor64
        assertArrayEquals(pi, X87.stRead(c, 1));
        assertEquals(6, top());
        assertEquals(0xC0, c.ftw);
    }

    @Test
    void embeddingApiReadsAndWritesStackRegisters() {
        Emulator e = Emulator.builder().build();
        e.regWrite(Reg.FCW, 0x0F7F);
        assertEquals(0x0F7F, e.regRead(Reg.FCW));
        e.regWrite128(Reg.ST0, 0x8000_0000_0000_0000L, 0x3FFF);
        assertArrayEquals(new long[] {0x8000_0000_0000_0000L, 0x3FFF}, e.regRead128(Reg.ST0));
        assertEquals(0xFFFC, e.regRead(Reg.FTW), "ST0 (R0) valid with a non-zero value, the rest empty");
        var ctx = e.contextSave();
        e.regWrite128(Reg.ST0, 0, 0);
        assertNotEquals(0x3FFF, e.regRead128(Reg.ST0)[1]);
        e.contextRestore(ctx);
        assertEquals(0x3FFF, e.regRead128(Reg.ST0)[1]);
        assertEquals(0x3FFF, ctx.get128(Reg.ST0)[1]);
    }
}

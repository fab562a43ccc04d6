package dev.lstar.api;

import static dev.lstar.api.Guest.*;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/**
 * Streams a fuzzing campaign against the embedding API found wrong (issue "Reliability", commit
 * ce24444), as scenarios every engine must pass: the interpreter, "jit" and "lockstep" (the
 * translator's tests apply this class too). Each runs twice where the JIT matters, so that the
 * second run goes through translated code.
 */
public abstract class EngineFindingScenarios implements EngineUnderTest {
    /**
     * {@code mov $-1,%rax; jmp *%rax}: RIP 0xffffffffffffffff is an ordinary (unmapped) address, not
     * the "no until" marker — the fetch there faults (#PF), natively a SIGSEGV.
     */
    @Test
    public void ripAllOnesIsAnAddressNotTheNoUntilMarker() {
        Emulator emu = prepared(user(engine(), hex("48c7c0ffffffffffe0")));
        for (int round = 0; round < 2; round++) {
            StopInfo s = emu.start(CODE, Emulator.NO_UNTIL, 2_000_000, 0);
            assertEquals(StopInfo.Reason.FAULT, s.reason(), "round " + round + ": " + s);
            assertEquals(14, s.vector());
            assertEquals(-1L, s.faultAddress());
            assertEquals(-1L, emu.regRead(Reg.RIP));
            assertEquals(2, s.instructions());
        }
        checked(emu);
    }

    /**
     * {@code xor %eax,%eax; int3} with RAX = 0x600010 and no IDT: the xor retires, then the int3
     * cannot be delivered and stops the run at itself (the embedding API's contract: a software
     * interrupt nobody takes is a FAULT stop at the INT instruction, not retired).
     */
    @Test
    public void instructionCountAtATrapIsExact() {
        Emulator emu = prepared(user(engine(), hex("31c0cc")));
        for (int round = 0; round < 3; round++) {
            emu.regWrite(Reg.RAX, 0x600010);
            StopInfo s = emu.start(CODE, Emulator.NO_UNTIL, 2_000_000, 0);
            assertEquals(StopInfo.Reason.FAULT, s.reason(), "round " + round + ": " + s);
            assertEquals(3, s.vector());
            assertEquals(1, s.instructions(), "round " + round);
            assertEquals(CODE + 2, s.rip(), "round " + round);
            assertEquals(CODE + 2, emu.regRead(Reg.RIP), "round " + round);
            assertEquals(0, emu.regRead(Reg.RAX));
        }
        checked(emu);
    }

    /** {@code loop: xor %eax,%eax; int3; jmp loop} with an interrupt hook that handles #BP: count still stops it. */
    @Test
    public void countIsHonouredWithAnInterruptHook() {
        Emulator emu = prepared(user(engine(), hex("31c0cc" + "ebfb")));
        int[] calls = new int[1];
        emu.hookInterrupt((e, vector, err) -> {
            calls[0]++;
            return vector == 3;
        });
        StopInfo s = emu.start(CODE, Emulator.NO_UNTIL, 5_000_000, 1000);
        assertEquals(StopInfo.Reason.COUNT_EXHAUSTED, s.reason(), s.toString());
        assertEquals(1000, s.instructions());
        assertEquals(333, calls[0], "one int3 in every three instructions, the 1000th is an xor");
        checked(emu);
    }

    /**
     * Kernel mode, {@code mov %rax,%cr3} with RAX = 0x40000000 (page tables beyond installed memory):
     * the next access walks tables that do not exist. That is the guest's error, reported as a stop
     * — never a Java exception out of start().
     */
    @Test
    public void pageTablesBeyondInstalledMemoryStopTheRun() {
        Emulator emu = prepared(Emulator.builder().kernelMode().engine(engine()).build());
        emu.map(CODE, 0x1000, Perm.READ | Perm.EXEC);
        emu.write(CODE, hex("0f22d890"));
        emu.regWrite(Reg.RAX, 0x40000000L);
        StopInfo s = assertDoesNotThrow(() -> emu.start(CODE, Emulator.NO_UNTIL, 2_000_000, 0));
        assertNotEquals(StopInfo.Reason.TIMEOUT, s.reason(), s.toString());
        assertEquals(1, s.instructions(), s.toString());
        checked(emu);
    }

    /**
     * {@code mul %rdi; test %esi,%eax; imul $0x6145eaea,%rdx,%rdx} then a faulting load: MUL and
     * IMUL leave SF ZF AF PF as they were on this host (AMD; undefined in the SDM), so the flags at
     * the fault are TEST's. Start RFLAGS 0xac6.
     */
    @Test
    public void flagsMulLeavesAloneSurviveToAFault() {
        byte[] code = hex("48f7e7" + "85f0" + "4869d2eaea4561" + "498b5c2407" + "90");
        Emulator emu = prepared(user(engine(), code));
        long[] flags = new long[2];
        for (int round = 0; round < 2; round++) {
            emu.regWrite(Reg.RAX, 33);
            emu.regWrite(Reg.RDX, 0x6004a8);
            emu.regWrite(Reg.RSI, 0x6000a5);
            emu.regWrite(Reg.RDI, 0x6011cf);
            emu.regWrite(Reg.R12, 0x12345000L);
            emu.regWrite(Reg.RFLAGS, 0xac6);
            StopInfo s = emu.start(CODE, Emulator.NO_UNTIL, 2_000_000, 0);
            assertEquals(StopInfo.Reason.FAULT, s.reason(), s.toString());
            assertEquals(3, s.instructions());
            flags[round] = emu.regRead(Reg.RFLAGS);
        }
        // 33 * 0x6011cf = 0xc624baf; & 0x6000a5 = 0x6000a5: SF = ZF = 0, PF = 1 (0xa5 has four bits);
        // imul of 0 by the immediate: CF = OF = 0; IF from the start value
        assertEquals(0x206, flags[0], String.format("flags %x", flags[0]));
        assertEquals(flags[0], flags[1], "translated code gives the same flags");
        checked(emu);
    }

    /**
     * A #PF nobody takes (no IDT) still sets CR2, with or without an interrupt hook that declines
     * it: CR2 is written when the fault is raised (SDM Vol. 3A §4.7). {@code mov (%rdi),%rax}.
     */
    @Test
    public void cr2IsSetByEveryPageFaultWhoeverTakesIt() {
        for (boolean hook : new boolean[] {false, true}) {
            Emulator emu = prepared(user(engine(), hex("488b0790")));
            if (hook) emu.hookInterrupt((e, vector, err) -> false);
            for (int round = 0; round < 2; round++) {
                emu.regWrite(Reg.CR2, 0);
                emu.regWrite(Reg.RDI, 0x12345678L);
                StopInfo s = emu.start(CODE, Emulator.NO_UNTIL, 2_000_000, 0);
                assertEquals(StopInfo.Reason.FAULT, s.reason(), s.toString());
                assertEquals(14, s.vector());
                assertEquals(0x12345678L, emu.regRead(Reg.CR2), (hook ? "with" : "without") + " an interrupt hook, round " + round);
            }
            checked(emu);
        }
    }

    /**
     * Kernel mode, {@code mov %cr0,%rax; btr $31,%rax; mov %rax,%cr0; nop}: leaving paging in long
     * mode is #GP (SDM MOV CR0: clearing PG with LMA = 1 while CS.L = 1), and whatever lstar does
     * not model ends as an UNSUPPORTED stop — never an exception out of start().
     */
    @Test
    public void modeChangesEndAsFaultsOrUnsupportedStops() {
        Emulator emu = prepared(Emulator.builder().kernelMode().engine(engine()).build());
        emu.map(CODE, 0x1000, Perm.READ | Perm.EXEC);
        emu.write(CODE, hex("0f20c0" + "480fbaf01f" + "0f22c0" + "90"));
        StopInfo s = assertDoesNotThrow(() -> emu.start(CODE, Emulator.NO_UNTIL, 2_000_000, 0));
        assertTrue(s.reason() == StopInfo.Reason.FAULT || s.reason() == StopInfo.Reason.UNSUPPORTED, s.toString());
        checked(emu);
    }

    /**
     * The TSC is derived from the retired-instruction count, so it must be exact inside a block on
     * every engine: kernel mode {@code mov $0x10,%ecx; wrmsr; rdmsr} writes TSC = 0 after one
     * instruction; rdmsr reads 1 and rdtsc 2 one instruction later each.
     */
    @Test
    public void tscReadsTheExactCountInsideABlock() {
        Emulator emu = prepared(Emulator.builder().kernelMode().engine(engine()).build());
        emu.map(CODE, 0x1000, Perm.READ | Perm.EXEC);
        emu.write(CODE, hex("b910000000" + "0f30" + "0f32" + "0f31" + "eb00" + "90")); // jmp: a block translated whole
        for (int round = 0; round < 2; round++) {
            emu.regWrite(Reg.RAX, 0);
            emu.regWrite(Reg.RDX, 0);
            StopInfo s = emu.start(CODE, CODE + 0xd, 2_000_000, 0);
            assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason(), s.toString());
            assertEquals(2, emu.regRead(Reg.RAX), "round " + round + ": rdtsc two instructions after TSC = 0");
            assertEquals(0, emu.regRead(Reg.RDX));
        }
        checked(emu);
    }

    /**
     * {@code lock add %eax,%eax} (f0 01 c0): LOCK with a register destination is #UD (SDM LOCK; the
     * host raises SIGILL); {@code lock add %eax,(%rdi)} is fine.
     */
    @Test
    public void lockOnARegisterDestinationIsUndefined() {
        Emulator emu = prepared(user(engine(), hex("f00107" + "f001c0" + "90")));
        emu.map(DATA, 0x1000, Perm.READ | Perm.WRITE);
        for (int round = 0; round < 2; round++) {
            emu.regWrite(Reg.RDI, DATA);
            emu.regWrite(Reg.RAX, 3);
            StopInfo s = emu.start(CODE, Emulator.NO_UNTIL, 2_000_000, 0);
            assertEquals(StopInfo.Reason.FAULT, s.reason(), s.toString());
            assertEquals(6, s.vector(), "#UD");
            assertEquals(CODE + 3, s.rip());
            assertEquals(1, s.instructions());
            assertEquals(3, emu.regRead(Reg.RAX), "the register add did not happen");
        }
        assertEquals(6, emu.readLong(DATA), "the locked memory add ran twice: 3 + 3");
        checked(emu);
    }
    /**
     * Found by {@code ./lstar fuzz} (seed 1001, kernel mode): kernel mode, {@code lidt (%rdi);
     * mov $0x1234,%ebx; int3} with an IDT whose base is unmapped. INT3 cannot read its gate (#PF),
     * nor the #PF's (#DF), nor the #DF's: a triple fault. The stop is precise at the INT3 like any
     * fault — RIP the INT3, two instructions retired, RBX written — on every engine (the
     * interpreter reported its block's start, translated code the count at the block's entry and
     * registers it had not stored).
     */
    @Test
    public void aTripleFaultFromIntNIsPreciseAtTheInstruction() {
        Emulator emu = prepared(Emulator.builder().kernelMode().engine(engine()).build());
        emu.map(CODE, 0x1000, Perm.READ | Perm.EXEC);
        emu.write(CODE, hex("0f011f" + "bb34120000" + "cc" + "90"));
        emu.map(DATA, 0x1000, Perm.READ | Perm.WRITE);
        emu.write(DATA, hex("ff0f" + "0000500000000000")); // limit 0xfff, base 0x500000 (not mapped)
        for (int round = 0; round < 2; round++) {
            emu.regWrite(Reg.RDI, DATA);
            emu.regWrite(Reg.RBX, 0);
            StopInfo s = assertDoesNotThrow(() -> emu.start(CODE, Emulator.NO_UNTIL, 2_000_000, 0));
            assertEquals(StopInfo.Reason.TRIPLE_FAULT, s.reason(), "round " + round + ": " + s);
            assertEquals(2, s.instructions(), "round " + round + ": lidt and mov retired");
            assertEquals(CODE + 8, s.rip(), "round " + round);
            assertEquals(CODE + 8, emu.regRead(Reg.RIP), "round " + round);
            assertEquals(0x1234, emu.regRead(Reg.RBX), "round " + round);
        }
        checked(emu);
    }
}

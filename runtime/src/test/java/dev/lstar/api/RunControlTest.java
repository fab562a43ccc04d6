package dev.lstar.api;

import static dev.lstar.api.Guest.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.CpuException;

import java.util.EnumSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** Every {@link StopInfo.Reason}, exact instruction counts, and fault retry through memory-fault hooks. */
class RunControlTest {
    private static final byte[] JMP_SELF = hex("ebfe"); // jmp .

    @Test
    void untilReached() {
        Emulator emu = user(LOOP);
        emu.regWrite(Reg.RAX, 0x1234567);
        emu.regWrite(Reg.RCX, 1000);
        StopInfo s = emu.start(CODE, LOOP_DONE);
        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason(), s.toString());
        assertEquals(LOOP_DONE, emu.regRead(Reg.RIP));
        assertEquals(12 * 1000, s.instructions());
        long[] want = xorshift(0x1234567, 1000);
        assertEquals(want[0], emu.regRead(Reg.RAX));
        assertEquals(want[1], emu.regRead(Reg.RBX));
    }

    @Test
    void untilInsideABlockStopsExactlyThere() {
        Emulator emu = user(LOOP);
        emu.regWrite(Reg.RCX, 5);
        StopInfo s = emu.start(CODE, 0x400011); // the second xor of the first iteration
        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason());
        assertEquals(5, s.instructions());
        assertEquals(0x400011, emu.regRead(Reg.RIP));
    }

    @Test
    void countIsExact() {
        Emulator emu = user(LOOP);
        emu.regWrite(Reg.RCX, 1000);
        for (long n : new long[] {1, 5, 13, 100}) {
            long rip = emu.regRead(Reg.RIP);
            StopInfo s = emu.start(n == 1 ? CODE : rip, Emulator.NO_UNTIL, 0, n);
            assertEquals(StopInfo.Reason.COUNT_EXHAUSTED, s.reason());
            assertEquals(n, s.instructions());
        }
        // 1 + 5 + 13 + 100 = 119 instructions = 9 iterations and 11 instructions (up to the dec) of the 10th
        assertEquals(1000 - 10, emu.regRead(Reg.RCX));
        assertEquals(0x400024, emu.regRead(Reg.RIP));
    }

    /**
     * A wall-clock timeout stops an endless loop after at least that long, having run it. How many
     * instructions fit in 50 ms depends on the machine's load (a busy shared machine may spend
     * them compiling or collecting), so the timeout doubles, up to 6.4 s, until one run has made
     * more than 1000 instructions of progress; every run must stop with TIMEOUT, no sooner than
     * its timeout and less than 5 s after it.
     */
    @Test
    void timeout() {
        Emulator emu = user(JMP_SELF);
        StopInfo s = null;
        List<String> tries = new ArrayList<>();
        for (long timeoutMs = 50; timeoutMs <= 6400 && (s == null || s.instructions() <= 1000); timeoutMs *= 2) {
            long t0 = System.nanoTime();
            s = emu.start(CODE, Emulator.NO_UNTIL, timeoutMs * 1000, 0);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            tries.add(timeoutMs + " ms: " + s.instructions() + " instructions in " + ms + " ms");
            assertEquals(StopInfo.Reason.TIMEOUT, s.reason());
            assertTrue(ms >= timeoutMs * 9 / 10 && ms < timeoutMs + 5000, ms + " ms for a timeout of " + timeoutMs + " ms");
            assertEquals(CODE, emu.regRead(Reg.RIP));
        }
        assertTrue(s.instructions() > 1000, "no progress before the timeout: " + tries);
        // a later run is not affected by the old timeout
        assertEquals(StopInfo.Reason.COUNT_EXHAUSTED, emu.start(CODE, Emulator.NO_UNTIL, 0, 10).reason());
    }

    @Test
    void stopFromAnotherThread() throws Exception {
        Emulator emu = user(JMP_SELF);
        CountDownLatch started = new CountDownLatch(1);
        emu.hookBlock((e, a, n) -> started.countDown());
        Thread t = new Thread(() -> {
            try {
                started.await(10, TimeUnit.SECONDS);
                Thread.sleep(20);
            } catch (InterruptedException ignored) {
            }
            assertThrows(IllegalStateException.class, () -> emu.regRead(Reg.RAX), "only stop() from other threads");
            emu.stop();
        });
        t.start();
        StopInfo s = emu.start(CODE, Emulator.NO_UNTIL);
        t.join();
        assertEquals(StopInfo.Reason.STOPPED, s.reason());
    }

    @Test
    void faultStopsWithDetails() {
        Emulator emu = user(FAULT);
        emu.regWrite(Reg.RDI, 0x12345678);
        StopInfo s = emu.start(CODE, Emulator.NO_UNTIL);
        assertEquals(StopInfo.Reason.FAULT, s.reason());
        assertEquals(CpuException.PF, s.vector());
        assertEquals(0x4, s.errorCode(), "user read of a not-present page: U/S=1, W=0, P=0");
        assertEquals(0x12345678, s.faultAddress());
        assertEquals(CODE, s.rip());
        assertEquals(0, s.instructions());
    }

    @Test
    void halted() {
        Emulator emu = Emulator.builder().kernelMode().build();
        emu.map(CODE, 0x1000, Perm.READ | Perm.EXEC);
        emu.write(CODE, hex("90f4")); // nop; hlt
        StopInfo s = emu.start(CODE, Emulator.NO_UNTIL);
        assertEquals(StopInfo.Reason.HALTED, s.reason());
        assertEquals(2, s.instructions());
        assertEquals(CODE + 2, s.rip());
    }

    @Test
    void hltInRing3IsAGeneralProtectionFault() {
        Emulator emu = user(hex("f4"));
        StopInfo s = emu.start(CODE, Emulator.NO_UNTIL);
        assertEquals(StopInfo.Reason.FAULT, s.reason());
        assertEquals(CpuException.GP, s.vector());
    }

    @Test
    void tripleFault() {
        // an IDT of not-present gates: #UD -> #NP on its gate -> #NP again -> #DF -> #NP: shutdown
        Emulator emu = Emulator.builder().kernelMode().build();
        emu.map(CODE, 0x1000, Perm.READ | Perm.EXEC);
        emu.write(CODE, hex("0f0b")); // ud2
        emu.map(0x500000, 0x1000, Perm.READ | Perm.WRITE | Perm.SUPERVISOR);
        emu.map(STACK_TOP - 0x1000, 0x1000, Perm.READ | Perm.WRITE);
        emu.regWrite(Reg.RSP, STACK_TOP);
        emu.regWrite(Reg.IDTR_BASE, 0x500000);
        emu.regWrite(Reg.IDTR_LIMIT, 0xFFF);
        StopInfo s = emu.start(CODE, Emulator.NO_UNTIL);
        assertEquals(StopInfo.Reason.TRIPLE_FAULT, s.reason(), s.toString());
    }

    @Test
    void protectionFaultIsReportedAsProtAndARefusingHookLetsTheRunStop() {
        Emulator emu = user(FAULT);
        emu.map(DATA, 0x1000, Perm.READ); // read-only
        emu.regWrite(Reg.RDI, DATA);
        emu.regWrite(Reg.RSI, DATA);
        int[] calls = new int[1];
        emu.hookMemFault(EnumSet.of(MemAccess.WRITE_PROT), DATA, DATA + 0xFFF, (e, access, address, size, value) -> {
            calls[0]++;
            return false;
        });
        StopInfo s = emu.start(CODE, Emulator.NO_UNTIL);
        assertEquals(1, calls[0]);
        assertEquals(StopInfo.Reason.FAULT, s.reason());
        assertEquals(CpuException.PF, s.vector());
        assertEquals(0x7, s.errorCode(), "user write, present");
        assertEquals(CODE + 3, s.rip());
    }

    @Test
    void aHookThatClaimsToFixButDoesNotIsAskedOnlyOnce() {
        Emulator emu = user(FAULT);
        emu.regWrite(Reg.RDI, 0x10000000);
        int[] calls = new int[1];
        emu.hookMemFault((e, access, address, size, value) -> { calls[0]++; return true; });
        StopInfo s = emu.start(CODE, Emulator.NO_UNTIL);
        assertEquals(1, calls[0]);
        assertEquals(StopInfo.Reason.FAULT, s.reason());
    }

    @Test
    void permNoneFaultsAsProtection() {
        Emulator emu = user(FAULT);
        emu.map(DATA, 0x1000, Perm.NONE);
        emu.regWrite(Reg.RDI, DATA);
        emu.regWrite(Reg.RSI, DATA + 8);
        java.util.List<MemAccess> seen = new java.util.ArrayList<>();
        emu.hookMemFault((e, access, address, size, value) -> {
            seen.add(access);
            e.protect(DATA, 0x1000, Perm.READ);
            return true;
        });
        StopInfo s = emu.start(CODE, Emulator.NO_UNTIL);
        // the read of the PROT_NONE page is fixed by making it readable; the write then faults
        // (WRITE_PROT), the hook "fixes" nothing, and the second identical fault stops the run
        assertEquals(java.util.List.of(MemAccess.READ_PROT, MemAccess.WRITE_PROT), seen);
        assertEquals(StopInfo.Reason.FAULT, s.reason());
        assertEquals(CODE + 3, s.rip());
        assertEquals(1, s.instructions());
    }
}

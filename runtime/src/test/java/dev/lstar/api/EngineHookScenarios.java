package dev.lstar.api;

import static dev.lstar.api.Guest.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.CpuException;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Hook scenarios every engine must pass, written once: {@link InterpScenariosTest} runs them
 * on the interpreter, and the translator's tests run them on "jit" and "lockstep" (through this
 * module's test jar) by extending this class.
 */
public abstract class EngineHookScenarios implements EngineUnderTest {
    @Test
    public void instructionHooksEmulateAndSkip() {
        Emulator emu = prepared(Emulator.builder().kernelMode().engine(engine()).build()); // ring 0 so that rdmsr/wrmsr could run
        emu.map(CODE, 0x1000, Perm.READ | Perm.EXEC);
        emu.write(CODE, INSN);
        List<String> seen = new ArrayList<>();
        int k = 0;
        for (Insn insn : Insn.values()) {
            int value = 0x100 + k++;
            emu.hookInsn(insn, (e, which, rip) -> {
                seen.add(which + "@" + Long.toHexString(rip));
                e.regWrite(Reg.RAX, value);
                return true;
            });
        }
        StopInfo s = emu.start(CODE, INSN_DONE);
        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason(), s.toString());
        assertEquals(List.of("CPUID@400000", "RDTSC@400005", "SYSCALL@40000a", "INT80@40000f", "SYSENTER@400014",
                "RDMSR@400019", "WRMSR@40001e"), seen);
        assertEquals(0x100 + Insn.CPUID.ordinal(), emu.regRead(Reg.R8));
        assertEquals(0x100 + Insn.RDTSC.ordinal(), emu.regRead(Reg.R9));
        assertEquals(0x100 + Insn.SYSCALL.ordinal(), emu.regRead(Reg.R10));
        assertEquals(0x100 + Insn.INT80.ordinal(), emu.regRead(Reg.R11));
        assertEquals(0x100 + Insn.SYSENTER.ordinal(), emu.regRead(Reg.R12));
        assertEquals(0x100 + Insn.RDMSR.ordinal(), emu.regRead(Reg.R13));
        assertEquals(0, emu.regRead(Reg.CPL), "the hooked SYSCALL did not change privilege");
        assertEquals(13, s.instructions());
        checked(emu);
    }

    @Test
    public void memoryHooksReportReadsWritesAndFetchesWithValues() {
        Emulator emu = prepared(user(engine(), MEM));
        emu.map(DATA, 0x1000, Perm.READ | Perm.WRITE);
        emu.writeLong(DATA, 41);
        emu.regWrite(Reg.RSI, DATA);
        List<String> seen = new ArrayList<>();
        emu.hookMem(EnumSet.of(MemAccess.READ, MemAccess.WRITE), 1, 0,
                (e, k, a, n, v) -> seen.add(k + " " + Long.toHexString(a) + " " + n + " " + v));
        List<String> fetches = new ArrayList<>();
        emu.hookMem(EnumSet.of(MemAccess.FETCH), CODE, CODE + 7, (e, k, a, n, v) -> fetches.add(Long.toHexString(a) + "/" + n));
        StopInfo s = emu.start(CODE, MEM_DONE);
        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason());
        String sp = Long.toHexString(STACK_TOP - 8);
        assertEquals(List.of("READ 600000 8 41", "WRITE 600008 8 42", "WRITE " + sp + " 8 42", "READ " + sp + " 8 42"), seen);
        assertEquals(List.of("400000/3", "400003/4", "400007/4"), fetches);
        assertEquals(42, emu.readLong(DATA + 8));
        checked(emu);
    }

    @Test
    public void interruptHookSeesSoftwareInterruptsAndExceptions() {
        Emulator emu = prepared(user(engine(), INTR));
        List<String> seen = new ArrayList<>();
        emu.hookInterrupt((e, vector, err) -> {
            seen.add(vector + "/" + err + "@" + Long.toHexString(e.regRead(Reg.RIP)));
            return vector != CpuException.UD; // handle INT 0x80 and INT3, refuse #UD
        });
        StopInfo s = emu.start(CODE, Emulator.NO_UNTIL);
        assertEquals(List.of("128/-1@400000", "3/-1@400007", "6/-1@40000b"), seen);
        assertEquals(StopInfo.Reason.FAULT, s.reason());
        assertEquals(CpuException.UD, s.vector());
        assertEquals(6, emu.regRead(Reg.RBX));
        assertEquals(4, s.instructions(), "int, mov, int3, add");
        checked(emu);
    }

    @Test
    public void unmappedReadWriteAndFetchAreRetriedAfterTheHookMapsMemory() {
        Emulator emu = prepared(user(engine(), FAULT));
        long rd = 0x10000000, wr = 0x20000000, fetch = 0x30000000;
        emu.regWrite(Reg.RDI, rd + 8);
        emu.regWrite(Reg.RSI, wr + 16);
        emu.regWrite(Reg.RDX, fetch);
        StringBuilder log = new StringBuilder();
        emu.hookMemFault((e, access, address, size, value) -> {
            log.append(access).append(' ').append(Long.toHexString(address)).append(' ').append(size).append('\n');
            switch (access) {
                case READ_UNMAPPED -> {
                    e.map(address & ~0xFFFL, 0x1000, Perm.READ);
                    e.writeLong(address, 0xfeedface);
                }
                case WRITE_UNMAPPED -> e.map(address & ~0xFFFL, 0x1000, Perm.READ | Perm.WRITE);
                case FETCH_UNMAPPED -> {
                    e.map(address & ~0xFFFL, 0x1000, Perm.READ | Perm.EXEC);
                    e.write(address, hex("4889c390")); // mov %rax,%rbx; nop
                }
                default -> { return false; }
            }
            return true;
        });
        StopInfo s = emu.start(CODE, fetch + 3);
        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason(), s.toString());
        assertEquals("READ_UNMAPPED 10000008 8\nWRITE_UNMAPPED 20000010 8\nFETCH_UNMAPPED 30000000 1\n", log.toString());
        assertEquals(0xfeedface, emu.readLong(wr + 16));
        assertEquals(0xfeedface, emu.regRead(Reg.RBX));
        assertEquals(4, s.instructions());
        checked(emu);
    }

    @Test
    public void hookMayRemoveItselfAndAddOthers() {
        Emulator emu = prepared(user(engine(), LOOP));
        emu.regWrite(Reg.RCX, 3);
        int[] count = new int[2];
        HookHandle[] self = new HookHandle[1];
        self[0] = emu.hookCode(CODE, CODE, (e, a, n) -> {
            count[0]++;
            self[0].remove();
            e.hookCode(0x400021, 0x400021, (e2, a2, n2) -> count[1]++);
        });
        StopInfo s = emu.start(CODE, LOOP_DONE);
        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason());
        assertEquals(1, count[0]);
        assertEquals(3, count[1], "the current block was already hooked: the new hook applies at once");
        long[] want = xorshift(0, 3);
        assertEquals(want[1], emu.regRead(Reg.RBX));
        checked(emu);
    }

    @Test
    public void stopFromAHookStopsBeforeTheHookedInstruction() {
        Emulator emu = prepared(user(engine(), LOOP));
        emu.regWrite(Reg.RCX, 100);
        emu.hookCode(0x40001e, 0x40001e, (e, a, n) -> e.stop()); // add %rax,%rbx
        StopInfo s = emu.start(CODE, LOOP_DONE);
        assertEquals(StopInfo.Reason.STOPPED, s.reason());
        assertEquals(0x40001e, s.rip());
        assertEquals(9, s.instructions());
        assertEquals(xorshift(0, 1)[0], emu.regRead(Reg.RAX), "the instructions before it did");
        assertEquals(0, emu.regRead(Reg.RBX), "the add did not run");
        checked(emu);
    }
}

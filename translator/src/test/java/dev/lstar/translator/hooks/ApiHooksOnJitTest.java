package dev.lstar.translator.hooks;

import static dev.lstar.api.Guest.*;
import static dev.lstar.translator.hooks.HookGuest.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.api.Emulator;
import dev.lstar.api.HookHandle;
import dev.lstar.api.Insn;
import dev.lstar.api.MemAccess;
import dev.lstar.api.Perm;
import dev.lstar.api.Reg;
import dev.lstar.api.Snapshot;
import dev.lstar.api.StopInfo;
import dev.lstar.runtime.CpuException;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The embedding API's hook, stop and snapshot behaviour on the engines the translator registers:
 * "jit" (hooked blocks run as translations with compiled hook calls) and "lockstep" (the same, and
 * every unhooked block checked against the interpreter). The scenarios shared with the interpreter
 * are in {@link TranslatorScenariosTest}.
 */
class ApiHooksOnJitTest {
    @ParameterizedTest
    @ValueSource(strings = {"jit", "lockstep"})
    void enginesAreFoundByName(String engine) {
        Emulator emu = Emulator.builder().engine(engine).build();
        assertEquals(engine, emu.engineName());
        assertEquals(engine, emu.engine().name());
    }

    @ParameterizedTest
    @ValueSource(strings = {"jit", "lockstep"})
    void codeHookSeesEachInstructionInItsRangeWithPreciseRegisters(String engine) {
        Emulator emu = threePages(engine);
        List<String> seen = new ArrayList<>();
        HookHandle h = emu.hookCode(0x401000, 0x401fff, (e, a, n) -> seen.add(Long.toHexString(a) + "/" + n + " rbx=" + e.regRead(Reg.RBX)
                + " rip=" + Long.toHexString(e.regRead(Reg.RIP))));
        StopInfo s = emu.start(CODE, TWO_DONE);
        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason(), s.toString());
        assertEquals(List.of("401000/4 rbx=0 rip=401000", "401004/4 rbx=3 rip=401004", "401008/4 rbx=7 rip=401008",
                "40100c/5 rbx=12 rip=40100c"), seen);
        assertEquals(8, s.instructions());
        h.remove();
        seen.clear();
        emu.start(CODE, TWO_DONE);
        assertEquals(List.of(), seen);
        assertTrue(jit(emu).hookedTranslations >= 1, "the hooked block was translated with hook calls");
        noDivergence(emu);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jit", "lockstep"})
    void codeHookMayRedirectAndWriteRegisters(String engine) {
        Emulator emu = threePages(engine);
        emu.hookCode(0x401000, 0x401000, (e, a, n) -> e.regWrite(Reg.RIP, 0x402000)); // skip the middle block
        emu.hookCode(0x400004, 0x400004, (e, a, n) -> e.regWrite(Reg.RAX, e.regRead(Reg.RAX) + 100)); // mid-block write
        emu.start(CODE, TWO_DONE);
        assertEquals(103, emu.regRead(Reg.RAX));
        assertEquals(0, emu.regRead(Reg.RBX));
        assertEquals(6, emu.regRead(Reg.RCX));
        noDivergence(emu);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jit", "lockstep"})
    void blockHook(String engine) {
        Emulator emu = threePages(engine);
        List<String> seen = new ArrayList<>();
        emu.hookBlock((e, a, n) -> seen.add(Long.toHexString(a) + "/" + n));
        emu.start(CODE, TWO_DONE);
        // the last block runs only up to `until`; the zero page after it decodes as 62 `add %al,(%rax)`
        assertEquals(List.of("400000/13", "401000/17", "402000/" + (4 + 1 + 62 * 2)), seen);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jit", "lockstep"})
    void syscallHookInALoop(String engine) {
        Emulator emu = jitUser(engine, SYSLOOP);
        long[] calls = new long[1];
        emu.hookInsn(Insn.SYSCALL, (e, insn, rip) -> { calls[0]++; e.regWrite(Reg.RAX, 4242 + calls[0]); return true; });
        emu.regWrite(Reg.RCX, 1000);
        StopInfo s = emu.start(CODE, SYSLOOP_DONE);
        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason(), s.toString());
        assertEquals(1000, calls[0]);
        assertEquals(4242 + 1000, emu.regRead(Reg.RAX));
        assertEquals(4000, s.instructions());
        assertEquals(3, emu.regRead(Reg.CPL));
        noDivergence(emu);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jit", "lockstep"})
    void countIsExactWithHooks(String engine) {
        Emulator emu = jitUser(engine, LOOP);
        emu.regWrite(Reg.RCX, 1000);
        long[] calls = new long[1];
        emu.hookCode(CODE, LOOP_DONE, (e, a, n) -> calls[0]++);
        long total = 0;
        for (long n : new long[] {1, 5, 13, 100, 600}) {
            long rip = emu.regRead(Reg.RIP);
            StopInfo s = emu.start(n == 1 ? CODE : rip, Emulator.NO_UNTIL, 0, n);
            assertEquals(StopInfo.Reason.COUNT_EXHAUSTED, s.reason());
            assertEquals(n, s.instructions());
            total += n;
        }
        assertEquals(total, calls[0], "one callback per instruction run");
        assertEquals(1000 - (total + 1) / 12, emu.regRead(Reg.RCX), "dec is the 11th instruction of an iteration");
        noDivergence(emu);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jit", "lockstep"})
    void snapshotRestoreLoopWithAHookedBlock(String engine) {
        Emulator emu = jitUser(engine, MEM);
        emu.regWrite(Reg.RSI, DATA);
        long[] writes = new long[1];
        emu.hookMem(EnumSet.of(MemAccess.WRITE), DATA, DATA + 0xFFF, (e, k, a, n, v) -> writes[0]++);
        Snapshot snap = emu.snapshot();
        for (long v = 1; v <= 50; v++) {
            emu.restore(snap);
            assertEquals(0, emu.readLong(DATA + 8), "memory restored");
            emu.writeLong(DATA, v * 1000);
            StopInfo s = emu.start(CODE, MEM_DONE);
            assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason(), s.toString());
            assertEquals(v * 1000 + 1, emu.regRead(Reg.RBX));
            assertEquals(v * 1000 + 1, emu.readLong(DATA + 8));
        }
        assertEquals(50, writes[0], "one write into DATA per run");
        assertTrue(jit(emu).hookedTranslations <= 2, "restores rewrite data, not code: no retranslation ("
                + jit(emu).hookedTranslations + ")");
        noDivergence(emu);
    }
}

package dev.lstar.api;

import static dev.lstar.api.Guest.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.interp.BlockCache;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.runtime.sys.Msrs;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Each hook type, hook removal, and the exact block invalidation hook changes cause. */
class HooksTest {
    private static Emulator twoPages() {
        Emulator emu = Emulator.builder().flatUserMode().build();
        emu.map(CODE, 0x3000, Perm.READ | Perm.EXEC);
        emu.write(CODE, TWO_A);
        emu.write(CODE + 0x1000, TWO_B);
        emu.write(CODE + 0x2000, TWO_C);
        return emu;
    }

    private static BlockCache cache(Emulator emu) {
        return ((Interpreter) emu.engine()).cache();
    }

    @Test
    void codeHookSeesEachInstructionInItsRangeOnly() {
        Emulator emu = twoPages();
        List<String> seen = new ArrayList<>();
        HookHandle h = emu.hookCode(0x401000, 0x401fff, (e, a, n) -> seen.add(Long.toHexString(a) + "/" + n + " rbx=" + e.regRead(Reg.RBX)));
        StopInfo s = emu.start(CODE, TWO_DONE);
        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason());
        assertEquals(List.of("401000/4 rbx=0", "401004/4 rbx=3", "401008/4 rbx=7", "40100c/5 rbx=12"), seen);
        h.remove();
        assertFalse(h.active());
        seen.clear();
        emu.start(CODE, TWO_DONE);
        assertEquals(List.of(), seen);
    }

    @Test
    void codeHookMayRedirectExecution() {
        Emulator emu = twoPages();
        // skip the middle block entirely: at 0x401000 jump to 0x402000
        emu.hookCode(0x401000, 0x401000, (e, a, n) -> e.regWrite(Reg.RIP, 0x402000));
        emu.start(CODE, TWO_DONE);
        assertEquals(3, emu.regRead(Reg.RAX));
        assertEquals(0, emu.regRead(Reg.RBX));
        assertEquals(6, emu.regRead(Reg.RCX));
    }

    @Test
    void blockHook() {
        Emulator emu = twoPages();
        List<String> seen = new ArrayList<>();
        emu.hookBlock((e, a, n) -> seen.add(Long.toHexString(a) + "/" + n));
        emu.start(CODE, TWO_DONE);
        // the last block runs only up to `until` (0x402004), but the hook reports the block as decoded:
        // add, nop, then the zero-filled page decodes as 62 two-byte `add %al,(%rax)` (64-instruction cap)
        assertEquals(List.of("400000/13", "401000/17", "402000/" + (4 + 1 + 62 * 2)), seen);
    }

    @Test
    void memoryHookRangeFilters() {
        Emulator emu = user(MEM);
        emu.map(DATA, 0x1000, Perm.READ | Perm.WRITE);
        emu.regWrite(Reg.RSI, DATA);
        List<Long> seen = new ArrayList<>();
        emu.hookMem(EnumSet.of(MemAccess.WRITE), DATA + 8, DATA + 15, (e, k, a, n, v) -> seen.add(a));
        emu.start(CODE, MEM_DONE);
        assertEquals(List.of(DATA + 8), seen, "the stack write is outside the range");
    }

    @Test
    void repStringAccessIsOneRangeAccess() {
        // rep movsb: rsi -> rdi, rcx bytes
        Emulator emu = user(hex("f3a490"));
        emu.map(DATA, 0x2000, Perm.READ | Perm.WRITE);
        emu.write(DATA, "hello".getBytes());
        emu.regWrite(Reg.RSI, DATA);
        emu.regWrite(Reg.RDI, DATA + 0x1000);
        emu.regWrite(Reg.RCX, 5);
        List<String> seen = new ArrayList<>();
        emu.hookMem(EnumSet.of(MemAccess.READ, MemAccess.WRITE), 1, 0, (e, k, a, n, v) -> seen.add(k + " " + Long.toHexString(a) + " " + n));
        emu.start(CODE, CODE + 2);
        assertEquals(List.of("READ 600000 5", "WRITE 601000 5"), seen);
        assertArrayEquals("hello".getBytes(), emu.read(DATA + 0x1000, 5));
    }

    @Test
    void withoutHooksOrIdtASoftwareInterruptStopsWithItsVector() {
        Emulator emu = user(INTR);
        StopInfo s = emu.start(CODE, Emulator.NO_UNTIL);
        assertEquals(StopInfo.Reason.FAULT, s.reason());
        assertEquals(0x80, s.vector());
        assertEquals(CODE, s.rip());
    }

    @Test
    void anInstructionHookReturningFalseLetsTheInstructionRun() {
        Emulator emu = Emulator.builder().kernelMode().build();
        emu.map(CODE, 0x1000, Perm.READ | Perm.EXEC);
        emu.write(CODE, hex("0f3290")); // rdmsr; nop
        emu.msrWrite(Msrs.LSTAR, 0xffff_ffff_8123_4567L);
        emu.regWrite(Reg.RCX, Msrs.LSTAR & 0xFFFF_FFFFL);
        int[] calls = new int[1];
        emu.hookInsn(Insn.RDMSR, (e, which, rip) -> { calls[0]++; return false; });
        emu.start(CODE, CODE + 2);
        assertEquals(1, calls[0]);
        assertEquals(0x8123_4567L, emu.regRead(Reg.RAX));
        assertEquals(0xffff_ffffL, emu.regRead(Reg.RDX));
    }

    @Test
    void addingAndRemovingAHookInvalidatesExactlyTheAffectedBlocks() {
        Emulator emu = twoPages();
        BlockCache c = cache(emu);
        emu.start(CODE, TWO_DONE);
        assertEquals(3, c.misses, "three blocks decoded");
        emu.start(CODE, TWO_DONE);
        assertEquals(3, c.misses, "all cached");

        // a code hook over the middle block only: that block is rebuilt, the others are not
        int[] calls = new int[1];
        HookHandle h = emu.hookCode(0x401004, 0x401004, (e, a, n) -> calls[0]++);
        emu.start(CODE, TWO_DONE);
        assertEquals(4, c.misses);
        assertEquals(1, calls[0]);
        emu.start(CODE, TWO_DONE);
        assertEquals(4, c.misses);
        assertEquals(2, calls[0]);

        h.remove();
        emu.start(CODE, TWO_DONE);
        assertEquals(5, c.misses, "only the middle block again");
        assertEquals(2, calls[0]);

        // an instruction hook for CPUID: no block contains one, nothing is invalidated
        HookHandle h2 = emu.hookInsn(Insn.CPUID, (e, i, a) -> true);
        emu.start(CODE, TWO_DONE);
        assertEquals(5, c.misses);
        h2.remove();

        // a block hook on the last block's start
        long inv = c.invalidations;
        emu.hookBlock(0x402000, 0x402000, (e, a, n) -> { });
        assertEquals(inv + 1, c.invalidations);
        emu.start(CODE, TWO_DONE);
        assertEquals(6, c.misses);
    }

    @Test
    void blocksOutsideEveryHookRunUnhooked() {
        Emulator emu = twoPages();
        emu.hookCode(0x401000, 0x401fff, (e, a, n) -> { });
        emu.start(CODE, TWO_DONE);
        int hooked = 0, plain = 0;
        for (long a : new long[] {0x400000, 0x401000, 0x402000}) {
            if (cache(emu).lookup(a).hooked) hooked++; else plain++;
        }
        assertEquals(1, hooked);
        assertEquals(2, plain);
    }

}

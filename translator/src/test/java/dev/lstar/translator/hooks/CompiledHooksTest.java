package dev.lstar.translator.hooks;

import static dev.lstar.api.Guest.*;
import static dev.lstar.translator.hooks.HookGuest.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.api.Emulator;
import dev.lstar.api.HookHandle;
import dev.lstar.api.Insn;
import dev.lstar.api.MemAccess;
import dev.lstar.api.Reg;
import dev.lstar.api.StopInfo;
import dev.lstar.runtime.Flags;
import dev.lstar.translator.JitEngine;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

/**
 * Hooks compiled into translations: the state a hook sees and the effect of what it changes are
 * the interpreter's (the oracle) instruction by instruction; hooked blocks run translated, not
 * interpreted; hook changes re-translate exactly the affected blocks.
 */
class CompiledHooksTest {
    private static final Reg[] GPRS = {Reg.RAX, Reg.RCX, Reg.RDX, Reg.RBX, Reg.RSP, Reg.RBP, Reg.RSI, Reg.RDI,
            Reg.R8, Reg.R9, Reg.R10, Reg.R11, Reg.R12, Reg.R13, Reg.R14, Reg.R15};

    /** Runs {@code code} on {@code engine} with a code hook on every instruction that records the full state and may change it. */
    private static List<String> trace(String engine, byte[] code, long until, Consumer<Emulator> setup, HookAction act) {
        Emulator emu = jitUser(engine, code);
        setup.accept(emu);
        List<String> out = new ArrayList<>();
        emu.hookCode((e, a, n) -> {
            StringBuilder sb = new StringBuilder(Long.toHexString(a)).append(" rip=").append(Long.toHexString(e.regRead(Reg.RIP)));
            for (Reg r : GPRS) sb.append(' ').append(Long.toHexString(e.regRead(r)));
            sb.append(" fl=").append(Long.toHexString(e.regRead(Reg.RFLAGS)));
            sb.append(" n=").append(e.machine().cpu.instructions);
            out.add(sb.toString());
            act.on(e, a, out.size());
        });
        StopInfo s = emu.start(CODE, until, 0, 100_000);
        out.add("stop " + s.reason() + " after " + s.instructions() + " at " + Long.toHexString(s.rip()));
        StringBuilder fin = new StringBuilder("final");
        for (Reg r : GPRS) fin.append(' ').append(Long.toHexString(emu.regRead(r)));
        fin.append(" fl=").append(Long.toHexString(emu.regRead(Reg.RFLAGS)));
        if (emu.translate(DATA) >= 0) {
            fin.append(" mem=").append(Long.toHexString(emu.readLong(DATA))).append('/').append(Long.toHexString(emu.readLong(DATA + 8)));
        }
        out.add(fin.toString());
        if (emu.engine() instanceof JitEngine j) {
            assertTrue(j.hookedTranslations > 0, "translated with hook calls");
            // at most the last block, when the budget or `until` ends inside it
            assertTrue(j.interpretedBlocks <= 1, "no hooked block fell back to the interpreter:\n" + j.stats());
        }
        return out;
    }

    @FunctionalInterface
    interface HookAction {
        void on(Emulator e, long address, int call);
    }

    private static void sameOnJitAsInterp(byte[] code, long until, Consumer<Emulator> setup, HookAction act) {
        List<String> want = trace("interp", code, until, setup, act);
        List<String> got = trace("jit", code, until, setup, act);
        assertTrue(want.size() > 10, "the program ran: " + want);
        for (int k = 0; k < Math.min(want.size(), got.size()); k++) {
            assertEquals(want.get(k), got.get(k), "line " + k);
        }
        assertEquals(want.size(), got.size());
    }

    @Test
    void observingHookSeesTheInterpretersStateAtEveryInstruction() {
        sameOnJitAsInterp(LOOP, LOOP_DONE, e -> { e.regWrite(Reg.RAX, 0x123456789L); e.regWrite(Reg.RCX, 20); }, (e, a, n) -> { });
        sameOnJitAsInterp(MIX, MIX_DONE, e -> e.writeLong(DATA, 0x1234), (e, a, n) -> { });
    }

    @Test
    void registerWritesInHooksReachTheNextInstruction() {
        // before `xor %rdx,%rax`: change rdx (a register the block keeps in a local)
        sameOnJitAsInterp(LOOP, LOOP_DONE, e -> e.regWrite(Reg.RCX, 10), (e, a, n) -> {
            if (a == 0x400007) e.regWrite(Reg.RDX, e.regRead(Reg.RDX) + n);
        });
        // every instruction: perturb a register the next one reads
        sameOnJitAsInterp(MIX, MIX_DONE, e -> { }, (e, a, n) -> {
            if (a == 0x40000f) e.regWrite(Reg.RCX, e.regRead(Reg.RCX) | 0x100); // add %rcx,%rax
            if (a == 0x400020) e.regWrite(Reg.RAX, e.regRead(Reg.RAX) + 0x4100); // mov %al,%bh
            if (a == 0x40003f) e.regWrite(Reg.R9, 7 * n); // add %r9,%r11
            if (a == 0x400036) e.regWrite(Reg.RCX, e.regRead(Reg.RCX) & 0xFFFF_FFFFL);
        });
    }

    @Test
    void flagWritesInHooksReachConditions() {
        // before `jne` (its flags come from the `sub` right before it): force ZF on the third pass
        sameOnJitAsInterp(MIX, MIX_DONE, e -> { }, (e, a, n) -> {
            if (a == 0x400039 && n > 40 && n < 60) e.regWrite(Reg.RFLAGS, e.regRead(Reg.RFLAGS) | Flags.ZF);
        });
        // before `setb` (after the cmp): set CF
        sameOnJitAsInterp(MIX, MIX_DONE, e -> { }, (e, a, n) -> {
            if (a == 0x400019) e.regWrite(Reg.RFLAGS, e.regRead(Reg.RFLAGS) | Flags.CF);
        });
    }

    @Test
    void interpreterFallbacksInsideHookedBlocks() {
        sameOnJitAsInterp(FALLBACKS, FALLBACKS_DONE, e -> { }, (e, a, n) -> { });
        sameOnJitAsInterp(FALLBACKS, FALLBACKS_DONE, e -> { }, (e, a, n) -> {
            if (a == 0x400018) e.regWrite(Reg.RCX, 9); // rep stos reads rcx from the hook
            if (a == 0x40001f) e.regWrite(Reg.RAX, 0x1111); // xadd
        });
    }

    @Test
    void faultsInsideHookedBlocksArePreciseAndRetried() {
        // MIX's first load faults (DATA unmapped) in the middle of the first block; the fault hook maps it
        sameOnJitAsInterp(MIX, MIX_DONE, e -> {
            e.unmap(DATA, 0x1000);
            e.hookMemFault((em, access, address, size, value) -> {
                em.map(address & ~0xFFFL, 0x1000, dev.lstar.api.Perm.READ | dev.lstar.api.Perm.WRITE);
                em.writeLong(address, 0x77);
                return true;
            });
        }, (e, a, n) -> { });
        // without a fault hook the run stops at the faulting instruction, with the state before it
        List<String> t = trace("jit", MIX, MIX_DONE, e -> e.unmap(DATA, 0x1000), (e, a, n) -> { });
        assertEquals(trace("interp", MIX, MIX_DONE, e -> e.unmap(DATA, 0x1000), (e, a, n) -> { }), t);
        assertEquals("stop FAULT after 2 at 40000c", t.get(t.size() - 2));
    }

    @Test
    void redirectAndStopFromHooks() {
        sameOnJitAsInterp(LOOP, Emulator.NO_UNTIL, e -> e.regWrite(Reg.RCX, 50), (e, a, n) -> {
            if (a == 0x400011 && n < 100) e.regWrite(Reg.RIP, 0x40001e); // skip to the add, mid-block
            if (n == 300) e.stop();
        });
    }

    @Test
    void hookedBlocksRunTranslatedAndUnhookedBlocksHaveNoHookCalls() {
        Emulator emu = threePages("jit");
        JitEngine j = jit(emu);
        List<Long> seen = new ArrayList<>();
        emu.hookCode(0x401000, 0x401fff, (e, a, n) -> seen.add(a));
        emu.start(CODE, TWO_DONE);
        assertEquals(List.of(0x401000L, 0x401004L, 0x401008L, 0x40100cL), seen);
        assertEquals(3, j.translations);
        assertEquals(1, j.hookedTranslations, "only the middle block has hook calls");
        // the last block is interpreted only because `until` lies inside it
        assertEquals(1, j.interpretedBlocks);
    }

    @Test
    void addingAndRemovingAHookRetranslatesExactlyTheAffectedBlocks() {
        Emulator emu = threePages("jit");
        JitEngine j = jit(emu);
        emu.start(CODE, TWO_DONE);
        assertEquals(3, j.translations);
        emu.start(CODE, TWO_DONE);
        assertEquals(3, j.translations, "all cached");

        int[] calls = new int[1];
        HookHandle h = emu.hookCode(0x401004, 0x401004, (e, a, n) -> calls[0]++);
        assertEquals(2, j.liveTranslations(), "the middle block's translation was dropped at once");
        emu.start(CODE, TWO_DONE);
        assertEquals(4, j.translations);
        assertEquals(1, j.hookedTranslations);
        assertEquals(1, calls[0]);
        emu.start(CODE, TWO_DONE);
        assertEquals(4, j.translations);
        assertEquals(2, calls[0]);

        h.remove();
        emu.start(CODE, TWO_DONE);
        assertEquals(5, j.translations, "only the middle block again, now without hook calls");
        assertEquals(1, j.hookedTranslations);
        assertEquals(2, calls[0]);

        // no block contains CPUID: nothing is dropped
        HookHandle h2 = emu.hookInsn(Insn.CPUID, (e, i, a) -> true);
        emu.start(CODE, TWO_DONE);
        assertEquals(5, j.translations);
        h2.remove();

        // memory hooks: every block with a memory access; only the third has one (the zero-filled
        // rest of its page decodes as `add %al,(%rax)`)
        HookHandle h3 = emu.hookMem(EnumSet.of(MemAccess.READ), 1, 0, (e, k, a, n, v) -> { });
        emu.start(CODE, TWO_DONE);
        assertEquals(6, j.translations);
        assertEquals(2, j.hookedTranslations);
        h3.remove();

        // a block hook on the first block's start (and the third block back without hook calls)
        emu.hookBlock(CODE, CODE, (e, a, n) -> calls[0] += 100);
        emu.start(CODE, TWO_DONE);
        assertEquals(8, j.translations);
        assertEquals(3, j.hookedTranslations);
        assertEquals(102, calls[0]);
    }

    @Test
    void flushCodeRangeDropsTheTranslation() {
        Emulator emu = threePages("jit");
        JitEngine j = jit(emu);
        emu.start(CODE, TWO_DONE);
        assertEquals(1, emu.flushCode(CODE + 0x1004, 1), "one block (counted once, not per cache)");
        assertEquals(2, j.liveTranslations());
        emu.start(CODE, TWO_DONE);
        assertEquals(4, j.translations);
        assertEquals(12, emu.regRead(Reg.RBX) / 2, "ran twice: 2 * (3+4+5)");
    }

    @Test
    void precompileTranslatesAheadOfTime() {
        Emulator emu = threePages("jit");
        JitEngine j = jit(emu);
        assertEquals(1, emu.precompile(CODE, TWO_A.length));
        assertEquals(1, emu.precompile(CODE + 0x1000, TWO_B.length));
        assertEquals(2, j.translations);
        emu.start(CODE, TWO_DONE);
        assertEquals(3, j.translations, "only the third block was translated by the run");
    }

    @Test
    void syscallInstructionHookInAHotLoopRunsTranslated() {
        Emulator emu = jitUser("jit", SYSLOOP);
        JitEngine j = jit(emu);
        long[] calls = new long[1];
        emu.hookInsn(Insn.SYSCALL, (e, insn, rip) -> { calls[0]++; e.regWrite(Reg.RAX, e.regRead(Reg.RCX)); return true; });
        emu.regWrite(Reg.RCX, 5000);
        StopInfo s = emu.start(CODE, SYSLOOP_DONE);
        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason());
        assertEquals(5000, calls[0]);
        assertEquals(1, emu.regRead(Reg.RAX), "the last syscall saw rcx = 1");
        assertEquals(20000, s.instructions());
        assertTrue(j.interpretedBlocks <= 1, "hooked SYSCALL blocks are translated:\n" + j.stats());
    }
}

package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.api.Emulator;
import dev.lstar.api.MemAccess;
import dev.lstar.api.Perm;
import dev.lstar.api.Reg;
import dev.lstar.api.StopInfo;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code Emulator.precompile} of a range translates the range's blocks together, in batch classes
 * (as a run translates pending blocks), blocks with compiled hook calls too: each hooked member
 * keeps its own constants (hook site, instructions) in the shared class. The hooks see exactly
 * what the interpreter reports.
 */
class PrecompileBatchTest {
    // 400000: mov $5,%rax; 400007: mov %rax,0x600000; 40000f: dec %rax; 400012: jnz 400007;
    // 400014: int3; 400015: mov 0x600000,%rbx; 40001d: add %rax,%rbx; 400020: jmp 400024; 400022: ud2; 400024: nop
    static final byte[] CODE = {
            0x48, (byte) 0xc7, (byte) 0xc0, 0x05, 0, 0, 0,
            0x48, (byte) 0x89, 0x04, 0x25, 0, 0, 0x60, 0,
            0x48, (byte) 0xff, (byte) 0xc8,
            0x75, (byte) 0xf3,
            (byte) 0xcc,
            0x48, (byte) 0x8b, 0x1c, 0x25, 0, 0, 0x60, 0,
            0x48, 0x01, (byte) 0xc3,
            (byte) 0xeb, 0x02,
            0x0f, 0x0b,
            (byte) 0x90};

    record Result(String state, List<String> events, Emulator emu) {}

    static Result run(String engine, boolean hooks) {
        Emulator e = Emulator.builder().engine(engine).flatUserMode().build();
        e.map(0x400000, 0x1000, Perm.ALL);
        e.map(0x600000, 0x1000, Perm.READ | Perm.WRITE);
        e.map(0x7fe000, 0x2000, Perm.READ | Perm.WRITE);
        e.write(0x400000, CODE);
        e.regWrite(Reg.RSP, 0x7ff000);
        List<String> ev = new ArrayList<>();
        if (hooks) {
            e.hookCode(0x400000, 0x400fff, (x, a, s) -> ev.add("code " + Long.toHexString(a) + " " + s));
            e.hookMem(EnumSet.of(MemAccess.READ, MemAccess.WRITE), 0x600000, 0x600fff,
                    (x, k, a, s, v) -> ev.add(k + " " + Long.toHexString(a) + " " + s + " " + v));
            e.hookInterrupt((x, v, err) -> {
                ev.add("int " + v + " at " + Long.toHexString(x.regRead(Reg.RIP)));
                return v == 3;
            });
        }
        if (!engine.equals("interp")) assertTrue(e.precompile(0x400000, CODE.length) >= 3, "blocks precompiled");
        StopInfo s = e.start(0x400000, 0x400025, 0, 1000);
        String state = s.reason() + " n=" + s.instructions() + " rax=" + e.regRead(Reg.RAX) + " rbx=" + e.regRead(Reg.RBX)
                + " rip=" + Long.toHexString(e.regRead(Reg.RIP)) + " flags=" + Long.toHexString(e.regRead(Reg.RFLAGS));
        return new Result(state, ev, e);
    }

    @Test
    void hookedBlocksOfARangeShareABatchClassAndReportWhatTheInterpreterReports() {
        Result ref = run("interp", true), jit = run("jit", true);
        assertTrue(ref.state().startsWith(StopInfo.Reason.UNTIL_REACHED + " n=21 rax=0 rbx=1 rip=400025"), ref.state());
        assertEquals(5 + 1 + 1, ref.events().stream().filter(x -> x.startsWith("WRITE") || x.startsWith("READ") || x.startsWith("int")).count(),
                "five writes, the int3, one read: " + ref.events());
        assertEquals(ref.state(), jit.state());
        assertEquals(ref.events(), jit.events());
        JitEngine j = (JitEngine) jit.emu().engine();
        assertTrue(j.batches >= 1 && j.batchedBlocks >= 3, j.stats());
        assertTrue(j.hookedTranslations >= 3, j.stats());
        for (Translation t : j.translationsForTest()) {
            if (t.la == 0x400000) assertTrue(t.code != null && t.code.inBatch && t.hookCalls, "the first block is a hooked batch member");
        }
    }

    @Test
    void withoutHooksTheRangeIsOneBatchToo() {
        Result ref = run("interp", false), jit = run("jit", false);
        assertEquals(ref.state(), jit.state());
        JitEngine j = (JitEngine) jit.emu().engine();
        assertTrue(j.batches >= 1 && j.batchedBlocks >= 3, j.stats());
    }
}

package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.translator.SseJitTest.Outcome;

import java.util.HexFormat;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Translated code checks a memory operand's canonical form only on the TLB miss (the Mmu's
 * accessors with a stack argument): a non-canonical address still raises #GP(0), or #SS(0) for
 * an RSP/RBP-based one, at the instruction, before #AC when alignment checking is on, with the
 * state of before it — the same outcome as the interpreter and lockstep.
 */
class CanonicalOnMissTest {
    static final long NON_CANONICAL = 0x0000_8000_0000_0000L;

    /** Each program is "inc %rax; X" (then "jmp 1f; 1: hlt"); X and the vector it must raise. */
    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource({
            "mov (%rbx) to rcx, 488b0b, 13",
            "mov 8(%rsp) to rcx, 488b4c2408, 12",
            "addq $1 to (%rbp), 4883450001, 12",
            "mov ecx to (%rdx), 890a, 13",
            "movsd (%rbp) to xmm0, f20f104500, 12",
            "movdqu (%rbx) to xmm0, f30f6f03, 13",
            "movups xmm0 to (%rsp), 0f110424, 12",
            "mov 1(%rbx) to rcx, 488b4b01, 13",
            "mov 1(%rbp) to rcx, 488b4d01, 12",
            "movw cx to 3(%rbp), 66894d03, 12",
            "movb $1 to (%rbx), c60301, 13",
            "movq $1 to 8(%rsp), 48c744240801000000, 12",
            "movl $-1 to (%rbx+rcx*8), c704cbffffffff, 13",
    })
    void nonCanonicalOperandsFaultAsOnTheInterpreter(String name, String insn, int vector) {
        for (boolean alignmentCheck : new boolean[] {false, true}) {
            Consumer<BareMachine> setup = bm -> {
                Cpu c = bm.machine.cpu;
                c.r[Cpu.RBX] = NON_CANONICAL;
                c.r[Cpu.RDX] = NON_CANONICAL + 0x1000;
                c.r[Cpu.RBP] = NON_CANONICAL + 0x2000;
                c.r[Cpu.RSP] = NON_CANONICAL + 0x3000;
                if (alignmentCheck) { // CPL 3 with CR0.AM and RFLAGS.AC: misaligned ones would be #AC if canonical
                    c.cr0 |= Cpu.CR0_AM;
                    c.setRflags(c.getRflags() | Flags.AC);
                    c.mmu.syncAlignmentCheck();
                }
            };
            String program = "48ffc0" + insn;
            Outcome ref = SseJitTest.fault("interp", program, setup);
            assertEquals(StopReason.UNHANDLED_FAULT, ref.reason(), ref.toString());
            assertEquals(vector, ref.vector(), name);
            assertEquals(0, ref.errorCode());
            assertEquals(1, ref.r()[Cpu.RAX], "the inc retired");
            assertEquals(SseJitTest.CODE + 3, ref.faultRip());
            assertEquals(ref, SseJitTest.fault("jit", program, setup), name + ", alignment check " + alignmentCheck);
            assertEquals(ref, SseJitTest.fault("lockstep", program, setup), name + ", alignment check " + alignmentCheck);
        }
    }

    /** The same instructions on canonical, mapped addresses run (the tag hit) on every engine. */
    @ParameterizedTest
    @CsvSource({"488b0b", "4883450001", "890a", "f20f104500", "f30f6f03", "0f110424"})
    void canonicalOperandsRun(String insn) {
        String program = "48ffc0" + insn;
        Consumer<BareMachine> setup = bm -> {
            Cpu c = bm.machine.cpu;
            c.r[Cpu.RBX] = SseJitTest.DATA + 0x100;
            c.r[Cpu.RDX] = SseJitTest.DATA + 0x200;
            c.r[Cpu.RBP] = SseJitTest.DATA + 0x300;
            c.r[Cpu.RSP] = SseJitTest.DATA + 0x400;
        };
        Outcome ref = run("interp", program, setup);
        assertEquals(StopReason.UNTIL_REACHED, ref.reason(), ref.toString());
        assertEquals(ref, run("jit", program, setup));
        assertEquals(ref, run("lockstep", program, setup));
    }

    private static Outcome run(String engine, String program, Consumer<BareMachine> setup) {
        byte[] code = HexFormat.of().parseHex(program + "eb00f4");
        return SseJitTest.run(engine, code, SseJitTest.CODE, SseJitTest.CODE + code.length - 1, bm -> {
            bm.poke(SseJitTest.DATA, new byte[0x1000]);
            setup.accept(bm);
        });
    }
}

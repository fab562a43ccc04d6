package dev.lstar.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.decoder.ByteSource;
import dev.lstar.decoder.Decoder;
import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.interp.Exec;
import java.lang.management.ManagementFactory;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The common x87 instructions allocate nothing per execution (the contexts are the CPU's, the
 * arithmetic is on longs): a stack-neutral sequence of loads, stores, arithmetic in every form,
 * compares, conversions and the one-operand instructions, run 20,000 times after a warm-up,
 * allocates less than a byte per instruction in this thread, under each rounding mode and
 * precision.
 */
class X87AllocationTest extends RingThreeMachine {
    /** rbx = DATA: [rbx] m64 1.5 (m32 as well), [rbx+8] m32int 3, [rbx+16] m80, [rbx+32..] stores. */
    private static final String[] SEQUENCE = {
        "dd03", // fld qword [rbx]
        "dc0b", // fmul qword [rbx]
        "dc03", // fadd qword [rbx]
        "dc33", // fdiv qword [rbx]
        "dc23", // fsub qword [rbx]
        "dc3b", // fdivr qword [rbx]
        "d803", // fadd dword [rbx]
        "da4308", // fimul dword [rbx+8]
        "da4308", // fiadd dword [rbx+8]
        "d9fa", // fsqrt
        "d9fc", // frndint
        "db4308", // fild dword [rbx+8]
        "dbf1", // fcomi st, st1
        "dfe9", // fucomip st, st1... (pops: see below)
        "db4308", // fild dword [rbx+8]
        "dde1", // fucom st1
        "d85308", // fcom dword [rbx+8]
        "d9c9", // fxch st1
        "dec9", // fmulp
        "d9e0", // fchs
        "d9e1", // fabs
        "d9e8", // fld1
        "dee9", // fsubrp
        "d9ee", // fldz
        "dec1", // faddp
        "db7b10", // fstp tbyte [rbx+16]
        "db6b10", // fld tbyte [rbx+16]
        "dd5320", // fst qword [rbx+32]
        "d95328", // fst dword [rbx+40]
        "df5338", // fist word [rbx+56]
        "db5338", // fist dword [rbx+56]
        "dd4b30", // fisttp qword [rbx+48]
        "dd03", // fld qword [rbx]
        "df7b30", // fistp qword [rbx+48]
        "d9e8", // fld1
        "ddd8", // fstp st0
    };

    @Test
    void commonX87InstructionsAllocateNothingPerExecution() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Instruction[] insns = new Instruction[SEQUENCE.length];
        for (int k = 0; k < insns.length; k++) {
            byte[] code = HexFormat.of().parseHex(SEQUENCE[k]);
            insns[k] = Decoder.decode(ByteSource.of(CODE, code), CODE, new Instruction());
        }
        c.r[Cpu.RBX] = DATA;
        c.mmu.write64(DATA, Double.doubleToRawLongBits(1.5));
        c.mmu.write64(DATA + 8, 3);
        for (int cw : new int[] {0x037F, 0x027F, 0x007F, 0x077F, 0x0B7F, 0x0F7F}) {
            c.fcw = cw;
            for (int k = 0; k < 20_000; k++) round(insns);
            assertEquals(0, c.ftw, "the sequence leaves the stack empty");
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int k = 0; k < 20_000; k++) round(insns);
            long bytes = mx.getCurrentThreadAllocatedBytes() - before;
            long n = 20_000L * insns.length;
            assertTrue(bytes < n, "cw " + Integer.toHexString(cw) + ": " + bytes + " bytes allocated by " + n + " x87 instructions");
            assertEquals(0, c.fsw & 0x80, "no unmasked exception");
        }
    }

    private void round(Instruction[] insns) {
        for (Instruction i : insns) Exec.execute(c, i);
    }
}

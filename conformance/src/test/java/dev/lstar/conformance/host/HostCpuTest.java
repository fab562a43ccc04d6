package dev.lstar.conformance.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.conformance.State;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HostCpuTest {
    static final long CF = 1, PF = 4, AF = 16, ZF = 64, SF = 128, DF = 1024, OF = 2048;
    static HostCpu cpu;

    @BeforeAll
    static void open() {
        assumeTrue(HostCpu.supported(), HostCpu.unsupportedReason());
        cpu = new HostCpu();
    }

    @AfterAll
    static void close() {
        if (cpu != null) {
            cpu.close();
        }
    }

    static byte[] b(int... v) {
        byte[] r = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = (byte) v[i];
        }
        return r;
    }

    State randomState(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        State s = cpu.newState();
        for (int r = 0; r < 16; r++) {
            s.gpr[r] = rnd.nextLong();
        }
        rnd.nextBytes(s.memory);
        return s;
    }

    @Test
    void nopRoundTripsEveryRegisterFlagAndByte() {
        State in = randomState(1);
        in.rflags = CF | PF | AF | ZF | SF | DF | OF;
        State out = cpu.run(b(0x90), in);
        assertArrayEquals(in.gpr, out.gpr);
        assertEquals(in.rflags, out.rflags);
        assertArrayEquals(in.memory, out.memory);
        in.rflags = 0;
        assertEquals(0, cpu.run(b(0x90), in).rflags);
    }

    @Test
    void addRaxRbxSumAndFlags() {
        State in = randomState(2);
        in.gpr[State.RAX] = 0x7fffffffffffffffL;
        in.gpr[State.RBX] = 1;
        in.rflags = CF | ZF; // stale input flags must be overwritten
        State out = cpu.run(b(0x48, 0x01, 0xd8), in); // add rax, rbx
        assertEquals(0x8000000000000000L, out.gpr[State.RAX]);
        // signed overflow, negative result, carry out of bit 3, low byte 00 has even parity
        assertEquals(OF | SF | AF | PF, out.rflags);
        for (int r = 1; r < 16; r++) {
            assertEquals(in.gpr[r], out.gpr[r], State.regName(r));
        }
        in.gpr[State.RAX] = -1;
        out = cpu.run(b(0x48, 0x01, 0xd8), in);
        assertEquals(0, out.gpr[State.RAX]);
        assertEquals(CF | ZF | PF | AF, out.rflags);
    }

    @Test
    void adcConsumesCarry() {
        State in = randomState(3);
        in.gpr[State.RAX] = 5;
        in.gpr[State.RBX] = 7;
        in.rflags = CF;
        assertEquals(13, cpu.run(b(0x48, 0x11, 0xd8), in).gpr[State.RAX]); // adc rax, rbx
        in.rflags = 0;
        assertEquals(12, cpu.run(b(0x48, 0x11, 0xd8), in).gpr[State.RAX]);
    }

    @Test
    void thirtyTwoBitWriteZeroExtends() {
        State in = randomState(4);
        in.gpr[State.RCX] = 0xdeadbeef_00000001L;
        in.gpr[State.RDX] = 0x12345678_00000002L;
        State out = cpu.run(b(0x01, 0xd1), in); // add ecx, edx
        assertEquals(3, out.gpr[State.RCX]);
    }

    @Test
    void memoryOperandWritesBuffer() {
        State in = randomState(5);
        in.gpr[State.RBX] = cpu.dataBase() + 0x100;
        in.gpr[State.RAX] = 0x0102030405060708L;
        for (int i = 0; i < 8; i++) {
            in.memory[0x110 + i] = (byte) (0x10 * (i + 1));
        }
        State out = cpu.run(b(0x48, 0x01, 0x43, 0x10), in); // add [rbx+0x10], rax
        long m = 0;
        for (int i = 7; i >= 0; i--) {
            m = m << 8 | (out.memory[0x110 + i] & 0xFF);
        }
        assertEquals(0x8070605040302010L + 0x0102030405060708L, m);
        for (int i = 0; i < State.MEMORY_SIZE; i++) {
            if (i < 0x110 || i >= 0x118) {
                assertEquals(in.memory[i], out.memory[i], "byte " + i);
            }
        }
        assertArrayEquals(in.gpr, out.gpr);
    }

    @Test
    void memoryOperandIsRead() {
        State in = randomState(6);
        in.gpr[State.R13] = cpu.dataBase() + 0xff0;
        in.memory[0xff8] = 0x2a;
        in.memory[0xff9] = 0;
        in.memory[0xffa] = 0;
        in.memory[0xffb] = 0;
        State out = cpu.run(b(0x41, 0x8b, 0x45, 0x08), in); // mov eax, [r13+8]
        assertEquals(0x2a, out.gpr[State.RAX]);
    }

    @Test
    void directionFlagInAndOut() {
        State in = randomState(7);
        in.rflags = DF;
        assertEquals(0, cpu.run(b(0xfc), in).rflags); // cld
        in.rflags = 0;
        assertEquals(DF, cpu.run(b(0xfd), in).rflags); // std
        // the trampoline cleared DF before returning to Java; a later run still sees DF=0 in
        assertEquals(0, cpu.run(b(0x90), in).rflags);
    }

    @Test
    void highByteRegisterWithoutRex() {
        State in = randomState(8);
        in.gpr[State.RAX] = 0x1111_2222_3333_44ffL;
        in.gpr[State.RBX] = 0x01;
        State out = cpu.run(b(0x00, 0xdc), in); // add ah, bl
        assertEquals(0x1111_2222_3333_45ffL, out.gpr[State.RAX]);
    }

    @Test
    void refusesStackControlAndRipRelative() {
        State in = cpu.newState();
        byte[][] bad = {
            b(0x50), // push rax
            b(0x48, 0x89, 0xe0), // mov rax, rsp
            b(0x48, 0x8d, 0x44, 0x24, 0x08), // lea rax, [rsp+8]
            b(0x48, 0x8b, 0x05, 0, 0, 0, 0), // mov rax, [rip+0]
            b(0xeb, 0x00), // jmp
            b(0xc3), // ret
            b(0xff, 0xd0), // call rax
            b(0x40, 0x00, 0xdc), // add spl, bl
            b(0x64, 0x48, 0x8b, 0x03), // mov rax, fs:[rbx]
            b(0x0f, 0x05), // syscall
        };
        for (byte[] insn : bad) {
            assertThrows(IllegalArgumentException.class, () -> cpu.run(insn, in), HostCpu.hex(insn));
        }
        State wrongBase = new State(cpu.dataBase() + 4096);
        assertThrows(IllegalArgumentException.class, () -> cpu.run(b(0x90), wrongBase));
    }

    @Test
    void r8ToR15AreLoadedAndStored() {
        State in = randomState(9);
        State out = cpu.run(b(0x4d, 0x01, 0xf7), in); // add r15, r14
        assertEquals(in.gpr[State.R15] + in.gpr[State.R14], out.gpr[State.R15]);
        assertEquals(in.gpr[State.R14], out.gpr[State.R14]);
    }
}

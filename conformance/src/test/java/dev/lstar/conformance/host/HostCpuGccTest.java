package dev.lstar.conformance.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.conformance.State;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cross-checks the FFM trampoline against an independent path to the same CPU: a small C program
 * (gcc inline asm, flags loaded with POPFQ and read with PUSHFQ) runs the same instructions on the
 * same inputs. Any difference would be a bug in how HostCpu loads or stores registers and flags.
 */
class HostCpuGccTest {
    @TempDir
    Path dir;

    // op: 0 add rax,rbx  1 adc rax,rbx  2 sbb rax,rbx  3 shl rax,cl  4 imul rax,rbx  5 rcr eax,cl  6 bsf rax,rbx
    static final String C = """
            #include <stdio.h>
            #include <stdint.h>
            int main(void) {
              unsigned op; unsigned long long a, b, f;
              while (scanf("%u %llx %llx %llx", &op, &a, &b, &f) == 4) {
                uint64_t ra = a, rb = b, fl = f;
                switch (op) {
                #define RUN(insn) __asm__ volatile("push %[f]\\n popfq\\n" insn "\\n pushfq\\n pop %[f]" \\
                    : [f] "+r"(fl), "+a"(ra), "+b"(rb) : "c"(rb) : "cc", "memory")
                case 0: RUN("add %%rbx,%%rax"); break;
                case 1: RUN("adc %%rbx,%%rax"); break;
                case 2: RUN("sbb %%rbx,%%rax"); break;
                case 3: RUN("shl %%cl,%%rax"); break;
                case 4: RUN("imul %%rbx,%%rax"); break;
                case 5: RUN("rcr %%cl,%%eax"); break;
                case 6: RUN("bsf %%rbx,%%rax"); break;
                }
                printf("%llx %llx\\n", (unsigned long long) ra, (unsigned long long) (fl & 0xcd5));
              }
              return 0;
            }
            """;
    static final byte[][] INSN = {{0x48, 0x01, (byte) 0xd8}, {0x48, 0x11, (byte) 0xd8}, {0x48, 0x19, (byte) 0xd8},
            {0x48, (byte) 0xd3, (byte) 0xe0}, {0x48, 0x0f, (byte) 0xaf, (byte) 0xc3}, {(byte) 0xd3, (byte) 0xd8},
            {0x48, 0x0f, (byte) 0xbc, (byte) 0xc3}};

    static boolean gcc() {
        try {
            Process p = new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void trampolineAgreesWithInlineAssembly() throws Exception {
        assumeTrue(HostCpu.supported(), HostCpu.unsupportedReason());
        assumeTrue(gcc(), "gcc is needed");
        Path src = dir.resolve("x.c"), exe = dir.resolve("x");
        Files.writeString(src, C);
        // -mno-red-zone: the inline PUSH/POP must not clobber locals below RSP
        Process cc = new ProcessBuilder("gcc", "-O1", "-mno-red-zone", "-o", exe.toString(), src.toString())
                .redirectErrorStream(true).start();
        String ccOut = new String(cc.getInputStream().readAllBytes());
        assertTrue(cc.waitFor(120, TimeUnit.SECONDS) && cc.exitValue() == 0, ccOut);

        SplittableRandom rnd = new SplittableRandom(11);
        long[] edges = {0, 1, -1, 0x7fffffffffffffffL, 0x8000000000000000L, 0x80000000L, 63, 64, 65};
        List<long[]> inputs = new ArrayList<>();
        StringBuilder stdin = new StringBuilder();
        for (int op = 0; op < INSN.length; op++) {
            for (int k = 0; k < 60; k++) {
                long a = k < edges.length ? edges[k] : rnd.nextLong();
                long b = k < edges.length * 2 && k >= edges.length ? edges[k - edges.length] : rnd.nextInt(4) == 0 ? rnd.nextInt(70) : rnd.nextLong();
                long f = rnd.nextLong() & 0xCD5; // CF PF AF ZF SF DF OF
                inputs.add(new long[] {op, a, b, f});
                stdin.append(op).append(' ').append(Long.toHexString(a)).append(' ').append(Long.toHexString(b))
                        .append(' ').append(Long.toHexString(f)).append('\n');
            }
        }
        Process run = new ProcessBuilder(exe.toString()).start();
        run.getOutputStream().write(stdin.toString().getBytes());
        run.getOutputStream().close();
        String[] lines = new String(run.getInputStream().readAllBytes()).split("\n");
        assertTrue(run.waitFor(60, TimeUnit.SECONDS) && run.exitValue() == 0);
        assertEquals(inputs.size(), lines.length);

        try (HostCpu cpu = new HostCpu()) {
            for (int i = 0; i < inputs.size(); i++) {
                long[] in = inputs.get(i);
                State s = cpu.newState();
                s.gpr[State.RAX] = in[1];
                s.gpr[State.RBX] = in[2];
                s.gpr[State.RCX] = in[2];
                s.rflags = in[3];
                State out = cpu.run(INSN[(int) in[0]], s);
                String[] want = lines[i].trim().split(" ");
                String what = "op " + in[0] + " a=" + Long.toHexString(in[1]) + " b=" + Long.toHexString(in[2]) + " f=" + Long.toHexString(in[3]);
                assertEquals(Long.parseUnsignedLong(want[0], 16), out.gpr[State.RAX], what);
                assertEquals(Long.parseUnsignedLong(want[1], 16), out.rflags, what);
            }
        }
    }
}

package dev.lstar.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.decoder.ByteSource;
import dev.lstar.decoder.Decoder;
import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.interp.Exec;
import java.lang.management.ManagementFactory;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The packed-integer, blend and shift instructions allocate nothing per execution (no capturing
 * lambda, no temporary array): after a warm-up, 200,000 executions of each allocate less than a
 * byte per instruction in this thread (one object per instruction would be 16 bytes or more).
 */
class SseAllocationTest extends RingThreeMachine {
    /** pblendvb, blendvps, blendvpd, pblendw, psllw $3, psrad %xmm1, psrlq $70, psllw $3 (MMX), packsswb,
     * packuswb, packssdw (MMX), pmaxsd, paddusb, pshufb, palignr, pcmpeqq, pmovsxbw: register forms. */
    private static final String[] FORMS = {"660f3810d1", "660f3814d1", "660f3815d1", "660f3a0ed15a", "660f71f203", "660fe2d1",
        "660f73d246", "0f71f203", "660f63d1", "660f67d1", "0f6bd1", "660f383dd1", "660fdcd1", "660f3800d1", "660f3a0fd105",
        "660f3829d1", "660f3820d1"};

    @Test
    void sseInstructionsAllocateNothingPerExecution() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (String hex : FORMS) {
            byte[] code = HexFormat.of().parseHex(hex);
            Instruction insn = Decoder.decode(ByteSource.of(0x1000, code), 0x1000, new Instruction());
            c.xmm[0] = 0x8000_0000_0000_0080L; c.xmm[1] = 0x0080_0000_8000_0000L;
            c.xmm[2] = 0x0123_4567_89AB_CDEFL; c.xmm[3] = 0xFEDC_BA98_7654_3210L;
            for (int k = 0; k < 200_000; k++) run(insn);
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int k = 0; k < 200_000; k++) run(insn);
            long bytes = mx.getCurrentThreadAllocatedBytes() - before;
            assertTrue(bytes < 200_000, hex + ": " + bytes + " bytes allocated by 200,000 executions");
        }
    }

    private void run(Instruction insn) {
        c.xmm[4] ^= Exec.execute(c, insn); // keep the result live
        c.xmm[2] += 0x0101; // vary the operands a little
    }
}

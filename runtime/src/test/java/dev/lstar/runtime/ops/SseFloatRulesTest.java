package dev.lstar.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import org.junit.jupiter.api.Test;

/**
 * The SIMD floating-point exception rules the host-CPU differential cannot reach (an unmasked
 * exception would be SIGFPE in the host harness; the conformance suite only checks the vector):
 * #XM versus #UD by CR4.OSXMMEXCPT, the destination left unwritten, which MXCSR flags are set
 * (pre-computation exceptions stop the instruction before post-computation ones are looked for,
 * SDM Vol. 1 §11.5.2), and underflow when unmasked being raised on tininess alone (§4.9.1.5).
 */
class SseFloatRulesTest extends RingThreeMachine {
    static final int MASKED = 0x1F80, IE = 1, ZE = 4, UE = 0x10, PE = 0x20;
    static final int IM = 1 << 7, ZM = 1 << 9, UM = 1 << 11, PM = 1 << 12;
    static final long ONE = Double.doubleToRawLongBits(1.0), MIN_NORMAL = 0x0010000000000000L;




    @Test
    void unmaskedDivideByZeroIsXmOrUdAndWritesNothing() {
        c.xmm[0] = ONE;
        c.xmm[2] = 0;
        c.mxcsr = MASKED & ~ZM;
        assertFault(19, run("f2 0f 5e c1")); // divsd %xmm1,%xmm0
        assertEquals(ONE, c.xmm[0], "destination not written");
        assertEquals((MASKED & ~ZM) | ZE, c.mxcsr, "the exception's flag is set");
        c.cr4 &= ~Cpu.CR4_OSXMMEXCPT;
        c.mxcsr = MASKED & ~ZM;
        assertFault(6, run("f2 0f 5e c1"));
        c.mxcsr = MASKED;
        assertEquals(StopReason.UNTIL_REACHED, run("f2 0f 5e c1").reason());
        assertEquals(0x7FF0000000000000L, c.xmm[0]);
        assertEquals(MASKED | ZE, c.mxcsr);
    }

    @Test
    void aPreComputationExceptionStopsBeforePostComputationFlags() {
        c.xmm[0] = 0x7FF0000000000001L; // lane 0: SNaN + 1 (IE)
        c.xmm[2] = ONE;
        c.xmm[1] = ONE; // lane 1: 1 + 2^-60 (PE)
        c.xmm[3] = Double.doubleToRawLongBits(0x1p-60);
        c.mxcsr = MASKED & ~(IM | PM);
        assertFault(19, run("66 0f 58 c1")); // addpd %xmm1,%xmm0
        assertEquals(MASKED & ~(IM | PM) | IE, c.mxcsr, "IE only");
        assertEquals(ONE, c.xmm[1]);
        c.mxcsr = MASKED & ~PM;
        assertFault(19, run("66 0f 58 c1"));
        assertEquals(MASKED & ~PM | IE | PE, c.mxcsr, "masked IE and unmasked PE");
        assertEquals(0x7FF0000000000001L, c.xmm[0]);
        c.mxcsr = MASKED;
        assertEquals(StopReason.UNTIL_REACHED, run("66 0f 58 c1").reason());
        assertEquals(0x7FF8000000000001L, c.xmm[0], "the SNaN quieted");
        assertEquals(ONE, c.xmm[1], "rounded to nearest");
    }

    @Test
    void unmaskedUnderflowIsRaisedForAnExactTinyResult() {
        c.xmm[0] = MIN_NORMAL;
        c.xmm[2] = Double.doubleToRawLongBits(0.5);
        c.mxcsr = MASKED;
        assertEquals(StopReason.UNTIL_REACHED, run("f2 0f 59 c1").reason()); // mulsd %xmm1,%xmm0
        assertEquals(MIN_NORMAL >>> 1, c.xmm[0], "an exact denormal");
        assertEquals(MASKED, c.mxcsr, "masked: exact, so neither UE nor PE");
        c.xmm[0] = MIN_NORMAL;
        c.mxcsr = MASKED & ~UM;
        assertFault(19, run("f2 0f 59 c1"));
        assertEquals(MASKED & ~UM | UE, c.mxcsr);
        assertEquals(MIN_NORMAL, c.xmm[0]);
    }

    @Test
    void ucomisdWritesFlagsAndCvtRoundTrips() {
        c.xmm[0] = 0x7FF8000000000000L;
        c.xmm[2] = ONE;
        c.setRflags(0x8D5);
        assertEquals(StopReason.UNTIL_REACHED, run("66 0f 2e c1").reason()); // ucomisd: QNaN, unordered, no IE
        assertEquals(0x45, c.getRflags() & 0x8D5, "ZF PF CF set, OF SF AF cleared");
        assertEquals(MASKED, c.mxcsr);
        c.xmm[0] = Double.doubleToRawLongBits(-2.5);
        c.mxcsr = MASKED | 1 << 13; // round down
        assertEquals(StopReason.UNTIL_REACHED, run("f2 48 0f 2c c0").reason()); // cvttsd2si: truncates anyway
        assertEquals(-2, c.r[Cpu.RAX]);
        assertEquals(MASKED | 1 << 13 | PE, c.mxcsr);
        c.r[Cpu.RAX] = Long.MAX_VALUE;
        assertEquals(StopReason.UNTIL_REACHED, run("f2 48 0f 2a c0").reason()); // cvtsi2sd %rax: rounds down
        assertEquals(0x43DFFFFFFFFFFFFFL, c.xmm[0]);
        c.xmm[0] = 0x43E0000000000000L; // 2^63: out of range
        c.mxcsr = MASKED;
        assertEquals(StopReason.UNTIL_REACHED, run("f2 48 0f 2c c0").reason());
        assertEquals(Long.MIN_VALUE, c.r[Cpu.RAX], "integer indefinite");
        assertEquals(MASKED | IE, c.mxcsr);
    }
}

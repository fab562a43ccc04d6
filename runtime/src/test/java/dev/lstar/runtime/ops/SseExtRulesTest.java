package dev.lstar.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.sys.Cpuid;
import org.junit.jupiter.api.Test;

/**
 * Edge cases of the SSE3/SSSE3/SSE4.1 instructions, each written from the SDM and, where the SDM
 * leaves room (DPPS/DPPD's operand order with two NaNs, ROUND's flags), from what the host CPU
 * (Intel Xeon) returned for the same inputs. The conformance sweep compares every form with the
 * host on random inputs; these pin the corners by name.
 */
class SseExtRulesTest extends RingThreeMachine {
    static final int MASKED = 0x1F80, IE = 1, PE = 0x20, PM = 1 << 12;

    private static long d(double v) {
        return Double.doubleToRawLongBits(v);
    }

    private void xmm(int n, long lo, long hi) {
        c.xmm[2 * n] = lo;
        c.xmm[2 * n + 1] = hi;
    }

    private void ok(String hex) {
        assertEquals(StopReason.UNTIL_REACHED, run(hex).reason());
    }

    @Test
    void pshufbZeroesBytesWhoseSelectorHasBit7() {
        xmm(0, 0x0706050403020100L, 0x0F0E0D0C0B0A0908L);
        xmm(1, 0x0F8F801F00010203L, 0x7F70FF0E0E0E0E0EL); // 0x8F, 0x80: zero; 0x1F, 0x7F: index 15
        ok("66 0f 38 00 c1"); // pshufb %xmm1,%xmm0
        assertEquals(0x0F00000F00010203L, c.xmm[0]);
        assertEquals(0x0F00000E0E0E0E0EL, c.xmm[1]);
    }

    @Test
    void palignrShiftsTheConcatenationAndCountsFrom32GiveZero() {
        long[][] cases = {{0, 0x1111111111111111L, 0x2222222222222222L}, {16, 0x3333333333333333L, 0x4444444444444444L},
            {20, 0x4444444433333333L, 0x0000000044444444L}, {8, 0x2222222222222222L, 0x3333333333333333L},
            {32, 0, 0}, {255, 0, 0}, {31, 0x44L, 0}};
        for (long[] k : cases) {
            xmm(0, 0x3333333333333333L, 0x4444444444444444L); // destination: the high half
            xmm(1, 0x1111111111111111L, 0x2222222222222222L);
            ok("66 0f 3a 0f c1 " + String.format("%02x", k[0])); // palignr $imm,%xmm1,%xmm0
            assertEquals(k[1], c.xmm[0], "imm " + k[0]);
            assertEquals(k[2], c.xmm[1], "imm " + k[0]);
        }
    }

    /**
     * {@link Ssse3#palignrQuad} against the definition, byte by byte: bytes b..b+7 of the 32-byte
     * concatenation (zero past its end), for every b from 0 to 255 and random quadwords.
     */
    @Test
    void palignrQuadIsEightBytesOfTheConcatenation() {
        java.util.Random rnd = new java.util.Random(11);
        for (int round = 0; round < 20; round++) {
            long[] q = {rnd.nextLong(), rnd.nextLong(), rnd.nextLong(), rnd.nextLong()};
            byte[] cat = new byte[32];
            for (int k = 0; k < 32; k++) cat[k] = (byte) (q[k >>> 3] >>> (8 * (k & 7)));
            for (int b = 0; b < 256; b++) {
                long want = 0;
                for (int k = 0; k < 8; k++) if (b + k < 32) want |= (cat[b + k] & 0xFFL) << (8 * k);
                assertEquals(want, Ssse3.palignrQuad(q[0], q[1], q[2], q[3], b), "b = " + b);
            }
        }
    }

    @Test
    void packusdwSaturatesSignedDoublewordsToUnsignedWords() {
        xmm(0, 70000L << 32 | 0xFFFF_FFFFL, 0x8000_0000L << 32 | 65535L); // -1, 70000, 65535, INT_MIN
        xmm(1, 1L << 32 | 0x7FFF_FFFFL, 65536L << 32 | 0x8000L);
        ok("66 0f 38 2b c1"); // packusdw %xmm1,%xmm0
        assertEquals(0x0000_FFFF_FFFF_0000L, c.xmm[0]);
        assertEquals(0xFFFF_8000_0001_FFFFL, c.xmm[1]);
    }

    @Test
    void phminposuwTakesTheLowestIndexOnTies() {
        xmm(1, 0x0003_0007_0003_0005L, 0x0003_9000_0004_0003L);
        xmm(0, -1, -1);
        ok("66 0f 38 41 c1"); // phminposuw %xmm1,%xmm0
        assertEquals(1L << 16 | 3, c.xmm[0]);
        assertEquals(0, c.xmm[1]);
        xmm(1, -1, -1);
        ok("66 0f 38 41 c1");
        assertEquals(0xFFFF, c.xmm[0], "all 0xFFFF: index 0");
    }

    @Test
    void ptestSetsZfAndCfAndClearsTheOtherStatusFlags() {
        xmm(0, 0x0F, 0);
        xmm(1, 0xF0, 0);
        c.setRflags(c.getRflags() | 0x8D4); // OF SF AF PF
        ok("66 0f 38 17 c1"); // ptest %xmm1,%xmm0
        assertEquals(0x40, c.getRflags() & 0x8D5, "ZF only: d AND s = 0, NOT d AND s != 0");
        xmm(0, -1, -1);
        xmm(1, 0, 1L << 63);
        ok("66 0f 38 17 c1");
        assertEquals(0x01, c.getRflags() & 0x8D5, "CF only");
        assertEquals(-1L, c.xmm[0], "operands unchanged");
    }

    @Test
    void roundsdHonoursImmediateModesMxcsrAndThePrecisionSuppressBit() {
        double[][] cases = {{2.5, 0, 2.0}, {3.5, 0, 4.0}, {-2.5, 1, -3.0}, {2.1, 2, 3.0}, {-2.9, 3, -2.0}, {-0.4, 2, -0.0},
            {1e300, 3, 1e300}, {0x1p51 + 0.5, 0, 0x1p51}};
        for (double[] k : cases) {
            xmm(1, d(k[0]), 0);
            xmm(0, 0, 0x1234);
            c.mxcsr = MASKED;
            ok("66 0f 3a 0b c1 " + String.format("%02x", (int) k[1])); // roundsd $imm,%xmm1,%xmm0
            assertEquals(d(k[2]), c.xmm[0], k[0] + " mode " + k[1]);
            assertEquals(0x1234, c.xmm[1], "the high lane is kept");
            assertEquals(k[0] == k[2] ? MASKED : MASKED | PE, c.mxcsr, k[0] + " mode " + k[1]);
        }
        xmm(1, d(2.1), 0);
        c.mxcsr = MASKED | 2 << 13; // MXCSR.RC = up, selected by imm8[2]
        ok("66 0f 3a 0b c1 04");
        assertEquals(d(3.0), c.xmm[0]);
        c.mxcsr = MASKED;
        ok("66 0f 3a 0b c1 08"); // imm8[3]: inexact, but no PE
        assertEquals(d(2.0), c.xmm[0]);
        assertEquals(MASKED, c.mxcsr);
        c.mxcsr = MASKED & ~PM; // unmasked PE: #XM, destination kept ...
        xmm(0, 7, 0);
        assertFault(19, run("66 0f 3a 0b c1 00"));
        assertEquals(7, c.xmm[0]);
        c.mxcsr = MASKED & ~PM; // ... unless imm8[3] suppresses it
        ok("66 0f 3a 0b c1 08");
        assertEquals(d(2.0), c.xmm[0]);
    }

    @Test
    void roundQuietsSignallingNaNsWithIeAndKeepsQuietOnes() {
        xmm(1, 0x7FF0000000000001L, 0);
        c.mxcsr = MASKED;
        ok("66 0f 3a 0b c1 00");
        assertEquals(0x7FF8000000000001L, c.xmm[0]);
        assertEquals(MASKED | IE, c.mxcsr);
        xmm(1, 0xFFF8000000000123L, 0);
        c.mxcsr = MASKED;
        ok("66 0f 3a 0b c1 00");
        assertEquals(0xFFF8000000000123L, c.xmm[0]);
        assertEquals(MASKED, c.mxcsr);
        xmm(1, 0x7FA00001L | 0x3FC00000L << 32, 0); // roundps lanes: SNaN, 1.5
        c.mxcsr = MASKED;
        ok("66 0f 3a 08 c1 00"); // roundps $0,%xmm1,%xmm0
        assertEquals(0x7FE00001L | 0x40000000L << 32, c.xmm[0], "quieted SNaN, 2.0");
        assertEquals(MASKED | IE | PE, c.mxcsr);
    }

    @Test
    void dotProductsTakeTheHostsOperandOrderPerLane() {
        long n0 = 0x7FC00010L, n1 = 0x7FC00011L, n2 = 0x7FC00012L, n3 = 0x7FC00013L, one = 0x3F800000L;
        xmm(0, n0 | n1 << 32, n2 | n3 << 32);
        xmm(1, one | one << 32, one | one << 32);
        c.mxcsr = MASKED;
        ok("66 0f 3a 40 c1 ff"); // dpps $0xff,%xmm1,%xmm0: the host gives N1 N0 N3 N2
        assertEquals(n1 | n0 << 32, c.xmm[0]);
        assertEquals(n3 | n2 << 32, c.xmm[1]);
        xmm(0, n0 | n1 << 32, n2 | n3 << 32);
        ok("66 0f 3a 40 c1 3f"); // products 0 and 1 only: N1 N0 N1 N0
        assertEquals(n1 | n0 << 32, c.xmm[0]);
        assertEquals(n1 | n0 << 32, c.xmm[1]);
        xmm(0, 0x7FF8000000000001L, 0x7FF8000000000002L);
        xmm(1, d(1), d(1));
        ok("66 0f 3a 41 c1 33"); // dppd: lane k = p[k] + p[k^1]
        assertEquals(0x7FF8000000000001L, c.xmm[0]);
        assertEquals(0x7FF8000000000002L, c.xmm[1]);
        // masks: products 1 and 2, to lanes 0 and 3; the others +0.0
        xmm(0, Float.floatToRawIntBits(2f) & 0xFFFF_FFFFL | (long) Float.floatToRawIntBits(3f) << 32,
                Float.floatToRawIntBits(5f) & 0xFFFF_FFFFL | (long) Float.floatToRawIntBits(7f) << 32);
        xmm(1, one | one << 32, one | one << 32);
        ok("66 0f 3a 40 c1 69");
        long eight = Float.floatToRawIntBits(8f) & 0xFFFF_FFFFL;
        assertEquals(eight, c.xmm[0]);
        assertEquals(eight << 32, c.xmm[1]);
    }

    @Test
    void alignmentFollowsTheExceptionType() {
        c.r[Cpu.RAX] = DATA + 1;
        assertFault(13, run("66 0f 38 17 00")); // ptest (%rax),%xmm0: Type 4
        assertFault(13, run("66 0f 38 2a 00")); // movntdqa (%rax),%xmm0: Type 1
        assertFault(13, run("66 0f 3a 40 00 ff")); // dpps: Type 2
        ok("f2 0f f0 00"); // lddqu: unaligned by definition
        ok("66 0f 38 20 00"); // pmovsxbw (%rax),%xmm0: m64, Type 5
        ok("66 0f 3a 0b 00 00"); // roundsd: m64, Type 3
    }

    @Test
    void extractsStoreTheirLaneSizeAndFaultBeforeAnyChange() {
        xmm(1, 0x8877665544332211L, 0xFFEEDDCCBBAA9988L);
        c.r[Cpu.RAX] = DATA;
        bm.poke(DATA, new byte[16]);
        ok("66 0f 3a 15 08 05"); // pextrw $5,%xmm1,(%rax)
        assertEquals(0xBBAAL, bm.machine.mmu.read64(DATA) & 0xFFFF_FFFFL);
        c.r[Cpu.RCX] = -1;
        ok("66 48 0f 3a 14 c9 0f"); // rex.W pextrb $15,%xmm1,%ecx: zero-extended
        assertEquals(0xFF, c.r[Cpu.RCX]);
        ok("66 48 0f 3a 16 c9 01"); // pextrq $1,%xmm1,%rcx
        assertEquals(0xFFEEDDCCBBAA9988L, c.r[Cpu.RCX]);
        c.r[Cpu.RAX] = DATA + 4096; // read-only page
        assertFault(14, run("66 0f 3a 17 08 02")); // extractps $2,%xmm1,(%rax)
        c.r[Cpu.RDX] = 0x1234;
        ok("66 0f 3a 20 c2 0e"); // pinsrb $14,%edx,%xmm0
        assertEquals(0x34L << 48, c.xmm[1] & 0x00FF_0000_0000_0000L);
    }

    @Test
    void insertpsPicksTheSourceLaneThenZeroes() {
        xmm(0, 0x1111111122222222L, 0x3333333344444444L);
        xmm(1, 0xAAAAAAAABBBBBBBBL, 0xCCCCCCCCDDDDDDDDL);
        ok("66 0f 3a 21 c1 e1"); // insertps $0xe1: source lane 3 into lane 2, zero lane 0
        assertEquals(0x1111111100000000L, c.xmm[0]);
        assertEquals(0x33333333CCCCCCCCL, c.xmm[1]);
    }

    @Test
    void fisttpTruncatesWhateverTheRoundingControl() {
        c.r[Cpu.RAX] = DATA;
        for (double v : new double[] {2.75, -2.75, 0.5, -0.999}) {
            bm.poke(DATA, java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putDouble(v).array());
            ok("dd 00 dd 08"); // fldl (%rax); fisttpll (%rax)
            assertEquals((long) v, bm.machine.mmu.read64(DATA), "fisttp " + v);
            assertEquals(0, c.ftw, "the stack is empty again");
        }
    }

    @Test
    void cpuidAdvertisesSse3Ssse3Sse41Sse42AndNotMonitor() {
        assertEquals(1 | 1 << 9 | 1 << 19 | 1 << 20, Cpuid.LEAF1_ECX & (1 | 1 << 9 | 1 << 19 | 1 << 20));
        assertEquals(0, Cpuid.LEAF1_ECX & 1 << 3);
        assertFault(6, run("0f 01 c8")); // monitor: #UD
        assertNotEquals(0, Cpuid.LEAF1_ECX & 1 << 23);
    }
}

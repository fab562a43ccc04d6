package dev.lstar.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Flags;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * SSE4.2 on the interpreter: PCMPxSTRx in every aggregation mode with implicit and explicit
 * lengths, null terminators, polarities, index and mask forms, and CRC32 against published
 * CRC-32C vectors (the check value of "123456789" and RFC 3720 B.4). The host comparison of every
 * form on both engines is the conformance "sse42" family.
 */
class Sse42Test extends RingThreeMachine {
    /** xmm[k] := the string's bytes (zero-padded to 16). */
    private void xmm(int k, String s) {
        byte[] b = new byte[16];
        byte[] src = s.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(src, 0, b, 0, Math.min(16, src.length));
        long lo = 0, hi = 0;
        for (int i = 0; i < 8; i++) {
            lo |= (b[i] & 0xFFL) << (8 * i);
            hi |= (b[i + 8] & 0xFFL) << (8 * i);
        }
        c.xmm[2 * k] = lo;
        c.xmm[2 * k + 1] = hi;
    }

    private static String hex(int imm) {
        return String.format(" %02x", imm);
    }

    /** pcmpistri $imm,%xmm2,%xmm1 with xmm1 = a, xmm2 = b; returns ECX. */
    private long istri(String a, String b, int imm) {
        xmm(1, a);
        xmm(2, b);
        c.r[Cpu.RCX] = -1;
        run("66 0f 3a 63 ca" + hex(imm));
        return c.r[Cpu.RCX];
    }

    private long flags() {
        return c.getRflags() & (Flags.CF | Flags.ZF | Flags.SF | Flags.OF | Flags.AF | Flags.PF);
    }

    @Test
    void equalAnyFindsTheFirstCharacterOfASet() {
        assertEquals(2, istri("abc", "xxbxa", 0x00));
        assertEquals(Flags.CF | Flags.ZF | Flags.SF, flags()); // a match, both strings shorter than 16
        assertEquals(4, istri("abc", "xxbxa", 0x40)); // most significant match
        assertEquals(16, istri("abc", "xyz", 0x00)); // no match: the element count
        assertEquals(Flags.ZF | Flags.SF, flags());
        assertEquals(0, istri("abc", "xyz", 0x10)); // negative polarity: every element of the second string
        assertEquals(2, istri("abc", "xyz", 0x70)); // masked negative: only its valid elements are negated
    }

    @Test
    void rangesAreInclusivePairs() {
        assertEquals(3, istri("azAZ", "12-Q!", 0x04));
        assertEquals(0, istri("09", "5", 0x04));
        assertEquals(16, istri("az", "", 0x04));
        assertEquals(Flags.ZF | Flags.SF, flags());
        // [0x80, 0x01] holds 0xF0 as signed bytes (-128 <= -16 <= 1), not as unsigned ones
        assertEquals(0, istri("\u0080\u0001", "\u00F0", 0x06));
        assertEquals(16, istri("\u0080\u0001", "\u00F0", 0x04));
    }

    @Test
    void equalEachComparesPositionsAndTreatsBothEndedAsEqual() {
        // strcmp-style: negative polarity, the first difference
        assertEquals(2, istri("abcd", "abxd", 0x18));
        assertEquals(16, istri("abcd", "abcd", 0x18)); // equal up to and past both terminators
        assertEquals(Flags.ZF | Flags.SF, flags());
        assertEquals(3, istri("abc", "abcd", 0x18)); // one string ended: not equal there
        assertEquals(Flags.CF | Flags.ZF | Flags.SF, flags());
    }

    @Test
    void equalOrderedFindsASubstringAndAPartialMatchAtTheEnd() {
        assertEquals(3, istri("lo", "hello world", 0x0C));
        assertEquals(16, istri("low", "hello world", 0x0C));
        assertEquals(14, istri("abc", "xxxxxxxxxxxxxxab", 0x0C)); // truncated by the register's end
        assertEquals(Flags.CF | Flags.SF, flags()); // no terminator in the second string: ZF = 0
        assertEquals(0, istri("", "hello", 0x0C)); // the empty needle matches everywhere
        assertEquals(Flags.CF | Flags.ZF | Flags.SF | Flags.OF, flags()); // OF = result bit 0
    }

    @Test
    void wordsHaveEightElements() {
        c.xmm[2] = 0x0003_0002_0001_0005L; // xmm1 words 5 1 2 3, then zeros
        c.xmm[3] = 0;
        c.xmm[4] = 0x0009_0008_0007_0003L; // xmm2 words 3 7 8 9
        c.xmm[5] = 0x0000_0000_0000_0000L;
        run("66 0f 3a 63 ca 01"); // pcmpistri $1: unsigned words, equal any
        assertEquals(0, c.r[Cpu.RCX]);
        c.xmm[4] = 0x0009_0008_0007_0006L;
        run("66 0f 3a 63 ca 01");
        assertEquals(8, c.r[Cpu.RCX]);
    }

    @Test
    void explicitLengthsAreAbsoluteAndSaturated() {
        xmm(1, "abcdefghijklmnop");
        xmm(2, "xxxxxxxxxxxxxxxc");
        c.r[Cpu.RAX] = -3; // |EAX| = 3: "abc"
        c.r[Cpu.RDX] = 100; // saturates to 16
        run("66 0f 3a 61 ca 00"); // pcmpestri $0: equal any
        assertEquals(15, c.r[Cpu.RCX]);
        assertEquals(Flags.CF | Flags.SF, flags());
        c.r[Cpu.RDX] = 0xFFFF_FFFF_0000_0005L; // EDX = 5 without REX.W; huge with it
        run("66 0f 3a 61 ca 00");
        assertEquals(16, c.r[Cpu.RCX]);
        assertEquals(Flags.ZF | Flags.SF, flags());
        run("66 48 0f 3a 61 ca 00"); // REX.W: |RDX| saturates to 16
        assertEquals(15, c.r[Cpu.RCX]);
    }

    @Test
    void masksGoToXmm0AsBitsOrElements() {
        xmm(1, "ab");
        xmm(2, "xaybz");
        run("66 0f 3a 62 ca 00"); // pcmpistrm $0: bit mask
        assertEquals(0b01010, c.xmm[0]);
        assertEquals(0, c.xmm[1]);
        run("66 0f 3a 62 ca 40"); // element mask
        assertEquals(0x0000_0000_FF00_FF00L, c.xmm[0]);
        assertEquals(0, c.xmm[1]);
        c.r[Cpu.RAX] = 1;
        c.r[Cpu.RDX] = 16;
        run("66 0f 3a 60 ca 41"); // pcmpestrm $0x41: words, element mask; 'xa' 'yb' 'z' 0... hold no 'ab'
        assertEquals(0, c.xmm[0]);
        assertEquals(Flags.SF, flags()); // |EDX| saturates to 8 words: ZF = 0
        c.r[Cpu.RAX] = 2; // the needle's second word is 0: the zero words of xmm2 match it
        run("66 0f 3a 60 ca 41");
        assertEquals(0xFFFF_0000_0000_0000L, c.xmm[0]); // words 3-7 are zero
        assertEquals(-1L, c.xmm[1]);
    }

    @Test
    void crc32MatchesTheCrc32cCheckValue() {
        bm.poke(DATA, "123456789".getBytes(StandardCharsets.US_ASCII));
        c.r[Cpu.RDI] = DATA;
        c.r[Cpu.RAX] = 0xFFFF_FFFFL;
        run("f2 0f 38 f1 07"); // crc32l (%rdi),%eax: "1234"
        c.r[Cpu.RDI] = DATA + 4;
        run("66 f2 0f 38 f1 07"); // crc32w: "56"
        c.r[Cpu.RDI] = DATA + 6;
        run("f2 0f 38 f0 07"); // crc32b: "7"
        c.r[Cpu.RDI] = DATA + 7;
        run("f2 0f 38 f0 07");
        c.r[Cpu.RDI] = DATA + 8;
        run("f2 0f 38 f0 07");
        assertEquals(0xE306_9283L, ~c.r[Cpu.RAX] & 0xFFFF_FFFFL);
        // the 64-bit form over the first eight bytes, then the ninth
        c.r[Cpu.RAX] = 0xFFFF_FFFF_FFFF_FFFFL; // only the low doubleword is the running CRC
        c.r[Cpu.RDI] = DATA;
        run("f2 48 0f 38 f1 07"); // crc32q (%rdi),%rax
        assertEquals(0, c.r[Cpu.RAX] >>> 32, "zero-extended into RAX");
        c.r[Cpu.RDI] = DATA + 8;
        run("f2 48 0f 38 f0 07"); // crc32b (%rdi),%rax
        assertEquals(0xE306_9283L, ~c.r[Cpu.RAX] & 0xFFFF_FFFFL);
    }

    @Test
    void crc32cOfTheRfc3720Vectors() {
        assertEquals(0x8A91_36AA, crc(new byte[32]));
        byte[] ones = new byte[32];
        java.util.Arrays.fill(ones, (byte) 0xFF);
        assertEquals(0x62A8_AB43, crc(ones));
        byte[] inc = new byte[32];
        for (int k = 0; k < 32; k++) inc[k] = (byte) k;
        assertEquals(0x46DD_794E, crc(inc));
    }

    /** The CRC-32C of 32 bytes through the instruction: four crc32q steps from ~0, inverted. */
    private int crc(byte[] data) {
        bm.poke(DATA, data);
        c.r[Cpu.RAX] = 0xFFFF_FFFFL;
        for (int q = 0; q < 4; q++) {
            c.r[Cpu.RDI] = DATA + 8 * q;
            run("f2 48 0f 38 f1 07");
        }
        return ~(int) c.r[Cpu.RAX];
    }
}

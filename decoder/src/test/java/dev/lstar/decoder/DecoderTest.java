package dev.lstar.decoder;

import static dev.lstar.decoder.Instruction.*;
import static dev.lstar.decoder.OpcodeTable.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.decoder.OpcodeTable.Row;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Field-level decoder conventions that the disassembly text alone does not pin down: immediate
 * extension, operand kinds, absolute targets, prefixes, limits, LOCK legality, invalid encodings,
 * fault propagation and allocation freedom.
 */
class DecoderTest {
    static final long BASE = 0x40_1000L;

    static Instruction d(String hex) {
        return d(BASE, hex);
    }

    static Instruction d(long addr, String hex) {
        byte[] b = HexFormat.of().parseHex(hex.replace(" ", ""));
        return Decoder.decode(ByteSource.of(addr, b), addr, new Instruction());
    }

    @Test
    void immediatesAreExtendedPerEncoding() {
        Instruction i = d("83 c0 ff"); // add $-1,%eax: imm8 sign-extended
        assertEquals(Mnemonic.ADD, i.mnemonic);
        assertEquals(-1L, i.imm);
        assertEquals(4, i.opSize);
        assertEquals(1, i.size[1]);
        i = d("c1 e0 ff"); // shl $0xff: imm8 zero-extended
        assertEquals(0xFFL, i.imm);
        i = d("6a 80"); // push imm8 sign-extended to 64
        assertEquals(Mnemonic.PUSH, i.mnemonic);
        assertEquals(-128L, i.imm);
        assertEquals(8, i.opSize);
        assertEquals(1, i.nOperands);
        i = d("66 6a 80");
        assertEquals(2, i.opSize);
        i = d("48 05 00 00 00 80"); // add imm32 sign-extended to 64
        assertEquals(0xFFFF_FFFF_8000_0000L, i.imm);
        i = d("66 05 34 12");
        assertEquals(4, i.length);
        assertEquals(0x1234L, i.imm);
        i = d("48 b8 10 32 54 76 98 ba dc fe");
        assertEquals(0xFEDC_BA98_7654_3210L, i.imm);
        assertEquals(8, i.size[1]);
        i = d("c8 20 00 01"); // enter $0x20,$1
        assertEquals(0x20L, i.imm);
        assertEquals(1L, i.imm2);
        i = d("cd 80");
        assertEquals(Mnemonic.INT, i.mnemonic);
        assertEquals(0x80L, i.imm);
        i = d("c2 ff ff");
        assertEquals(0xFFFFL, i.imm);
    }

    @Test
    void shiftCountForms() {
        Instruction i = d("d1 e0");
        assertEquals(Mnemonic.SHL, i.mnemonic);
        assertEquals(OP_IMM, i.kind[1]);
        assertEquals(1L, i.imm);
        assertEquals(0, i.attributes & A_FLAGS_COND);
        i = d("d3 e0");
        assertEquals(OP_REG, i.kind[1]);
        assertEquals(1, i.reg[1]);
        assertEquals(1, i.size[1]);
        assertNotEquals(0, i.attributes & A_FLAGS_COND);
        i = d("0f a5 c3"); // shld %cl,%eax,%ebx
        assertEquals(3, i.nOperands);
        assertEquals(3, i.reg[0]);
        assertEquals(0, i.reg[1]);
        assertEquals(1, i.reg[2]);
    }

    @Test
    void ripRelativeAndBranchesAreAbsolute() {
        Instruction i = d(0x1000, "8b 05 10 00 00 00");
        assertEquals(BASE_RIP, i.base);
        assertEquals(0x1016L, i.disp);
        i = d(0x1000, "48 8d 05 f0 ff ff ff");
        assertEquals(Mnemonic.LEA, i.mnemonic);
        assertEquals(0x1007L - 0x10, i.disp);
        assertNotEquals(0, i.attributes & A_NO_MEM_ACCESS);
        i = d(0x1000, "67 8b 05 00 00 00 80"); // EIP-relative wraps at 4 GiB
        assertEquals(4, i.addrSize);
        assertEquals(0x8000_1007L, i.disp);
        i = d(0x1000, "74 fe");
        assertEquals(Mnemonic.JCC, i.mnemonic);
        assertEquals(4, i.cond);
        assertEquals(OP_REL, i.kind[0]);
        assertEquals(0x1000L, i.target);
        assertEquals(ZF, i.flagsRead);
        assertNotEquals(0, i.attributes & A_COND_BRANCH);
        i = d(0x1000, "0f 8c 00 01 00 00");
        assertEquals(0xC, i.cond);
        assertEquals(SF | OF, i.flagsRead);
        assertEquals(0x1106L, i.target);
        i = d(0x1000, "e8 fb ff ff ff");
        assertEquals(Mnemonic.CALL, i.mnemonic);
        assertEquals(0x1000L, i.target);
        assertEquals(8, i.opSize);
        assertNotEquals(0, i.attributes & A_CALL);
        i = d(0x1000, "66 e8 00 00 00 00"); // Intel: 66 ignored on near branches ("f64")
        assertEquals(6, i.length);
        assertEquals(8, i.opSize);
        i = d(0x1000, "e3 10");
        assertEquals(Mnemonic.JRCXZ, i.mnemonic);
        assertEquals(0x1012L, i.target);
    }

    @Test
    void conditionCodesOnSetccAndCmovcc() {
        Instruction i = d("0f 9f c0");
        assertEquals(Mnemonic.SETCC, i.mnemonic);
        assertEquals(0xF, i.cond);
        assertEquals(1, i.opSize);
        i = d("48 0f 42 c1");
        assertEquals(Mnemonic.CMOVCC, i.mnemonic);
        assertEquals(2, i.cond);
        assertEquals(CF, i.flagsRead);
        assertEquals(8, i.opSize);
    }

    @Test
    void registersAndRex() {
        Instruction i = d("88 c4"); // mov %al,%ah
        assertEquals(REG_AH, i.reg[0]);
        assertEquals(0, i.reg[1]);
        i = d("40 88 c4"); // mov %al,%spl
        assertEquals(4, i.reg[0]);
        i = d("45 88 c4");
        assertEquals(12, i.reg[0]);
        assertEquals(8, i.reg[1]);
        i = d("48 66 01 c0"); // REX before a legacy prefix is ignored: add %ax,%ax
        assertEquals(4, i.length);
        assertEquals(2, i.opSize);
        assertEquals(0, i.rex);
        assertEquals(0, i.prefixes & P_REX);
        i = d("66 48 01 c0"); // REX.W beats 66
        assertEquals(8, i.opSize);
        i = d("41 90");
        assertEquals(Mnemonic.XCHG, i.mnemonic);
        assertEquals(8, i.reg[0]);
        assertEquals(Mnemonic.NOP, d("90").mnemonic);
        assertEquals(Mnemonic.PAUSE, d("f3 90").mnemonic);
        assertEquals(0, d("f3 90").prefixes & P_REP);
        i = d("42 8b 04 25 10 00 00 00"); // SIB: REX.X index r12, no base
        assertEquals(NO_REG, i.base);
        assertEquals(12, i.index);
        assertEquals(0x10L, i.disp);
        i = d("8b 04 24");
        assertEquals(4, i.base);
        assertEquals(NO_REG, i.index);
        i = d("41 8b 45 00"); // r13 base needs a disp8
        assertEquals(13, i.base);
        assertEquals(1, i.dispSize);
        i = d("41 8b 04 25 00 00 00 00"); // SIB base=101 mod=00: no base even with REX.B
        assertEquals(NO_REG, i.base);
        assertEquals(4, i.dispSize);
        i = d("64 48 8b 04 25 28 00 00 00");
        assertEquals(SEG_FS, i.segment);
        assertEquals(0x28L, i.disp);
    }

    @Test
    void stringAndSystemForms() {
        Instruction i = d("f3 48 a5");
        assertEquals(Mnemonic.MOVS, i.mnemonic);
        assertEquals(8, i.opSize);
        assertEquals(0, i.nOperands);
        assertNotEquals(0, i.prefixes & P_REP);
        assertNotEquals(0, i.attributes & A_STRING);
        assertEquals(DF, i.flagsRead);
        assertEquals(Mnemonic.SYSRET32, d("0f 07").mnemonic);
        assertEquals(Mnemonic.SYSRETQ, d("48 0f 07").mnemonic);
        assertEquals(Mnemonic.IRETQ, d("48 cf").mnemonic);
        assertEquals(Mnemonic.INVALID, d("cf").mnemonic);
        i = d("44 0f 20 c0");
        assertEquals(Mnemonic.MOV_FROM_CR, i.mnemonic);
        assertEquals(OP_REG, i.kind[0]);
        assertEquals(8, i.size[0]);
        assertEquals(OP_CREG, i.kind[1]);
        assertEquals(8, i.reg[1]);
        assertNotEquals(0, i.attributes & A_PRIV);
        i = d("0f 22 18"); // mod is ignored: mov %rax,%cr3
        assertEquals(Mnemonic.MOV_TO_CR, i.mnemonic);
        assertEquals(3, i.reg[0]);
        assertEquals(0, i.reg[1]);
        assertEquals(3, i.length);
        assertEquals(Mnemonic.INVALID, d("0f 20 c8").mnemonic); // CR1
        i = d("0f 01 10");
        assertEquals(Mnemonic.LGDT, i.mnemonic);
        assertEquals(10, i.size[0]);
        assertEquals(Mnemonic.SWAPGS, d("0f 01 f8").mnemonic);
        assertEquals(Mnemonic.INVLPG, d("0f 01 38").mnemonic);
        assertEquals(Mnemonic.INVALID, d("0f 01 ff").mnemonic); // 0F 01 FF: not implemented
        assertEquals(Mnemonic.MOV_TO_SREG, d("8e d8").mnemonic);
        assertEquals(Mnemonic.INVALID, d("8e c8").mnemonic); // mov to CS
        assertEquals(Mnemonic.CMPXCHG16B, d("48 0f c7 0e").mnemonic);
        assertEquals(16, d("48 0f c7 0e").size[0]);
        assertEquals(Mnemonic.CMPXCHG8B, d("0f c7 0e").mnemonic);
        // MOVBE has no register form, and F2/F3 in the 0F 38 map select other instructions (CRC32):
        // never MOVBE with a REP prefix
        assertEquals(Mnemonic.MOVBE, d("0f 38 f0 07").mnemonic);
        assertEquals(Mnemonic.INVALID, d("0f 38 f0 c0").mnemonic);
        i = d("f2 0f 38 f0 07");
        assertEquals(Mnemonic.CRC32, i.mnemonic); // crc32b (%rdi),%eax
        assertEquals(5, i.length);
        assertEquals(1, i.size[1]);
        assertEquals(2, d("66 f2 0f 38 f1 07").size[1]); // crc32w: 66 sizes the source, F2 stays mandatory
        assertEquals(4, d("66 f2 0f 38 f1 07").size[0]);
        assertEquals(Mnemonic.MOVBE, d("66 0f 38 f1 07").mnemonic);
        assertEquals(Mnemonic.INVALID, d("f3 0f 38 f1 07").mnemonic);
        assertEquals(Mnemonic.RDFSBASE, d("f3 48 0f ae c0").mnemonic);
        assertEquals(8, d("f3 48 0f ae c0").size[0]);
        assertEquals(Mnemonic.ENDBR64, d("f3 0f 1e fa").mnemonic);
        assertEquals(Mnemonic.CBW, d("66 98").mnemonic);
        assertEquals(Mnemonic.CWDE, d("98").mnemonic);
        assertEquals(Mnemonic.CDQE, d("48 98").mnemonic);
        assertEquals(Mnemonic.CQO, d("48 99").mnemonic);
        assertEquals(Mnemonic.POPCNT, d("f3 0f b8 c0").mnemonic);
        assertEquals(0, d("f3 0f b8 c0").prefixes & P_REP);
        assertEquals(Mnemonic.BSF, d("0f bc c0").mnemonic);
        assertEquals(Mnemonic.TZCNT, d("f3 0f bc c0").mnemonic);
        assertEquals(Mnemonic.LZCNT, d("f3 0f bd c0").mnemonic);
    }

    @Test
    void lockLegality() {
        assertEquals(0, d("f0 01 00").attributes & A_BAD_LOCK);
        assertNotEquals(0, d("f0 01 c0").attributes & A_BAD_LOCK); // register destination
        assertNotEquals(0, d("f0 03 00").attributes & A_BAD_LOCK); // memory is the source
        assertNotEquals(0, d("f0 90").attributes & A_BAD_LOCK);
        assertNotEquals(0, d("f0 39 00").attributes & A_BAD_LOCK); // CMP is not lockable
        assertNotEquals(0, d("f0 8b 00").attributes & A_BAD_LOCK);
        assertEquals(0, d("f0 0f c7 0e").attributes & A_BAD_LOCK);
        assertEquals(0, d("f0 0f ba 28 01").attributes & A_BAD_LOCK); // lock bts $1,(%rax)
        assertNotEquals(0, d("f0 0f ba 20 01").attributes & A_BAD_LOCK); // lock bt
        assertEquals(Mnemonic.ADD, d("f0 01 c0").mnemonic);
    }

    @Test
    void tooLongIsInvalidWithoutFetchingAByteMore() {
        byte[] ok = new byte[15];
        Arrays.fill(ok, (byte) 0x66);
        ok[14] = (byte) 0x90;
        Instruction i = Decoder.decode(ByteSource.of(0, ok), 0, new Instruction());
        assertEquals(Mnemonic.NOP, i.mnemonic);
        assertEquals(15, i.length);

        byte[] bad = new byte[16];
        Arrays.fill(bad, (byte) 0x66);
        bad[15] = (byte) 0x90;
        int[] maxIndex = {-1};
        ByteSource counting = a -> {
            maxIndex[0] = Math.max(maxIndex[0], (int) a);
            return bad[(int) a] & 0xFF;
        };
        i = Decoder.decode(counting, 0, new Instruction());
        assertEquals(Mnemonic.INVALID, i.mnemonic);
        assertNotEquals(0, i.attributes & A_TOO_LONG);
        assertEquals(15, i.length);
        assertEquals(14, maxIndex[0]);
        // a long but legal-looking instruction crossing 15 bytes because of its immediate
        i = d("66 66 66 66 66 66 f0 48 81 84 88 00 01 00 00 01 00 00 00");
        assertNotEquals(0, i.attributes & A_TOO_LONG);
    }

    @Test
    void invalidEncodingsHaveSensibleLengths() {
        assertInvalid("0f 04", 2);
        assertInvalid("06", 1); // push %es: invalid in 64-bit mode
        assertInvalid("82 c0 ff", 2);
        assertInvalid("ff 38", 2); // FF /7
        assertInvalid("ff 5c 24 08", 4); // FF /3 (far call) with SIB + disp8
        assertInvalid("fe 10", 2);
        assertInvalid("0f 01 d0", 3); // xgetbv: not implemented
        assertInvalid("d6", 1);
        assertInvalid("c5 f8 77", 3); // vzeroupper (VEX, no ModRM)
        assertInvalid("c4 e2 79 f7 cb", 5); // shlx (VEX 0F38)
        assertInvalid("c4 e3 79 0f 44 24 08 07", 8); // VEX 0F3A: ModRM, SIB, disp8, imm8
        assertInvalid("62 f1 fe 48 6f 44 24 01", 8); // EVEX vmovdqu64 0x40(%rsp)
        assertInvalid("f3 0f 71 d0 08", 5); // F3 with an MMX shift: no row (NP), 0F map imm8
        assertInvalid("f3 0f 38 00 c1", 5); // F3 selects no SSSE3 instruction in 0F 38
        assertInvalid("f2 0f 3a 0f c1 08", 6); // F2 selects no PALIGNR: 0F 3A imm8
        assertEquals(Mnemonic.PALIGNR, d("0f 3a 0f c1 08").mnemonic); // the MMX form
        assertEquals("palignr $0x8,%mm1,%mm0", Disassembler.format(d("0f 3a 0f c1 08")));
        assertEquals("psrlw  $0x8,%mm0", Disassembler.format(d("0f 71 d0 08")));
        assertEquals(Mnemonic.PALIGNR, d("66 0f 3a 0f c1 08").mnemonic);
        assertEquals("palignr $0x8,%xmm1,%xmm0", Disassembler.format(d("66 0f 3a 0f c1 08")));
        assertEquals("pshufb %mm1,%mm0", Disassembler.format(d("0f 38 00 c1")));
        assertEquals("pshufb %xmm1,%xmm0", Disassembler.format(d("66 0f 38 00 c1")));
        assertEquals("blendvps %xmm0,%xmm2,%xmm1", Disassembler.format(d("66 0f 38 14 ca")));
        assertEquals("rex.W pextrb $0x3,%xmm1,%eax", Disassembler.format(d("66 48 0f 3a 14 c8 03")));
        assertEquals("pextrq $0x1,%xmm1,%rax", Disassembler.format(d("66 48 0f 3a 16 c8 01")));
        assertEquals("fisttpll (%rax)", Disassembler.format(d("dd 08")));
        assertInvalid("c7 f8 00 00 00 00", 6); // xbegin
        assertInvalid("c6 f8 ff", 3); // xabort
        assertInvalid("0f 0b", -1); // not invalid: ud2 is decoded
        assertEquals(Mnemonic.UD2, d("0f 0b").mnemonic);
        Instruction i = d("0f 04");
        assertNotEquals(0, i.attributes & A_BLOCK_END);
        assertEquals("(bad)", Disassembler.format(i));
    }

    private static void assertInvalid(String hex, int len) {
        Instruction i = d(hex + " 00 00 00 00 00 00 00 00");
        if (len < 0) return;
        assertEquals(Mnemonic.INVALID, i.mnemonic, hex);
        assertEquals(len, i.length, hex);
    }

    @Test
    void fetchFaultsPropagateUnchanged() {
        RuntimeException fault = new IllegalStateException("page fault at 0x2000");
        ByteSource src = a -> {
            if (a >= 0x2000) throw fault;
            return 0x48;
        };
        // 0x1ffe: 48 48 | then fault on the opcode byte
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> Decoder.decode(src, 0x1ffe, new Instruction()));
        assertSame(fault, thrown);
    }

    @Test
    void decodingAllocatesNothing() {
        byte[] code = HexFormat.of().parseHex(
                "f3480f1efa" + "64488b042528000000" + "f0480fb10a" + "488d0510000000" + "e8fbffffff" + "c4e279f7cb");
        ByteSource src = ByteSource.of(0, code);
        Instruction insn = new Instruction();
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (int round = 0; round < 3; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int k = 0; k < 20_000; k++) {
                long a = 0;
                while (a < code.length - 5) {
                    Decoder.decode(src, a, insn);
                    sum += insn.op;
                    a += insn.length;
                }
            }
            long after = mx.getCurrentThreadAllocatedBytes();
            if (round == 2) assertTrue(after - before < 10_000, "decode allocated " + (after - before) + " bytes");
        }
        assertTrue(sum > 0);
    }

    @Test
    void tableIsConsistent() {
        var rows = OpcodeTable.rows();
        assertTrue(rows.size() > 250, "rows: " + rows.size());
        for (int k = 0; k < rows.size(); k++) {
            Row r = rows.get(k);
            assertEquals(k, r.id);
            assertEquals(0, r.flagsUndefined & ~r.flagsWritten, r.spec);
            if ((r.attributes & A_LOCKABLE) != 0) {
                String f = r.operandForms().get(0);
                assertTrue(f.startsWith("E") || f.startsWith("M"), "lockable without memory destination: " + r);
            }
            if (r.mnemonic == Mnemonic.JCC || r.mnemonic == Mnemonic.SETCC || r.mnemonic == Mnemonic.CMOVCC) {
                assertTrue(r.cond >= 0 && r.flagsRead != 0, r.toString());
            }
        }
        System.out.println("opcode table rows: " + rows.size());
    }
}

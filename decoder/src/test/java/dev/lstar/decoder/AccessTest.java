package dev.lstar.decoder;

import static dev.lstar.decoder.Instruction.*;
import static dev.lstar.decoder.OpcodeTable.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.decoder.OpcodeTable.Row;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Access} against an independent model: every row of the table is encoded (randomly, with
 * {@link RowEncoder}), decoded, and its register and memory answers compared with what a
 * per-mnemonic model written from the SDM expects; plus hand-picked cases.
 */
class AccessTest {
    static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7, R8 = 8, R11 = 11;

    static Instruction d(String hex) {
        return DecoderTest.d(hex);
    }

    static int bits(int... regs) {
        int m = 0;
        for (int r : regs) m |= 1 << r;
        return m;
    }

    // ------------------------------------------------------------------ the independent model

    /** What an instruction touches, built operand by operand from the SDM's description. */
    static final class Model {
        final Instruction i;
        int read, written, partial;
        boolean memR, memW;

        Model(Instruction i) {
            this.i = i;
        }

        private int gpr(int n) {
            int r = i.reg[n];
            return r >= REG_AH ? r - REG_AH : r;
        }

        private int addr() {
            int m = 0;
            if (i.base >= 0 && i.base != BASE_RIP) m |= 1 << i.base;
            if (i.index >= 0) m |= 1 << i.index;
            return m;
        }

        Model r(int n) {
            if (n >= i.nOperands) return this;
            if (i.kind[n] == OP_REG) read |= 1 << gpr(n);
            if (i.kind[n] == OP_MEM) { memR = true; read |= addr(); }
            return this;
        }

        Model w(int n) {
            if (n >= i.nOperands) return this;
            if (i.kind[n] == OP_REG) {
                written |= 1 << gpr(n);
                if (i.size[n] < 4) partial |= 1 << gpr(n);
            }
            if (i.kind[n] == OP_MEM) { memW = true; read |= addr(); }
            return this;
        }

        Model rw(int n) {
            return r(n).w(n);
        }

        Model rest(int from) {
            for (int n = from; n < i.nOperands; n++) r(n);
            return this;
        }

        Model address(int n) {
            if (i.kind[n] == OP_MEM) read |= addr();
            return this;
        }

        Model rd(int... regs) {
            for (int reg : regs) read |= 1 << reg;
            return this;
        }

        Model wr(int size, int... regs) {
            for (int reg : regs) {
                written |= 1 << reg;
                if (size < 4) partial |= 1 << reg;
            }
            return this;
        }

        Model push() {
            rd(RSP).wr(8, RSP);
            memW = true;
            return this;
        }

        Model pop() {
            rd(RSP).wr(8, RSP);
            memR = true;
            return this;
        }
    }

    static Model expect(Instruction i) {
        Model e = new Model(i);
        int os = i.opSize;
        boolean rep = (i.prefixes & (P_REP | P_REPNE)) != 0;
        switch (i.mnemonic) {
            case ADD, OR, ADC, SBB, AND, SUB, XOR, INC, DEC, NEG, NOT, ROL, ROR, RCL, RCR, SHL, SHR, SAR, SHLD, SHRD,
                 BTS, BTR, BTC, BSWAP, ADCX, ADOX -> e.rw(0).rest(1);
            case CMP, TEST, BT -> e.rest(0);
            case BSF, BSR, CMOVCC -> e.rw(0).rest(1); // destination kept when nothing is written
            case MOV, MOVZX, MOVSX, MOVSXD, MOVBE, POPCNT, TZCNT, LZCNT, SETCC, IN, RDPID, RDFSBASE, RDGSBASE, MOV_FROM_CR,
                 SGDT, SIDT, SLDT, STR, MOV_FROM_SREG -> e.w(0).rest(1);
            case OUT, WRFSBASE, WRGSBASE, LGDT, LIDT, LLDT, LTR, VERW, INVPCID, JMP -> e.rest(0);
            case MOV_TO_CR, MOV_TO_SREG -> e.r(1);
            case LEA -> e.w(0).address(1);
            case PREFETCH, CLFLUSH, INVLPG -> e.address(0);
            case NOP, UD0, UD1, ENDBR64, PAUSE, LFENCE, MFENCE, SFENCE, UD2, HLT, INT, INT3, CLC, STC, CMC, CLD, STD,
                 CLI, STI, SWAPGS, CLTS, INVD, WBINVD, JCC -> { }
            case XCHG, XADD -> e.rw(0).rw(1);
            case CMPXCHG -> e.rw(0).r(1).rd(RAX).wr(os, RAX);
            case CMPXCHG8B -> e.rw(0).rd(RAX, RDX, RBX, RCX).wr(4, RAX, RDX);
            case CMPXCHG16B -> e.rw(0).rd(RAX, RDX, RBX, RCX).wr(8, RAX, RDX);
            case IMUL -> {
                if (i.nOperands == 3) e.w(0).rest(1);
                else if (i.nOperands == 2) e.rw(0).r(1);
                else if (os == 1) e.r(0).rd(RAX).wr(2, RAX);
                else e.r(0).rd(RAX).wr(os, RAX, RDX);
            }
            case MUL -> {
                if (os == 1) e.r(0).rd(RAX).wr(2, RAX); // AX = AL * r/m8
                else e.r(0).rd(RAX).wr(os, RAX, RDX);
            }
            case DIV, IDIV -> {
                if (os == 1) e.r(0).rd(RAX).wr(2, RAX); // AL, AH = AX / r/m8
                else e.r(0).rd(RAX, RDX).wr(os, RAX, RDX);
            }
            case CBW -> e.rd(RAX).wr(2, RAX);
            case CWDE -> e.rd(RAX).wr(4, RAX);
            case CDQE -> e.rd(RAX).wr(8, RAX);
            case CWD -> e.rd(RAX).wr(2, RDX);
            case CDQ -> e.rd(RAX).wr(4, RDX);
            case CQO -> e.rd(RAX).wr(8, RDX);
            case XLAT -> { e.rd(RAX, RBX).wr(1, RAX); e.memR = true; }
            case LAHF -> e.wr(1, RAX);
            case SAHF -> e.rd(RAX);
            case PUSH -> e.r(0).push();
            case POP -> e.w(0).pop();
            case PUSHFQ, CALL -> e.r(0).push();
            case POPFQ, RET, IRETQ -> e.pop();
            case ENTER -> { e.push().rd(RBP).wr(os, RBP); e.memR = true; } // level > 0 copies frame pointers
            case LEAVE -> { e.rd(RBP).wr(os, RBP).wr(8, RSP); e.memR = true; }
            case JRCXZ -> e.rd(RCX);
            case LOOP, LOOPE, LOOPNE -> e.rd(RCX).wr(8, RCX);
            case SYSCALL -> e.wr(8, RCX, R11);
            case SYSRETQ, SYSRET32 -> e.rd(RCX, R11);
            case CPUID -> e.rd(RAX, RCX).wr(4, RAX, RBX, RCX, RDX);
            case RDTSC -> e.wr(4, RAX, RDX);
            case RDTSCP -> e.wr(4, RAX, RDX, RCX);
            case RDMSR -> e.rd(RCX).wr(4, RAX, RDX);
            case WRMSR -> e.rd(RCX, RAX, RDX);
            case MOVS -> { e.rd(RSI, RDI).wr(8, RSI, RDI); e.memR = e.memW = true; }
            case CMPS -> { e.rd(RSI, RDI).wr(8, RSI, RDI); e.memR = true; }
            case STOS -> { e.rd(RAX, RDI).wr(8, RDI); e.memW = true; }
            case LODS -> { e.rd(RSI).wr(8, RSI).wr(os, RAX); e.memR = true; }
            case SCAS -> { e.rd(RAX, RDI).wr(8, RDI); e.memR = true; }
            case INS -> { e.rd(RDX, RDI).wr(8, RDI); e.memW = true; }
            case OUTS -> { e.rd(RDX, RSI).wr(8, RSI); e.memR = true; }
            // SSE: XMM operands are not GPRs (r/w only record GPRs and memory); the SDM's moves write
            // their destination, everything else reads it and its sources
            case MOVUPS, MOVUPD, MOVAPS, MOVAPD, MOVDQA, MOVDQU, MOVD, MOVQ, MOVNTPS, MOVNTPD, MOVNTDQ, MOVNTI,
                 MOVMSKPS, MOVMSKPD, PMOVMSKB, PSHUFD, PSHUFHW, PSHUFLW, PEXTRW, STMXCSR -> e.w(0).rest(1);
            case MOVSS, MOVSD -> { if (i.kind[0] == OP_MEM || i.kind[1] == OP_MEM) e.w(0).rest(1); else e.rw(0).rest(1); }
            case MOVLPS, MOVHPS, MOVLPD, MOVHPD -> { if (i.kind[0] == OP_MEM) e.w(0).rest(1); else e.rw(0).rest(1); }
            case MOVHLPS, MOVLHPS, ANDPS, ANDPD, ANDNPS, ANDNPD, ORPS, ORPD, XORPS, XORPD, PAND, PANDN, POR, PXOR,
                 SHUFPS, SHUFPD, PINSRW, PUNPCKLBW, PUNPCKLWD, PUNPCKLDQ, PUNPCKLQDQ, PUNPCKHBW, PUNPCKHWD, PUNPCKHDQ,
                 PUNPCKHQDQ, PACKSSWB, PACKUSWB, PACKSSDW, PCMPEQB, PCMPEQW, PCMPEQD, PCMPGTB, PCMPGTW, PCMPGTD,
                 PADDB, PADDW, PADDD, PADDQ, PSUBB, PSUBW, PSUBD, PSUBQ, PADDUSB, PADDUSW, PSUBUSB, PSUBUSW, PADDSB,
                 PADDSW, PSUBSB, PSUBSW, PMINUB, PMAXUB, PMINSW, PMAXSW, PAVGB, PAVGW, PSADBW, PMULLW, PMULHW, PMULHUW,
                 PMULUDQ, PMADDWD, PSLLW, PSLLD, PSLLQ, PSRLW, PSRLD, PSRLQ, PSRAW, PSRAD, PSLLDQ, PSRLDQ -> e.rw(0).rest(1);
            case LDMXCSR -> e.r(0);
            // SSE3/SSSE3/SSE4.1: loads, extensions, PABS, PHMINPOSUW, ROUNDPS/PD and the extracts write their
            // destination; PTEST only reads; the rest (BLENDV*: XMM0 too, not a GPR) merge into it
            case MOVSHDUP, MOVSLDUP, MOVDDUP, LDDQU, PABSB, PABSW, PABSD, PMOVSXBW, PMOVSXBD, PMOVSXBQ, PMOVSXWD,
                 PMOVSXWQ, PMOVSXDQ, PMOVZXBW, PMOVZXBD, PMOVZXBQ, PMOVZXWD, PMOVZXWQ, PMOVZXDQ, MOVNTDQA, PHMINPOSUW,
                 ROUNDPS, ROUNDPD, PEXTRB, PEXTRD, PEXTRQ, EXTRACTPS -> e.w(0).rest(1);
            case PTEST -> e.r(0).rest(1);
            case PSHUFB, PHADDW, PHADDD, PHADDSW, PHSUBW, PHSUBD, PHSUBSW, PMADDUBSW, PMULHRSW, PSIGNB, PSIGNW, PSIGND,
                 PALIGNR, PBLENDVB, BLENDVPS, BLENDVPD, BLENDPS, BLENDPD, PBLENDW, PMULDQ, PCMPEQQ, PACKUSDW, PMINSB,
                 PMINSD, PMINUW, PMINUD, PMAXSB, PMAXSD, PMAXUW, PMAXUD, PMULLD, INSERTPS, PINSRB, PINSRD, PINSRQ,
                 MPSADBW, ADDSUBPS, ADDSUBPD, HADDPS, HADDPD, HSUBPS, HSUBPD, ROUNDSS, ROUNDSD, DPPS, DPPD -> e.rw(0).rest(1);
            // SSE floating point: packed results and conversions to a GPR write their destination, compares
            // to RFLAGS only read, scalar forms (and CVTSI2SS/SD, CVTSS2SD/SD2SS) merge into it
            case SQRTPS, SQRTPD, RSQRTPS, RCPPS, CVTPS2PD, CVTPD2PS, CVTDQ2PS, CVTPS2DQ, CVTTPS2DQ, CVTDQ2PD, CVTPD2DQ,
                 CVTTPD2DQ, CVTSS2SI, CVTSD2SI, CVTTSS2SI, CVTTSD2SI -> e.w(0).rest(1);
            case COMISS, COMISD, UCOMISS, UCOMISD -> e.r(0).rest(1);
            case ADDPS, ADDPD, ADDSS, ADDSD, SUBPS, SUBPD, SUBSS, SUBSD, MULPS, MULPD, MULSS, MULSD, DIVPS, DIVPD, DIVSS,
                 DIVSD, SQRTSS, SQRTSD, MINPS, MINPD, MINSS, MINSD, MAXPS, MAXPD, MAXSS, MAXSD, CMPPS, CMPPD, CMPSS, CMPSD,
                 CVTSI2SS, CVTSI2SD, CVTSS2SD, CVTSD2SS, UNPCKLPS, UNPCKHPS, UNPCKLPD, UNPCKHPD, RCPSS, RSQRTSS -> e.rw(0).rest(1);
            // x87: ST registers are not GPRs; a memory operand is read by loads, arithmetic, compares
            // and the control loads, written by stores and the control stores; FNSTSW AX writes AX
            case FLD, FILD, FADD, FIADD, FSUB, FISUB, FSUBR, FISUBR, FMUL, FIMUL, FDIV, FIDIV, FDIVR, FIDIVR,
                 FCOM, FCOMP, FICOM, FICOMP, FLDCW, FLDENV, FRSTOR, FXRSTOR -> e.r(0);
            case FST, FSTP, FIST, FISTP, FISTTP, FNSTCW, FNSTENV, FNSAVE, FXSAVE -> e.w(0);
            case FNSTSW -> { if (i.kind[0] == OP_MEM) e.w(0); else e.wr(2, RAX); }
            case FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ, FXCH, FADDP, FSUBP, FSUBRP, FMULP, FDIVP, FDIVRP,
                 FCHS, FABS, FSQRT, FRNDINT, FSCALE, FXTRACT, FPREM, FPREM1, F2XM1, FYL2X, FYL2XP1, FSIN, FCOS, FSINCOS,
                 FPTAN, FPATAN, FCOMPP, FUCOM, FUCOMP, FUCOMPP,
                 FCOMI, FCOMIP, FUCOMI, FUCOMIP, FTST, FXAM, FCMOVB, FCMOVE, FCMOVBE, FCMOVU, FCMOVNB, FCMOVNE,
                 FCMOVNBE, FCMOVNU, FNCLEX, FNINIT, FWAIT, FFREE, FFREEP, FINCSTP, FDECSTP, FNOP -> { }
            // MMX forms share the SSE mnemonics above; MM registers are not GPRs either
            case EMMS -> { }
            // (the SSSE3 mnemonics too: their MMX forms follow the XMM expectations above)
            case MOVNTQ, PSHUFW, CVTPI2PD, CVTPS2PI, CVTTPS2PI, CVTPD2PI, CVTTPD2PI, MOVQ2DQ, MOVDQ2Q -> e.w(0).rest(1);
            case CVTPI2PS, PCMPGTQ, CRC32 -> e.rw(0).rest(1);
            case MASKMOVQ -> { e.r(0).rest(1).rd(RDI); e.memW = true; } // the masked store to [rDI]
            // SSE4.2 string compares: lengths in rAX/rDX (explicit forms), the index to ECX
            case PCMPESTRI -> e.r(0).rest(1).rd(RAX, RDX).wr(4, RCX);
            case PCMPESTRM -> e.r(0).rest(1).rd(RAX, RDX);
            case PCMPISTRI -> e.r(0).rest(1).wr(4, RCX);
            case PCMPISTRM -> e.r(0).rest(1);
            default -> fail("no expectation for " + i.mnemonic);
        }
        switch (i.mnemonic) {
            case MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS -> { if (rep) e.rd(RCX).wr(8, RCX); }
            default -> { }
        }
        return e;
    }

    static void assertMatches(Model e, Instruction i, String what) {
        assertEquals(hex(e.read), hex(Access.regsRead(i)), "read: " + what);
        assertEquals(hex(e.written), hex(Access.regsWritten(i)), "written: " + what);
        assertEquals(hex(e.partial), hex(Access.regsPartiallyWritten(i)), "partially written: " + what);
        assertEquals(e.memR, Access.readsMemory(i), "reads memory: " + what);
        assertEquals(e.memW, Access.writesMemory(i), "writes memory: " + what);
        assertEquals(e.memR || e.memW, Access.accessesMemory(i), what);
        assertEquals(e.read | e.partial, Access.regsNeeded(i), what);
        assertEquals(e.written & ~e.partial, Access.regsFullyWritten(i), what);
    }

    static String hex(int m) {
        return Integer.toHexString(m);
    }

    @Test
    void everyRowAgreesWithTheModel() {
        Random rnd = new Random(20261203);
        List<String> unchecked = new ArrayList<>();
        int checked = 0;
        for (Row row : OpcodeTable.rows()) {
            int hits = 0;
            for (int k = 0; k < 64; k++) {
                byte[] b = RowEncoder.encode(row, rnd);
                Instruction i = Decoder.decode(ByteSource.of(0x1000, b), 0x1000, new Instruction());
                if (i.row != row.id) continue; // a more specific row took it (e.g. 90 without REX.B)
                String what = row + " :: " + HexFormat.of().formatHex(b) + " :: " + i;
                assertMatches(expect(i), i, what);
                hits++;
            }
            if (hits == 0) unchecked.add(row.toString());
            checked += hits;
        }
        assertEquals(List.of(), unchecked, "rows without a decoded instruction");
        assertTrue(checked > 10_000, "checked " + checked);
    }

    @Test
    void tableColumnsAreConsistent() {
        for (Row r : OpcodeTable.rows()) {
            int n = r.operandCount();
            boolean mem = false;
            for (int k = 0; k < n; k++) {
                String f = r.operandForms().stream().filter(s -> !s.startsWith("{")).toList().get(k);
                int a = r.access(k);
                if (f.startsWith("I") || f.startsWith("J") || f.equals("1")) assertEquals(ACC_NONE, a, r.toString());
                if ((f.startsWith("E") || f.startsWith("M") || f.startsWith("O")) && (a & ACC_RW) != 0) mem = true;
            }
            // A_NO_MEM_ACCESS rows never access their memory operand
            if ((r.attributes & A_NO_MEM_ACCESS) != 0) assertFalse(mem, r.toString());
            // LOCK needs a written memory destination
            if ((r.attributes & A_LOCKABLE) != 0) assertEquals(ACC_RW, r.access(0), r.toString());
            // implicit memory exactly on the rows flagged as such
            boolean implicitFlag = (r.attributes & (A_IMPLICIT_MEM | A_STRING)) != 0;
            assertEquals(implicitFlag, r.implicitMemory != 0, r.toString());
            // REP registers only on string rows
            if ((r.attributes & A_STRING) == 0) assertEquals(0, r.repRegsRead | r.repRegsWritten, r.toString());
        }
    }

    @Test
    void badNotationIsRejected() {
        for (String ops : new String[] {"Ev:x", "Ib:r", "Gv:a", "| RAX", "| RZZ:r", "| [heap]:r", "| AL:w@rep", "| RAX:a"}) {
            assertThrows(IllegalStateException.class, () -> OpcodeTable.parseAccess(ops, "test"), ops);
        }
        OpcodeTable.AccessSpec a = OpcodeTable.parseAccess("Ev:w,Gv | rAX:rw DX:w RCX:rw@rep [stack]:rw", "test");
        assertEquals("Ev,Gv", a.forms);
        assertEquals(ACC_W | ACC_R << 4, a.accessBits);
        assertEquals(bits(RAX), a.read);
        assertEquals(bits(RAX, RDX), a.written);
        assertEquals(bits(RDX), a.partialFixed);
        assertEquals(bits(RAX), a.writtenV);
        assertEquals(bits(RCX), a.repRead & a.repWritten);
        assertEquals(IM_STACK_R | IM_STACK_W, a.memory);
    }

    // ------------------------------------------------------------------ specific cases

    @Test
    void pushAndPop() {
        Instruction i = d("53"); // push %rbx
        assertEquals(bits(RBX, RSP), Access.regsRead(i));
        assertEquals(bits(RSP), Access.regsWritten(i));
        assertTrue(Access.writesMemory(i));
        assertFalse(Access.readsMemory(i));
        assertEquals(IM_STACK_W, Access.implicitMemory(i));
        i = d("41 5c"); // pop %r12
        assertEquals(bits(RSP), Access.regsRead(i));
        assertEquals(bits(RSP, 12), Access.regsWritten(i));
        assertTrue(Access.readsMemory(i));
        assertFalse(Access.writesMemory(i));
        i = d("66 5b"); // pop %bx: a 16-bit pop keeps the rest of RBX
        assertEquals(bits(RBX), Access.regsPartiallyWritten(i));
        i = d("ff 30"); // push (%rax): reads memory, writes the stack
        assertEquals(bits(RAX, RSP), Access.regsRead(i));
        assertTrue(Access.readsMemory(i) && Access.writesMemory(i));
        i = d("8f 00"); // pop (%rax)
        assertTrue(Access.readsMemory(i) && Access.writesMemory(i));
        assertEquals(ACC_W, Access.memoryOperandAccess(i));
        i = d("6a 01"); // push $1
        assertEquals(bits(RSP), Access.regsRead(i));
        i = d("e8 00 00 00 00"); // call
        assertTrue(Access.writesMemory(i));
        assertEquals(bits(RSP), Access.regsRead(i) & Access.regsWritten(i));
        i = d("c3"); // ret
        assertTrue(Access.readsMemory(i));
        assertFalse(Access.writesMemory(i));
        i = d("c9"); // leave: RSP <- RBP, RBP <- pop
        assertEquals(bits(RBP), Access.regsRead(i));
        assertEquals(bits(RSP, RBP), Access.regsWritten(i));
        assertEquals(0, Access.regsPartiallyWritten(i));
        i = d("66 c9"); // leave with 16-bit pop: BP only
        assertEquals(bits(RBP), Access.regsPartiallyWritten(i));
        i = d("c8 10 00 00"); // enter $16, $0
        assertEquals(bits(RSP, RBP), Access.regsRead(i));
        assertEquals(bits(RSP, RBP), Access.regsWritten(i));
        assertTrue(Access.writesMemory(i));
    }

    @Test
    void stringOpsWithAndWithoutRep() {
        Instruction i = d("a4"); // movsb
        assertEquals(bits(RSI, RDI), Access.regsRead(i));
        assertEquals(bits(RSI, RDI), Access.regsWritten(i));
        assertTrue(Access.readsMemory(i) && Access.writesMemory(i));
        assertEquals(IM_SRC_R | IM_DST_W, Access.implicitMemory(i));
        i = d("f3 48 a5"); // rep movsq
        assertEquals(bits(RSI, RDI, RCX), Access.regsRead(i));
        assertEquals(bits(RSI, RDI, RCX), Access.regsWritten(i));
        i = d("f3 aa"); // rep stosb: AL, RDI, RCX
        assertEquals(bits(RAX, RDI, RCX), Access.regsRead(i));
        assertEquals(bits(RDI, RCX), Access.regsWritten(i));
        assertFalse(Access.readsMemory(i));
        assertTrue(Access.writesMemory(i));
        i = d("ac"); // lodsb: writes AL only
        assertEquals(bits(RSI), Access.regsRead(i));
        assertEquals(bits(RAX, RSI), Access.regsWritten(i));
        assertEquals(bits(RAX), Access.regsPartiallyWritten(i));
        i = d("ad"); // lodsl: EAX, a full write
        assertEquals(0, Access.regsPartiallyWritten(i));
        i = d("f2 ae"); // repne scasb
        assertEquals(bits(RAX, RDI, RCX), Access.regsRead(i));
        assertEquals(bits(RDI, RCX), Access.regsWritten(i));
        assertTrue(Access.readsMemory(i));
        assertFalse(Access.writesMemory(i));
        i = d("f3 a6"); // repe cmpsb
        assertEquals(IM_SRC_R | IM_DST_R, Access.implicitMemory(i));
        assertFalse(Access.writesMemory(i));
        i = d("67 f3 aa"); // rep stosb with 32-bit addressing: EDI/ECX, still full writes
        assertEquals(bits(RDI, RCX), Access.regsWritten(i));
        assertEquals(0, Access.regsPartiallyWritten(i));
        i = d("d7"); // xlat: AL <- [RBX + AL]
        assertEquals(bits(RAX, RBX), Access.regsRead(i));
        assertEquals(bits(RAX), Access.regsPartiallyWritten(i));
        assertEquals(IM_TABLE_R, Access.implicitMemory(i));
    }

    @Test
    void cmpxchgAndXchg() {
        Instruction i = d("f0 48 0f b1 0a"); // lock cmpxchg %rcx,(%rdx)
        assertEquals(bits(RAX, RCX, RDX), Access.regsRead(i));
        assertEquals(bits(RAX), Access.regsWritten(i));
        assertTrue(Access.readsMemory(i) && Access.writesMemory(i));
        i = d("0f b0 d9"); // cmpxchg %bl,%cl: CL and AL may be written, partially
        assertEquals(bits(RAX, RCX, RBX), Access.regsRead(i));
        assertEquals(bits(RAX, RCX), Access.regsWritten(i));
        assertEquals(bits(RAX, RCX), Access.regsPartiallyWritten(i));
        i = d("48 0f c7 0f"); // cmpxchg16b (%rdi)
        assertEquals(Mnemonic.CMPXCHG16B, i.mnemonic);
        assertEquals(bits(RAX, RCX, RDX, RBX, RDI), Access.regsRead(i));
        assertEquals(bits(RAX, RDX), Access.regsWritten(i));
        i = d("0f c7 0f"); // cmpxchg8b (%rdi)
        assertEquals(Mnemonic.CMPXCHG8B, i.mnemonic);
        assertEquals(bits(RAX, RDX), Access.regsWritten(i));
        assertEquals(0, Access.regsPartiallyWritten(i));
        i = d("48 87 cb"); // xchg %rcx,%rbx
        assertEquals(bits(RCX, RBX), Access.regsRead(i));
        assertEquals(bits(RCX, RBX), Access.regsWritten(i));
        i = d("86 26"); // xchg %ah,(%rsi)
        assertEquals(bits(RAX, RSI), Access.regsRead(i));
        assertEquals(bits(RAX), Access.regsPartiallyWritten(i));
        assertTrue(Access.readsMemory(i) && Access.writesMemory(i));
        i = d("41 90"); // xchg %eax,%r8d
        assertEquals(bits(RAX, R8), Access.regsWritten(i));
        i = d("90"); // nop
        assertEquals(0, Access.regsUsed(i));
        i = d("0f c1 c8"); // xadd %ecx,%eax
        assertEquals(bits(RAX, RCX), Access.regsFullyWritten(i));
    }

    @Test
    void mulAndDivBySize() {
        Instruction i = d("f6 e3"); // mul %bl: AX = AL * BL
        assertEquals(bits(RAX, RBX), Access.regsRead(i));
        assertEquals(bits(RAX), Access.regsWritten(i));
        assertEquals(bits(RAX), Access.regsPartiallyWritten(i));
        i = d("66 f7 e3"); // mul %bx: DX:AX
        assertEquals(bits(RAX, RDX), Access.regsWritten(i));
        assertEquals(bits(RAX, RDX), Access.regsPartiallyWritten(i));
        i = d("f7 e3"); // mul %ebx: EDX:EAX, zero-extended
        assertEquals(bits(RAX, RDX), Access.regsFullyWritten(i));
        assertEquals(bits(RAX, RBX), Access.regsRead(i));
        i = d("48 f7 f3"); // div %rbx: RDX:RAX / RBX
        assertEquals(bits(RAX, RDX, RBX), Access.regsRead(i));
        assertEquals(bits(RAX, RDX), Access.regsFullyWritten(i));
        i = d("f6 f3"); // div %bl: AX / BL -> AL, AH
        assertEquals(bits(RAX, RBX), Access.regsRead(i));
        assertEquals(bits(RAX), Access.regsPartiallyWritten(i));
        i = d("48 f7 2e"); // imul (%rsi): memory source
        assertTrue(Access.readsMemory(i));
        assertFalse(Access.writesMemory(i));
        i = d("0f af c1"); // imul %ecx,%eax
        assertEquals(bits(RAX, RCX), Access.regsRead(i));
        assertEquals(bits(RAX), Access.regsWritten(i));
        i = d("6b c1 05"); // imul $5,%ecx,%eax: the destination is not read
        assertEquals(bits(RCX), Access.regsRead(i));
        i = d("48 99"); // cqo
        assertEquals(bits(RAX), Access.regsRead(i));
        assertEquals(bits(RDX), Access.regsFullyWritten(i));
        i = d("66 98"); // cbw
        assertEquals(bits(RAX), Access.regsPartiallyWritten(i));
    }

    @Test
    void subRegisterWrites() {
        Instruction i = d("0f b6 c3"); // movzx %bl,%eax: a 32-bit write is a full write
        assertEquals(bits(RBX), Access.regsRead(i));
        assertEquals(bits(RAX), Access.regsFullyWritten(i));
        assertEquals(0, Access.regsPartiallyWritten(i));
        i = d("48 0f b6 c7"); // movzx %dil,%rax
        assertEquals(bits(RDI), Access.regsRead(i));
        assertEquals(bits(RAX), Access.regsFullyWritten(i));
        i = d("66 0f b6 c3"); // movzx %bl,%ax: keeps the upper 48 bits
        assertEquals(bits(RAX), Access.regsPartiallyWritten(i));
        assertEquals(bits(RBX), Access.regsRead(i));
        assertEquals(bits(RAX, RBX), Access.regsNeeded(i));
        i = d("88 e7"); // mov %ah,%bh: high-byte registers map to RAX/RBX
        assertEquals(bits(RAX), Access.regsRead(i));
        assertEquals(bits(RBX), Access.regsPartiallyWritten(i));
        i = d("40 88 e7"); // with REX: mov %spl,%dil
        assertEquals(bits(RSP), Access.regsRead(i));
        assertEquals(bits(RDI), Access.regsPartiallyWritten(i));
        i = d("00 e0"); // add %ah,%al
        assertEquals(bits(RAX), Access.regsRead(i));
        assertEquals(bits(RAX), Access.regsPartiallyWritten(i));
        i = d("89 c8"); // mov %ecx,%eax
        assertEquals(bits(RCX), Access.regsRead(i));
        assertEquals(bits(RAX), Access.regsFullyWritten(i));
        i = d("0f 44 c1"); // cmove %ecx,%eax: conditional, so the old value is an input
        assertEquals(bits(RAX, RCX), Access.regsRead(i));
        i = d("9f"); // lahf: AH
        assertEquals(bits(RAX), Access.regsPartiallyWritten(i));
    }

    @Test
    void setccLeaAndAddressOnlyOperands() {
        Instruction i = d("0f 94 03"); // sete (%rbx)
        assertEquals(bits(RBX), Access.regsRead(i));
        assertEquals(0, Access.regsWritten(i));
        assertTrue(Access.writesMemory(i));
        assertFalse(Access.readsMemory(i));
        i = d("0f 94 c4"); // sete %ah
        assertEquals(0, Access.regsRead(i));
        assertEquals(bits(RAX), Access.regsPartiallyWritten(i));
        i = d("48 8d 04 8b"); // lea (%rbx,%rcx,4),%rax
        assertEquals(bits(RBX, RCX), Access.regsRead(i));
        assertEquals(bits(RAX), Access.regsFullyWritten(i));
        assertFalse(Access.accessesMemory(i));
        assertEquals(ACC_ADDR, Access.memoryOperandAccess(i));
        i = d("48 8d 05 00 00 00 00"); // lea 0(%rip),%rax: no GPR read
        assertEquals(0, Access.regsRead(i));
        i = d("0f 1f 44 00 00"); // nopl 0(%rax,%rax,1): nothing at all
        assertEquals(0, Access.regsUsed(i));
        assertFalse(Access.accessesMemory(i));
        i = d("0f 18 0e"); // prefetcht0 (%rsi)
        assertEquals(bits(RSI), Access.regsRead(i));
        assertFalse(Access.accessesMemory(i));
        i = d("0f ae 3e"); // clflush (%rsi)
        assertFalse(Access.accessesMemory(i));
        i = d("0f 01 3f"); // invlpg (%rdi)
        assertEquals(bits(RDI), Access.regsRead(i));
        assertFalse(Access.accessesMemory(i));
        i = d("0f 0b"); // ud2
        assertEquals(0, Access.regsUsed(i));
        i = d("0f b9 06"); // ud1 (%rsi),%eax: never executes
        assertFalse(Access.accessesMemory(i));
        assertEquals(0, Access.regsUsed(i));
    }

    @Test
    void bitTestOnMemory() {
        Instruction i = d("48 0f a3 07"); // bt %rax,(%rdi): a bit string, read only
        assertEquals(bits(RAX, RDI), Access.regsRead(i));
        assertEquals(0, Access.regsWritten(i));
        assertTrue(Access.readsMemory(i));
        assertFalse(Access.writesMemory(i));
        i = d("f0 48 0f ab 07"); // lock bts %rax,(%rdi)
        assertTrue(Access.readsMemory(i) && Access.writesMemory(i));
        assertEquals(0, i.attributes & A_BAD_LOCK);
        i = d("0f ba 27 05"); // bt $5,(%rdi)
        assertEquals(bits(RDI), Access.regsRead(i));
        assertFalse(Access.writesMemory(i));
        i = d("0f ba e8 05"); // bts $5,%eax
        assertEquals(bits(RAX), Access.regsRead(i) & Access.regsFullyWritten(i));
    }

    @Test
    void systemAndImplicitRegisters() {
        Instruction i = d("0f 05"); // syscall
        assertEquals(0, Access.regsRead(i));
        assertEquals(bits(RCX, R11), Access.regsWritten(i));
        i = d("48 0f 07"); // sysretq
        assertEquals(bits(RCX, R11), Access.regsRead(i));
        i = d("0f a2"); // cpuid
        assertEquals(bits(RAX, RCX), Access.regsRead(i));
        assertEquals(bits(RAX, RCX, RDX, RBX), Access.regsFullyWritten(i));
        i = d("0f 32"); // rdmsr
        assertEquals(bits(RCX), Access.regsRead(i));
        assertEquals(bits(RAX, RDX), Access.regsWritten(i));
        i = d("0f 30"); // wrmsr
        assertEquals(bits(RAX, RCX, RDX), Access.regsRead(i));
        assertEquals(0, Access.regsWritten(i));
        i = d("0f 31"); // rdtsc
        assertEquals(bits(RAX, RDX), Access.regsWritten(i));
        i = d("0f 01 f9"); // rdtscp
        assertEquals(bits(RAX, RCX, RDX), Access.regsWritten(i));
        i = d("e2 fe"); // loop
        assertEquals(bits(RCX), Access.regsRead(i) & Access.regsWritten(i));
        i = d("e3 fe"); // jrcxz
        assertEquals(bits(RCX), Access.regsRead(i));
        assertEquals(0, Access.regsWritten(i));
        i = d("d3 e0"); // shl %cl,%eax: CL is an explicit operand
        assertEquals(bits(RAX, RCX), Access.regsRead(i));
        i = d("0f 22 d8"); // mov %rax,%cr3
        assertEquals(bits(RAX), Access.regsRead(i));
        assertEquals(0, Access.regsWritten(i));
        i = d("0f 20 d8"); // mov %cr3,%rax
        assertEquals(bits(RAX), Access.regsWritten(i));
        i = d("0f 01 10"); // lgdt (%rax)
        assertTrue(Access.readsMemory(i));
        assertFalse(Access.writesMemory(i));
        i = d("0f 01 00"); // sgdt (%rax)
        assertTrue(Access.writesMemory(i));
        assertFalse(Access.readsMemory(i));
        i = d("ee"); // out %al,(%dx)
        assertEquals(bits(RAX, RDX), Access.regsRead(i));
        i = d("cd 80"); // int $0x80: the delivery is an event, not an operand
        assertEquals(0, Access.regsUsed(i));
        assertFalse(Access.accessesMemory(i));
    }

    @Test
    void invalidTouchesNothing() {
        Instruction i = d("0f 04");
        assertEquals(Mnemonic.INVALID, i.mnemonic);
        assertEquals(0, Access.regsUsed(i));
        assertFalse(Access.accessesMemory(i));
        assertEquals(ACC_NONE, Access.operandAccess(i, 0));
        assertEquals(0, Access.implicitMemory(i));
    }

    @Test
    void queriesAllocateNothing() {
        byte[] code = HexFormat.of().parseHex("f3a4" + "488d048b" + "f0480fb10a" + "66f7e3" + "88e7" + "c9" + "0f05");
        ByteSource src = ByteSource.of(0, code);
        List<Instruction> insns = new ArrayList<>();
        for (int a = 0; a < code.length; ) {
            Instruction i = Decoder.decode(src, a, new Instruction());
            insns.add(i);
            a += i.length;
        }
        Instruction[] arr = insns.toArray(new Instruction[0]);
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (int round = 0; round < 3; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int k = 0; k < 20_000; k++) {
                for (Instruction i : arr) {
                    sum += Access.regsRead(i) + Access.regsWritten(i) + Access.regsPartiallyWritten(i)
                            + (Access.readsMemory(i) ? 1 : 0) + (Access.writesMemory(i) ? 2 : 0);
                }
            }
            long after = mx.getCurrentThreadAllocatedBytes();
            if (round == 2) assertTrue(after - before < 10_000, "queries allocated " + (after - before) + " bytes");
        }
        assertTrue(sum > 0);
    }
}

package dev.lstar.decoder;

import static dev.lstar.decoder.Instruction.*;
import static dev.lstar.decoder.OpcodeTable.*;

import dev.lstar.decoder.OpcodeTable.Row;

/**
 * AT&T-syntax disassembly in the style of GNU {@code objdump -d} (binutils 2.40): operands reversed
 * from Intel order, {@code %reg}, {@code $imm} in hex masked to the operation size, size suffixes
 * only where objdump prints them (no register operand fixes the size), {@code disp(%base,%index,scale)},
 * RIP-relative as {@code 0x10(%rip)        # 0xabs}, branch targets as absolute hex, and prefixes
 * objdump considers unused printed as words ({@code data16}, {@code addr32}, {@code rex.W},
 * {@code cs}, {@code repz}, {@code bnd}, {@code notrack}). INVALID prints {@code (bad)}.
 *
 * <p>Not performance critical: this allocates.
 */
public final class Disassembler {
    private Disassembler() {}

    private static final String[] R64 = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
    private static final String[] R32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
        "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
    private static final String[] R16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
        "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
    private static final String[] R8 = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
        "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b", "ah", "ch", "dh", "bh"};
    private static final String[] SREG = {"es", "cs", "ss", "ds", "fs", "gs"};
    private static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np",
        "l", "ge", "le", "g"};

    /** The register name (without %) for a register number and size in bytes. */
    public static String regName(int num, int size) {
        return switch (size) {
            case 1 -> R8[num];
            case 2 -> R16[num];
            case 4 -> R32[num];
            default -> R64[num];
        };
    }

    public static String format(Instruction insn) {
        if (!insn.isValid()) return "(bad)";
        Row row = OpcodeTable.rowOf(insn);
        Mnemonic m = insn.mnemonic;
        int[] codes = explicitCodes(row);

        // --- which prefixes does objdump consider used?
        boolean isString = (row.attributes & A_STRING) != 0 || m == Mnemonic.XLAT;
        boolean hasMem = insn.hasMemoryOperand();
        boolean indirectBranch = (m == Mnemonic.CALL || m == Mnemonic.JMP) && type(codes[0]) == T_E;
        boolean isBranch = (row.attributes & (A_BRANCH | A_COND_BRANCH)) != 0;
        boolean segOnOperand = false, moffs = false;
        String suffixHint = "";
        for (int c : row.operandCodes) if (type(c) == T_O) moffs = true;

        StringBuilder words = new StringBuilder();
        int plen = prefixLength(insn);
        int last66 = -1, last67 = -1, lastRep = -1, lastSeg = -1;
        for (int i = 0; i < plen; i++) {
            int b = insn.bytes[i] & 0xFF;
            if (b == 0x66) last66 = i;
            else if (b == 0x67) last67 = i;
            else if (b == 0xF2 || b == 0xF3) lastRep = i;
            else if (isSeg(b)) lastSeg = i;
        }
        boolean used66 = row.mandatoryPrefix == 0x66 || (uses66(row, insn) && (insn.rex & 8) == 0);
        boolean used67 = !moffs && (hasMem || isString || m == Mnemonic.JRCXZ || m == Mnemonic.LOOP
                || m == Mnemonic.LOOPE || m == Mnemonic.LOOPNE);
        for (int i = 0; i < plen; i++) {
            int b = insn.bytes[i] & 0xFF;
            String word = null;
            if (b == 0xF0) {
                word = "lock";
            } else if (b == 0xF2 || b == 0xF3) {
                if (i != lastRep) word = b == 0xF3 ? "repz" : "repnz";
                else if (row.mandatoryPrefix == b) word = null;
                else if (isString) {
                    if (m == Mnemonic.CMPS || m == Mnemonic.SCAS) word = b == 0xF3 ? "repz" : "repnz";
                    else word = b == 0xF3 ? "rep" : "repnz";
                } else if (b == 0xF2 && isBranch && m != Mnemonic.JRCXZ && m != Mnemonic.LOOP
                        && m != Mnemonic.LOOPE && m != Mnemonic.LOOPNE) {
                    word = "bnd";
                } else word = b == 0xF3 ? "repz" : "repnz";
            } else if (isSeg(b)) {
                int s = segOf(b);
                if (i != lastSeg) word = SREG[s];
                else if (m == Mnemonic.JCC && (s == SEG_CS || s == SEG_DS)) suffixHint = s == SEG_CS ? ",pn" : ",pt";
                else if (indirectBranch && s == SEG_DS) word = "notrack";
                else if ((s == SEG_FS || s == SEG_GS) && (hasMem || isStringWithSource(m))) segOnOperand = true;
                else if (isStringWithSource(m)) segOnOperand = true;
                else word = SREG[s];
            } else if (b == 0x66) {
                if (i != last66 || !used66) word = "data16";
            } else if (b == 0x67) {
                if (i != last67 || !used67) word = "addr32";
            } else if ((b & 0xF0) == 0x40) {
                if (i != plen - 1 || insn.rex == 0) word = rexName(b);
                else {
                    int unused = (b & 0xF) & ~rexUsed(insn, row, codes);
                    if (unused != 0 || (b == 0x40 && !usesNewByteReg(insn))) word = rexName(b);
                }
            }
            if (word != null) words.append(word).append(' ');
        }

        String name = mnemonicName(insn, row, codes) + suffixHint;
        if (m == Mnemonic.NOP && row.map == 0 && insn.opSize == 2) name = "xchg   %ax,%ax"; // 66 90
        StringBuilder ops = new StringBuilder();
        String comment = "";
        if (isString) {
            ops.append(stringOperands(insn, segOnOperand));
        } else {
            int n = insn.nOperands;
            boolean forward = m == Mnemonic.ENTER;
            boolean first = true;
            for (int k = 0; k < n; k++) {
                int i = forward ? k : n - 1 - k;
                if (type(codes[i]) == T_ONE) continue; // shift-by-1: objdump omits the implicit 1
                if (insn.kind[i] == OP_IMM && isSseCompare(m) && (insn.imm & 0xFF) < 8) continue; // cmpltps: in the name
                if (!first) ops.append(',');
                first = false;
                switch (insn.kind[i]) {
                    case OP_REG -> {
                        if (indirectBranch) ops.append('*');
                        boolean port = (m == Mnemonic.IN || m == Mnemonic.OUT) && insn.size[i] == 2 && insn.reg[i] == 2
                                && i == (m == Mnemonic.IN ? 1 : 0);
                        if (port) ops.append("(%dx)"); // the port register, which objdump writes as (%dx)
                        else ops.append('%').append(regName(insn.reg[i], insn.size[i]));
                    }
                    case OP_IMM -> {
                        long v = immIndex(codes, i) == 0 ? insn.imm : insn.imm2;
                        int size = insn.opSize;
                        if (m == Mnemonic.ENTER || m == Mnemonic.RET) size = insn.size[i];
                        ops.append("$0x").append(Long.toHexString(mask(v, size)));
                    }
                    case OP_REL -> ops.append("0x").append(Long.toHexString(insn.target));
                    case OP_SREG -> ops.append('%').append(SREG[insn.reg[i]]);
                    case OP_CREG -> ops.append("%cr").append(insn.reg[i]);
                    case OP_XMM -> ops.append("%xmm").append(insn.reg[i]);
                    case OP_MMX -> ops.append("%mm").append(insn.reg[i]);
                    case OP_ST -> ops.append(extra(codes[i]) == 0 ? "%st" : "%st(" + insn.reg[i] + ")");
                    case OP_MEM -> {
                        if (indirectBranch) ops.append('*');
                        if (segOnOperand) ops.append('%').append(SREG[insn.segment]).append(':');
                        comment = memOperand(insn, ops);
                    }
                    default -> throw new IllegalStateException("operand kind " + insn.kind[i]);
                }
            }
        }
        StringBuilder sb = new StringBuilder(words).append(name);
        if (ops.length() > 0) {
            while (sb.length() < 6) sb.append(' ');
            sb.append(' ').append(ops);
        }
        sb.append(comment);
        return sb.toString();
    }

    private static final String[] SSE_PREDICATES = {"eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord"};

    private static boolean isSseCompare(Mnemonic m) {
        return m == Mnemonic.CMPPS || m == Mnemonic.CMPPD || m == Mnemonic.CMPSS || m == Mnemonic.CMPSD;
    }

    private static boolean isStringWithSource(Mnemonic m) {
        return m == Mnemonic.MOVS || m == Mnemonic.CMPS || m == Mnemonic.LODS || m == Mnemonic.OUTS || m == Mnemonic.XLAT;
    }

    private static boolean isSeg(int b) {
        return b == 0x2E || b == 0x36 || b == 0x3E || b == 0x26 || b == 0x64 || b == 0x65;
    }

    private static int segOf(int b) {
        return switch (b) {
            case 0x26 -> SEG_ES; case 0x2E -> SEG_CS; case 0x36 -> SEG_SS; case 0x3E -> SEG_DS;
            case 0x64 -> SEG_FS; default -> SEG_GS;
        };
    }

    /** Number of legacy-prefix and REX bytes before the opcode. */
    private static int prefixLength(Instruction insn) {
        int i = 0;
        while (i < insn.length) {
            int b = insn.bytes[i] & 0xFF;
            if (b == 0xF0 || b == 0xF2 || b == 0xF3 || b == 0x66 || b == 0x67 || isSeg(b) || (b & 0xF0) == 0x40) i++;
            else break;
        }
        return i;
    }

    private static String rexName(int b) {
        StringBuilder s = new StringBuilder("rex");
        if ((b & 0xF) != 0) {
            s.append('.');
            if ((b & 8) != 0) s.append('W');
            if ((b & 4) != 0) s.append('R');
            if ((b & 2) != 0) s.append('X');
            if ((b & 1) != 0) s.append('B');
        }
        return s.toString();
    }

    /** Codes of explicit operands only (size markers removed), index-aligned with insn operands. */
    private static int[] explicitCodes(Row row) {
        int[] all = row.operandCodes;
        int n = 0;
        for (int c : all) if (type(c) != T_SIZE) n++;
        int[] out = new int[Math.max(n, 1)];
        int k = 0;
        for (int c : all) if (type(c) != T_SIZE) out[k++] = c;
        return out;
    }

    private static int immIndex(int[] codes, int i) {
        int k = 0;
        for (int j = 0; j < i; j++) if (type(codes[j]) == T_I || type(codes[j]) == T_ONE) k++;
        return k;
    }

    private static boolean uses66(Row row, Instruction insn) {
        if ((row.attributes & A_F64) != 0) return false;
        for (int c : row.operandCodes) {
            int s = sizeCode(c);
            if (s == S_V || s == S_Z || (s == S_VW && (insn.modrm >>> 6) == 3) || s == S_ENV || s == S_FSAVE) return true;
        }
        return false;
    }

    private static int rexUsed(Instruction insn, Row row, int[] codes) {
        int used = 0;
        boolean vsized = false;
        for (int c : row.operandCodes) {
            int s = sizeCode(c), t = type(c);
            // eAX of IN/OUT and the element of INS/OUTS ignore REX.W
            if (s == S_V || s == S_Y || (s == S_Z && t != T_FIXREG && t != T_SIZE) || (s == S_VW && (insn.modrm >>> 6) == 3)) vsized = true;
            if (t == T_G || t == T_C || t == T_V) used |= 4;
            if (t == T_Z || t == T_R || t == T_C || t == T_U) used |= 1;
            if ((t == T_E || t == T_W) && (insn.modrm >>> 6) == 3) used |= 1;
        }
        if ((row.attributes & (A_DEF64 | A_F64)) == 0 && vsized) used |= 8;
        if (row.operandSize == 8) used |= 8;
        if (row.mnemonic == Mnemonic.NOP && row.map == 0) used &= ~8; // 48 90 is "rex.W nop"
        if (insn.modrm >= 0 && (insn.modrm >>> 6) != 3) {
            if (insn.base >= 0 && insn.base < 16) used |= 1;
            if (insn.sib >= 0) used |= 2;
        }
        return used;
    }

    private static boolean usesNewByteReg(Instruction insn) {
        for (int i = 0; i < insn.nOperands; i++) {
            if (insn.kind[i] == OP_REG && insn.size[i] == 1 && insn.reg[i] >= 4 && insn.reg[i] < 8) return true;
        }
        return false;
    }

    private static char suffix(int size) {
        return switch (size) { case 1 -> 'b'; case 2 -> 'w'; case 4 -> 'l'; default -> 'q'; };
    }

    private static boolean hasSizingReg(Instruction insn, int[] codes) {
        for (int i = 0; i < insn.nOperands; i++) {
            if (insn.kind[i] != OP_REG) continue;
            int c = codes[i];
            if (type(c) == T_FIXREG && extra(c) == 1 && sizeCode(c) == 1) continue; // CL count
            return true;
        }
        return false;
    }

    private static String mnemonicName(Instruction insn, Row row, int[] codes) {
        Mnemonic m = insn.mnemonic;
        int os = insn.opSize;
        switch (m) {
            case JCC: return "j" + CC[insn.cond];
            case SETCC: return "set" + CC[insn.cond];
            case CMOVCC: return "cmov" + CC[insn.cond];
            case MOV_FROM_CR: case MOV_TO_CR: case MOV_FROM_SREG: case MOV_TO_SREG: return "mov";
            case MOVZX: return "movz" + suffix(insn.size[1]) + suffix(insn.size[0]);
            case MOVSX: return "movs" + suffix(insn.size[1]) + suffix(insn.size[0]);
            case MOVSXD: return os == 8 ? "movslq" : "movsxd";
            case MOVD: return os == 8 ? "movq" : "movd"; // [66] REX.W 0F 6E/7E
            case CRC32: return insn.kind[1] == OP_MEM ? "crc32" + suffix(insn.size[1]) : "crc32"; // sized by a register otherwise
            case CMPPS: case CMPPD: case CMPSS: case CMPSD: // predicates 0-7 are pseudo-op names (cmpltsd)
                if ((insn.imm & 0xFF) < 8) return "cmp" + SSE_PREDICATES[(int) insn.imm & 7] + m.name().toLowerCase().substring(3);
                return m.name().toLowerCase();
            case CVTSI2SS: case CVTSI2SD: // the memory form names its width
                return m.name().toLowerCase() + (insn.kind[1] == OP_MEM ? insn.size[1] == 8 ? "q" : "l" : "");
            case CBW: return "cbtw";
            case CWDE: return "cwtl";
            case CDQE: return "cltq";
            case CWD: return "cwtd";
            case CDQ: return "cltd";
            case CQO: return "cqto";
            case PUSHFQ: return os == 2 ? "pushfw" : "pushf";
            case POPFQ: return os == 2 ? "popfw" : "popf";
            case LEAVE: return os == 2 ? "leavew" : "leave";
            case ENTER: return os == 2 ? "enterw" : "enter";
            case SYSRETQ: return "sysretq";
            case SYSRET32: return "sysretl";
            case MOVS: case CMPS: case INS: case OUTS: return m.name().toLowerCase() + suffix(os);
            case JRCXZ: return insn.addrSize == 4 ? "jecxz" : "jrcxz";
            case LOOP: case LOOPE: case LOOPNE: return m.name().toLowerCase() + (insn.addrSize == 4 ? "l" : "");
            case PUSH: case POP:
                return m.name().toLowerCase() + (os == 2 && insn.kind[0] != OP_REG ? "w" : "");
            case NOP:
                if (row.attName != null) return row.attName;
                if (row.opcode == 0x90 && row.map == 0) return os == 2 ? "xchg" : "nop";
                // 0F 18 /7 and /6 with a RIP-relative operand and no prefix are PREFETCHIT0/1 to
                // objdump (a hint: lstar, without the CPUID bit, runs them as the NOPs they are)
                if (row.opcode == 0x18 && row.map == 1 && insn.modrm >= 0 && (insn.modrm & 0xC7) == 0x05
                        && ((insn.modrm >> 3) & 7) >= 6 && (insn.prefixes & (Instruction.P_REP | Instruction.P_REPNE | Instruction.P_OPSIZE)) == 0) {
                    return ((insn.modrm >> 3) & 7) == 7 ? "prefetchit0" : "prefetchit1";
                }
                return hasSizingReg(insn, codes) ? "nop" : "nop" + suffix(os);
            case MOV:
                for (int c : row.operandCodes) {
                    if (type(c) == T_O && insn.addrSize == 8) return "movabs";
                }
                if (row.opcode == 0xB8 && os == 8) return "movabs";
                return hasSizingReg(insn, codes) ? "mov" : "mov" + suffix(os);
            case ADD: case OR: case ADC: case SBB: case AND: case SUB: case XOR: case CMP: case TEST:
            case INC: case DEC: case NEG: case NOT: case MUL: case IMUL: case DIV: case IDIV:
            case ROL: case ROR: case RCL: case RCR: case SHL: case SHR: case SAR:
            case BT: case BTS: case BTR: case BTC:
                return hasSizingReg(insn, codes) ? m.name().toLowerCase() : m.name().toLowerCase() + suffix(os);
            default:
                return row.attName != null ? row.attName : m.name().toLowerCase();
        }
    }

    private static String stringOperands(Instruction insn, boolean segOverride) {
        // in 64-bit mode objdump names only an FS or GS override on the source; CS/DS/ES/SS print %ds
        segOverride &= insn.segment == Instruction.SEG_FS || insn.segment == Instruction.SEG_GS;
        String a = insn.addrSize == 4 ? "e" : "r";
        String src = "%" + (segOverride ? SREG[insn.segment] : "ds") + ":(%" + a + "si)";
        String dst = "%es:(%" + a + "di)";
        String acc = "%" + regName(0, insn.opSize);
        return switch (insn.mnemonic) {
            case MOVS -> src + "," + dst;
            case CMPS -> dst + "," + src;
            case STOS -> acc + "," + dst;
            case LODS -> src + "," + acc;
            case SCAS -> dst + "," + acc;
            case INS -> "(%dx)," + dst;
            case OUTS -> src + ",(%dx)";
            case XLAT -> "%" + (segOverride ? SREG[insn.segment] : "ds") + ":(%" + a + "bx)";
            default -> "";
        };
    }

    private static long mask(long v, int size) {
        return size >= 8 || size <= 0 ? v : v & ((1L << (8 * size)) - 1);
    }

    private static String signedHex(long v) {
        return v < 0 ? "-0x" + Long.toHexString(-v) : "0x" + Long.toHexString(v);
    }

    /** Appends the memory operand; returns the trailing comment (RIP-relative target) or "". */
    private static String memOperand(Instruction insn, StringBuilder sb) {
        boolean a32 = insn.addrSize == 4;
        String[] regs = a32 ? R32 : R64;
        if (insn.base == BASE_RIP) {
            long next = insn.address + insn.length;
            long rel = a32 ? (int) (insn.disp - next) : insn.disp - next;
            sb.append(signedHex(rel)).append(a32 ? "(%eip)" : "(%rip)");
            // objdump shows the 32-bit target of an EIP-relative operand sign-extended
            return "        # 0x" + Long.toHexString(a32 ? (long) (int) insn.disp : insn.disp);
        }
        boolean riz = insn.sib >= 0 && insn.index == NO_REG
                && (insn.scale != 0 || (insn.base != NO_REG && (insn.sib & 7) != 4) || (a32 && insn.base == NO_REG));
        if (insn.base == NO_REG && insn.index == NO_REG && !riz) {
            sb.append("0x").append(Long.toHexString(a32 ? insn.disp & 0xFFFF_FFFFL : insn.disp));
            return "";
        }
        if (insn.dispSize > 0) {
            if (a32 && insn.base == NO_REG && riz) sb.append("0x").append(Long.toHexString(insn.disp & 0xFFFF_FFFFL));
            else sb.append(signedHex(insn.disp));
        }
        sb.append('(');
        if (insn.base != NO_REG) sb.append('%').append(regs[insn.base]);
        if (insn.index != NO_REG) {
            sb.append(",%").append(regs[insn.index]).append(',').append(1 << insn.scale);
        } else if (riz) {
            sb.append(a32 ? ",%eiz," : ",%riz,").append(1 << insn.scale);
        }
        sb.append(')');
        return "";
    }
}

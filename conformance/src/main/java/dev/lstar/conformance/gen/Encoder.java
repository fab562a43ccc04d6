package dev.lstar.conformance.gen;

import dev.lstar.conformance.gen.Form.Kind;
import dev.lstar.conformance.gen.Form.Operand;
import java.io.ByteArrayOutputStream;

/**
 * A small x86-64 encoder for the case generator's forms: legacy/mandatory prefixes, REX, opcode,
 * ModRM with a register or a {@code [base+disp8]} operand (SIB only for an R12 base), immediates.
 * It also prints the instruction in GNU {@code as} Intel syntax, which the tests feed to
 * {@code as} to check the encoding (SDM Vol. 2A §2.1-2.2 for the formats).
 *
 * <p>Register numbers: 0-15 in encoding order; for 8-bit operands 4-7 are SPL BPL SIL DIL (need a
 * REX prefix) and {@link #AH}..{@link #BH} (16-19) are AH CH DH BH (encoded 4-7, REX forbidden).
 */
public final class Encoder {
    private Encoder() {}

    /** High-byte register numbers. */
    public static final int AH = 16, CH = 17, DH = 18, BH = 19;

    private static final String[] R64 = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
    private static final String[] R32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
            "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
    private static final String[] R16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
            "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
    private static final String[] R8 = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
            "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b", "ah", "ch", "dh", "bh"};

    /** An encoded instruction and its GNU Intel-syntax text. */
    public record Encoded(byte[] bytes, String text) {}

    /** Name of register {@code r} at {@code size} bits (see the class comment for numbering). */
    public static String regName(int r, int size) {
        return switch (size) {
            case 64 -> R64[r];
            case 32 -> R32[r];
            case 16 -> R16[r];
            case 8 -> R8[r];
            default -> throw new IllegalArgumentException("size " + size);
        };
    }

    /**
     * Encodes {@code f}.
     *
     * @param reg  register of the REG or OPREG operand (ignored if none)
     * @param rm   register of the RM operand, or the base register of a memory form
     * @param disp displacement of a memory form (-128..127)
     * @param imm  immediate value (low bits used)
     * @throws IllegalArgumentException for an unencodable combination (AH with a REX prefix ...)
     */
    public static Encoded encode(Form f, int reg, int rm, int disp, long imm) {
        final int regNum = reg;
        boolean needRex = false, forbidRex = false;
        int rex = f.size() == 64 ? 8 : 0;
        Operand regOp = f.find(Kind.REG), rmOp = f.find(Kind.RM), opreg = f.find(Kind.OPREG), immOp = f.find(Kind.IMM);
        if (regOp == null && f.find(Kind.XREG) != null) {
            rex |= reg >= 8 ? 4 : 0; // an XMM register in ModRM.reg: REX.R
        }
        if (rmOp == null && (f.find(Kind.XRM) != null || f.find(Kind.MRM) != null)) {
            if (f.mem() && rm == 4) {
                throw new IllegalArgumentException("RSP base not supported");
            }
            rex |= rm >= 8 ? 1 : 0; // an XMM register in ModRM.rm, or the base register: REX.B (MMX: 0-7)
        }
        if (regOp != null) {
            needRex |= regOp.size() == 8 && reg >= 4 && reg <= 7;
            forbidRex |= regOp.size() == 8 && reg >= 16;
            rex |= (reg < 16 && reg >= 8) ? 4 : 0;
        }
        if (opreg != null) {
            needRex |= opreg.size() == 8 && reg >= 4 && reg <= 7;
            forbidRex |= opreg.size() == 8 && reg >= 16;
            rex |= (reg < 16 && reg >= 8) ? 1 : 0;
        }
        if (rmOp != null) {
            if (f.mem()) {
                if (rm == 4) {
                    throw new IllegalArgumentException("RSP base not supported");
                }
                rex |= rm >= 8 ? 1 : 0;
            } else {
                needRex |= rmOp.size() == 8 && rm >= 4 && rm <= 7;
                forbidRex |= rmOp.size() == 8 && rm >= 16;
                rex |= (rm < 16 && rm >= 8) ? 1 : 0;
            }
        }
        if (disp < -128 || disp > 127) {
            throw new IllegalArgumentException("disp8 out of range: " + disp);
        }
        boolean emitRex = rex != 0 || needRex;
        if (emitRex && forbidRex) {
            throw new IllegalArgumentException("AH/CH/DH/BH cannot be encoded with a REX prefix (" + f.describe() + ")");
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream(15);
        if (f.size() == 16) {
            b.write(0x66);
        }
        for (int p : f.prefixes()) {
            b.write(p);
        }
        if (emitRex) {
            b.write(0x40 | rex);
        }
        reg = low3(reg);
        int rmBits = f.row().modrmRm >= 0 ? f.row().modrmRm : f.mem() ? rm & 7 : low3(rm); // a fixed ModRM (D9 E8 FLD1)
        int[] op = f.opcode();
        for (int i = 0; i < op.length; i++) {
            b.write(i == op.length - 1 && opreg != null ? op[i] | reg : op[i]);
        }
        if (f.ext() != -2) {
            int regField = f.ext() >= 0 ? f.ext() : reg;
            if (!f.mem()) {
                b.write(0xC0 | regField << 3 | rmBits);
            } else if (disp == 0 && (rm & 7) != 5) {
                b.write(regField << 3 | (rm & 7));
                if ((rm & 7) == 4) {
                    b.write(0x24); // SIB: no index, base = R12
                }
            } else {
                b.write(0x40 | regField << 3 | (rm & 7));
                if ((rm & 7) == 4) {
                    b.write(0x24);
                }
                b.write(disp);
            }
        }
        if (immOp != null) {
            for (int i = 0; i < immOp.size() / 8; i++) {
                b.write((int) (imm >>> (8 * i)));
            }
        }
        return new Encoded(b.toByteArray(), text(f, regNum, rm, disp, imm));
    }

    /** The 3 bits a register number contributes to ModRM/opcode: AH..BH encode as 4..7. */
    private static int low3(int r) {
        return (r >= 16 ? r - 12 : r) & 7;
    }

    private static String text(Form f, int reg, int rm, int disp, long imm) {
        Operand immOp = f.find(Kind.IMM);
        // GNU as picks C7 /0 for "mov r64, imm"; the B8+r form with a 64-bit immediate is "movabs"
        boolean movabs = f.mnemonic().equals("mov") && immOp != null && immOp.size() == 64;
        StringBuilder t = new StringBuilder(movabs ? "movabs" : f.mnemonic());
        String sep = " ";
        for (Operand o : f.operands()) {
            String s = switch (o.kind()) {
                case REG, OPREG -> regName(reg, o.size());
                case RM -> f.mem() ? memText(f, o.size(), rm, disp) : regName(rm, o.size());
                case XREG -> "xmm" + reg;
                case XRM -> f.mem() ? memText(f, o.size(), rm, disp) : "xmm" + rm;
                case IMM -> immText(o, imm);
                case ACC -> regName(0, o.size());
                case CL -> "cl";
                case ONE -> "1";
                case IACC, IDX -> null;
                case ST0 -> "st";
                case STI -> "st(" + rm + ")";
                case XMM0 -> "xmm0";
                case MREG -> "mm" + reg;
                case MRM -> f.mem() ? memText(f, o.size(), rm, disp) : "mm" + rm;
            };
            if (s != null) {
                t.append(sep).append(s);
                sep = ", ";
            }
        }
        return t.toString();
    }

    private static String memText(Form f, int size, int base, int disp) {
        String ptr = f.mnemonic().equals("lea") ? "" : switch (size) {
            case 8 -> "byte ptr ";
            case 16 -> "word ptr ";
            case 32 -> "dword ptr ";
            case 128 -> "xmmword ptr ";
            case 80 -> "tbyte ptr ";
            case 64 -> "qword ptr ";
            default -> ""; // x87 environment, FNSAVE and FXSAVE areas
        };
        String d = disp == 0 ? "" : disp > 0 ? "+0x" + Integer.toHexString(disp) : "-0x" + Integer.toHexString(-disp);
        return ptr + "[" + R64[base] + d + "]";
    }

    private static String immText(Operand o, long imm) {
        int bits = o.size();
        long mask = bits == 64 ? -1L : (1L << bits) - 1;
        long v = imm & mask;
        if (o.signed() && bits < 64 && (v >>> (bits - 1)) != 0) {
            v |= ~mask;
        }
        return Long.toString(v);
    }
}

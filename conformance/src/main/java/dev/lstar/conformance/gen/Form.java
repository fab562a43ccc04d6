package dev.lstar.conformance.gen;

import dev.lstar.decoder.OpcodeTable;
import java.util.List;

/**
 * One instruction form to test: mnemonic, operation size, operands (Intel order), the encoding
 * template and whether the r/m operand is a register or a memory operand.
 *
 * @param family     report grouping ("alu", "shift", "muldiv" ...)
 * @param mnemonic   GNU Intel-syntax mnemonic ("add", "cmovb" ...)
 * @param size       operation size in bits (8/16/32/64): selects the 66 prefix (16) or REX.W (64)
 * @param prefixes   mandatory prefixes before REX (e.g. F3 for POPCNT); 66 for size 16 is implicit
 * @param opcode     opcode bytes (0F escapes included); for {@link Kind#OPREG} the low 3 bits are 0
 * @param ext        ModRM.reg opcode extension (0-7), -1 if ModRM.reg is an operand, -2 if no ModRM
 * @param operands   operands in Intel order, implicit ones included
 * @param mem        whether the {@link Kind#RM} operand is in memory ([base+disp8]) rather than a register
 * @param policy     how input values are constrained
 * @param requires   /proc/cpuinfo flag the host needs for this form ("adx", "abm" ...), or null
 * @param row        the {@link OpcodeTable} row the form was derived from (flags, attributes)
 */
public record Form(String family, String mnemonic, int size, int[] prefixes, int[] opcode, int ext,
        List<Operand> operands, boolean mem, Policy policy, String requires, OpcodeTable.Row row) {

    /** Operand kinds. */
    public enum Kind {
        /** ModRM.reg register. */
        REG,
        /** ModRM.rm: a register, or [base+disp8] when the form is a memory form. */
        RM,
        /** Register in the low 3 opcode bits (BSWAP, MOV r, imm, XCHG r, rAX). */
        OPREG,
        /** Immediate (size = 8/16/32 encoded bits). */
        IMM,
        /** The accumulator, printed (e.g. {@code add al, 5}). */
        ACC,
        /** The accumulator, implicit and not printed (MUL, DIV, CBW, CMPXCHG ...). */
        IACC,
        /** RDX/EDX/DX implicit and not printed (MUL, DIV, CWD ...). */
        IDX,
        /** CL shift count, printed. */
        CL,
        /** The constant 1 of the D0/D1 shift forms, printed. */
        ONE,
        /** ModRM.reg XMM register (SSE: V). */
        XREG,
        /** ModRM.rm: an XMM register, or [base+disp8] when the form is a memory form (SSE: W, U). */
        XRM,
        /** The x87 stack top ST(0), printed {@code st}. */
        ST0,
        /** The x87 register ST(i) in ModRM.rm, printed {@code st(i)}. */
        STI,
        /** XMM0 as a named implicit operand (the mask of BLENDVPS/BLENDVPD/PBLENDVB), printed, not encoded. */
        XMM0,
        /** ModRM.reg MMX register (P). */
        MREG,
        /** ModRM.rm: an MMX register, or [base+disp8] when the form is a memory form (Q, N). */
        MRM
    }

    /** Constraints on generated input values. */
    public enum Policy {
        /** Edge and random values everywhere. */
        NORMAL,
        /** The CL or immediate operand is a shift/rotate count. */
        COUNT,
        /** SHLD/SHRD r/m16: count masked to 5 bits must not exceed 16 (SDM: result undefined). */
        COUNT16,
        /** The REG/IMM operand is a bit index; memory forms keep the addressed byte in the buffer. */
        BITINDEX,
        /** DIV/IDIV: only inputs that do not raise #DE are run on the host; the others become fault cases. */
        DIVIDE,
        /** No value inputs beyond registers (flag instructions, CBW ...): flag sweep and random only. */
        NONE
    }

    /**
     * An operand.
     *
     * @param kind   kind
     * @param size   operand size in bits (for IMM: encoded immediate size)
     * @param signed for IMM: printed as a signed number (sign-extended immediates)
     */
    public record Operand(Kind kind, int size, boolean signed) {
        public Operand(Kind kind, int size) {
            this(kind, size, true);
        }
    }

    /** The operand of kind {@code k}, or null. */
    public Operand find(Kind k) {
        for (Operand o : operands) {
            if (o.kind == k) {
                return o;
            }
        }
        return null;
    }

    /** Short description for reports, e.g. "add r/m64, r64 (mem)". */
    public String describe() {
        StringBuilder b = new StringBuilder(mnemonic);
        String sep = " ";
        for (Operand o : operands) {
            String t = switch (o.kind) {
                case REG, OPREG -> "r" + o.size;
                case RM -> mem ? "m" + o.size : "r" + o.size;
                case XREG -> "xmm";
                case XRM -> mem ? "m" + o.size : "xmm";
                case IMM -> "imm" + o.size;
                case ACC -> "acc" + o.size;
                case CL -> "cl";
                case ONE -> "1";
                case IACC, IDX -> null;
                case ST0 -> "st";
                case STI -> "st(i)";
                case XMM0 -> "xmm0";
                case MREG -> "mm";
                case MRM -> mem ? "m" + o.size : "mm";
            };
            if (t != null) {
                b.append(sep).append(t);
                sep = ", ";
            }
        }
        return b.toString();
    }
}

package dev.lstar.decoder;

import static dev.lstar.decoder.OpcodeTable.*;

import dev.lstar.decoder.OpcodeTable.Row;
import java.io.ByteArrayOutputStream;
import java.util.Random;

/**
 * Produces random, well-formed encodings of an opcode-table row: prefixes the row can use, REX bits
 * that are meaningful, every ModRM/SIB/displacement shape, and random immediates. Used to compare
 * the decoder with objdump over the whole table.
 */
final class RowEncoder {
    private RowEncoder() {}

    static byte[] encode(Row row, Random rnd) {
        int[] codes = row.operandCodes;
        boolean hasE = false, hasG = false, hasZ = false, hasC = false, hasS = false, hasO = false,
                vsized = false, byteReg = false, hasJ = false, hasR = false;
        for (int c : codes) {
            int t = type(c), s = sizeCode(c);
            hasE |= t == T_E || t == T_M || t == T_W || t == T_Q;
            hasR |= t == T_R || t == T_U || t == T_N;
            hasG |= t == T_G || t == T_V || t == T_P;
            hasZ |= t == T_Z;
            hasC |= t == T_C;
            hasS |= t == T_S;
            hasO |= t == T_O;
            hasJ |= t == T_J;
            if (s == S_V || s == S_Z || s == S_VW || s == S_Y) vsized = true;
            if (s == 1 && (t == T_E || t == T_G || t == T_Z)) byteReg = true;
        }
        int attrs = row.attributes;
        boolean f64 = (attrs & A_F64) != 0, def64 = (attrs & A_DEF64) != 0;

        // operand size: o16/o32/o64 constraints, else random among the legal ones
        boolean w = false, o16 = false;
        if (row.operandSize == 8) w = true;
        else if (row.operandSize == 2) o16 = true;
        else if (row.operandSize == 0 && vsized && !f64 && row.mnemonic != Mnemonic.BSWAP) {
            boolean onlyY = true;
            for (int c : codes) if (sizeCode(c) == S_V || sizeCode(c) == S_Z || sizeCode(c) == S_VW) onlyY = false;
            int r = rnd.nextInt(3);
            if (r == 1 && !def64) w = true;
            if (r == 2 && !(hasC || onlyY)) o16 = true;
        }

        // ModRM
        int mod = 0, reg = 0, rm = 0;
        boolean rexR = false, rexX = false, rexB = false;
        if (row.hasModrm) {
            mod = switch (row.mod) {
                case MOD_MEM -> rnd.nextInt(3);
                case MOD_REG -> 3;
                default -> rnd.nextInt(4);
            };
            reg = row.modrmReg >= 0 ? row.modrmReg : rnd.nextInt(8);
            if (hasS) reg = row.mnemonic == Mnemonic.MOV_TO_SREG ? pick(rnd, 0, 2, 3, 4, 5) : rnd.nextInt(6);
            if (hasC) {
                int cr = pick(rnd, 0, 2, 3, 4, 8);
                reg = cr & 7;
                rexR = cr == 8;
            } else if (hasG) {
                rexR = rnd.nextBoolean();
            }
            rm = row.modrmRm >= 0 ? row.modrmRm : rnd.nextInt(8);
        }
        boolean mem = row.hasModrm && mod != 3 && (hasE);
        int sib = -1, dispBytes = 0;
        if (mem) {
            if (rm == 4) {
                sib = rnd.nextInt(256);
                rexX = rnd.nextBoolean();
                rexB = rnd.nextBoolean() && !((sib & 7) == 5 && mod == 0);
                if ((sib & 7) == 5 && mod == 0) dispBytes = 4;
            } else if (rm == 5 && mod == 0) {
                dispBytes = 4;
            } else {
                rexB = rnd.nextBoolean();
            }
            if (mod == 1) dispBytes = 1;
            if (mod == 2) dispBytes = 4;
        } else if (row.hasModrm && mod == 3 && (hasE || hasR || hasC)) {
            rexB = rnd.nextBoolean();
        }
        int low = 0;
        if (row.plusReg) {
            low = rnd.nextInt(8);
            rexB = rnd.nextBoolean();
            if (row.mnemonic == Mnemonic.XCHG && row.map == 0 && low == 0) rexB = true; // 90 alone is NOP
        }
        if (row.noRexB) rexB = false;

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // legacy prefixes
        boolean lock = (attrs & A_LOCKABLE) != 0 && mem && codes.length > 0 && (type(codes[0]) == T_E || type(codes[0]) == T_M)
                && rnd.nextInt(3) == 0;
        if (lock) out.write(0xF0);
        if (mem && rnd.nextInt(6) == 0) out.write(rnd.nextBoolean() ? 0x64 : 0x65);
        if (mem && !hasO && rnd.nextInt(8) == 0) out.write(0x67);
        if ((attrs & A_STRING) != 0 && rnd.nextBoolean()) out.write(rnd.nextBoolean() ? 0xF3 : 0xF2);
        if (o16) out.write(0x66);
        if (row.mandatoryPrefix != 0) out.write(row.mandatoryPrefix);
        int rex = (w ? 8 : 0) | (rexR ? 4 : 0) | (rexX ? 2 : 0) | (rexB ? 1 : 0);
        if (rex != 0 || (byteReg && rnd.nextInt(4) == 0)) out.write(0x40 | rex);
        // opcode
        if (row.map >= 1) out.write(0x0F);
        if (row.map == 2) out.write(0x38);
        if (row.map == 3) out.write(0x3A);
        out.write(row.opcode + low);
        if (row.hasModrm) {
            out.write(mod << 6 | reg << 3 | rm);
            if (sib >= 0) out.write(sib);
            for (int i = 0; i < dispBytes; i++) out.write(rnd.nextInt(256));
        }
        int v = w ? 8 : o16 ? 2 : (def64 || f64) ? 8 : 4;
        if (f64) v = 8;
        for (int c : codes) {
            int t = type(c), s = sizeCode(c);
            int n = 0;
            if (t == T_I) n = s == S_Z ? (v == 2 ? 2 : 4) : s == S_V ? v : s;
            if (t == T_J) n = s;
            if (t == T_O) n = 8;
            for (int i = 0; i < n; i++) out.write(smallOrRandom(rnd, i));
        }
        return out.toByteArray();
    }

    private static int smallOrRandom(Random rnd, int i) {
        return rnd.nextInt(4) == 0 ? (i == 0 ? rnd.nextInt(16) : 0) : rnd.nextInt(256);
    }

    private static int pick(Random rnd, int... xs) {
        return xs[rnd.nextInt(xs.length)];
    }
}

package dev.lstar.conformance.gen;

import dev.lstar.conformance.gen.Form.Kind;
import dev.lstar.conformance.gen.Form.Operand;
import dev.lstar.conformance.gen.Form.Policy;
import java.util.ArrayList;
import java.util.List;

/**
 * The table of integer instruction forms the differential suite covers, grouped by family.
 * Opcodes from the SDM Vol. 2 opcode maps (Appendix A); every form exists as a register and
 * (where allowed) a memory variant.
 */
public final class Forms {
    private Forms() {}

    /** ALU group 1 mnemonics in ModRM.reg / opcode-row order (SDM Vol. 2D Table A-6, group 1). */
    public static final String[] ALU = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
    /** Group 2 shift/rotate mnemonics by ModRM.reg (/6 is an undocumented SAL alias, not tested). */
    public static final String[] SHIFT = {"rol", "ror", "rcl", "rcr", "shl", "shr", null, "sar"};
    /** Condition code suffixes by the low opcode nibble (SDM Vol. 1 Appendix B). */
    public static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};

    private static final int[] NONE = {};
    private static final int[] SIZES = {8, 16, 32, 64}, WIDE = {16, 32, 64};

    private enum V { REG, MEM, BOTH }

    private static final class B {
        final List<Form> out = new ArrayList<>();

        void add(String fam, String mn, int size, int[] pre, int[] op, int ext, Policy p, String req, V v, Operand... ops) {
            boolean hasRm = false;
            for (Operand o : ops) {
                hasRm |= o.kind() == Kind.RM;
            }
            if (!hasRm || v != V.MEM) {
                out.add(new Form(fam, mn, size, pre, op, ext, List.of(ops), false, p, req));
            }
            if (hasRm && v != V.REG) {
                out.add(new Form(fam, mn, size, pre, op, ext, List.of(ops), true, p, req));
            }
        }

        void add(String fam, String mn, int size, int[] op, int ext, Operand... ops) {
            add(fam, mn, size, NONE, op, ext, Policy.NORMAL, null, V.BOTH, ops);
        }
    }

    private static int[] o(int... b) {
        return b;
    }

    private static Operand r(int s) {
        return new Operand(Kind.REG, s);
    }

    private static Operand m(int s) {
        return new Operand(Kind.RM, s);
    }

    private static Operand imm(int bits, boolean signed) {
        return new Operand(Kind.IMM, bits, signed);
    }

    private static Operand k(Kind kind, int s) {
        return new Operand(kind, s);
    }

    /** Every form. */
    public static List<Form> all() {
        B b = new B();
        alu(b);
        unary(b);
        muldiv(b);
        shifts(b);
        bits(b);
        moves(b);
        misc(b);
        return List.copyOf(b.out);
    }

    /** The forms of one family. */
    public static List<Form> family(String family) {
        return all().stream().filter(f -> f.family().equals(family)).toList();
    }

    private static void alu(B b) {
        for (int k = 0; k < 8; k++) {
            String mn = ALU[k];
            for (int s : SIZES) {
                int w = s == 8 ? 0 : 1;
                b.add("alu", mn, s, o(8 * k + w), -1, m(s), r(s));
                b.add("alu", mn, s, o(8 * k + 2 + w), -1, r(s), m(s));
                b.add("alu", mn, s, o(0x80 + w), k, m(s), imm(Math.min(s, 32), true));
                if (s != 8) {
                    b.add("alu", mn, s, o(0x83), k, m(s), imm(8, true));
                }
                b.add("alu", mn, s, o(8 * k + 4 + w), -2, k(Kind.ACC, s), imm(Math.min(s, 32), true));
            }
        }
    }

    private static void unary(B b) {
        String[] mn = {"inc", "dec", "not", "neg"};
        int[] ext = {0, 1, 2, 3};
        for (int i = 0; i < 4; i++) {
            for (int s : SIZES) {
                int op = i < 2 ? (s == 8 ? 0xFE : 0xFF) : (s == 8 ? 0xF6 : 0xF7);
                b.add("unary", mn[i], s, o(op), ext[i], m(s));
            }
        }
        for (int s : SIZES) {
            int w = s == 8 ? 0 : 1;
            b.add("test", "test", s, o(0x84 + w), -1, m(s), r(s));
            b.add("test", "test", s, o(0xF6 + w), 0, m(s), imm(Math.min(s, 32), true));
            b.add("test", "test", s, o(0xA8 + w), -2, k(Kind.ACC, s), imm(Math.min(s, 32), true));
        }
    }

    private static void muldiv(B b) {
        String[] mn = {"mul", "imul", "div", "idiv"};
        for (int i = 0; i < 4; i++) {
            boolean div = i >= 2;
            Policy p = div ? Policy.DIVIDE : Policy.NORMAL;
            for (int s : SIZES) {
                int op = s == 8 ? 0xF6 : 0xF7;
                if (s == 8) {
                    b.add("muldiv", mn[i], s, NONE, o(op), 4 + i, p, null, V.BOTH, k(Kind.IACC, div ? 16 : 8), m(8));
                } else {
                    b.add("muldiv", mn[i], s, NONE, o(op), 4 + i, p, null, V.BOTH, k(Kind.IACC, s), k(Kind.IDX, s), m(s));
                }
            }
        }
        for (int s : WIDE) {
            b.add("muldiv", "imul", s, o(0x0F, 0xAF), -1, r(s), m(s));
            b.add("muldiv", "imul", s, o(0x6B), -1, r(s), m(s), imm(8, true));
            b.add("muldiv", "imul", s, o(0x69), -1, r(s), m(s), imm(Math.min(s, 32), true));
        }
    }

    private static void shifts(B b) {
        for (int e = 0; e < 8; e++) {
            if (SHIFT[e] == null) {
                continue;
            }
            for (int s : SIZES) {
                int w = s == 8 ? 0 : 1;
                b.add("shift", SHIFT[e], s, NONE, o(0xD0 + w), e, Policy.COUNT, null, V.REG, m(s), k(Kind.ONE, 8));
                b.add("shift", SHIFT[e], s, NONE, o(0xD2 + w), e, Policy.COUNT, null, V.BOTH, m(s), k(Kind.CL, 8));
                b.add("shift", SHIFT[e], s, NONE, o(0xC0 + w), e, Policy.COUNT, null, V.REG, m(s), imm(8, false));
            }
        }
        for (int s : WIDE) {
            Policy p = s == 16 ? Policy.COUNT16 : Policy.COUNT;
            b.add("shiftd", "shld", s, NONE, o(0x0F, 0xA4), -1, p, null, V.BOTH, m(s), r(s), imm(8, false));
            b.add("shiftd", "shld", s, NONE, o(0x0F, 0xA5), -1, p, null, V.BOTH, m(s), r(s), k(Kind.CL, 8));
            b.add("shiftd", "shrd", s, NONE, o(0x0F, 0xAC), -1, p, null, V.BOTH, m(s), r(s), imm(8, false));
            b.add("shiftd", "shrd", s, NONE, o(0x0F, 0xAD), -1, p, null, V.BOTH, m(s), r(s), k(Kind.CL, 8));
        }
    }

    private static void bits(B b) {
        String[] bt = {"bt", "bts", "btr", "btc"};
        int[] btOp = {0xA3, 0xAB, 0xB3, 0xBB};
        for (int i = 0; i < 4; i++) {
            for (int s : WIDE) {
                b.add("bit", bt[i], s, NONE, o(0x0F, btOp[i]), -1, Policy.BITINDEX, null, V.BOTH, m(s), r(s));
                b.add("bit", bt[i], s, NONE, o(0x0F, 0xBA), 4 + i, Policy.BITINDEX, null, V.BOTH, m(s), imm(8, false));
            }
        }
        for (int s : WIDE) {
            b.add("bit", "bsf", s, o(0x0F, 0xBC), -1, r(s), m(s));
            b.add("bit", "bsr", s, o(0x0F, 0xBD), -1, r(s), m(s));
            b.add("bit", "popcnt", s, o(0xF3), o(0x0F, 0xB8), -1, Policy.NORMAL, "popcnt", V.BOTH, r(s), m(s));
            b.add("bit", "lzcnt", s, o(0xF3), o(0x0F, 0xBD), -1, Policy.NORMAL, "abm", V.BOTH, r(s), m(s));
            b.add("bit", "tzcnt", s, o(0xF3), o(0x0F, 0xBC), -1, Policy.NORMAL, "bmi1", V.BOTH, r(s), m(s));
        }
    }

    private static void moves(B b) {
        for (int s : SIZES) {
            int w = s == 8 ? 0 : 1;
            b.add("move", "mov", s, o(0x88 + w), -1, m(s), r(s));
            b.add("move", "mov", s, o(0x8A + w), -1, r(s), m(s));
            b.add("move", "xchg", s, o(0x86 + w), -1, m(s), r(s));
        }
        for (int s : WIDE) {
            b.add("move", "movzx", s, o(0x0F, 0xB6), -1, r(s), m(8));
            b.add("move", "movsx", s, o(0x0F, 0xBE), -1, r(s), m(8));
            b.add("move", "lea", s, NONE, o(0x8D), -1, Policy.NORMAL, null, V.MEM, r(s), m(s));
            if (s != 16) {
                b.add("move", "movzx", s, o(0x0F, 0xB7), -1, r(s), m(16));
                b.add("move", "movsx", s, o(0x0F, 0xBF), -1, r(s), m(16));
                b.add("move", "bswap", s, NONE, o(0x0F, 0xC8), -2, Policy.NORMAL, null, V.REG, k(Kind.OPREG, s));
            }
        }
        b.add("move", "movsxd", 64, o(0x63), -1, r(64), m(32));
        for (int cc = 0; cc < 16; cc++) {
            for (int s : WIDE) {
                b.add("cmov", "cmov" + CC[cc], s, o(0x0F, 0x40 + cc), -1, r(s), m(s));
            }
            b.add("setcc", "set" + CC[cc], 8, o(0x0F, 0x90 + cc), 0, m(8));
        }
    }

    private static void misc(B b) {
        for (int s : SIZES) {
            int w = s == 8 ? 0 : 1;
            b.add("xadd", "xadd", s, o(0x0F, 0xC0 + w), -1, m(s), r(s));
            b.add("xadd", "cmpxchg", s, NONE, o(0x0F, 0xB0 + w), -1, Policy.NORMAL, null, V.BOTH, m(s), r(s), k(Kind.IACC, s));
        }
        String[][] conv = {{"cbw", "cwde", "cdqe"}, {"cwd", "cdq", "cqo"}};
        for (int i = 0; i < 3; i++) {
            int s = WIDE[i];
            b.add("convert", conv[0][i], s, NONE, o(0x98), -2, Policy.NONE, null, V.REG, k(Kind.IACC, s));
            b.add("convert", conv[1][i], s, NONE, o(0x99), -2, Policy.NONE, null, V.REG, k(Kind.IACC, s), k(Kind.IDX, s));
        }
        String[] fl = {"clc", "stc", "cmc", "cld", "std", "sahf", "lahf"};
        int[] flOp = {0xF8, 0xF9, 0xF5, 0xFC, 0xFD, 0x9E, 0x9F};
        for (int i = 0; i < fl.length; i++) {
            // LAHF/SAHF in 64-bit mode need CPUID.80000001H:ECX.LAHF-SAHF[bit 0] ("lahf_lm").
            b.add("flags", fl[i], 32, NONE, o(flOp[i]), -2, Policy.NONE, i >= 5 ? "lahf_lm" : null, V.REG,
                    k(Kind.IACC, 16));
        }
        for (int s : new int[] {32, 64}) {
            b.add("adx", "adcx", s, o(0x66), o(0x0F, 0x38, 0xF6), -1, Policy.NORMAL, "adx", V.BOTH, r(s), m(s));
            b.add("adx", "adox", s, o(0xF3), o(0x0F, 0x38, 0xF6), -1, Policy.NORMAL, "adx", V.BOTH, r(s), m(s));
        }
    }
}

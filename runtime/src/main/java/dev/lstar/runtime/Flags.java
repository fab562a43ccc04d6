package dev.lstar.runtime;

/** RFLAGS bit masks (Intel SDM Vol. 1 §3.4.3). */
public final class Flags {
    private Flags() {}

    public static final int CF = 1, FIXED1 = 1 << 1, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7,
            TF = 1 << 8, IF = 1 << 9, DF = 1 << 10, OF = 1 << 11, IOPL = 3 << 12, NT = 1 << 14,
            RF = 1 << 16, VM = 1 << 17, AC = 1 << 18, VIF = 1 << 19, VIP = 1 << 20, ID = 1 << 21;

    /** The six arithmetic status flags. */
    public static final int ARITH = CF | PF | AF | ZF | SF | OF;

    /** Condition codes (the low nibble of Jcc/SETcc/CMOVcc opcodes). */
    public static final int CC_O = 0, CC_NO = 1, CC_B = 2, CC_AE = 3, CC_E = 4, CC_NE = 5, CC_BE = 6, CC_A = 7,
            CC_S = 8, CC_NS = 9, CC_P = 10, CC_NP = 11, CC_L = 12, CC_GE = 13, CC_LE = 14, CC_G = 15;

    /** Evaluates condition {@code cc} on materialised RFLAGS. */
    public static boolean test(long rflags, int cc) {
        boolean r = switch (cc >> 1) {
            case 0 -> (rflags & OF) != 0;
            case 1 -> (rflags & CF) != 0;
            case 2 -> (rflags & ZF) != 0;
            case 3 -> (rflags & (CF | ZF)) != 0;
            case 4 -> (rflags & SF) != 0;
            case 5 -> (rflags & PF) != 0;
            case 6 -> ((rflags & SF) != 0) != ((rflags & OF) != 0);
            default -> (rflags & ZF) != 0 || (((rflags & SF) != 0) != ((rflags & OF) != 0));
        };
        return r ^ ((cc & 1) != 0);
    }
}

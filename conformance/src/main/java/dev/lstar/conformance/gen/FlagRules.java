package dev.lstar.conformance.gen;

import java.util.Map;
import java.util.Set;

/**
 * Which RFLAGS bits the architecture leaves undefined after an instruction, keyed by mnemonic,
 * so that the differential runner compares only defined flags. Sources: the "Flags Affected"
 * section of each instruction in the Intel SDM Vol. 2 (AMD APM Vol. 3 Appendix E agrees on what
 * is defined; the undefined values themselves differ between vendors and models).
 */
public final class FlagRules {
    private FlagRules() {}

    public static final long CF = 1, PF = 4, AF = 16, ZF = 64, SF = 128, DF = 1024, OF = 2048;
    /** The flags the suite compares at most: the six arithmetic flags and DF. */
    public static final long COMPARED = CF | PF | AF | ZF | SF | OF | DF;
    private static final long ARITH = CF | PF | AF | ZF | SF | OF;

    /** Mnemonic -> undefined flags, for instructions whose rule does not depend on the count. */
    private static final Map<String, Long> FIXED = Map.ofEntries(
            // AND/OR/XOR/TEST: "The state of the AF flag is undefined."
            Map.entry("and", AF), Map.entry("or", AF), Map.entry("xor", AF), Map.entry("test", AF),
            // MUL/IMUL: "The SF, ZF, AF, and PF flags are undefined."
            Map.entry("mul", SF | ZF | AF | PF), Map.entry("imul", SF | ZF | AF | PF),
            // DIV/IDIV: "The CF, OF, SF, ZF, AF, and PF flags are undefined."
            Map.entry("div", ARITH), Map.entry("idiv", ARITH),
            // BSF/BSR: "The CF, OF, SF, AF, and PF flags are undefined." (ZF defined)
            Map.entry("bsf", CF | OF | SF | AF | PF), Map.entry("bsr", CF | OF | SF | AF | PF),
            // BT/BTS/BTR/BTC: CF defined, ZF unaffected, "The OF, SF, AF, and PF flags are undefined."
            Map.entry("bt", OF | SF | AF | PF), Map.entry("bts", OF | SF | AF | PF),
            Map.entry("btr", OF | SF | AF | PF), Map.entry("btc", OF | SF | AF | PF),
            // LZCNT/TZCNT: ZF and CF defined, "The OF, SF, PF and AF flags are undefined."
            Map.entry("lzcnt", OF | SF | PF | AF), Map.entry("tzcnt", OF | SF | PF | AF));

    /** Count-dependent rules (SDM: SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD, SHRD). */
    private static final Set<String> SHIFTS = Set.of("shl", "shr", "sar", "sal"),
            ROTATES = Set.of("rol", "ror", "rcl", "rcr"), DOUBLE = Set.of("shld", "shrd");

    /** Mnemonics whose result depends on input flags (the generator varies CF for every value pair). */
    private static final Set<String> READS_FLAGS = Set.of("adc", "sbb", "rcl", "rcr", "adcx", "adox", "cmc", "lahf");

    /**
     * The undefined flags after {@code mnemonic} at operand size {@code size} bits with shift/rotate
     * count {@code count} (the raw CL or immediate value; ignored for other instructions).
     */
    public static long undefined(String mnemonic, int size, long count) {
        Long fixed = FIXED.get(mnemonic);
        if (fixed != null) {
            return fixed;
        }
        int masked = (int) (count & (size == 64 ? 0x3F : 0x1F)); // count mask: 6 bits with REX.W, else 5
        if (SHIFTS.contains(mnemonic)) {
            if (masked == 0) {
                return 0; // "If the count is 0, the flags are not affected."
            }
            long u = AF; // "For a non-zero count, the AF flag is undefined."
            if (masked != 1) {
                u |= OF; // "The OF flag is affected only for 1-bit shifts"
            }
            if (masked >= size && !mnemonic.equals("sar")) {
                u |= CF; // "undefined for SHL and SHR instructions where the count is >= the operand size"
            }
            return u;
        }
        if (ROTATES.contains(mnemonic)) {
            // "If the masked count is 0, the flags are not affected. If the masked count is 1, then
            // the OF flag is affected, otherwise (masked count is greater than 1) the OF flag is undefined."
            return masked > 1 ? OF : 0;
        }
        if (DOUBLE.contains(mnemonic)) {
            if (masked == 0) {
                return 0;
            }
            if (masked > size) {
                return ARITH; // "If the count is greater than the operand size, the flags are undefined."
            }
            return AF | (masked == 1 ? 0 : OF); // AF undefined; OF only defined for 1-bit shifts
        }
        return 0;
    }

    /** The flags compared after the instruction: {@link #COMPARED} minus the undefined ones. */
    public static long compared(String mnemonic, int size, long count) {
        return COMPARED & ~undefined(mnemonic, size, count);
    }

    /** Whether the instruction's result depends on the incoming arithmetic flags (beyond passing them through). */
    public static boolean readsFlags(String mnemonic) {
        return READS_FLAGS.contains(mnemonic) || mnemonic.startsWith("cmov") || mnemonic.startsWith("set");
    }

    /**
     * Whether the destination register is architecturally undefined for this input: BSF/BSR with a
     * zero source ("If the content source operand is 0, the content of the destination operand is
     * undefined", SDM; AMD APM documents it unchanged). The runner skips that register.
     */
    public static boolean destinationUndefined(String mnemonic, long source, int size) {
        long mask = size == 64 ? -1L : (1L << size) - 1;
        return (mnemonic.equals("bsf") || mnemonic.equals("bsr")) && (source & mask) == 0;
    }
}

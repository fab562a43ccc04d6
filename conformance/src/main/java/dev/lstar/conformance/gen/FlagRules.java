package dev.lstar.conformance.gen;

import dev.lstar.decoder.Mnemonic;
import dev.lstar.decoder.OpcodeTable;
import dev.lstar.decoder.OpcodeTable.Row;
import dev.lstar.runtime.ops.Shifts;

/**
 * Which RFLAGS bits the differential runner compares after an instruction. The base is the
 * opcode table row: {@link Row#flagsUndefined} (the flags the SDM leaves undefined) are not
 * compared, every other flag is (written flags must match, flags outside {@link Row#flagsWritten}
 * must be unchanged). Rows with {@link OpcodeTable#A_FLAGS_COND} write flags only for a non-zero
 * masked count, so the per-case rule depends on the count ("Flags Affected" of SAL/SAR/SHL/SHR,
 * RCL/RCR/ROL/ROR, SHLD and SHRD in the Intel SDM Vol. 2; AMD APM Vol. 3 agrees on what is
 * defined, the undefined values differ between vendors and models):
 * <ul>
 *   <li>masked count 0: "the flags are not affected" — nothing is undefined, all are compared;</li>
 *   <li>masked count 1: the OF the row lists as undefined for counts is defined ("The OF flag is
 *       affected only for 1-bit shifts/rotates");</li>
 *   <li>SHLD/SHRD with a masked count greater than the operand size: all six flags undefined;</li>
 *   <li>SHL/SHR with a masked count at least the operand size: CF undefined.</li>
 * </ul>
 * The count is masked exactly as the runtime masks it ({@link Shifts#maskCount}).
 */
public final class FlagRules {
    private FlagRules() {}

    public static final long CF = OpcodeTable.CF, PF = OpcodeTable.PF, AF = OpcodeTable.AF, ZF = OpcodeTable.ZF,
            SF = OpcodeTable.SF, DF = OpcodeTable.DF, OF = OpcodeTable.OF;
    /** The flags the suite compares at most: the six arithmetic flags and DF. */
    public static final long COMPARED = CF | PF | AF | ZF | SF | OF | DF;
    private static final long ARITH = OpcodeTable.OSZAPC;

    /**
     * The undefined flags after an instruction of {@code row} at operand size {@code size} bits with
     * shift/rotate count {@code count} (the raw CL or immediate value, 1 for the by-1 forms; ignored
     * for instructions without a count).
     */
    public static long undefined(Row row, int size, long count) {
        long und = row.flagsUndefined & COMPARED;
        int masked = Shifts.maskCount(count, size / 8);
        if ((row.attributes & OpcodeTable.A_FLAGS_COND) != 0) {
            if (masked == 0) {
                return 0; // no flag written: all must be unchanged
            }
            if (masked == 1) {
                und &= ~OF;
            }
            if (isDoubleShift(row) && masked > size) {
                und |= ARITH;
            }
        }
        if ((row.mnemonic == Mnemonic.SHL || row.mnemonic == Mnemonic.SHR) && masked >= size) {
            und |= CF;
        }
        return und;
    }

    private static boolean isDoubleShift(Row row) {
        return row.mnemonic == Mnemonic.SHLD || row.mnemonic == Mnemonic.SHRD;
    }

    /** The flags compared after the instruction: {@link #COMPARED} minus the undefined ones. */
    public static long compared(Row row, int size, long count) {
        return COMPARED & ~undefined(row, size, count);
    }

    /** Whether the instruction's result depends on the incoming arithmetic flags (the row's flagsRead). */
    public static boolean readsFlags(Row row) {
        return (row.flagsRead & ARITH) != 0;
    }

    /**
     * Whether the destination register is architecturally undefined for this input: BSF/BSR with a
     * zero source ("If the content source operand is 0, the content of the destination operand is
     * undefined", SDM; AMD APM documents it unchanged). The runner skips that register.
     */
    public static boolean destinationUndefined(Row row, long source, int size) {
        long mask = size == 64 ? -1L : (1L << size) - 1;
        return (row.mnemonic == Mnemonic.BSF || row.mnemonic == Mnemonic.BSR) && (source & mask) == 0;
    }
}

package dev.lstar.translator;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.OpcodeTable;

/**
 * Backward liveness of the six arithmetic flags over one block, from the opcode table's
 * {@code flagsRead}/{@code flagsWritten} (Blink {@code deps.c} does the same for its JIT).
 *
 * <p>Rules:
 * <ul>
 *   <li>At the end of the block every flag is live (the successor is unknown).</li>
 *   <li>An instruction kills the flags in {@code flagsWritten} (undefined ones included: their
 *       old value is gone either way), except rows with {@link OpcodeTable#A_FLAGS_COND} (shift and
 *       rotate counts that mask to 0 write nothing), which kill only when the count is an immediate
 *       that does not mask to 0.</li>
 *   <li>Jcc/SETcc/CMOVcc read the flags of their condition (the table lists them as reading
 *       nothing because the set depends on the condition nibble).</li>
 *   <li>An instruction that may raise an exception, or that the translator hands to the
 *       interpreter, reads every flag: the exception frame (and a handler that returns) must see
 *       exactly the flags of before the instruction, so no earlier flag computation may be skipped.</li>
 * </ul>
 */
public final class Liveness {
    private Liveness() {}

    /** The six arithmetic flags as RFLAGS bits. */
    public static final int ALL = OpcodeTable.OSZAPC;

    /** Flags read by condition code {@code cc} (0..15), per SDM Vol. 1 Appendix B. */
    public static int condFlags(int cc) {
        return switch (cc >> 1) {
            case 0 -> OpcodeTable.OF;
            case 1 -> OpcodeTable.CF;
            case 2 -> OpcodeTable.ZF;
            case 3 -> OpcodeTable.CF | OpcodeTable.ZF;
            case 4 -> OpcodeTable.SF;
            case 5 -> OpcodeTable.PF;
            case 6 -> OpcodeTable.SF | OpcodeTable.OF;
            default -> OpcodeTable.ZF | OpcodeTable.SF | OpcodeTable.OF;
        };
    }

    /** Flags {@code i} reads, for liveness (fault points and opaque instructions read everything). */
    public static int reads(Instruction i, boolean opaque) {
        if (opaque) return ALL;
        int r = i.flagsRead & ALL;
        if (i.cond >= 0) r |= condFlags(i.cond);
        return r;
    }

    /** Flags {@code i} certainly overwrites. */
    public static int kills(Instruction i) {
        int w = i.flagsWritten & ALL;
        if ((i.attributes & OpcodeTable.A_FLAGS_COND) != 0) {
            // a known immediate count that does not mask to zero writes the flags for sure
            int n = i.nOperands - 1;
            if (n >= 1 && i.kind[n] == Instruction.OP_IMM) {
                int countMask = i.opSize == 8 ? 63 : 31;
                long count = n > 0 && i.kind[n - 1] == Instruction.OP_IMM ? i.imm2 : i.imm;
                if ((count & countMask) != 0) return w;
            }
            return 0;
        }
        return w;
    }

    /**
     * For each instruction, the flags that are live right after it. {@code opaque[k]} marks
     * instructions that may fault or are executed by the interpreter's {@code Exec}.
     */
    public static int[] liveAfter(Instruction[] insns, boolean[] opaque) {
        return liveAfter(insns, opaque, new boolean[insns.length]);
    }

    /**
     * As {@link #liveAfter(Instruction[], boolean[])}, where {@code exitAfter[k]} also marks the
     * points where the translated code may leave right after instruction k (a side exit of a
     * superblock, a self-modifying-code check after a store): every flag is live there.
     */
    public static int[] liveAfter(Instruction[] insns, boolean[] opaque, boolean[] exitAfter) {
        int n = insns.length;
        int[] out = new int[n];
        int live = ALL;
        for (int k = n - 1; k >= 0; k--) {
            if (exitAfter[k]) live = ALL;
            out[k] = live;
            Instruction i = insns[k];
            live = (live & ~kills(i)) | reads(i, opaque[k]);
        }
        return out;
    }
}

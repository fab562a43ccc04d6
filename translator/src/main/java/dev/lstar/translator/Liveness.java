package dev.lstar.translator;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.decoder.OpcodeTable;
import dev.lstar.runtime.ops.Shifts;

/**
 * Backward liveness of the six arithmetic flags over one block, from the opcode table's
 * {@code flagsRead}/{@code flagsWritten} (Blink {@code deps.c} does the same for its JIT).
 *
 * <p>Rules:
 * <ul>
 *   <li>At the end of the block every flag is live (the successor is unknown).</li>
 *   <li>An instruction kills the flags in {@code flagsWritten} except the undefined ones lstar
 *       leaves unchanged ({@code flagsKept}), and except rows with {@link OpcodeTable#A_FLAGS_COND} (shift and
 *       rotate counts that mask to 0 write nothing), which kill only when the count is an immediate
 *       that does not mask to 0.</li>
 *   <li>Jcc/SETcc/CMOVcc read the flags of their condition (the table's {@code +cc} rows list
 *       them in {@code flagsRead}).</li>
 *   <li>An instruction that may raise an exception, or that the translator hands to the
 *       interpreter, reads every flag: the exception frame (and a handler that returns) must see
 *       exactly the flags of before the instruction, so no earlier flag computation may be skipped.</li>
 * </ul>
 */
public final class Liveness {
    private Liveness() {}

    /** The six arithmetic flags as RFLAGS bits. */
    public static final int ALL = OpcodeTable.OSZAPC;

    /**
     * Flags read by condition code cc (0..15), taken from the opcode table's Jcc rows: rows written
     * with {@code +cc} carry the condition's flags (SDM Vol. 1 Appendix B) in their flagsRead.
     */
    private static final int[] COND_FLAGS = new int[16];

    static {
        for (OpcodeTable.Row r : OpcodeTable.rows()) {
            if (r.mnemonic == Mnemonic.JCC) {
                COND_FLAGS[r.cond] = r.flagsRead & ALL;
            }
        }
        for (int cc = 0; cc < 16; cc++) {
            if (COND_FLAGS[cc] == 0) throw new IllegalStateException("no Jcc row for condition " + cc);
        }
    }

    /** Flags read by condition code {@code cc} (0..15), per SDM Vol. 1 Appendix B. */
    public static int condFlags(int cc) {
        return COND_FLAGS[cc];
    }

    /**
     * Flags {@code i} reads, for liveness (fault points and opaque instructions read everything).
     * Jcc/SETcc/CMOVcc need nothing extra: their rows already list the condition's flags.
     */
    public static int reads(Instruction i, boolean opaque) {
        if (opaque) return ALL;
        return i.flagsRead & ALL;
    }

    /**
     * Flags {@code i} certainly overwrites: those it writes, less the undefined ones lstar leaves
     * unchanged ({@link OpcodeTable.Row#flagsKept}: e.g. MUL keeps SF ZF AF PF, so a TEST before
     * it still decides them).
     */
    public static int kills(Instruction i) {
        OpcodeTable.Row row = OpcodeTable.rowOf(i);
        int w = i.flagsWritten & ~(row == null ? 0 : row.flagsKept) & ALL;
        if ((i.attributes & OpcodeTable.A_FLAGS_COND) != 0) {
            // a known immediate count that does not mask to zero writes the flags for sure
            int n = i.nOperands - 1;
            if (n >= 1 && i.kind[n] == Instruction.OP_IMM) {
                long count = n > 0 && i.kind[n - 1] == Instruction.OP_IMM ? i.imm2 : i.imm;
                if (Shifts.maskCount(count, i.opSize) != 0) return w;
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

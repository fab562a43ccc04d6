package dev.lstar.runtime.ops;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;

/**
 * MXCSR's fields (SDM Vol. 1 §10.2.3) and the exception bookkeeping of one SSE floating-point
 * instruction (SDM Vol. 1 §11.5.2, "SIMD Floating-Point Exception Conditions"): the lanes record
 * their pre-computation exceptions (IE, DE, ZE) and post-computation exceptions (OE, UE, PE)
 * here, and {@link #commit} applies the precedence rules once all lanes are done: an unmasked
 * pre-computation exception in any lane raises #XM with only the pre-computation flags set;
 * otherwise an unmasked post-computation exception raises #XM with all flags set; in both cases
 * the destination is not written. #XM is vector 19 when CR4.OSXMMEXCPT = 1, #UD otherwise
 * (SDM Vol. 3A §6.15 "Interrupt 19"). With everything masked the flags are ORed into MXCSR and
 * the instruction writes its results.
 *
 * <p>Each {@link Cpu} keeps one ({@link Cpu#mxcsrScratch}, reset by {@link #of}) so that no
 * instruction allocates one; an instruction uses it from {@code of} to {@code commit} and never
 * nests another.
 */
public final class Mxcsr {
    static final int IE = 1, DE = 2, ZE = 4, OE = 8, UE = 0x10, PE = 0x20;
    static final int PRE = IE | DE | ZE, POST = OE | UE | PE;
    static final int DAZ = 0x40, FZ = 0x8000;
    static final int RC_NEAREST = 0, RC_DOWN = 1, RC_UP = 2, RC_ZERO = 3;

    /** Rounding control (MXCSR bits 14:13). */
    int rc;
    boolean daz, ftz;
    /** The exception masks shifted down to the flag positions (bit set = masked). */
    int masks;
    /** Round to nearest: the condition under which Java's float/double arithmetic may be used (see SseFloat). */
    boolean nearest;
    /** Exceptions detected so far, before / after the computation. */
    int pre, post;

    Mxcsr(int mxcsr) {
        reset(mxcsr);
    }

    /** A {@link Cpu}'s scratch instance (see {@link Cpu#mxcsrScratch}). */
    public static Mxcsr scratch() {
        return new Mxcsr(Cpu.MXCSR_RESET);
    }

    /** The bookkeeping of one instruction under {@code c.mxcsr}: the CPU's scratch instance, reset. */
    static Mxcsr of(Cpu c) {
        return c.mxcsrScratch.reset(c.mxcsr);
    }

    private Mxcsr reset(int mxcsr) {
        rc = mxcsr >>> 13 & 3;
        daz = (mxcsr & DAZ) != 0;
        ftz = (mxcsr & FZ) != 0;
        masks = mxcsr >>> 7 & 0x3F;
        nearest = rc == RC_NEAREST;
        pre = 0;
        post = 0;
        return this;
    }

    boolean unmasked(int flag) {
        return (masks & flag) == 0;
    }

    /** Rounding control forced to truncation (CVTT*). */
    static int truncating() {
        return RC_ZERO;
    }

    /**
     * Applies the flags to MXCSR, raising #XM (or #UD) for an unmasked exception; the caller
     * writes its destination only when this returns.
     */
    void commit(Cpu c) {
        int um = ~masks & 0x3F;
        if ((pre & um) != 0) {
            c.mxcsr |= pre;
            throw xm(c, pre & um);
        }
        int all = pre | post;
        c.mxcsr |= all;
        if ((all & um) != 0) throw xm(c, all & um);
    }

    private static CpuException xm(Cpu c, int flags) {
        String why = "unmasked SIMD floating-point exception 0x" + Integer.toHexString(flags);
        if ((c.cr4 & Cpu.CR4_OSXMMEXCPT) == 0) return CpuException.ud(why + " with CR4.OSXMMEXCPT = 0");
        return CpuException.of(CpuException.XM, 0, false, why);
    }
}

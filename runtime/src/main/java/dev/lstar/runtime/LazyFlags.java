package dev.lstar.runtime;

/**
 * Lazy arithmetic flags. Flag-setting helpers in {@code dev.lstar.runtime.ops} do not compute
 * CF/PF/AF/ZF/SF/OF; they record the operation in {@link Cpu}'s lazy record and the flags are
 * derived only when somebody reads them ({@link #materialize}, {@link #cond}, {@link #carry}).
 *
 * <p>The record is {@code lzOp, lzSize, lzRes, lzA, lzB, lzAux}. {@code lzSize} is the operand
 * size in bytes (1, 2, 4, 8); {@code lzRes}, {@code lzA}, {@code lzB} are truncated to that size
 * and zero-extended. Meaning per op code:
 * <pre>
 *   op      lzA        lzB        lzAux                     flags (Intel SDM Vol. 1 Appendix A / Vol. 2 per instruction)
 *   ADD     a          b          -                         res = a + b
 *   ADC     a          b          -                         res = a + b + 1 (carry-in was 1; ADC with CF=0 is recorded as ADD)
 *   SUB     a          b          -                         res = a - b (also CMP, and NEG as 0 - b)
 *   SBB     a          b          -                         res = a - b - 1 (borrow-in was 1; SBB with CF=0 is recorded as SUB)
 *   LOGIC   -          -          -                         AND/OR/XOR/TEST: CF=OF=0, AF=0 (AF undefined in the SDM; 0 on the hosts we checked)
 *   INC     a          -          old CF (0 or 1)           res = a + 1, CF preserved
 *   DEC     a          -          old CF (0 or 1)           res = a - 1, CF preserved
 *   RESULT  -          -          CF|AF|OF bits (as masks)  ZF/SF/PF from res, the rest given (shifts, SHLD/SHRD)
 * </pre>
 * {@link #NONE} (0) means the six arithmetic flags in {@code cpu.rflags} are current. While a
 * record is pending, the non-arithmetic bits of {@code cpu.rflags} are still current, so a helper
 * that writes all six arithmetic flags may store {@code (cpu.rflags & ~ARITH) | flags} and clear
 * {@code lzOp} without materialising; a helper that writes only some of them must go through
 * {@link Cpu#getRflags()} first (or, for CF only, read {@link #carry}).
 *
 * <p>Cost model: {@link #carry} and the per-op branches of {@link #cond} are a handful of
 * integer operations and are meant to be inlined; {@link #materialize} is the slow path (a switch
 * and a population count) taken only when RFLAGS is observed as a whole (PUSHF, LAHF, interrupt
 * delivery, SYSCALL, or a condition without a fast path).
 */
public final class LazyFlags {
    private LazyFlags() {}

    public static final int NONE = 0, ADD = 1, ADC = 2, SUB = 3, SBB = 4, LOGIC = 5, INC = 6, DEC = 7, RESULT = 8;

    private static final long ARITH = Flags.ARITH;

    /** The all-ones mask of an operand of {@code size} bytes. */
    static long mask(int size) {
        return -1L >>> (64 - (size << 3));
    }

    /** 1 if {@code x <u y}. */
    private static long ltu(long x, long y) {
        return Long.compareUnsigned(x, y) < 0 ? 1 : 0;
    }

    /** 1 if {@code x <=u y}. */
    private static long leu(long x, long y) {
        return Long.compareUnsigned(x, y) <= 0 ? 1 : 0;
    }

    /** PF: set when the low byte of the result has an even number of 1 bits (SDM Vol. 1 §3.4.3.1). */
    public static long parity(long res) {
        return (Integer.bitCount((int) res & 0xff) & 1) == 0 ? Flags.PF : 0;
    }

    /** ZF|SF|PF of a result of {@code size} bytes (already truncated). */
    public static long szp(long res, int size) {
        long f = parity(res);
        if (res == 0) f |= Flags.ZF;
        f |= (res >>> ((size << 3) - 1) & 1) << 7; // SF is bit 7
        return f;
    }

    /** The current CF (0 or 1), computed from the lazy record when one is pending. */
    public static long carry(Cpu cpu) {
        return switch (cpu.lzOp) {
            case NONE -> cpu.rflags & Flags.CF;
            case ADD -> ltu(cpu.lzRes, cpu.lzA);
            case ADC -> leu(cpu.lzRes, cpu.lzA);
            case SUB -> subCarry(cpu.lzA, cpu.lzB);
            case SBB -> leu(cpu.lzA, cpu.lzB);
            case LOGIC -> 0;
            case INC, DEC -> cpu.lzAux;
            case RESULT -> cpu.lzAux & Flags.CF;
            default -> throw bad(cpu.lzOp);
        };
    }

    /** CF of a SUB record of {@code a} and {@code b} (truncated to its size): 1 on a borrow. */
    public static long subCarry(long a, long b) {
        return ltu(a, b);
    }

    /**
     * RFLAGS with the pending record folded in: the six arithmetic flags computed from the record,
     * every other bit from {@code cpu.rflags}. Does not clear the record ({@link Cpu#getRflags()}
     * does).
     */
    public static long materialize(Cpu cpu) {
        int op = cpu.lzOp;
        if (op == NONE) return cpu.rflags;
        long res = cpu.lzRes, a = cpu.lzA, b = cpu.lzB;
        int size = cpu.lzSize;
        int sb = (size << 3) - 1; // sign bit index
        long f = szp(res, size);
        switch (op) {
            case ADD, ADC -> {
                f |= op == ADD ? ltu(res, a) : leu(res, a);
                f |= (a ^ b ^ res) & Flags.AF;
                // OF: both operands have the same sign and the result's sign differs (SDM Vol. 1 §4.2.1.2 / ADD)
                f |= (((a ^ res) & (b ^ res)) >>> sb & 1) << 11;
            }
            case SUB, SBB -> {
                f |= op == SUB ? ltu(a, b) : leu(a, b);
                f |= (a ^ b ^ res) & Flags.AF;
                // OF: operands of different sign and the result's sign differs from the minuend's
                f |= (((a ^ b) & (a ^ res)) >>> sb & 1) << 11;
            }
            case LOGIC -> { }
            case INC -> {
                f |= cpu.lzAux;
                f |= (a ^ res) & Flags.AF;
                if (res == 1L << sb) f |= Flags.OF; // max positive + 1
            }
            case DEC -> {
                f |= cpu.lzAux;
                f |= (a ^ res) & Flags.AF;
                if (a == 1L << sb) f |= Flags.OF; // min negative - 1
            }
            case RESULT -> f |= cpu.lzAux;
            default -> throw bad(op);
        }
        return (cpu.rflags & ~ARITH) | f;
    }

    /**
     * Evaluates condition {@code cc} (0..15, the low nibble of Jcc/SETcc/CMOVcc). Answers SUB/CMP
     * and logic-op records directly; otherwise materialises (and keeps the result in
     * {@code cpu.rflags}).
     */
    public static boolean cond(Cpu cpu, int cc) {
        int op = cpu.lzOp;
        if (op == SUB) return condSub(cpu.lzA, cpu.lzB, cpu.lzRes, cpu.lzSize, cc);
        if (op == LOGIC) return condLogic(cpu.lzRes, cpu.lzSize, cc);
        return Flags.test(cpu.getRflags(), cc);
    }

    /**
     * Condition {@code cc} after {@code res = a - b} at {@code size} bytes (CMP/SUB), without
     * building RFLAGS. {@code a}, {@code b}, {@code res} truncated to the size.
     */
    public static boolean condSub(long a, long b, long res, int size, int cc) {
        int sh = 64 - (size << 3);
        boolean r = switch (cc >> 1) {
            case 0 -> (((a ^ b) & (a ^ res)) << sh) < 0;         // O
            case 1 -> Long.compareUnsigned(a, b) < 0;            // B
            case 2 -> res == 0;                                  // E
            case 3 -> Long.compareUnsigned(a, b) <= 0;           // BE
            case 4 -> (res << sh) < 0;                           // S
            case 5 -> (Integer.bitCount((int) res & 0xff) & 1) == 0; // P
            case 6 -> (a << sh) < (b << sh);                     // L: signed compare at the operand size
            default -> (a << sh) <= (b << sh);                   // LE
        };
        return r ^ ((cc & 1) != 0);
    }

    /**
     * {@link #condSub}'s E and NE ({@code cc} 4 or 5) from the operands alone, truncated to the
     * operand size as the record keeps them: the difference is zero exactly when they are equal.
     * For translated code, where the subtraction then need not be computed.
     */
    public static boolean condSubEqual(long a, long b, int cc) {
        return (a == b) ^ ((cc & 1) != 0);
    }

    /** Condition {@code cc} after a logic op (CF=OF=0) with result {@code res}. */
    public static boolean condLogic(long res, int size, int cc) {
        int sh = 64 - (size << 3);
        boolean r = switch (cc >> 1) {
            case 0, 1 -> false;                                  // O, B
            case 2, 3 -> res == 0;                               // E, BE
            case 4, 6 -> (res << sh) < 0;                        // S, L (SF != OF with OF=0)
            case 5 -> (Integer.bitCount((int) res & 0xff) & 1) == 0;
            default -> res == 0 || (res << sh) < 0;              // LE
        };
        return r ^ ((cc & 1) != 0);
    }

    private static IllegalStateException bad(int op) {
        return new IllegalStateException("corrupt lazy flags record: lzOp=" + op);
    }
}

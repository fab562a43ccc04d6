package dev.lstar.decoder;

/**
 * The opcode table: one row per encoding, carrying operand forms, flags read/written/undefined and
 * attributes (privilege, block end, LOCK legality). Feeds the decoder, the disassembler, flag
 * liveness and the conformance generator. (Placeholder constants; the table itself lands with the
 * decoder.)
 */
public final class OpcodeTable {
    private OpcodeTable() {}

    /** Privileged: #GP(0) unless CPL = 0. */
    public static final int A_PRIV = 1;
    /** Ends a basic block (branches, calls, returns, serialising and mode-changing instructions). */
    public static final int A_BLOCK_END = 1 << 1;
    /** LOCK prefix is legal (with a memory destination). */
    public static final int A_LOCKABLE = 1 << 2;
    /** CLI/STI-style IOPL-sensitive: #GP(0) unless CPL <= IOPL. */
    public static final int A_IOPL = 1 << 3;
    /** Instruction exceeded 15 bytes: executing it raises #GP(0) rather than #UD. */
    public static final int A_TOO_LONG = 1 << 4;
    /** Conditional branch (block ends, two successors). */
    public static final int A_COND_BRANCH = 1 << 5;
    /** Unconditional transfer of control (jmp/call/ret/iret/syscall/sysret/int). */
    public static final int A_BRANCH = 1 << 6;
    /** Default operand size is 64 in long mode (push/pop/call/jmp near indirect...). */
    public static final int A_DEF64 = 1 << 7;
    /** Reads or writes memory implicitly (string ops, push/pop, call/ret). */
    public static final int A_IMPLICIT_MEM = 1 << 8;
    /** LOCK prefix present but illegal for this form: #UD when executed. */
    public static final int A_BAD_LOCK = 1 << 9;
}

package dev.lstar.decoder;

/**
 * One decoded x86-64 instruction: a flat record of ints and longs, filled by {@link Decoder}.
 *
 * <p>Operands are in Intel order (destination first). An instruction has at most one explicit
 * memory operand; its address is described by {@link #base}, {@link #index}, {@link #scale},
 * {@link #disp}. String instructions keep their memory operands implicit (RSI/RDI).
 *
 * <p>Register numbers: 0..15 are RAX..R15 (for byte operands 0..15 are AL,CL,DL,BL,SPL,BPL,SIL,DIL,
 * R8B..R15B), and {@link #REG_AH}..{@link #REG_BH} (16..19) are the legacy high-byte registers
 * that exist only without a REX prefix. For {@link #OP_SREG} operands the number is the segment
 * register (0 ES, 1 CS, 2 SS, 3 DS, 4 FS, 5 GS); for {@link #OP_CREG} it is the control register.
 */
public final class Instruction {
    // operand kinds
    public static final int OP_NONE = 0;
    /** General-purpose register; number in reg[i], size in size[i]. */
    public static final int OP_REG = 1;
    /** The memory operand; size in size[i]. */
    public static final int OP_MEM = 2;
    /** Immediate, already sign- or zero-extended per the encoding into {@link #imm} (or imm2 for a second). */
    public static final int OP_IMM = 3;
    /** Relative branch target; the absolute target is in {@link #target}. */
    public static final int OP_REL = 4;
    /** Segment register. */
    public static final int OP_SREG = 5;
    /** Control register. */
    public static final int OP_CREG = 6;

    public static final int REG_AH = 16, REG_CH = 17, REG_DH = 18, REG_BH = 19;
    /** Base register value meaning RIP-relative addressing ({@link #disp} then holds the absolute address). */
    public static final int BASE_RIP = 16;
    public static final int NO_REG = -1;

    // prefix bits
    public static final int P_LOCK = 1, P_REP = 2, P_REPNE = 4, P_OPSIZE = 8, P_ADDRSIZE = 16, P_REX = 32, P_REXW = 64;

    public static final int SEG_ES = 0, SEG_CS = 1, SEG_SS = 2, SEG_DS = 3, SEG_FS = 4, SEG_GS = 5, SEG_NONE = -1;

    /** Linear address of the first byte. */
    public long address;
    /** Length in bytes (1..15). */
    public int length;
    /** What the instruction is; {@link Mnemonic#INVALID} for encodings lstar does not implement (raises #UD). */
    public Mnemonic mnemonic = Mnemonic.INVALID;
    /** {@code mnemonic.ordinal()}, cached for fast switches. */
    public int op;
    /** Operation size in bytes: 1, 2, 4 or 8. */
    public int opSize;
    /** Address size in bytes: 4 (0x67 prefix) or 8. */
    public int addrSize;
    /** Prefix bits P_*. */
    public int prefixes;
    /** Segment override SEG_* or SEG_NONE. */
    public int segment = SEG_NONE;
    /** Condition code 0..15 for Jcc/SETcc/CMOVcc (the low nibble of the opcode), else -1. */
    public int cond = -1;

    /** Number of explicit operands (0..3). */
    public int nOperands;
    public final int[] kind = new int[3];
    public final int[] reg = new int[3];
    public final int[] size = new int[3];

    // the memory operand, if any
    public int base = NO_REG;
    public int index = NO_REG;
    /** Scale as a shift count 0..3. */
    public int scale;
    /** Displacement, sign-extended; for RIP-relative the absolute effective address. */
    public long disp;

    /** First immediate. */
    public long imm;
    /** Second immediate (ENTER's nesting level, far pointers); rarely used. */
    public long imm2;
    /** Absolute target of a relative branch or call. */
    public long target;

    /** Flags read / written / left undefined, as RFLAGS bit masks (from the opcode table). */
    public int flagsRead, flagsWritten, flagsUndefined;
    /** Attribute bits from the opcode table (see {@link OpcodeTable} A_* constants). */
    public int attributes;

    /** Address of the next instruction. */
    public long next() {
        return address + length;
    }

    public boolean hasMemoryOperand() {
        return kind[0] == OP_MEM || kind[1] == OP_MEM || kind[2] == OP_MEM;
    }

    public boolean isValid() {
        return mnemonic != Mnemonic.INVALID;
    }

    /** Resets every field so the object can be reused. */
    public void clear() {
        address = 0; length = 0; mnemonic = Mnemonic.INVALID; op = Mnemonic.INVALID.ordinal();
        opSize = 0; addrSize = 8; prefixes = 0; segment = SEG_NONE; cond = -1; nOperands = 0;
        for (int i = 0; i < 3; i++) { kind[i] = OP_NONE; reg[i] = NO_REG; size[i] = 0; }
        base = NO_REG; index = NO_REG; scale = 0; disp = 0; imm = 0; imm2 = 0; target = 0;
        flagsRead = 0; flagsWritten = 0; flagsUndefined = 0; attributes = 0;
    }

    @Override
    public String toString() {
        return Disassembler.format(this);
    }
}

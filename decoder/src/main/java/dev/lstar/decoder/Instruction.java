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
 *
 * <h2>Decoder conventions</h2>
 * <ul>
 *   <li>{@link #opSize} is the operation size: for most instructions the size of operand 0; for
 *       string instructions the element size (1/2/4/8, no explicit operands); for MOVZX/MOVSX/MOVSXD
 *       the destination size; for PUSH/POP/CALL/RET/JMP-indirect/ENTER/LEAVE/PUSHF/POPF 8
 *       (66 gives 2, except near branches whose size is forced to 8: Intel SDM Vol. 2 Appendix A.2.5 "f64").</li>
 *   <li>{@link #size} of a register or memory operand is its width in bytes; of an immediate, the
 *       number of immediate bytes encoded (1, 2, 4 or 8); a memory operand whose width is not
 *       meaningful (LEA, INVLPG) has size 0; LGDT/LIDT/SGDT/SIDT have 10, CMPXCHG16B 16.</li>
 *   <li>{@link #imm} is already extended as the SDM says: imm8 of 83/6B/6A and imm16/32 (Iz) are
 *       sign-extended to 64 bits, the imm8 of shifts, BT, INT, ENTER and imm16 of RET/ENTER are
 *       zero-extended. Consumers mask to {@link #opSize}. A shift-by-1 form (D0/D1) has an
 *       {@link #OP_IMM} operand with imm = 1; shift-by-CL an {@link #OP_REG} operand reg = 1 size 1.
 *       A second immediate (ENTER's level) is in {@link #imm2}.</li>
 *   <li>Relative branches: one {@link #OP_REL} operand; {@link #target} is the absolute target.</li>
 *   <li>{@link #cond} is set for Jcc/SETcc/CMOVcc; LOOPcc/JRCXZ are their own mnemonics.</li>
 *   <li>RIP-relative memory: {@link #base} = {@link #BASE_RIP} and {@link #disp} is the absolute
 *       address (with 0x67: truncated to 32 bits). With 0x67, {@link #addrSize} is 4 and the
 *       effective address must be truncated to 32 bits by the consumer.</li>
 *   <li>MOV to/from CR: {@link Mnemonic#MOV_TO_CR}/{@link Mnemonic#MOV_FROM_CR} with an
 *       {@link #OP_CREG} operand (CR0/2/3/4/8 only; others decode INVALID); the GPR side is always
 *       64-bit and ModRM.mod is ignored. MOV Sreg: {@link #OP_SREG}; MOV to CS decodes INVALID.</li>
 *   <li>SYSRET: {@link Mnemonic#SYSRETQ} with REX.W, {@link Mnemonic#SYSRET32} without. IRETQ needs
 *       REX.W; plain CF (IRETD) decodes INVALID.</li>
 *   <li>{@link #segment} is the last segment-override prefix; in 64-bit mode only FS and GS change
 *       addressing (SDM Vol. 1 3.3.7.1), the others are recorded for the disassembler only.</li>
 *   <li>Mandatory prefixes (F3 of PAUSE/POPCNT/TZCNT/LZCNT/ENDBR64/RDFSBASE..., 66 of INVPCID) are
 *       consumed: they do not appear as P_REP/P_OPSIZE in {@link #prefixes}.</li>
 *   <li>INVALID: {@link #length} covers the bytes the decoder consumed (prefixes, opcode, and ModRM
 *       addressing bytes when the opcode map says a ModRM follows); {@link #attributes} has
 *       {@link OpcodeTable#A_BLOCK_END}, plus {@link OpcodeTable#A_TOO_LONG} for an instruction that
 *       would exceed 15 bytes (then length = 15 and no byte past the 15th was fetched).</li>
 *   <li>LOCK on a form that is not lockable or whose destination is not memory: the instruction is
 *       decoded normally and {@link OpcodeTable#A_BAD_LOCK} is set (executing it raises #UD).</li>
 * </ul>
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
    /** XMM register (SSE); number 0..15 in reg[i]; size[i] is the form's width (16, or 8/4 for a scalar/low-half form). Not a GPR. */
    public static final int OP_XMM = 7;
    /** x87 register ST(i); the stack index 0..7 in reg[i], size 10. Not a GPR. */
    public static final int OP_ST = 8;
    /** MMX register MM0..MM7 (the low 64 bits of x87 physical register R0..R7); number in reg[i], size 8. Not a GPR. */
    public static final int OP_MMX = 9;

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
    /**
     * Operation size in bytes: 1, 2, 4 or 8. For SSE rows: the GPR or memory operand's size when
     * there is one of at most 8 bytes (MOVD/MOVQ with a GPR: 4 or 8), else the default 4.
     */
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

    /** The raw instruction bytes, {@code bytes[0..length)}. */
    public final byte[] bytes = new byte[15];
    /** The effective REX byte (0x40..0x4F), or 0 when there is none (a REX followed by a legacy prefix is ignored). */
    public int rex;
    /** The raw ModRM byte, or -1. */
    public int modrm = -1;
    /** The raw SIB byte, or -1. */
    public int sib = -1;
    /** Number of displacement bytes encoded (0, 1, 4, or 8 for a 64-bit moffs). */
    public int dispSize;
    /** Id of the {@link OpcodeTable.Row} this was decoded from ({@code OpcodeTable.rows().get(row)}), or -1. */
    public int row = -1;

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
        rex = 0; modrm = -1; sib = -1; dispSize = 0; row = -1;
    }

    @Override
    public String toString() {
        return Disassembler.format(this);
    }
}

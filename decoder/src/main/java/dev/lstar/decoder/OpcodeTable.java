package dev.lstar.decoder;

import static dev.lstar.decoder.Mnemonic.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The opcode table: one row per encoding (the file's length is the table itself — about 800 of its
 * lines are rows, one instruction family per block; splitting it would scatter the one place an
 * instruction's shape is written), carrying operand forms, flags read/written/undefined and
 * attributes (privilege, block end, LOCK legality). Feeds the decoder, the disassembler, flag
 * liveness and the conformance generator.
 *
 * <h2>Row notation</h2>
 * Each row is written like the Intel SDM Vol. 2 opcode column, e.g. {@code row("F3 0F B8 /r", POPCNT,
 * "Gv,Ev", 0, 0, OSZAPC, 0)}. Opcode tokens, in order:
 * <ul>
 *   <li>an optional <b>mandatory prefix</b> {@code 66}, {@code F2} or {@code F3} (only when more hex
 *       bytes follow); it is then consumed and does not act as operand-size / REP prefix;</li>
 *   <li>the opcode: one byte, or {@code 0F xx}, {@code 0F 38 xx}, {@code 0F 3A xx};</li>
 *   <li>{@code +r}: the low three opcode bits (plus REX.B) name a register (one row covers 8 bytes);
 *       {@code +cc}: the low nibble is a condition code (expanded into 16 rows with their own flags read);</li>
 *   <li>{@code /r} (ModRM, any reg) or {@code /0}..{@code /7} (ModRM with that reg field), or a full
 *       ModRM byte in hex ({@code 0F 01 F8}: mod=3, reg and rm fixed);</li>
 *   <li>constraints: {@code mem} (mod != 3), {@code reg} (mod = 3), {@code o16}/{@code o32}/{@code o64}
 *       (effective operand size), {@code noREX.B}, {@code NP} (no 66/F2/F3 prefix allowed).</li>
 * </ul>
 * Operand forms follow SDM Appendix A letters: {@code E} ModRM r/m, {@code G} ModRM reg, {@code M}
 * memory only, {@code R} register from r/m only, {@code Z} register from the opcode's low bits,
 * {@code S} segment register from ModRM.reg, {@code C} control register from ModRM.reg (mod ignored),
 * {@code I} immediate ({@code Ib} zero-extended, {@code Ibs} sign-extended imm8, {@code Iw}, {@code Iz}
 * imm16/32 sign-extended, {@code Iv} imm16/32/64), {@code J} relative branch ({@code Jb}, {@code Jz}),
 * {@code O} absolute moffs, fixed registers {@code AL CL rAX FS GS}, the constant {@code 1}, and
 * {@code {b}}/{@code {w}}/{@code {v}} which set the operation size without an explicit operand (string
 * ops, ret, leave...). Sizes: b=1, w=2, d=4, q=8, v=2/4/8 by 66/REX.W (8 by default for A_DEF64 rows,
 * always 8 for A_F64 rows), y=4/8 by REX.W, z=immediate 2/4, t=10 bytes, o=16 bytes, and {@code Evw}:
 * register of size v, or a 2-byte memory operand (MOV from Sreg, SLDT, STR). XMM operands (SDM
 * Appendix A.2.1): {@code V} the XMM register in ModRM.reg (plus REX.R), {@code W} an XMM register
 * in ModRM.rm (plus REX.B) or memory, {@code U} an XMM register in ModRM.rm only; their size letter
 * is {@code x} (128 bits), {@code q} or {@code d} (the memory width of a scalar/low-half form;
 * a register is always the whole XMM register; {@code w} for PMOVSXBQ's m16). Size {@code x} also exists
 * for {@code M} (MOVNTDQ). {@code XMM0} is the fixed register XMM0 (the implicit mask of BLENDVPS).
 * MMX operands (SDM Appendix A.2.1): {@code P} the MMX register in ModRM.reg, {@code Q} an MMX
 * register in ModRM.rm or memory, {@code N} an MMX register in ModRM.rm only (REX.R/REX.B are
 * ignored: MM0-MM7); they decode to {@code OP_MMX} operands, never GPRs; the size letter is the
 * memory width ({@code q}, or {@code d} for the low unpacks' m32).
 * x87 operands: {@code ST0} the stack top ST(0) (printed {@code %st}), {@code STi} the register
 * ST(i) selected by ModRM.rm (printed {@code %st(i)}); both decode to {@code OP_ST} operands whose
 * number is the stack index, never GPRs. x87 memory formats use the M sizes {@code d} (m32fp or
 * m32int), {@code q} (m64fp or m64int), {@code t} (m80fp), {@code w} (m16int, the control and
 * status words), and the blobs {@code Me} (FLDENV/FNSTENV: 28 bytes, 14 with a 66 prefix),
 * {@code Ms} (FNSAVE/FRSTOR: 108 bytes, 94 with 66), {@code Mf} (FXSAVE/FXRSTOR: 512 bytes);
 * real vs integer is the mnemonic's (FI* and FILD/FIST/FISTP take integers). {@code AX} is the
 * fixed register operand of FNSTSW AX.
 *
 * <h2>Operand access</h2>
 * An explicit operand form may carry an access suffix: {@code :r} read, {@code :w} written,
 * {@code :rw} read and written, {@code :a} address only (a memory operand whose address is computed
 * but never accessed: LEA, INVLPG, CLFLUSH, PREFETCH), {@code :n} not used at all (NOP Ev, UD0/UD1:
 * neither the operand nor its address registers). Without a suffix the SDM's "destination, source"
 * convention applies: the first explicit operand is <b>read-write</b> (ALU, shifts, INC/NOT/NEG,
 * XADD's destination...), every other one is <b>read</b>. So MOV-like rows write {@code "Gv:w,Ev"},
 * CMP/TEST/BT/PUSH/JMP/MUL's source say {@code "Ev:r,..."}, and XCHG says {@code "Ev,Gv:rw"}.
 * Immediates, branch targets and {@code {v}} size markers have no access. A conditional write (CMOVcc,
 * BSF/BSR with a zero source, CMPXCHG) is {@code rw}: the old value survives when nothing is written.
 *
 * <h2>Implicit operands</h2>
 * After a {@code |}, space-separated implicit operands, each with a mandatory access:
 * <ul>
 *   <li>registers by SDM name and width: {@code RAX..R15} (64-bit), {@code EAX..EDI} (32),
 *       {@code AX..DI} (16), {@code AL CL DL BL AH CH DH BH} (8), and {@code rAX..rDI} sized by the
 *       operation size (for string ops the element size), e.g. {@code "Ev:r | rAX:rw rDX:w"} for MUL.
 *       The string registers RSI/RDI/RCX (and RCX of LOOP/JRCXZ, RBX of XLAT) are address-sized:
 *       ESI/EDI/ECX with 0x67, which as 32-bit writes are full writes too; they are named in 64-bit form;</li>
 *   <li>{@code @rep} after a register: only with a REP/REPE/REPNE prefix (RCX of string ops);</li>
 *   <li>memory: {@code [stack]} (push/pop/call/ret/enter/leave/iret; reads {@code :r}, writes {@code :w}),
 *       {@code [rSI]:r} (string source), {@code [rDI]:r}/{@code [rDI]:w} (string destination),
 *       {@code [rBX+AL]:r} (XLAT's table). See the {@code IM_*} constants.</li>
 * </ul>
 * Events are not operands: the frame INT n/INT3 push through the IDT, descriptor-table reads of
 * MOV Sreg/LTR/LLDT, MSR and control-register state are not listed. {@link Access} answers the
 * per-instruction questions (GPRs read/written, memory read/written) from these columns.
 *
 * <h2>Flags</h2>
 * {@link Row#flagsWritten} holds every flag the instruction may modify, including those it leaves
 * undefined; {@link Row#flagsUndefined} is the subset whose value the SDM leaves undefined. So a
 * liveness pass may treat {@code flagsWritten} as killed, except for rows with {@link #A_FLAGS_COND}
 * where the writes happen only when the run-time count is non-zero.
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
    /** Default operand size is 64 in long mode (push/pop/call/jmp near indirect...); 66 selects 16. */
    public static final int A_DEF64 = 1 << 7;
    /**
     * Reads or writes memory implicitly (string ops, push/pop, call/ret). Set exactly on the rows with
     * an implicit memory operand ({@link Row#implicitMemory} != 0), which says which accesses.
     */
    public static final int A_IMPLICIT_MEM = 1 << 8;
    /** LOCK prefix present but illegal for this form: #UD when executed. */
    public static final int A_BAD_LOCK = 1 << 9;
    /**
     * The flag writes depend on a run-time value (shift/rotate count masked to 0 leaves flags
     * untouched: SDM Vol. 2 SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD, SHRD "Flags Affected").
     */
    public static final int A_FLAGS_COND = 1 << 10;
    /** The memory operand is an address only and is not accessed (LEA, NOP Ev, PREFETCH hints). */
    public static final int A_NO_MEM_ACCESS = 1 << 11;
    /** Near call (pushes a return address). */
    public static final int A_CALL = 1 << 12;
    /** Near return. */
    public static final int A_RET = 1 << 13;
    /**
     * Operand size forced to 64 bits in 64-bit mode; 66 is ignored (SDM Vol. 2 Appendix A.2.5,
     * superscript "f64": near JMP/CALL/RET/Jcc). AMD honours 66 on these; lstar follows Intel.
     */
    public static final int A_F64 = 1 << 14;
    /** String instruction: REP/REPE/REPNE apply; operands implicit (RSI/RDI/RAX). */
    public static final int A_STRING = 1 << 15;
    /**
     * An SSE/SSE2 instruction on XMM registers or MXCSR: #UD when CR0.EM = 1 or CR4.OSFXSR = 0, #NM
     * when CR0.TS = 1 (SDM Vol. 2 §2.5, Vol. 3A Table 13-5 and Vol. 1 §13.1.3), checked before its
     * operands are touched.
     */
    public static final int A_SSE = 1 << 16;
    /**
     * Its 128-bit memory operand must be 16-byte aligned, else #GP(0) (legacy SSE, SDM Vol. 2
     * §2.5.1 "Exceptions Type 1" and "Type 4"); MOVUPS/MOVUPD/MOVDQU and m64/m32 operands have no
     * alignment rule.
     */
    public static final int A_ALIGN16 = 1 << 17;
    /**
     * Uses the MMX state (an MMX register operand, or EMMS): #UD when CR0.EM = 1, #NM when CR0.TS
     * = 1, #MF when an unmasked x87 exception is pending (SDM Vol. 1 §9.5-9.6, Vol. 3A Table 12-1),
     * checked before anything else (after the {@link #A_SSE} checks of a row that has both); once
     * the instruction completes, the x87-to-MMX transition: TOP = 0 and every tag valid (except
     * EMMS, which empties them; TOP = 0 either way).
     */
    public static final int A_MMX = 1 << 18;

    // --- operand access (per explicit operand; see "Operand access" in the class comment)
    /** Not accessed at all: neither the operand nor (for memory) its address registers (NOP Ev, UD0/UD1). */
    public static final int ACC_NONE = 0;
    /** Read. */
    public static final int ACC_R = 1;
    /** Written. */
    public static final int ACC_W = 2;
    /** Read and written. */
    public static final int ACC_RW = ACC_R | ACC_W;
    /** Memory operand whose address is computed (its base/index are read) but not accessed (LEA, INVLPG, CLFLUSH, PREFETCH). */
    public static final int ACC_ADDR = 4;

    // --- implicit memory (see "Implicit operands" in the class comment)
    /** Reads the stack (POP, RET, LEAVE, IRETQ, ENTER with a nesting level). */
    public static final int IM_STACK_R = 1;
    /** Writes the stack (PUSH, CALL, ENTER). */
    public static final int IM_STACK_W = 1 << 1;
    /** Reads the string source [rSI] (segment-overridable). */
    public static final int IM_SRC_R = 1 << 2;
    /** Reads the string destination ES:[rDI]. */
    public static final int IM_DST_R = 1 << 3;
    /** Writes the string destination ES:[rDI]. */
    public static final int IM_DST_W = 1 << 4;
    /** Reads the translation table [rBX + AL] (XLAT). */
    public static final int IM_TABLE_R = 1 << 5;
    /** The implicit memory kinds that read. */
    public static final int IM_READS = IM_STACK_R | IM_SRC_R | IM_DST_R | IM_TABLE_R;
    /** The implicit memory kinds that write. */
    public static final int IM_WRITES = IM_STACK_W | IM_DST_W;

    // RFLAGS bits (SDM Vol. 1 3.4.3)
    public static final int CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, TF = 0x100, IF = 0x200,
            DF = 0x400, OF = 0x800;
    /** The six arithmetic status flags. */
    public static final int OSZAPC = OF | SF | ZF | AF | PF | CF;
    /** Every flag PUSHF/POPF/IRET move (the status flags plus TF, IF, DF; AC/ID/NT/RF/VM are kept elsewhere). */
    public static final int ALL = OSZAPC | TF | IF | DF;

    /** Mod constraints. */
    public static final int MOD_ANY = 0, MOD_MEM = 1, MOD_REG = 2;

    // --- compiled operand codes: type | size << 8 | extra << 16 ---
    static final int T_E = 1, T_G = 2, T_M = 3, T_R = 4, T_I = 5, T_J = 6, T_Z = 7, T_FIXREG = 8,
            T_ONE = 9, T_S = 10, T_C = 11, T_SIZE = 12, T_FIXSREG = 13, T_O = 14, T_V = 15, T_W = 16, T_U = 17,
            T_ST = 18, T_XMM0 = 19, T_P = 20, T_Q = 21, T_N = 22;
    static final int S_V = 0x20, S_Z = 0x21, S_Y = 0x22, S_VW = 0x23;
    /** x87 memory blobs: FLDENV/FNSTENV 28 bytes (14 with 66), FNSAVE/FRSTOR 108 (94), FXSAVE/FXRSTOR 512. */
    static final int S_ENV = 0x24, S_FSAVE = 0x25, S_FX = 0x26;
    /** Immediate extension kinds in the extra field. */
    static final int X_ZERO = 0, X_SIGN = 1;

    static int type(int code) { return code & 0xFF; }
    static int sizeCode(int code) { return (code >>> 8) & 0xFF; }
    static int extra(int code) { return code >>> 16; }

    /**
     * One encoding. Fields are public and final; {@link #operandCodes} is a compiled view of
     * {@link #operands} for the decoder (do not modify).
     */
    public static final class Row {
        /** Index in {@link #rows()}. */
        public final int id;
        /** The opcode notation as written in the table. */
        public final String spec;
        /** 0 = one-byte map, 1 = 0F, 2 = 0F 38, 3 = 0F 3A. */
        public final int map;
        /** The opcode byte (for {@link #plusReg} rows the lowest of the 8). */
        public final int opcode;
        /** 0, 0x66, 0xF2 or 0xF3. */
        public final int mandatoryPrefix;
        /** Whether a ModRM byte follows the opcode. */
        public final boolean hasModrm;
        /** Required ModRM.reg (0..7) or -1. */
        public final int modrmReg;
        /** Required ModRM.rm (0..7) or -1 (only with {@link #MOD_REG}). */
        public final int modrmRm;
        /** {@link #MOD_ANY}, {@link #MOD_MEM} or {@link #MOD_REG}. */
        public final int mod;
        /** Required effective operand size 2/4/8, or 0 for any. */
        public final int operandSize;
        /** "NP": only matches without 66/F2/F3 prefixes. */
        public final boolean noPrefix;
        /** Only matches without REX.B (opcode 90 is NOP, 41 90 is XCHG r8d,eax). */
        public final boolean noRexB;
        /** The opcode's low three bits select a register. */
        public final boolean plusReg;
        /** Condition code for Jcc/SETcc/CMOVcc, else -1. */
        public final int cond;
        public final Mnemonic mnemonic;
        /** Operand forms, Intel order, as written but without access suffixes and implicit operands (e.g. "Ev,Gv"). */
        public final String operands;
        /** AT&T name objdump prints when it is not derivable from the mnemonic, else null. */
        public final String attName;
        public final int flagsRead, flagsWritten, flagsUndefined, attributes;
        /**
         * The undefined flags ({@link #flagsUndefined}) that lstar leaves unchanged, as this host
         * (the AMD Zen 5 host the ops vectors were recorded on) does — the rest of the undefined ones get a value. Flag liveness must not
         * treat these as killed: their old value survives the instruction. See {@link #KEPT}.
         */
        public int flagsKept;
        /** The implicit operands as written after {@code |} in the row ("" if none), e.g. {@code "rAX:rw rDX:w"}. */
        public final String implicit;
        /** GPRs (bit n = register n) the instruction always reads / writes implicitly (all widths). */
        public final int implicitRegsRead, implicitRegsWritten;
        /** GPRs read / written implicitly only with a REP/REPE/REPNE prefix (string ops: RCX). */
        public final int repRegsRead, repRegsWritten;
        /** {@link #IM_STACK_R IM_*} bits: implicit memory accesses. */
        public final int implicitMemory;
        final int[] operandCodes;
        /** Access ({@link #ACC_R ACC_*}) of explicit operand n (Instruction operand index) in bits 4n..4n+3. */
        final int accessBits;
        /** Implicit writes of a fixed 8/16-bit width (keep the rest of the register). */
        final int implicitPartialFixed;
        /** Implicit writes sized by the operation size (rAX...): partial when opSize is 1 or 2. */
        final int implicitWrittenV;

        Row(int id, String spec, int map, int opcode, int mandatoryPrefix, boolean hasModrm, int modrmReg,
            int modrmRm, int mod, int operandSize, boolean noPrefix, boolean noRexB, boolean plusReg, int cond, Mnemonic mnemonic,
            String operands, String attName, int flagsRead, int flagsWritten, int flagsUndefined, int attributes,
            int[] operandCodes, AccessSpec acc) {
            this.id = id; this.spec = spec; this.map = map; this.opcode = opcode;
            this.mandatoryPrefix = mandatoryPrefix; this.hasModrm = hasModrm; this.modrmReg = modrmReg;
            this.modrmRm = modrmRm; this.mod = mod; this.operandSize = operandSize; this.noPrefix = noPrefix; this.noRexB = noRexB;
            this.plusReg = plusReg; this.cond = cond; this.mnemonic = mnemonic; this.operands = operands;
            this.attName = attName; this.flagsRead = flagsRead; this.flagsWritten = flagsWritten;
            this.flagsUndefined = flagsUndefined; this.attributes = attributes; this.operandCodes = operandCodes;
            this.implicit = acc.implicit; this.accessBits = acc.accessBits;
            this.implicitRegsRead = acc.read; this.implicitRegsWritten = acc.written;
            this.repRegsRead = acc.repRead; this.repRegsWritten = acc.repWritten;
            this.implicitMemory = acc.memory; this.implicitPartialFixed = acc.partialFixed;
            this.implicitWrittenV = acc.writtenV;
        }

        /** Access ({@link #ACC_R ACC_*}) of explicit operand {@code n} (as numbered in {@link Instruction}). */
        public int access(int n) {
            return (accessBits >>> (4 * n)) & 0xF;
        }

        /** Number of explicit operands (excluding {@code {v}}-style size markers). */
        public int operandCount() {
            int n = 0;
            for (int c : operandCodes) if (type(c) != T_SIZE) n++;
            return n;
        }

        /** The operand form tokens, e.g. {@code ["Ev", "Ibs"]}. */
        public List<String> operandForms() {
            return operands.isEmpty() ? List.of() : List.of(operands.split(","));
        }

        @Override
        public String toString() {
            return spec + "  " + mnemonic + (cond >= 0 ? "/cc" + cond : "") + " " + operands
                    + (implicit.isEmpty() ? "" : " | " + implicit);
        }
    }

    // ------------------------------------------------------------------------------------------
    // The table. Order matters only within one opcode: rows are tried most-specific first
    // (mandatory/NP prefix, operand size, noREX.B, fixed ModRM.reg, fixed ModRM.rm) and otherwise
    // in table order.
    // ------------------------------------------------------------------------------------------

    private static final List<Row> ROWS = new ArrayList<>();
    /** Flags read by condition code cc (SDM Vol. 1 Appendix B, Table B-1). */
    static final int[] COND_FLAGS = {
        OF, OF, CF, CF, ZF, ZF, CF | ZF, CF | ZF, SF, SF, PF, PF, SF | OF, SF | OF, ZF | SF | OF, ZF | SF | OF};

    private static final int LOCK = A_LOCKABLE, PRIV = A_PRIV, END = A_BLOCK_END, DEF64 = A_DEF64,
            IMEM = A_IMPLICIT_MEM, FCOND = A_FLAGS_COND, NOMEM = A_NO_MEM_ACCESS, F64 = A_F64,
            STRING = A_STRING | A_IMPLICIT_MEM;
    private static final int JUMP = A_BRANCH | A_BLOCK_END | F64;

    static {
        // ---- ALU: ADD OR ADC SBB AND SUB XOR CMP (SDM Vol. 2 each; opcode map Table A-2 rows 0-3)
        Mnemonic[] alu = {ADD, OR, ADC, SBB, AND, SUB, XOR, CMP};
        for (int i = 0; i < 8; i++) {
            Mnemonic m = alu[i];
            int rd = (m == ADC || m == SBB) ? CF : 0;
            int und = (m == AND || m == OR || m == XOR) ? AF : 0; // logic ops: AF undefined, OF=CF=0
            int lock = m == CMP ? 0 : LOCK;
            String b = hex(i * 8);
            String d = m == CMP ? ":r" : ""; // CMP only reads its first operand
            row(b + " /r", m, "Eb" + d + ",Gb", lock, rd, OSZAPC, und);
            row(hex(i * 8 + 1) + " /r", m, "Ev" + d + ",Gv", lock, rd, OSZAPC, und);
            row(hex(i * 8 + 2) + " /r", m, "Gb" + d + ",Eb", 0, rd, OSZAPC, und);
            row(hex(i * 8 + 3) + " /r", m, "Gv" + d + ",Ev", 0, rd, OSZAPC, und);
            row(hex(i * 8 + 4), m, "AL" + d + ",Ib", 0, rd, OSZAPC, und);
            row(hex(i * 8 + 5), m, "rAX" + d + ",Iz", 0, rd, OSZAPC, und);
            // group 1 (80/81/83 /digit); 82 is invalid in 64-bit mode (Table A-2 note i64)
            row("80 /" + i, m, "Eb" + d + ",Ib", lock, rd, OSZAPC, und);
            row("81 /" + i, m, "Ev" + d + ",Iz", lock, rd, OSZAPC, und);
            row("83 /" + i, m, "Ev" + d + ",Ibs", lock, rd, OSZAPC, und);
        }
        row("84 /r", TEST, "Eb:r,Gb", 0, 0, OSZAPC, AF);
        row("85 /r", TEST, "Ev:r,Gv", 0, 0, OSZAPC, AF);
        row("A8", TEST, "AL:r,Ib", 0, 0, OSZAPC, AF);
        row("A9", TEST, "rAX:r,Iz", 0, 0, OSZAPC, AF);
        row("F6 /0", TEST, "Eb:r,Ib", 0, 0, OSZAPC, AF);
        row("F6 /1", TEST, "Eb:r,Ib", 0, 0, OSZAPC, AF); // undocumented alias of /0, executed by hardware
        row("F7 /0", TEST, "Ev:r,Iz", 0, 0, OSZAPC, AF);
        row("F7 /1", TEST, "Ev:r,Iz", 0, 0, OSZAPC, AF);
        row("F6 /2", NOT, "Eb", LOCK, 0, 0, 0);
        row("F7 /2", NOT, "Ev", LOCK, 0, 0, 0);
        row("F6 /3", NEG, "Eb", LOCK, 0, OSZAPC, 0);
        row("F7 /3", NEG, "Ev", LOCK, 0, OSZAPC, 0);
        // MUL/IMUL: CF,OF defined; SF ZF AF PF undefined. DIV/IDIV: all six undefined.
        int mulU = SF | ZF | AF | PF;
        row("F6 /4", MUL, "Eb:r | AL:r AX:w", 0, 0, OSZAPC, mulU);
        row("F7 /4", MUL, "Ev:r | rAX:rw rDX:w", 0, 0, OSZAPC, mulU);
        row("F6 /5", IMUL, "Eb:r | AL:r AX:w", 0, 0, OSZAPC, mulU);
        row("F7 /5", IMUL, "Ev:r | rAX:rw rDX:w", 0, 0, OSZAPC, mulU);
        row("F6 /6", DIV, "Eb:r | AX:rw", 0, 0, OSZAPC, OSZAPC);
        row("F7 /6", DIV, "Ev:r | rAX:rw rDX:rw", 0, 0, OSZAPC, OSZAPC);
        row("F6 /7", IDIV, "Eb:r | AX:rw", 0, 0, OSZAPC, OSZAPC);
        row("F7 /7", IDIV, "Ev:r | rAX:rw rDX:rw", 0, 0, OSZAPC, OSZAPC);
        row("0F AF /r", IMUL, "Gv,Ev", 0, 0, OSZAPC, mulU);
        row("69 /r", IMUL, "Gv:w,Ev,Iz", 0, 0, OSZAPC, mulU);
        row("6B /r", IMUL, "Gv:w,Ev,Ibs", 0, 0, OSZAPC, mulU);
        // INC/DEC leave CF alone
        int osza = OF | SF | ZF | AF | PF;
        row("FE /0", INC, "Eb", LOCK, 0, osza, 0);
        row("FE /1", DEC, "Eb", LOCK, 0, osza, 0);
        row("FF /0", INC, "Ev", LOCK, 0, osza, 0);
        row("FF /1", DEC, "Ev", LOCK, 0, osza, 0);

        // ---- shifts and rotates (group 2, SDM Vol. 2 SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR)
        // By 1: OF defined. By CL/imm8: OF undefined unless the count is 1, and no flag changes
        // when the masked count is 0 (A_FLAGS_COND). AF is undefined for shifts with a non-zero count.
        // /6 is the undocumented SAL encoding; hardware executes it as SHL (and objdump shows shl).
        Mnemonic[] sh = {ROL, ROR, RCL, RCR, SHL, SHR, SHL, SAR};
        for (int i = 0; i < 8; i++) {
            Mnemonic m = sh[i];
            boolean rot = i < 4;
            int rd = (m == RCL || m == RCR) ? CF : 0;
            int wr = rot ? (CF | OF) : OSZAPC;
            int u1 = rot ? 0 : AF;
            int un = u1 | OF;
            row("D0 /" + i, m, "Eb,1", 0, rd, wr, u1);
            row("D1 /" + i, m, "Ev,1", 0, rd, wr, u1);
            row("D2 /" + i, m, "Eb,CL", FCOND, rd, wr, un);
            row("D3 /" + i, m, "Ev,CL", FCOND, rd, wr, un);
            row("C0 /" + i, m, "Eb,Ib", FCOND, rd, wr, un);
            row("C1 /" + i, m, "Ev,Ib", FCOND, rd, wr, un);
        }
        row("0F A4 /r", SHLD, "Ev,Gv,Ib", FCOND, 0, OSZAPC, AF | OF);
        row("0F A5 /r", SHLD, "Ev,Gv,CL", FCOND, 0, OSZAPC, AF | OF);
        row("0F AC /r", SHRD, "Ev,Gv,Ib", FCOND, 0, OSZAPC, AF | OF);
        row("0F AD /r", SHRD, "Ev,Gv,CL", FCOND, 0, OSZAPC, AF | OF);

        // ---- bit instructions: CF = bit; ZF unchanged (Intel); OF SF AF PF undefined
        int btU = OF | SF | AF | PF;
        row("0F A3 /r", BT, "Ev:r,Gv", 0, 0, CF | btU, btU);
        row("0F AB /r", BTS, "Ev,Gv", LOCK, 0, CF | btU, btU);
        row("0F B3 /r", BTR, "Ev,Gv", LOCK, 0, CF | btU, btU);
        row("0F BB /r", BTC, "Ev,Gv", LOCK, 0, CF | btU, btU);
        row("0F BA /4", BT, "Ev:r,Ib", 0, 0, CF | btU, btU);
        row("0F BA /5", BTS, "Ev,Ib", LOCK, 0, CF | btU, btU);
        row("0F BA /6", BTR, "Ev,Ib", LOCK, 0, CF | btU, btU);
        row("0F BA /7", BTC, "Ev,Ib", LOCK, 0, CF | btU, btU);
        // BSF/BSR: a zero source leaves the destination unchanged (AMD; Intel: "undefined"), so it is read too
        row("0F BC /r", BSF, "Gv:rw,Ev", 0, 0, OSZAPC, OF | SF | AF | PF | CF);
        row("0F BD /r", BSR, "Gv:rw,Ev", 0, 0, OSZAPC, OF | SF | AF | PF | CF);
        row("F3 0F BC /r", TZCNT, "Gv:w,Ev", 0, 0, OSZAPC, OF | SF | AF | PF);
        row("F3 0F BD /r", LZCNT, "Gv:w,Ev", 0, 0, OSZAPC, OF | SF | AF | PF);
        row("F3 0F B8 /r", POPCNT, "Gv:w,Ev", 0, 0, OSZAPC, 0);
        // ADX: add with carry through CF only (ADCX) or OF only (ADOX); no other flag changes
        row("66 0F 38 F6 /r", ADCX, "Gy,Ey", 0, CF, CF, 0);
        row("F3 0F 38 F6 /r", ADOX, "Gy,Ey", 0, OF, OF, 0);

        // ---- data movement
        row("88 /r", MOV, "Eb:w,Gb", 0, 0, 0, 0);
        row("89 /r", MOV, "Ev:w,Gv", 0, 0, 0, 0);
        row("8A /r", MOV, "Gb:w,Eb", 0, 0, 0, 0);
        row("8B /r", MOV, "Gv:w,Ev", 0, 0, 0, 0);
        row("A0", MOV, "AL:w,Ob", 0, 0, 0, 0);
        row("A1", MOV, "rAX:w,Ov", 0, 0, 0, 0);
        row("A2", MOV, "Ob:w,AL", 0, 0, 0, 0);
        row("A3", MOV, "Ov:w,rAX", 0, 0, 0, 0);
        row("B0 +r", MOV, "Zb:w,Ib", 0, 0, 0, 0);
        row("B8 +r", MOV, "Zv:w,Iv", 0, 0, 0, 0);
        row("C6 /0", MOV, "Eb:w,Ib", 0, 0, 0, 0);
        row("C7 /0", MOV, "Ev:w,Iz", 0, 0, 0, 0);
        row("0F B6 /r", MOVZX, "Gv:w,Eb", 0, 0, 0, 0);
        row("0F B7 /r", MOVZX, "Gv:w,Ew", 0, 0, 0, 0);
        row("0F BE /r", MOVSX, "Gv:w,Eb", 0, 0, 0, 0);
        row("0F BF /r", MOVSX, "Gv:w,Ew", 0, 0, 0, 0);
        row("63 /r", MOVSXD, "Gv:w,Ed", 0, 0, 0, 0);
        // MOVBE: a load or store with the bytes reversed (SDM Vol. 2B MOVBE); memory operand only
        row("0F 38 F0 /r mem", MOVBE, "Gv:w,Mv", 0, 0, 0, 0);
        row("0F 38 F1 /r mem", MOVBE, "Mv:w,Gv", 0, 0, 0, 0);
        row("8D /r mem", LEA, "Gv:w,M:a", NOMEM, 0, 0, 0);
        row("86 /r", XCHG, "Eb,Gb:rw", LOCK, 0, 0, 0); // with memory: locked implicitly (SDM XCHG)
        row("87 /r", XCHG, "Ev,Gv:rw", LOCK, 0, 0, 0);
        row("F3 90", PAUSE, "", 0, 0, 0, 0);
        row("90 noREX.B", NOP, "{v}", 0, 0, 0, 0);
        row("90 +r", XCHG, "Zv,rAX:rw", 0, 0, 0, 0);
        row("0F B0 /r", CMPXCHG, "Eb,Gb | AL:rw", LOCK, 0, OSZAPC, 0);
        row("0F B1 /r", CMPXCHG, "Ev,Gv | rAX:rw", LOCK, 0, OSZAPC, 0);
        row("0F C0 /r", XADD, "Eb,Gb:rw", LOCK, 0, OSZAPC, 0);
        row("0F C1 /r", XADD, "Ev,Gv:rw", LOCK, 0, OSZAPC, 0);
        row("0F C7 /1 mem o64", CMPXCHG16B, "Mo | RAX:rw RDX:rw RBX:r RCX:r", LOCK, 0, ZF, 0);
        row("0F C7 /1 mem", CMPXCHG8B, "Mq | EAX:rw EDX:rw EBX:r ECX:r", LOCK, 0, ZF, 0);
        row("0F C8 +r", BSWAP, "Zv", 0, 0, 0, 0);
        row("98 o16", CBW, "{v} | AL:r AX:w", 0, 0, 0, 0);
        row("98 o32", CWDE, "{v} | AX:r EAX:w", 0, 0, 0, 0);
        row("98 o64", CDQE, "{v} | EAX:r RAX:w", 0, 0, 0, 0);
        row("99 o16", CWD, "{v} | AX:r DX:w", 0, 0, 0, 0);
        row("99 o32", CDQ, "{v} | EAX:r EDX:w", 0, 0, 0, 0);
        row("99 o64", CQO, "{v} | RAX:r RDX:w", 0, 0, 0, 0);
        row("0F 40 +cc /r", CMOVCC, "Gv:rw,Ev", 0, 0, 0, 0);
        row("0F 90 +cc /r", SETCC, "Eb:w", 0, 0, 0, 0); // ModRM.reg is ignored (SDM SETcc)
        row("D7", XLAT, "{b} | AL:rw RBX:r [rBX+AL]:r", IMEM, 0, 0, 0);

        // ---- stack
        row("50 +r", PUSH, "Zv:r | RSP:rw [stack]:w", DEF64 | IMEM, 0, 0, 0);
        row("58 +r", POP, "Zv:w | RSP:rw [stack]:r", DEF64 | IMEM, 0, 0, 0);
        row("FF /6", PUSH, "Ev:r | RSP:rw [stack]:w", DEF64 | IMEM, 0, 0, 0);
        row("8F /0", POP, "Ev:w | RSP:rw [stack]:r", DEF64 | IMEM, 0, 0, 0);
        row("68", PUSH, "{v},Iz | RSP:rw [stack]:w", DEF64 | IMEM, 0, 0, 0);
        row("6A", PUSH, "{v},Ibs | RSP:rw [stack]:w", DEF64 | IMEM, 0, 0, 0);
        row("0F A0", PUSH, "{v},FS:r | RSP:rw [stack]:w", DEF64 | IMEM, 0, 0, 0);
        row("0F A1", POP, "{v},FS:w | RSP:rw [stack]:r", DEF64 | IMEM, 0, 0, 0);
        row("0F A8", PUSH, "{v},GS:r | RSP:rw [stack]:w", DEF64 | IMEM, 0, 0, 0);
        row("0F A9", POP, "{v},GS:w | RSP:rw [stack]:r", DEF64 | IMEM, 0, 0, 0);
        row("9C", PUSHFQ, "{v} | RSP:rw [stack]:w", DEF64 | IMEM, ALL, 0, 0);
        row("9D", POPFQ, "{v} | RSP:rw [stack]:r", DEF64 | IMEM | END, 0, ALL, 0); // may change TF/IF: end the block
        row("C8", ENTER, "{v},Iw,Ib | RSP:rw rBP:rw [stack]:rw", DEF64 | IMEM, 0, 0, 0);
        row("C9", LEAVE, "{v} | RSP:w rBP:rw [stack]:r", DEF64 | IMEM, 0, 0, 0);

        // ---- control flow
        row("70 +cc", JCC, "Jb", A_COND_BRANCH | A_BLOCK_END | F64, 0, 0, 0);
        row("0F 80 +cc", JCC, "Jz", A_COND_BRANCH | A_BLOCK_END | F64, 0, 0, 0);
        row("E3", JRCXZ, "Jb | RCX:r", A_COND_BRANCH | A_BLOCK_END | F64, 0, 0, 0);
        row("E2", LOOP, "Jb | RCX:rw", A_COND_BRANCH | A_BLOCK_END | F64, 0, 0, 0);
        row("E1", LOOPE, "Jb | RCX:rw", A_COND_BRANCH | A_BLOCK_END | F64, ZF, 0, 0);
        row("E0", LOOPNE, "Jb | RCX:rw", A_COND_BRANCH | A_BLOCK_END | F64, ZF, 0, 0);
        row("EB", JMP, "Jb", JUMP, 0, 0, 0);
        row("E9", JMP, "Jz", JUMP, 0, 0, 0);
        row("FF /4", JMP, "Ev:r", JUMP, 0, 0, 0);
        row("E8", CALL, "Jz | RSP:rw [stack]:w", JUMP | A_CALL | IMEM, 0, 0, 0);
        row("FF /2", CALL, "Ev:r | RSP:rw [stack]:w", JUMP | A_CALL | IMEM, 0, 0, 0);
        row("C3", RET, "{v} | RSP:rw [stack]:r", JUMP | A_RET | IMEM, 0, 0, 0);
        row("C2", RET, "{v},Iw | RSP:rw [stack]:r", JUMP | A_RET | IMEM, 0, 0, 0);
        row("CF o64", IRETQ, "{v} | RSP:rw [stack]:r", A_BRANCH | END | IMEM, 0, ALL, 0);
        row("CC", INT3, "", A_BRANCH | END, 0, TF | IF, 0);
        row("CD", INT, "Ib", A_BRANCH | END, 0, TF | IF, 0);
        row("0F 05", SYSCALL, "| RCX:w R11:w", A_BRANCH | END, 0, ALL, 0);
        row("0F 07 o64", SYSRETQ, "| RCX:r R11:r", A_BRANCH | END | PRIV, 0, ALL, 0);
        row("0F 07", SYSRET32, "| RCX:r R11:r", A_BRANCH | END | PRIV, 0, ALL, 0);
        row("0F 0B", UD2, "", END, 0, 0, 0);
        row("0F B9 /r", UD1, "Gv:n,Ev:n", END, 0, 0, 0);
        row("0F FF /r", UD0, "Gv:n,Ev:n", END, 0, 0, 0);
        row("F4", HLT, "", END | PRIV, 0, 0, 0);

        // ---- flags
        row("F5", CMC, "", 0, CF, CF, 0);
        row("F8", CLC, "", 0, 0, CF, 0);
        row("F9", STC, "", 0, 0, CF, 0);
        row("FC", CLD, "", 0, 0, DF, 0);
        row("FD", STD, "", 0, 0, DF, 0);
        row("FA", CLI, "", A_IOPL, 0, IF, 0);
        row("FB", STI, "", A_IOPL | END, 0, IF, 0); // interrupt shadow: end the block
        row("9E", SAHF, "| AH:r", 0, 0, SF | ZF | AF | PF | CF, 0);
        row("9F", LAHF, "| AH:w", 0, SF | ZF | AF | PF | CF, 0, 0);

        // ---- port I/O (SDM IN/OUT): allowed when CPL <= IOPL or the TSS I/O bitmap permits the port
        row("E4", IN, "AL:w,Ib", 0, 0, 0, 0);
        row("E5", IN, "eAX:w,Ib", 0, 0, 0, 0);
        row("EC", IN, "AL:w,DX", 0, 0, 0, 0);
        row("ED", IN, "eAX:w,DX", 0, 0, 0, 0);
        row("E6", OUT, "Ib,AL", 0, 0, 0, 0);
        row("E7", OUT, "Ib,eAX", 0, 0, 0, 0);
        row("EE", OUT, "DX:r,AL", 0, 0, 0, 0);
        row("EF", OUT, "DX:r,eAX", 0, 0, 0, 0);
        // INS/OUTS: the port in DX, ES:[rDI] or seg:[rSI]; a byte, or a word/doubleword (REX.W ignored)
        row("6C", INS, "{b} | RDX:r RDI:rw RCX:rw@rep [rDI]:w", STRING, DF, 0, 0);
        row("6D", INS, "{z} | RDX:r RDI:rw RCX:rw@rep [rDI]:w", STRING, DF, 0, 0);
        row("6E", OUTS, "{b} | RDX:r RSI:rw RCX:rw@rep [rSI]:r", STRING, DF, 0, 0);
        row("6F", OUTS, "{z} | RDX:r RSI:rw RCX:rw@rep [rSI]:r", STRING, DF, 0, 0);

        // ---- strings: element size in opSize; REP/REPE/REPNE from the prefix
        row("A4", MOVS, "{b} | RSI:rw RDI:rw RCX:rw@rep [rSI]:r [rDI]:w", STRING, DF, 0, 0);
        row("A5", MOVS, "{v} | RSI:rw RDI:rw RCX:rw@rep [rSI]:r [rDI]:w", STRING, DF, 0, 0);
        row("A6", CMPS, "{b} | RSI:rw RDI:rw RCX:rw@rep [rSI]:r [rDI]:r", STRING, DF, OSZAPC, 0);
        row("A7", CMPS, "{v} | RSI:rw RDI:rw RCX:rw@rep [rSI]:r [rDI]:r", STRING, DF, OSZAPC, 0);
        row("AA", STOS, "{b} | AL:r RDI:rw RCX:rw@rep [rDI]:w", STRING, DF, 0, 0);
        row("AB", STOS, "{v} | rAX:r RDI:rw RCX:rw@rep [rDI]:w", STRING, DF, 0, 0);
        row("AC", LODS, "{b} | AL:w RSI:rw RCX:rw@rep [rSI]:r", STRING, DF, 0, 0);
        row("AD", LODS, "{v} | rAX:w RSI:rw RCX:rw@rep [rSI]:r", STRING, DF, 0, 0);
        row("AE", SCAS, "{b} | AL:r RDI:rw RCX:rw@rep [rDI]:r", STRING, DF, OSZAPC, 0);
        row("AF", SCAS, "{v} | rAX:r RDI:rw RCX:rw@rep [rDI]:r", STRING, DF, OSZAPC, 0);

        // ---- hints, fences, misc
        row("F3 0F 1E FA", ENDBR64, "", 0, 0, 0, 0);
        // CET shadow-stack instructions in the NOP / LFENCE space: lstar's CPUID advertises no CET, so
        // they execute as a CPU without CET does (RDSSP is a reserved NOP, INCSSP an LFENCE with an
        // ignored F3) and print as objdump prints them (glibc runs them only when SHSTK is enabled)
        row("F3 0F 1E /1 reg o64", NOP, "Rq:n", 0, 0, 0, 0, "rdsspq");
        row("F3 0F 1E /1 reg", NOP, "Rd:n", 0, 0, 0, 0, "rdsspd");
        row("F3 0F AE /5 reg o64", LFENCE, "Rq:n", 0, 0, 0, 0, "incsspq");
        row("F3 0F AE /5 reg", LFENCE, "Rd:n", 0, 0, 0, 0, "incsspd");
        row("0F 1F /0", NOP, "Ev:n", NOMEM, 0, 0, 0);
        row("NP 0F 1C /0 mem", NOP, "Mb:n", NOMEM, 0, 0, 0, "cldemote"); // a hint: no architectural effect
        for (int op = 0x19; op <= 0x1F; op++) {
            if (op == 0x1F) continue;
            row("0F " + hex(op) + " /r", NOP, "Ev:n", NOMEM, 0, 0, 0); // reserved-NOP space (SDM NOP, Table A-3)
        }
        row("0F 18 /0 mem", PREFETCH, "Mb:a", NOMEM, 0, 0, 0, "prefetchnta");
        row("0F 18 /1 mem", PREFETCH, "Mb:a", NOMEM, 0, 0, 0, "prefetcht0");
        row("0F 18 /2 mem", PREFETCH, "Mb:a", NOMEM, 0, 0, 0, "prefetcht1");
        row("0F 18 /3 mem", PREFETCH, "Mb:a", NOMEM, 0, 0, 0, "prefetcht2");
        row("0F 18 /r", NOP, "Ev:n", NOMEM, 0, 0, 0); // 0F 18 /4../7 and register forms: reserved NOPs
        row("0F 0D /1 mem", PREFETCH, "Mb:a", NOMEM, 0, 0, 0, "prefetchw");
        row("0F 0D /2 mem", PREFETCH, "Mb:a", NOMEM, 0, 0, 0, "prefetchwt1");
        row("0F 0D /r mem", PREFETCH, "Mb:a", NOMEM, 0, 0, 0, "prefetch"); // /0 and the AMD aliases /3../7
        row("0F AE /5 reg", LFENCE, "", 0, 0, 0, 0); // E8..EF all execute as LFENCE (AMD APM Vol. 3 LFENCE)
        row("0F AE F0", MFENCE, "", 0, 0, 0, 0);
        row("0F AE F8", SFENCE, "", 0, 0, 0, 0);
        row("0F AE /7 mem", CLFLUSH, "Mb:a", 0, 0, 0, 0);
        row("66 0F AE /7 mem", CLFLUSH, "Mb:a", 0, 0, 0, 0, "clflushopt"); // weaker ordering only
        row("0F A2", CPUID, "| EAX:rw ECX:rw EBX:w EDX:w", END, 0, 0, 0); // serialising
        row("0F 31", RDTSC, "| EAX:w EDX:w", 0, 0, 0, 0);
        row("0F 01 F9", RDTSCP, "| EAX:w EDX:w ECX:w", 0, 0, 0, 0);
        row("F3 0F C7 /7 reg", RDPID, "Rq:w", 0, 0, 0, 0);
        row("F3 0F AE /0 reg", RDFSBASE, "Ry:w", 0, 0, 0, 0);
        row("F3 0F AE /1 reg", RDGSBASE, "Ry:w", 0, 0, 0, 0);
        row("F3 0F AE /2 reg", WRFSBASE, "Ry:r", 0, 0, 0, 0);
        row("F3 0F AE /3 reg", WRGSBASE, "Ry:r", 0, 0, 0, 0);

        // ---- system (SDM Vol. 2; privilege per each instruction's "Protected Mode Exceptions")
        row("0F 01 F8", SWAPGS, "", PRIV | END, 0, 0, 0);
        row("0F 32", RDMSR, "| ECX:r EAX:w EDX:w", PRIV, 0, 0, 0);
        row("0F 30", WRMSR, "| ECX:r EAX:r EDX:r", PRIV | END, 0, 0, 0);
        // MOV CR: ModRM.mod is ignored, r/m is always a register; flags undefined (SDM MOV-Control Registers)
        row("0F 20 /r", MOV_FROM_CR, "Rq:w,Cq", PRIV, 0, OSZAPC, OSZAPC);
        row("0F 22 /r", MOV_TO_CR, "Cq:w,Rq", PRIV | END, 0, OSZAPC, OSZAPC);
        row("0F 01 /7 mem", INVLPG, "M:a", PRIV | END, 0, 0, 0);
        row("66 0F 38 82 /r mem", INVPCID, "Gq:r,Mo", PRIV | END, 0, 0, 0);
        row("0F 01 /0 mem", SGDT, "Mt:w", 0, 0, 0, 0);
        row("0F 01 /1 mem", SIDT, "Mt:w", 0, 0, 0, 0);
        row("0F 01 /2 mem", LGDT, "Mt:r", PRIV | END, 0, 0, 0);
        row("0F 01 /3 mem", LIDT, "Mt:r", PRIV | END, 0, 0, 0);
        row("0F 00 /0", SLDT, "Evw:w", 0, 0, 0, 0);
        row("0F 00 /1", Mnemonic.STR, "Evw:w", 0, 0, 0, 0);
        row("0F 00 /2", LLDT, "Ew:r", PRIV | END, 0, 0, 0);
        row("0F 00 /3", LTR, "Ew:r", PRIV | END, 0, 0, 0);
        row("0F 00 /5", VERW, "Ew:r", 0, 0, ZF, 0);
        row("8C /r", MOV_FROM_SREG, "Evw:w,Sw", 0, 0, 0, 0);
        row("8E /r", MOV_TO_SREG, "Sw:w,Evw", END, 0, 0, 0);
        row("0F 06", CLTS, "", PRIV, 0, 0, 0);
        row("0F 08", INVD, "", PRIV | END, 0, 0, 0);
        row("0F 09", WBINVD, "", PRIV | END, 0, 0, 0);

        // ---- SSE/SSE2 moves, logic and packed integers on XMM registers (SDM Vol. 2 each;
        // opcode map Table A-3 with the 66/F3/F2 columns). NP rows: the no-prefix column only; a
        // prefix combination the SDM does not list decodes INVALID (#UD). ALIGN: m128 must be
        // 16-byte aligned (#GP(0)). The MMX forms (no prefix, MM registers) come after the SSE floating point.
        final int SSE = A_SSE, AL16 = A_SSE | A_ALIGN16;
        row("NP 0F 10 /r", MOVUPS, "Vx:w,Wx", SSE, 0, 0, 0);
        row("NP 0F 11 /r", MOVUPS, "Wx:w,Vx", SSE, 0, 0, 0);
        row("66 0F 10 /r", MOVUPD, "Vx:w,Wx", SSE, 0, 0, 0);
        row("66 0F 11 /r", MOVUPD, "Wx:w,Vx", SSE, 0, 0, 0);
        // MOVSS/MOVSD: register to register merges the low element; a load zeroes the rest
        row("F3 0F 10 /r reg", MOVSS, "Vx,Ux", SSE, 0, 0, 0);
        row("F3 0F 10 /r mem", MOVSS, "Vx:w,Md", SSE, 0, 0, 0);
        row("F3 0F 11 /r reg", MOVSS, "Ux,Vx", SSE, 0, 0, 0);
        row("F3 0F 11 /r mem", MOVSS, "Md:w,Vx", SSE, 0, 0, 0);
        row("F2 0F 10 /r reg", MOVSD, "Vx,Ux", SSE, 0, 0, 0);
        row("F2 0F 10 /r mem", MOVSD, "Vx:w,Mq", SSE, 0, 0, 0);
        row("F2 0F 11 /r reg", MOVSD, "Ux,Vx", SSE, 0, 0, 0);
        row("F2 0F 11 /r mem", MOVSD, "Mq:w,Vx", SSE, 0, 0, 0);
        row("NP 0F 12 /r reg", MOVHLPS, "Vx,Ux", SSE, 0, 0, 0);
        row("NP 0F 12 /r mem", MOVLPS, "Vx,Mq", SSE, 0, 0, 0);
        row("NP 0F 13 /r mem", MOVLPS, "Mq:w,Vx", SSE, 0, 0, 0);
        row("66 0F 12 /r mem", MOVLPD, "Vx,Mq", SSE, 0, 0, 0);
        row("66 0F 13 /r mem", MOVLPD, "Mq:w,Vx", SSE, 0, 0, 0);
        row("NP 0F 16 /r reg", MOVLHPS, "Vx,Ux", SSE, 0, 0, 0);
        row("NP 0F 16 /r mem", MOVHPS, "Vx,Mq", SSE, 0, 0, 0);
        row("NP 0F 17 /r mem", MOVHPS, "Mq:w,Vx", SSE, 0, 0, 0);
        row("66 0F 16 /r mem", MOVHPD, "Vx,Mq", SSE, 0, 0, 0);
        row("66 0F 17 /r mem", MOVHPD, "Mq:w,Vx", SSE, 0, 0, 0);
        row("NP 0F 28 /r", MOVAPS, "Vx:w,Wx", AL16, 0, 0, 0);
        row("NP 0F 29 /r", MOVAPS, "Wx:w,Vx", AL16, 0, 0, 0);
        row("66 0F 28 /r", MOVAPD, "Vx:w,Wx", AL16, 0, 0, 0);
        row("66 0F 29 /r", MOVAPD, "Wx:w,Vx", AL16, 0, 0, 0);
        row("NP 0F 2B /r mem", MOVNTPS, "Mx:w,Vx", AL16, 0, 0, 0);
        row("66 0F 2B /r mem", MOVNTPD, "Mx:w,Vx", AL16, 0, 0, 0);
        row("66 0F E7 /r mem", MOVNTDQ, "Mx:w,Vx", AL16, 0, 0, 0);
        row("NP 0F C3 /r mem", MOVNTI, "My:w,Gy", 0, 0, 0, 0); // a GPR store: no SSE state checks
        row("66 0F 6F /r", MOVDQA, "Vx:w,Wx", AL16, 0, 0, 0);
        row("66 0F 7F /r", MOVDQA, "Wx:w,Vx", AL16, 0, 0, 0);
        row("F3 0F 6F /r", MOVDQU, "Vx:w,Wx", SSE, 0, 0, 0);
        row("F3 0F 7F /r", MOVDQU, "Wx:w,Vx", SSE, 0, 0, 0);
        // MOVD/MOVQ: GPR or memory to the low element (the rest zeroed) and back; REX.W selects 64
        row("66 0F 6E /r", MOVD, "Vx:w,Ey", SSE, 0, 0, 0);
        row("66 0F 7E /r", MOVD, "Ey:w,Vx", SSE, 0, 0, 0);
        row("F3 0F 7E /r", MOVQ, "Vx:w,Wq", SSE, 0, 0, 0);
        row("66 0F D6 /r", MOVQ, "Wq:w,Vx", SSE, 0, 0, 0);
        row("NP 0F 50 /r reg", MOVMSKPS, "Gd:w,Ux", SSE, 0, 0, 0);
        row("66 0F 50 /r reg", MOVMSKPD, "Gd:w,Ux", SSE, 0, 0, 0);
        row("66 0F D7 /r reg", PMOVMSKB, "Gd:w,Ux", SSE, 0, 0, 0);
        // logic
        row("NP 0F 54 /r", ANDPS, "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F 54 /r", ANDPD, "Vx,Wx", AL16, 0, 0, 0);
        row("NP 0F 55 /r", ANDNPS, "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F 55 /r", ANDNPD, "Vx,Wx", AL16, 0, 0, 0);
        row("NP 0F 56 /r", ORPS, "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F 56 /r", ORPD, "Vx,Wx", AL16, 0, 0, 0);
        row("NP 0F 57 /r", XORPS, "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F 57 /r", XORPD, "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F DB /r", PAND, "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F DF /r", PANDN, "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F EB /r", POR, "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F EF /r", PXOR, "Vx,Wx", AL16, 0, 0, 0);
        // shuffles
        row("66 0F 70 /r", PSHUFD, "Vx:w,Wx,Ib", AL16, 0, 0, 0);
        row("F3 0F 70 /r", PSHUFHW, "Vx:w,Wx,Ib", AL16, 0, 0, 0);
        row("F2 0F 70 /r", PSHUFLW, "Vx:w,Wx,Ib", AL16, 0, 0, 0);
        row("NP 0F C6 /r", SHUFPS, "Vx,Wx,Ib", AL16, 0, 0, 0);
        row("66 0F C6 /r", SHUFPD, "Vx,Wx,Ib", AL16, 0, 0, 0);
        row("66 0F C4 /r reg", PINSRW, "Vx,Ed,Ib", SSE, 0, 0, 0);
        row("66 0F C4 /r mem", PINSRW, "Vx,Mw,Ib", SSE, 0, 0, 0);
        row("66 0F C5 /r reg", PEXTRW, "Gd:w,Ux,Ib", SSE, 0, 0, 0);
        // packed integer arithmetic, compares, unpacks and packs (66 0F 60-6D, 74-76, D1-FE)
        Mnemonic[] p60 = {PUNPCKLBW, PUNPCKLWD, PUNPCKLDQ, PACKSSWB, PCMPGTB, PCMPGTW, PCMPGTD, PACKUSWB,
            PUNPCKHBW, PUNPCKHWD, PUNPCKHDQ, PACKSSDW, PUNPCKLQDQ, PUNPCKHQDQ};
        for (int k = 0; k < p60.length; k++) row("66 0F " + hex(0x60 + k) + " /r", p60[k], "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F 74 /r", PCMPEQB, "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F 75 /r", PCMPEQW, "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F 76 /r", PCMPEQD, "Vx,Wx", AL16, 0, 0, 0);
        Mnemonic[] pD0 = {null, PSRLW, PSRLD, PSRLQ, PADDQ, PMULLW, null, null, PSUBUSB, PSUBUSW, PMINUB, null,
            PADDUSB, PADDUSW, PMAXUB, null, PAVGB, PSRAW, PSRAD, PAVGW, PMULHUW, PMULHW, null, null, PSUBSB, PSUBSW,
            PMINSW, null, PADDSB, PADDSW, PMAXSW, null, null, PSLLW, PSLLD, PSLLQ, PMULUDQ, PMADDWD, PSADBW, null,
            PSUBB, PSUBW, PSUBD, PSUBQ, PADDB, PADDW, PADDD};
        for (int k = 0; k < pD0.length; k++) {
            if (pD0[k] != null) row("66 0F " + hex(0xD0 + k) + " /r", pD0[k], "Vx,Wx", AL16, 0, 0, 0);
        }
        // shifts by an immediate (groups 12, 13, 14)
        row("66 0F 71 /2 reg", PSRLW, "Ux,Ib", SSE, 0, 0, 0);
        row("66 0F 71 /4 reg", PSRAW, "Ux,Ib", SSE, 0, 0, 0);
        row("66 0F 71 /6 reg", PSLLW, "Ux,Ib", SSE, 0, 0, 0);
        row("66 0F 72 /2 reg", PSRLD, "Ux,Ib", SSE, 0, 0, 0);
        row("66 0F 72 /4 reg", PSRAD, "Ux,Ib", SSE, 0, 0, 0);
        row("66 0F 72 /6 reg", PSLLD, "Ux,Ib", SSE, 0, 0, 0);
        row("66 0F 73 /2 reg", PSRLQ, "Ux,Ib", SSE, 0, 0, 0);
        row("66 0F 73 /3 reg", PSRLDQ, "Ux,Ib", SSE, 0, 0, 0);
        row("66 0F 73 /6 reg", PSLLQ, "Ux,Ib", SSE, 0, 0, 0);
        row("66 0F 73 /7 reg", PSLLDQ, "Ux,Ib", SSE, 0, 0, 0);
        // MXCSR (SDM LDMXCSR: #GP(0) for a reserved bit set)
        row("NP 0F AE /2 mem", LDMXCSR, "Md:r", SSE, 0, 0, 0);
        row("NP 0F AE /3 mem", STMXCSR, "Md:w", SSE, 0, 0, 0);

        // ---- SSE/SSE2 floating point (SDM Vol. 2 each; semantics in ops.SseFloat). Scalar forms
        // read m32/m64 (no alignment) and merge into the destination; packed m128 forms are
        // ALIGN. COMIS/UCOMIS write ZF PF CF and clear OF SF AF.
        int[] arith = {0x58, 0x59, 0x5C, 0x5D, 0x5E, 0x5F};
        Mnemonic[][] arithM = {{ADDPS, ADDPD, ADDSS, ADDSD}, {MULPS, MULPD, MULSS, MULSD}, {SUBPS, SUBPD, SUBSS, SUBSD},
            {MINPS, MINPD, MINSS, MINSD}, {DIVPS, DIVPD, DIVSS, DIVSD}, {MAXPS, MAXPD, MAXSS, MAXSD}};
        for (int k = 0; k < arith.length; k++) {
            String op = hex(arith[k]);
            row("NP 0F " + op + " /r", arithM[k][0], "Vx,Wx", AL16, 0, 0, 0);
            row("66 0F " + op + " /r", arithM[k][1], "Vx,Wx", AL16, 0, 0, 0);
            row("F3 0F " + op + " /r", arithM[k][2], "Vx,Wd", SSE, 0, 0, 0);
            row("F2 0F " + op + " /r", arithM[k][3], "Vx,Wq", SSE, 0, 0, 0);
        }
        row("NP 0F 51 /r", SQRTPS, "Vx:w,Wx", AL16, 0, 0, 0);
        row("66 0F 51 /r", SQRTPD, "Vx:w,Wx", AL16, 0, 0, 0);
        row("F3 0F 51 /r", SQRTSS, "Vx,Wd", SSE, 0, 0, 0);
        row("F2 0F 51 /r", SQRTSD, "Vx,Wq", SSE, 0, 0, 0);
        row("NP 0F 52 /r", RSQRTPS, "Vx:w,Wx", AL16, 0, 0, 0);
        row("F3 0F 52 /r", RSQRTSS, "Vx,Wd", SSE, 0, 0, 0);
        row("NP 0F 53 /r", RCPPS, "Vx:w,Wx", AL16, 0, 0, 0);
        row("F3 0F 53 /r", RCPSS, "Vx,Wd", SSE, 0, 0, 0);
        row("NP 0F C2 /r", CMPPS, "Vx,Wx,Ib", AL16, 0, 0, 0);
        row("66 0F C2 /r", CMPPD, "Vx,Wx,Ib", AL16, 0, 0, 0);
        row("F3 0F C2 /r", CMPSS, "Vx,Wd,Ib", SSE, 0, 0, 0);
        row("F2 0F C2 /r", CMPSD, "Vx,Wq,Ib", SSE, 0, 0, 0);
        row("NP 0F 2E /r", UCOMISS, "Vx:r,Wd", SSE, 0, OSZAPC, 0);
        row("66 0F 2E /r", UCOMISD, "Vx:r,Wq", SSE, 0, OSZAPC, 0);
        row("NP 0F 2F /r", COMISS, "Vx:r,Wd", SSE, 0, OSZAPC, 0);
        row("66 0F 2F /r", COMISD, "Vx:r,Wq", SSE, 0, OSZAPC, 0);
        row("F3 0F 2A /r", CVTSI2SS, "Vx,Ey", SSE, 0, 0, 0);
        row("F2 0F 2A /r", CVTSI2SD, "Vx,Ey", SSE, 0, 0, 0);
        row("F3 0F 2C /r", CVTTSS2SI, "Gy:w,Wd", SSE, 0, 0, 0);
        row("F2 0F 2C /r", CVTTSD2SI, "Gy:w,Wq", SSE, 0, 0, 0);
        row("F3 0F 2D /r", CVTSS2SI, "Gy:w,Wd", SSE, 0, 0, 0);
        row("F2 0F 2D /r", CVTSD2SI, "Gy:w,Wq", SSE, 0, 0, 0);
        row("NP 0F 5A /r", CVTPS2PD, "Vx:w,Wq", SSE, 0, 0, 0);
        row("66 0F 5A /r", CVTPD2PS, "Vx:w,Wx", AL16, 0, 0, 0);
        row("F3 0F 5A /r", CVTSS2SD, "Vx,Wd", SSE, 0, 0, 0);
        row("F2 0F 5A /r", CVTSD2SS, "Vx,Wq", SSE, 0, 0, 0);
        row("NP 0F 5B /r", CVTDQ2PS, "Vx:w,Wx", AL16, 0, 0, 0);
        row("66 0F 5B /r", CVTPS2DQ, "Vx:w,Wx", AL16, 0, 0, 0);
        row("F3 0F 5B /r", CVTTPS2DQ, "Vx:w,Wx", AL16, 0, 0, 0);
        row("F3 0F E6 /r", CVTDQ2PD, "Vx:w,Wq", SSE, 0, 0, 0);
        row("F2 0F E6 /r", CVTPD2DQ, "Vx:w,Wx", AL16, 0, 0, 0);
        row("66 0F E6 /r", CVTTPD2DQ, "Vx:w,Wx", AL16, 0, 0, 0);
        row("NP 0F 14 /r", UNPCKLPS, "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F 14 /r", UNPCKLPD, "Vx,Wx", AL16, 0, 0, 0);
        row("NP 0F 15 /r", UNPCKHPS, "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F 15 /r", UNPCKHPD, "Vx,Wx", AL16, 0, 0, 0);
        // ---- SSE3, SSSE3 and SSE4.1 on XMM registers (SDM Vol. 2 each; Table A-3 and the 66 column
        // of the 0F 38 / 0F 3A maps, Tables; semantics in ops.SseExt and ops.SseFloat). ALIGN: the m128 operands of
        // Exceptions Types 1, 2 and 4 (packed instructions, MOVNTDQA); no alignment rule for LDDQU,
        // the m64/m32/m16/m8 operands of Type 5 (MOVDDUP, PMOVSX/ZX, INSERTPS, PINSR/PEXTR,
        // EXTRACTPS) and the scalar ROUNDSS/SD (Type 3). BLENDV*/PBLENDVB name their implicit mask
        // register XMM0 as a third operand (objdump prints it). The no-prefix MMX forms of SSSE3
        // follow in the MMX block below (the same mnemonics and ops.Ssse3 semantics).
        row("F2 0F D0 /r", ADDSUBPS, "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F D0 /r", ADDSUBPD, "Vx,Wx", AL16, 0, 0, 0);
        row("F2 0F 7C /r", HADDPS, "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F 7C /r", HADDPD, "Vx,Wx", AL16, 0, 0, 0);
        row("F2 0F 7D /r", HSUBPS, "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F 7D /r", HSUBPD, "Vx,Wx", AL16, 0, 0, 0);
        row("F3 0F 16 /r", MOVSHDUP, "Vx:w,Wx", AL16, 0, 0, 0);
        row("F3 0F 12 /r", MOVSLDUP, "Vx:w,Wx", AL16, 0, 0, 0);
        row("F2 0F 12 /r", MOVDDUP, "Vx:w,Wq", SSE, 0, 0, 0);
        row("F2 0F F0 /r mem", LDDQU, "Vx:w,Mx", SSE, 0, 0, 0);
        // SSSE3 (66 0F 38 00-0B, 1C-1E; 66 0F 3A 0F)
        Mnemonic[] s38 = {PSHUFB, PHADDW, PHADDD, PHADDSW, PMADDUBSW, PHSUBW, PHSUBD, PHSUBSW, PSIGNB, PSIGNW, PSIGND,
            PMULHRSW};
        for (int k = 0; k < s38.length; k++) row("66 0F 38 " + hex(k) + " /r", s38[k], "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F 38 1C /r", PABSB, "Vx:w,Wx", AL16, 0, 0, 0);
        row("66 0F 38 1D /r", PABSW, "Vx:w,Wx", AL16, 0, 0, 0);
        row("66 0F 38 1E /r", PABSD, "Vx:w,Wx", AL16, 0, 0, 0);
        row("66 0F 3A 0F /r", PALIGNR, "Vx,Wx,Ib", AL16, 0, 0, 0);
        // SSE4.1 (66 0F 38 10-41; 66 0F 3A 08-22, 40-42). PTEST: ZF CF from the operands, OF SF AF PF cleared
        row("66 0F 38 10 /r", PBLENDVB, "Vx,Wx,XMM0:r", AL16, 0, 0, 0);
        row("66 0F 38 14 /r", BLENDVPS, "Vx,Wx,XMM0:r", AL16, 0, 0, 0);
        row("66 0F 38 15 /r", BLENDVPD, "Vx,Wx,XMM0:r", AL16, 0, 0, 0);
        row("66 0F 38 17 /r", PTEST, "Vx:r,Wx", AL16, 0, OSZAPC, 0);
        Mnemonic[] pmovsx = {PMOVSXBW, PMOVSXBD, PMOVSXBQ, PMOVSXWD, PMOVSXWQ, PMOVSXDQ};
        Mnemonic[] pmovzx = {PMOVZXBW, PMOVZXBD, PMOVZXBQ, PMOVZXWD, PMOVZXWQ, PMOVZXDQ};
        String[] pmovSrc = {"Wq", "Wd", "Ww", "Wq", "Wd", "Wq"}; // the source is the low 64/32/16 bits
        for (int k = 0; k < 6; k++) {
            row("66 0F 38 " + hex(0x20 + k) + " /r", pmovsx[k], "Vx:w," + pmovSrc[k], SSE, 0, 0, 0);
            row("66 0F 38 " + hex(0x30 + k) + " /r", pmovzx[k], "Vx:w," + pmovSrc[k], SSE, 0, 0, 0);
        }
        row("66 0F 38 28 /r", PMULDQ, "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F 38 29 /r", PCMPEQQ, "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F 38 2A /r mem", MOVNTDQA, "Vx:w,Mx", AL16, 0, 0, 0);
        row("66 0F 38 2B /r", PACKUSDW, "Vx,Wx", AL16, 0, 0, 0);
        Mnemonic[] minmax = {PMINSB, PMINSD, PMINUW, PMINUD, PMAXSB, PMAXSD, PMAXUW, PMAXUD, PMULLD};
        for (int k = 0; k < minmax.length; k++) row("66 0F 38 " + hex(0x38 + k) + " /r", minmax[k], "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F 38 41 /r", PHMINPOSUW, "Vx:w,Wx", AL16, 0, 0, 0);
        row("66 0F 3A 08 /r", ROUNDPS, "Vx:w,Wx,Ib", AL16, 0, 0, 0);
        row("66 0F 3A 09 /r", ROUNDPD, "Vx:w,Wx,Ib", AL16, 0, 0, 0);
        row("66 0F 3A 0A /r", ROUNDSS, "Vx,Wd,Ib", SSE, 0, 0, 0);
        row("66 0F 3A 0B /r", ROUNDSD, "Vx,Wq,Ib", SSE, 0, 0, 0);
        row("66 0F 3A 0C /r", BLENDPS, "Vx,Wx,Ib", AL16, 0, 0, 0);
        row("66 0F 3A 0D /r", BLENDPD, "Vx,Wx,Ib", AL16, 0, 0, 0);
        row("66 0F 3A 0E /r", PBLENDW, "Vx,Wx,Ib", AL16, 0, 0, 0);
        // PEXTRB/PEXTRW/EXTRACTPS/PINSRB ignore REX.W (a GPR destination is zero-extended anyway)
        row("66 0F 3A 14 /r reg", PEXTRB, "Rd:w,Vx,Ib", SSE, 0, 0, 0);
        row("66 0F 3A 14 /r mem", PEXTRB, "Mb:w,Vx,Ib", SSE, 0, 0, 0);
        row("66 0F 3A 15 /r reg", PEXTRW, "Rd:w,Vx,Ib", SSE, 0, 0, 0);
        row("66 0F 3A 15 /r mem", PEXTRW, "Mw:w,Vx,Ib", SSE, 0, 0, 0);
        row("66 0F 3A 16 /r o64", PEXTRQ, "Eq:w,Vx,Ib", SSE, 0, 0, 0);
        row("66 0F 3A 16 /r", PEXTRD, "Ed:w,Vx,Ib", SSE, 0, 0, 0);
        row("66 0F 3A 17 /r", EXTRACTPS, "Ed:w,Vx,Ib", SSE, 0, 0, 0);
        row("66 0F 3A 20 /r reg", PINSRB, "Vx,Rd,Ib", SSE, 0, 0, 0);
        row("66 0F 3A 20 /r mem", PINSRB, "Vx,Mb,Ib", SSE, 0, 0, 0);
        row("66 0F 3A 21 /r", INSERTPS, "Vx,Wd,Ib", SSE, 0, 0, 0);
        row("66 0F 3A 22 /r o64", PINSRQ, "Vx,Eq,Ib", SSE, 0, 0, 0);
        row("66 0F 3A 22 /r", PINSRD, "Vx,Ed,Ib", SSE, 0, 0, 0);
        row("66 0F 3A 40 /r", DPPS, "Vx,Wx,Ib", AL16, 0, 0, 0);
        row("66 0F 3A 41 /r", DPPD, "Vx,Wx,Ib", AL16, 0, 0, 0);
        row("66 0F 3A 42 /r", MPSADBW, "Vx,Wx,Ib", AL16, 0, 0, 0);
        // ---- MMX (SDM Vol. 1 ch. 9, Vol. 2 each; opcode map Table A-3, no-prefix column): the same
        // mnemonics and semantics as the XMM forms above on 64-bit MM registers (ops.Mmx for the
        // state rules). NP: a 66 prefix selects the XMM form, F2/F3 decode INVALID. The SSE
        // additions on MMX registers (PAVGB, PMINUB, PSHUFW ...) follow the MMX rules (A_MMX); the
        // conversions between MMX and XMM registers follow both (A_SSE | A_MMX).
        final int MMX = A_MMX, XMMX = A_SSE | A_MMX;
        row("NP 0F 6E /r", MOVD, "Pq:w,Ey", MMX, 0, 0, 0);
        row("NP 0F 7E /r", MOVD, "Ey:w,Pq", MMX, 0, 0, 0);
        row("NP 0F 6F /r", MOVQ, "Pq:w,Qq", MMX, 0, 0, 0);
        row("NP 0F 7F /r", MOVQ, "Qq:w,Pq", MMX, 0, 0, 0);
        Mnemonic[] m60 = {PUNPCKLBW, PUNPCKLWD, PUNPCKLDQ, PACKSSWB, PCMPGTB, PCMPGTW, PCMPGTD, PACKUSWB,
            PUNPCKHBW, PUNPCKHWD, PUNPCKHDQ, PACKSSDW};
        for (int k = 0; k < m60.length; k++) row("NP 0F " + hex(0x60 + k) + " /r", m60[k], k < 3 ? "Pq,Qd" : "Pq,Qq", MMX, 0, 0, 0);
        row("NP 0F 74 /r", PCMPEQB, "Pq,Qq", MMX, 0, 0, 0);
        row("NP 0F 75 /r", PCMPEQW, "Pq,Qq", MMX, 0, 0, 0);
        row("NP 0F 76 /r", PCMPEQD, "Pq,Qq", MMX, 0, 0, 0);
        row("NP 0F 77", EMMS, "", MMX, 0, 0, 0);
        Mnemonic[] mD0 = {null, PSRLW, PSRLD, PSRLQ, PADDQ, PMULLW, null, null, PSUBUSB, PSUBUSW, PMINUB, PAND,
            PADDUSB, PADDUSW, PMAXUB, PANDN, PAVGB, PSRAW, PSRAD, PAVGW, PMULHUW, PMULHW, null, null, PSUBSB, PSUBSW,
            PMINSW, POR, PADDSB, PADDSW, PMAXSW, PXOR, null, PSLLW, PSLLD, PSLLQ, PMULUDQ, PMADDWD, PSADBW, null,
            PSUBB, PSUBW, PSUBD, PSUBQ, PADDB, PADDW, PADDD};
        for (int k = 0; k < mD0.length; k++) {
            if (mD0[k] != null) row("NP 0F " + hex(0xD0 + k) + " /r", mD0[k], "Pq,Qq", MMX, 0, 0, 0);
        }
        row("NP 0F 71 /2 reg", PSRLW, "Nq,Ib", MMX, 0, 0, 0);
        row("NP 0F 71 /4 reg", PSRAW, "Nq,Ib", MMX, 0, 0, 0);
        row("NP 0F 71 /6 reg", PSLLW, "Nq,Ib", MMX, 0, 0, 0);
        row("NP 0F 72 /2 reg", PSRLD, "Nq,Ib", MMX, 0, 0, 0);
        row("NP 0F 72 /4 reg", PSRAD, "Nq,Ib", MMX, 0, 0, 0);
        row("NP 0F 72 /6 reg", PSLLD, "Nq,Ib", MMX, 0, 0, 0);
        row("NP 0F 73 /2 reg", PSRLQ, "Nq,Ib", MMX, 0, 0, 0);
        row("NP 0F 73 /6 reg", PSLLQ, "Nq,Ib", MMX, 0, 0, 0);
        row("NP 0F 70 /r", PSHUFW, "Pq:w,Qq,Ib", MMX, 0, 0, 0);
        row("NP 0F C4 /r reg", PINSRW, "Pq,Ed,Ib", MMX, 0, 0, 0);
        row("NP 0F C4 /r mem", PINSRW, "Pq,Mw,Ib", MMX, 0, 0, 0);
        row("NP 0F C5 /r reg", PEXTRW, "Gd:w,Nq,Ib", MMX, 0, 0, 0);
        row("NP 0F D7 /r reg", PMOVMSKB, "Gd:w,Nq", MMX, 0, 0, 0);
        row("NP 0F E7 /r mem", MOVNTQ, "Mq:w,Pq", MMX, 0, 0, 0);
        // MASKMOVQ: the bytes whose mask byte has its top bit set go to DS:[rDI] (a segment override applies)
        row("NP 0F F7 /r reg", MASKMOVQ, "Pq:r,Nq:r | RDI:r [rDI]:w", MMX | IMEM, 0, 0, 0);
        // CVTPI2PS/PD from memory touch no MMX register: no MMX state rules and no transition (as the host)
        row("NP 0F 2A /r reg", CVTPI2PS, "Vx,Qq", XMMX, 0, 0, 0);
        row("NP 0F 2A /r mem", CVTPI2PS, "Vx,Qq", SSE, 0, 0, 0);
        row("66 0F 2A /r reg", CVTPI2PD, "Vx:w,Qq", XMMX, 0, 0, 0);
        row("66 0F 2A /r mem", CVTPI2PD, "Vx:w,Qq", SSE, 0, 0, 0);
        row("NP 0F 2C /r", CVTTPS2PI, "Pq:w,Wq", XMMX, 0, 0, 0);
        row("66 0F 2C /r", CVTTPD2PI, "Pq:w,Wx", XMMX | A_ALIGN16, 0, 0, 0);
        row("NP 0F 2D /r", CVTPS2PI, "Pq:w,Wq", XMMX, 0, 0, 0);
        row("66 0F 2D /r", CVTPD2PI, "Pq:w,Wx", XMMX | A_ALIGN16, 0, 0, 0);
        row("F3 0F D6 /r reg", MOVQ2DQ, "Vx:w,Nq", XMMX, 0, 0, 0);
        row("F2 0F D6 /r reg", MOVDQ2Q, "Pq:w,Ux", XMMX, 0, 0, 0);
        // SSSE3 on MMX registers (NP 0F 38 00-0B, 1C-1E; NP 0F 3A 0F; s38 as for the 66 rows): m64 has no alignment rule
        for (int k = 0; k < s38.length; k++) row("NP 0F 38 " + hex(k) + " /r", s38[k], "Pq,Qq", XMMX, 0, 0, 0);
        row("NP 0F 38 1C /r", PABSB, "Pq:w,Qq", XMMX, 0, 0, 0);
        row("NP 0F 38 1D /r", PABSW, "Pq:w,Qq", XMMX, 0, 0, 0);
        row("NP 0F 38 1E /r", PABSD, "Pq:w,Qq", XMMX, 0, 0, 0);
        row("NP 0F 3A 0F /r", PALIGNR, "Pq,Qq,Ib", XMMX, 0, 0, 0);

        // ---- SSE4.2 (SDM Vol. 2 each; semantics in ops.Sse42). PCMPxSTRx: lengths in rAX/rDX
        // (REX.W: 64-bit), the index to ECX or the mask to XMM0; unaligned m128 allowed; CF ZF SF
        // OF from the comparison, AF = PF = 0. CRC32: the CRC-32C polynomial over 1/2/4/8 bytes.
        row("66 0F 38 37 /r", PCMPGTQ, "Vx,Wx", AL16, 0, 0, 0);
        row("66 0F 3A 60 /r", PCMPESTRM, "Vx:r,Wx,Ib | RAX:r RDX:r XMM0:w", SSE, 0, OSZAPC, 0);
        row("66 0F 3A 61 /r", PCMPESTRI, "Vx:r,Wx,Ib | RAX:r RDX:r ECX:w", SSE, 0, OSZAPC, 0);
        row("66 0F 3A 62 /r", PCMPISTRM, "Vx:r,Wx,Ib | XMM0:w", SSE, 0, OSZAPC, 0);
        row("66 0F 3A 63 /r", PCMPISTRI, "Vx:r,Wx,Ib | ECX:w", SSE, 0, OSZAPC, 0);
        row("F2 0F 38 F0 /r", CRC32, "Gy,Eb", 0, 0, 0, 0);
        row("F2 0F 38 F1 /r", CRC32, "Gy,Ev", 0, 0, 0, 0);

        // ---- x87 FPU (SDM Vol. 2 each; opcode map Table A-7..A-22 "escape opcodes"): ModRM.reg
        // extends the opcode; with mod = 3 the r/m field selects ST(i). Memory forms carry the
        // AT&T name objdump prints (the size suffix: s/l/t for m32/m64/m80 real, s/l/ll for
        // m16/m32/m64 integer). In the DC and DE register forms objdump (AT&T SysV convention)
        // swaps FSUB/FSUBR and FDIV/FDIVR names: the mnemonic is Intel's, attName objdump's.
        // The transcendentals (F2XM1 .. FCOS) compute in ops.Transcendental. FISTTP (SSE3) stores ST(0) truncated and pops.
        Mnemonic[] x87m = {FADD, FMUL, FCOM, FCOMP, FSUB, FSUBR, FDIV, FDIVR};
        Mnemonic[] x87i = {FIADD, FIMUL, FICOM, FICOMP, FISUB, FISUBR, FIDIV, FIDIVR};
        for (int k = 0; k < 8; k++) {
            String n = x87m[k].name().toLowerCase(), ni = x87i[k].name().toLowerCase();
            row("D8 /" + k + " mem", x87m[k], "Md:r", 0, 0, 0, 0, n + "s");
            row("DC /" + k + " mem", x87m[k], "Mq:r", 0, 0, 0, 0, n + "l");
            row("DA /" + k + " mem", x87i[k], "Md:r", 0, 0, 0, 0, ni + "l");
            row("DE /" + k + " mem", x87i[k], "Mw:r", 0, 0, 0, 0, ni + "s");
            if (k == 2 || k == 3) row("D8 /" + k + " reg", x87m[k], "STi:r", 0, 0, 0, 0);
            else row("D8 /" + k + " reg", x87m[k], "ST0,STi:r", 0, 0, 0, 0);
        }
        row("DC /0 reg", FADD, "STi,ST0:r", 0, 0, 0, 0);
        row("DC /1 reg", FMUL, "STi,ST0:r", 0, 0, 0, 0);
        row("DC /4 reg", FSUBR, "STi,ST0:r", 0, 0, 0, 0, "fsub");
        row("DC /5 reg", FSUB, "STi,ST0:r", 0, 0, 0, 0, "fsubr");
        row("DC /6 reg", FDIVR, "STi,ST0:r", 0, 0, 0, 0, "fdiv");
        row("DC /7 reg", FDIV, "STi,ST0:r", 0, 0, 0, 0, "fdivr");
        row("DE /0 reg", FADDP, "STi,ST0:r", 0, 0, 0, 0);
        row("DE /1 reg", FMULP, "STi,ST0:r", 0, 0, 0, 0);
        row("DE D9", FCOMPP, "", 0, 0, 0, 0);
        row("DE /4 reg", FSUBRP, "STi,ST0:r", 0, 0, 0, 0, "fsubp");
        row("DE /5 reg", FSUBP, "STi,ST0:r", 0, 0, 0, 0, "fsubrp");
        row("DE /6 reg", FDIVRP, "STi,ST0:r", 0, 0, 0, 0, "fdivp");
        row("DE /7 reg", FDIVP, "STi,ST0:r", 0, 0, 0, 0, "fdivrp");
        // loads, stores, constants, control (D9)
        row("D9 /0 mem", FLD, "Md:r", 0, 0, 0, 0, "flds");
        row("D9 /0 reg", FLD, "STi:r", 0, 0, 0, 0);
        row("D9 /1 reg", FXCH, "STi", 0, 0, 0, 0);
        row("D9 /2 mem", FST, "Md:w", 0, 0, 0, 0, "fsts");
        row("D9 D0", FNOP, "", 0, 0, 0, 0);
        row("D9 /3 mem", FSTP, "Md:w", 0, 0, 0, 0, "fstps");
        row("D9 /4 mem o16", FLDENV, "Me:r", 0, 0, 0, 0, "fldenvs");
        row("D9 /4 mem", FLDENV, "Me:r", 0, 0, 0, 0);
        row("D9 /5 mem", FLDCW, "Mw:r", 0, 0, 0, 0);
        row("D9 /6 mem o16", FNSTENV, "Me:w", 0, 0, 0, 0, "fnstenvs");
        row("D9 /6 mem", FNSTENV, "Me:w", 0, 0, 0, 0);
        row("D9 /7 mem", FNSTCW, "Mw:w", 0, 0, 0, 0);
        row("D9 E0", FCHS, "", 0, 0, 0, 0);
        row("D9 E1", FABS, "", 0, 0, 0, 0);
        row("D9 E4", FTST, "", 0, 0, 0, 0);
        row("D9 E5", FXAM, "", 0, 0, 0, 0);
        Mnemonic[] consts = {FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ};
        for (int k = 0; k < consts.length; k++) row("D9 " + hex(0xE8 + k), consts[k], "", 0, 0, 0, 0);
        row("D9 F0", F2XM1, "", 0, 0, 0, 0);
        row("D9 F1", FYL2X, "", 0, 0, 0, 0);
        row("D9 F2", FPTAN, "", 0, 0, 0, 0);
        row("D9 F3", FPATAN, "", 0, 0, 0, 0);
        row("D9 F4", FXTRACT, "", 0, 0, 0, 0);
        row("D9 F5", FPREM1, "", 0, 0, 0, 0);
        row("D9 F6", FDECSTP, "", 0, 0, 0, 0);
        row("D9 F7", FINCSTP, "", 0, 0, 0, 0);
        row("D9 F8", FPREM, "", 0, 0, 0, 0);
        row("D9 F9", FYL2XP1, "", 0, 0, 0, 0);
        row("D9 FA", FSQRT, "", 0, 0, 0, 0);
        row("D9 FB", FSINCOS, "", 0, 0, 0, 0);
        row("D9 FC", FRNDINT, "", 0, 0, 0, 0);
        row("D9 FD", FSCALE, "", 0, 0, 0, 0);
        row("D9 FE", FSIN, "", 0, 0, 0, 0);
        row("D9 FF", FCOS, "", 0, 0, 0, 0);
        // FCMOVcc (DA/DB reg /0../3): flags as CMOVB/E/BE/P and their negations
        Mnemonic[] fcmov = {FCMOVB, FCMOVE, FCMOVBE, FCMOVU, FCMOVNB, FCMOVNE, FCMOVNBE, FCMOVNU};
        int[] fcmovFlags = {CF, ZF, CF | ZF, PF};
        for (int k = 0; k < 8; k++) row((k < 4 ? "DA /" : "DB /") + (k & 3) + " reg", fcmov[k], "ST0,STi:r", 0, fcmovFlags[k & 3], 0, 0);
        row("DA E9", FUCOMPP, "", 0, 0, 0, 0);
        row("DB /0 mem", FILD, "Md:r", 0, 0, 0, 0, "fildl");
        row("DB /1 mem", FISTTP, "Md:w", 0, 0, 0, 0, "fisttpl");
        row("DB /2 mem", FIST, "Md:w", 0, 0, 0, 0, "fistl");
        row("DB /3 mem", FISTP, "Md:w", 0, 0, 0, 0, "fistpl");
        row("DB /5 mem", FLD, "Mt:r", 0, 0, 0, 0, "fldt");
        row("DB /7 mem", FSTP, "Mt:w", 0, 0, 0, 0, "fstpt");
        row("DB E2", FNCLEX, "", 0, 0, 0, 0);
        row("DB E3", FNINIT, "", 0, 0, 0, 0);
        row("DB /5 reg", FUCOMI, "ST0:r,STi:r", 0, 0, OSZAPC, 0);
        row("DB /6 reg", FCOMI, "ST0:r,STi:r", 0, 0, OSZAPC, 0);
        row("DD /0 mem", FLD, "Mq:r", 0, 0, 0, 0, "fldl");
        row("DD /1 mem", FISTTP, "Mq:w", 0, 0, 0, 0, "fisttpll");
        row("DD /2 mem", FST, "Mq:w", 0, 0, 0, 0, "fstl");
        row("DD /3 mem", FSTP, "Mq:w", 0, 0, 0, 0, "fstpl");
        row("DD /4 mem o16", FRSTOR, "Ms:r", 0, 0, 0, 0, "frstors");
        row("DD /4 mem", FRSTOR, "Ms:r", 0, 0, 0, 0);
        row("DD /6 mem o16", FNSAVE, "Ms:w", 0, 0, 0, 0, "fnsaves");
        row("DD /6 mem", FNSAVE, "Ms:w", 0, 0, 0, 0);
        row("DD /7 mem", FNSTSW, "Mw:w", 0, 0, 0, 0);
        row("DD /0 reg", FFREE, "STi:w", 0, 0, 0, 0);
        row("DD /2 reg", FST, "STi:w", 0, 0, 0, 0);
        row("DD /3 reg", FSTP, "STi:w", 0, 0, 0, 0);
        row("DD /4 reg", FUCOM, "STi:r", 0, 0, 0, 0);
        row("DD /5 reg", FUCOMP, "STi:r", 0, 0, 0, 0);
        row("DF /0 mem", FILD, "Mw:r", 0, 0, 0, 0, "filds");
        row("DF /1 mem", FISTTP, "Mw:w", 0, 0, 0, 0, "fisttps");
        row("DF /2 mem", FIST, "Mw:w", 0, 0, 0, 0, "fists");
        row("DF /3 mem", FISTP, "Mw:w", 0, 0, 0, 0, "fistps");
        row("DF /5 mem", FILD, "Mq:r", 0, 0, 0, 0, "fildll");
        row("DF /7 mem", FISTP, "Mq:w", 0, 0, 0, 0, "fistpll");
        row("DF E0", FNSTSW, "AX:w", 0, 0, 0, 0);
        row("DF /0 reg", FFREEP, "STi:w", 0, 0, 0, 0); // AMD and Intel execute it: FFREE, then pop
        row("DF /5 reg", FUCOMIP, "ST0:r,STi:r", 0, 0, OSZAPC, 0);
        row("DF /6 reg", FCOMIP, "ST0:r,STi:r", 0, 0, OSZAPC, 0);
        row("9B", FWAIT, "", 0, 0, 0, 0);
        // FXSAVE/FXRSTOR: 512 bytes, 16-byte aligned (#GP(0)); REX.W: the 64-bit FIP/FDP layout
        row("NP 0F AE /0 mem o64", FXSAVE, "Mf:w", 0, 0, 0, 0, "fxsave64");
        row("NP 0F AE /0 mem", FXSAVE, "Mf:w", 0, 0, 0, 0);
        row("NP 0F AE /1 mem o64", FXRSTOR, "Mf:r", 0, 0, 0, 0, "fxrstor64");
        row("NP 0F AE /1 mem", FXRSTOR, "Mf:r", 0, 0, 0, 0);
    }

    // ------------------------------------------------------------------------------------------
    // Row parsing and the decoder's index
    // ------------------------------------------------------------------------------------------

    // (no String.format or regular expressions here: this runs at every start of a cold JVM, where
    // each compiled Pattern and Formatter costs tens of microseconds, per row)
    private static String hex(int b) {
        return new String(new char[] {Character.toUpperCase(Character.forDigit(b >> 4 & 15, 16)),
            Character.toUpperCase(Character.forDigit(b & 15, 16))});
    }

    /** The tokens of {@code s} separated by runs of blanks (the JDK's tokenizer: no regular expression). */
    private static String[] words(String s) {
        java.util.StringTokenizer t = new java.util.StringTokenizer(s);
        String[] out = new String[t.countTokens()];
        for (int k = 0; k < out.length; k++) out[k] = t.nextToken();
        return out;
    }

    private static void row(String spec, Mnemonic m, String ops, int attrs, int read, int write, int undef) {
        row(spec, m, ops, attrs, read, write, undef, null);
    }

    private static void row(String spec, Mnemonic m, String ops, int attrs, int read, int write, int undef,
                            String attName) {
        AccessSpec acc = parseAccess(ops, spec);
        ops = acc.forms;
        String[] t = words(spec);
        int i = 0, prefix = 0, map = 0;
        boolean np = false;
        if (t[0].equals("NP")) { np = true; i++; }
        if (t.length > i + 1 && (t[i].equals("66") || t[i].equals("F2") || t[i].equals("F3"))
                && isHex(t[i + 1])) {
            prefix = Integer.parseInt(t[i++], 16);
        }
        int opcode = Integer.parseInt(t[i++], 16);
        if (opcode == 0x0F) {
            map = 1;
            opcode = Integer.parseInt(t[i++], 16);
            if (opcode == 0x38 || opcode == 0x3A) {
                map = opcode == 0x38 ? 2 : 3;
                opcode = Integer.parseInt(t[i++], 16);
            }
        }
        boolean modrm = false, plusR = false, plusCc = false, noRexB = false;
        int reg = -1, rm = -1, mod = MOD_ANY, osz = 0;
        for (; i < t.length; i++) {
            String s = t[i];
            switch (s) {
                case "/r" -> modrm = true;
                case "+r" -> plusR = true;
                case "+cc" -> plusCc = true;
                case "mem" -> mod = MOD_MEM;
                case "reg" -> mod = MOD_REG;
                case "o16" -> osz = 2;
                case "o32" -> osz = 4;
                case "o64" -> osz = 8;
                case "noREX.B" -> noRexB = true;
                default -> {
                    if (s.length() == 2 && s.charAt(0) == '/') {
                        modrm = true;
                        reg = s.charAt(1) - '0';
                    } else if (isHex(s)) {
                        int b = Integer.parseInt(s, 16);
                        modrm = true;
                        if (b >> 6 != 3) throw new IllegalStateException("fixed ModRM must have mod=3: " + spec);
                        mod = MOD_REG;
                        reg = (b >> 3) & 7;
                        rm = b & 7;
                    } else {
                        throw new IllegalStateException("bad opcode token '" + s + "' in " + spec);
                    }
                }
            }
        }
        int[] codes = compileOperands(ops, spec);
        for (int c : codes) {
            int ty = type(c);
            if (ty == T_M) {
                if (mod == MOD_REG) throw new IllegalStateException("M operand with reg constraint: " + spec);
                mod = MOD_MEM;
            } else if ((ty == T_R && !hasCreg(codes)) || ty == T_U || ty == T_N) {
                mod = MOD_REG; // (MOV CR ignores ModRM.mod: the r/m is a register whatever mod says)
            }
        }
        if (plusCc) {
            for (int cc = 0; cc < 16; cc++) {
                add(spec, map, opcode + cc, prefix, modrm, reg, rm, mod, osz, np, noRexB, false, cc, m, ops, attName,
                        read | COND_FLAGS[cc], write, undef, attrs, codes, acc);
            }
        } else {
            add(spec, map, opcode, prefix, modrm, reg, rm, mod, osz, np, noRexB, plusR, -1, m, ops, attName,
                    read, write, undef, attrs, codes, acc);
        }
    }

    private static void add(String spec, int map, int opcode, int prefix, boolean modrm, int reg, int rm, int mod,
                            int osz, boolean np, boolean noRexB, boolean plusR, int cond, Mnemonic m, String ops, String attName,
                            int read, int write, int undef, int attrs, int[] codes, AccessSpec acc) {
        if ((undef & ~write) != 0) throw new IllegalStateException("undefined flags must be written: " + spec);
        ROWS.add(new Row(ROWS.size(), spec, map, opcode, prefix, modrm, reg, rm, mod, osz, np, noRexB, plusR, cond, m,
                ops, attName, read, write, undef, attrs, codes, acc));
    }

    /** The access part of a row's operand text, parsed once per row (see "Operand access" above). */
    static final class AccessSpec {
        String forms = "", implicit = "";
        int accessBits, read, written, repRead, repWritten, memory, partialFixed, writtenV;

        // here rather than in OpcodeTable: the table's static block runs before OpcodeTable's later fields
        static final String[] GPR64 = {"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
            "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"};
        static final String[] GPR_LOW8 = {"AX", "CX", "DX", "BX", "SP", "BP", "SI", "DI"};
    }

    static AccessSpec parseAccess(String ops, String spec) {
        AccessSpec a = new AccessSpec();
        String explicit = ops, implicit = "";
        int bar = ops.indexOf('|');
        if (bar >= 0) {
            explicit = ops.substring(0, bar).trim();
            implicit = ops.substring(bar + 1).trim();
        }
        a.implicit = implicit;
        // explicit operands: "form[:acc]", default operand 0 read-write, the others read
        StringBuilder forms = new StringBuilder();
        int n = 0;
        if (!explicit.isEmpty()) {
            for (String tok : explicit.split(",")) {
                tok = tok.trim();
                int colon = tok.indexOf(':');
                String form = colon < 0 ? tok : tok.substring(0, colon);
                if (forms.length() > 0) forms.append(',');
                forms.append(form);
                if (form.startsWith("{")) continue; // size marker, not an operand
                int acc;
                if (form.startsWith("I") || form.startsWith("J") || form.equals("1")) {
                    if (colon >= 0) throw new IllegalStateException("access on an immediate in " + spec);
                    acc = ACC_NONE;
                } else if (colon >= 0) {
                    acc = accessCode(tok.substring(colon + 1), spec);
                    if (acc == ACC_ADDR && !(form.startsWith("M") || form.startsWith("E") || form.startsWith("W")))
                        throw new IllegalStateException(":a on a non-memory operand in " + spec);
                } else {
                    acc = n == 0 ? ACC_RW : ACC_R;
                }
                a.accessBits |= acc << (4 * n);
                n++;
            }
        }
        a.forms = forms.toString();
        // implicit operands: "REG:acc[@rep]" or "[mem]:acc"
        if (!implicit.isEmpty()) {
            for (String tok : words(implicit)) {
                boolean rep = tok.endsWith("@rep");
                if (rep) tok = tok.substring(0, tok.length() - 4);
                int colon = tok.lastIndexOf(':');
                if (colon < 0) throw new IllegalStateException("implicit operand without access: " + tok + " in " + spec);
                String name = tok.substring(0, colon);
                int acc = accessCode(tok.substring(colon + 1), spec);
                if (acc == ACC_ADDR || acc == ACC_NONE) throw new IllegalStateException("bad implicit access in " + spec);
                if (name.startsWith("[")) {
                    if (rep) throw new IllegalStateException("@rep on memory in " + spec);
                    a.memory |= switch (name + ":" + tok.substring(colon + 1)) {
                        case "[stack]:r" -> IM_STACK_R;
                        case "[stack]:w" -> IM_STACK_W;
                        case "[stack]:rw" -> IM_STACK_R | IM_STACK_W;
                        case "[rSI]:r" -> IM_SRC_R;
                        case "[rDI]:r" -> IM_DST_R;
                        case "[rDI]:w" -> IM_DST_W;
                        case "[rBX+AL]:r" -> IM_TABLE_R;
                        default -> throw new IllegalStateException("bad implicit memory " + tok + " in " + spec);
                    };
                    continue;
                }
                if (name.equals("XMM0")) continue; // PCMPxSTRM's result register: not a GPR (kept in the implicit text)
                int reg = -1, size = 0; // size 0 = the operation size
                for (int r = 0; r < 16; r++) if (name.equals(AccessSpec.GPR64[r])) { reg = r; size = 8; }
                for (int r = 0; r < 8 && reg < 0; r++) {
                    String x = AccessSpec.GPR_LOW8[r];
                    if (name.equals("E" + x)) { reg = r; size = 4; }
                    else if (name.equals(x)) { reg = r; size = 2; }
                    else if (name.equals("r" + x)) { reg = r; size = 0; }
                    else if (r < 4 && name.equals(x.charAt(0) + "L")) { reg = r; size = 1; }
                    else if (r < 4 && name.equals(x.charAt(0) + "H")) { reg = r; size = 1; }
                }
                if (reg < 0) throw new IllegalStateException("bad implicit register " + name + " in " + spec);
                int bit = 1 << reg;
                if (rep) {
                    if ((acc & ACC_R) != 0) a.repRead |= bit;
                    if ((acc & ACC_W) != 0) a.repWritten |= bit;
                    if ((acc & ACC_W) != 0 && size != 4 && size != 8)
                        throw new IllegalStateException("@rep registers are address-sized in " + spec);
                    continue;
                }
                if ((acc & ACC_R) != 0) a.read |= bit;
                if ((acc & ACC_W) != 0) {
                    a.written |= bit;
                    if (size == 1 || size == 2) a.partialFixed |= bit;
                    if (size == 0) a.writtenV |= bit;
                }
            }
        }
        return a;
    }

    private static int accessCode(String s, String spec) {
        return switch (s) {
            case "r" -> ACC_R;
            case "w" -> ACC_W;
            case "rw" -> ACC_RW;
            case "a" -> ACC_ADDR;
            case "n" -> ACC_NONE;
            default -> throw new IllegalStateException("bad access '" + s + "' in " + spec);
        };
    }

    private static boolean hasCreg(int[] codes) {
        for (int c : codes) if (type(c) == T_C) return true;
        return false;
    }

    private static boolean isHex(String s) {
        return s.length() == 2 && Character.digit(s.charAt(0), 16) >= 0 && Character.digit(s.charAt(1), 16) >= 0;
    }

    private static int[] compileOperands(String ops, String spec) {
        if (ops.isEmpty()) return new int[0];
        String[] f = ops.split(",");
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) out[i] = compileOperand(f[i].trim(), spec);
        return out;
    }

    private static int compileOperand(String f, String spec) {
        switch (f) {
            case "AL": return T_FIXREG | 1 << 8;
            case "CL": return T_FIXREG | 1 << 8 | 1 << 16;
            case "rAX": return T_FIXREG | S_V << 8;
            case "eAX": return T_FIXREG | S_Z << 8;
            case "DX": return T_FIXREG | 2 << 8 | 2 << 16;
            case "1": return T_ONE | 1 << 8;
            case "FS": return T_FIXSREG | 2 << 8 | Instruction.SEG_FS << 16;
            case "GS": return T_FIXSREG | 2 << 8 | Instruction.SEG_GS << 16;
            case "{b}": return T_SIZE | 1 << 8;
            case "{w}": return T_SIZE | 2 << 8;
            case "{v}": return T_SIZE | S_V << 8;
            case "{z}": return T_SIZE | S_Z << 8;
            case "Ibs": return T_I | 1 << 8 | X_SIGN << 16;
            case "Ib": return T_I | 1 << 8;
            case "Iw": return T_I | 2 << 8;
            case "Iz": return T_I | S_Z << 8 | X_SIGN << 16;
            case "Iv": return T_I | S_V << 8 | X_SIGN << 16;
            case "Jb": return T_J | 1 << 8;
            case "Jz": return T_J | 4 << 8;
            case "M": return T_M;
            case "Evw": return T_E | S_VW << 8;
            case "AX": return T_FIXREG | 2 << 8;
            case "ST0": return T_ST | 10 << 8;
            case "STi": return T_ST | 10 << 8 | 1 << 16;
            case "Me": return T_M | S_ENV << 8;
            case "Ms": return T_M | S_FSAVE << 8;
            case "Mf": return T_M | S_FX << 8;
            case "XMM0": return T_XMM0 | 16 << 8;
            default: break;
        }
        int ty = switch (f.charAt(0)) {
            case 'E' -> T_E; case 'G' -> T_G; case 'M' -> T_M; case 'R' -> T_R; case 'Z' -> T_Z;
            case 'S' -> T_S; case 'C' -> T_C; case 'O' -> T_O;
            case 'V' -> T_V; case 'W' -> T_W; case 'U' -> T_U;
            case 'P' -> T_P; case 'Q' -> T_Q; case 'N' -> T_N;
            default -> throw new IllegalStateException("bad operand form " + f + " in " + spec);
        };
        if (f.length() != 2) throw new IllegalStateException("bad operand form " + f + " in " + spec);
        int sz = switch (f.charAt(1)) {
            case 'b' -> 1; case 'w' -> 2; case 'd' -> 4; case 'q' -> 8; case 't' -> 10; case 'o', 'x' -> 16;
            case 'v' -> S_V; case 'y' -> S_Y; case 'z' -> S_Z;
            default -> throw new IllegalStateException("bad operand size " + f + " in " + spec);
        };
        return ty | sz << 8;
    }

    /** Candidate row ids per (map << 8 | opcode), most specific first. */
    static final int[][] INDEX = new int[4 * 256][];
    /** Whether (map << 8 | opcode) is followed by a ModRM byte (also for opcodes without rows). */
    static final boolean[] HAS_MODRM = new boolean[4 * 256];
    /** Whether an opcode without rows carries an imm8 after its ModRM (for INVALID lengths). */
    static final boolean[] HAS_IMM8 = new boolean[4 * 256];
    static final Row[] ROW_ARRAY;
    private static final List<Row> VIEW = Collections.unmodifiableList(ROWS);

    /**
     * Undefined flags lstar's semantics leave unchanged, by mnemonic (the host's behaviour,
     * checked by the ops vectors recorded on it): MUL/IMUL keep SF ZF AF PF; DIV/IDIV keep CF OF;
     * BT/BTS/BTR/BTC keep OF SF AF PF; LZCNT/TZCNT keep OF; MOV to/from a control register keeps
     * all six (the SDM leaves them undefined; the helpers do not touch them).
     */
    static final java.util.Map<Mnemonic, Integer> KEPT = java.util.Map.of(
            MUL, SF | ZF | AF | PF, IMUL, SF | ZF | AF | PF, DIV, CF | OF, IDIV, CF | OF,
            BT, OF | SF | AF | PF, BTS, OF | SF | AF | PF, BTR, OF | SF | AF | PF, BTC, OF | SF | AF | PF,
            LZCNT, OF, TZCNT, OF);

    static {
        for (Row r : ROWS) {
            int kept = KEPT.getOrDefault(r.mnemonic, 0);
            if (r.mnemonic == MOV_TO_CR || r.mnemonic == MOV_FROM_CR) kept = OSZAPC;
            if ((kept & ~r.flagsUndefined) != 0) throw new IllegalStateException("kept flags must be undefined ones: " + r.spec);
            r.flagsKept = kept;
        }
        buildIndex();
        ROW_ARRAY = ROWS.toArray(new Row[0]);
    }

    private static void buildIndex() {
        @SuppressWarnings("unchecked")
        List<Row>[] slots = new List[4 * 256];
        for (Row r : ROWS) {
            int n = r.plusReg ? 8 : 1;
            for (int k = 0; k < n; k++) {
                int key = r.map << 8 | (r.opcode + k);
                if (slots[key] == null) slots[key] = new ArrayList<>();
                slots[key].add(r);
            }
        }
        // Opcodes without rows: ModRM presence from the SDM opcode maps (Vol. 2 Appendix A, Tables ),
        // so that unsupported encodings still decode to a sensible length.
        markModrm(0, "00-03 08-0B 10-13 18-1B 20-23 28-2B 30-33 38-3B 62-63 69 6B 80-8F C0-C1 C4-C7 D0-D3 D8-DF F6-F7 FE-FF");
        markModrm(1, "00-03 0D 10-17 18-1F 20-23 28-2F 40-4F 50-76 78-7F 90-9F A3-A5 AB-AF B0-B7 B8-BF C0-C7 D0-FF");
        markModrm(2, "00-FF");
        markModrm(3, "00-FF");
        mark(HAS_IMM8, 1, "70-73 A4 AC BA C2 C4-C6");
        mark(HAS_IMM8, 3, "00-FF");
        for (int key = 0; key < slots.length; key++) {
            List<Row> l = slots[key];
            if (l == null) { INDEX[key] = new int[0]; continue; }
            boolean m = l.get(0).hasModrm;
            for (Row r : l) {
                if (r.hasModrm != m) throw new IllegalStateException("ModRM disagreement at " + r.spec);
            }
            HAS_MODRM[key] = m;
            List<Row> sorted = new ArrayList<>(l);
            sorted.sort((a, b) -> Integer.compare(specificity(b), specificity(a)));
            int[] ids = new int[sorted.size()];
            for (int i = 0; i < ids.length; i++) ids[i] = sorted.get(i).id;
            INDEX[key] = ids;
        }
    }

    private static int specificity(Row r) {
        return (r.mandatoryPrefix != 0 || r.noPrefix ? 16 : 0) + (r.operandSize != 0 ? 8 : 0) + (r.noRexB ? 4 : 0)
                + (r.modrmReg >= 0 ? 2 : 0) + (r.modrmRm >= 0 ? 1 : 0);
    }

    private static void markModrm(int map, String ranges) {
        mark(HAS_MODRM, map, ranges);
    }

    private static void mark(boolean[] bits, int map, String ranges) {
        for (String part : ranges.split(" ")) {
            String[] ab = part.split("-");
            int a = Integer.parseInt(ab[0], 16), b = ab.length > 1 ? Integer.parseInt(ab[1], 16) : a;
            for (int x = a; x <= b; x++) bits[map << 8 | x] = true;
        }
    }

    /** Every row of the table (unmodifiable; {@code rows().get(i).id == i}). */
    public static List<Row> rows() {
        return VIEW;
    }

    /** The row an instruction was decoded from, or null for INVALID. */
    public static Row rowOf(Instruction insn) {
        return insn.row < 0 ? null : ROW_ARRAY[insn.row];
    }

    /** Number of rows (for reports). */
    public static int size() {
        return ROWS.size();
    }

}
